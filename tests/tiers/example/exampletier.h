// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tier.h>

#include <QtCore/QHash>

/*
    The smallest complete tier: every entry lives in a QHash, nothing is ever evicted. Copy this
    directory to start a tier of your own, then replace the hash with your storage.
*/
class ExampleTier final : public tiercache::Tier
{
public:
    QString name() const override { return QStringLiteral("example"); }
    Capabilities capabilities() const override { return {}; }
    qint64 maxEntrySize() const override { return -1; } // no limit
    tiercache::TierRecord lookup(const QString &key) override;
    QIODevice *openBody(const QString &key) override;
    std::unique_ptr<tiercache::TierWriter> beginWrite(const QString &key,
                                                      const QNetworkCacheMetaData &metaData,
                                                      qint64 sizeHint) override;
    bool remove(const QString &key) override;
    bool updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData) override;
    void enumerate(const std::function<bool(const tiercache::TierRecord &)> &visitor) override;
    qint64 size() override { return m_size; }
    void clear() override;
    QString errorString() const override { return {}; }

    //! Called by the writer on commit(): stores or replaces the entry at once.
    void store(const QString &key, const QNetworkCacheMetaData &metaData, const QByteArray &body);

private:
    struct Entry
    {
        QNetworkCacheMetaData metaData;
        QByteArray body;
        QDateTime lastAccess;
    };
    static tiercache::TierRecord recordOf(const QString &key, const Entry &entry);

    QHash<QString, Entry> m_entries;
    qint64 m_size = 0; // sum of the body sizes
};
