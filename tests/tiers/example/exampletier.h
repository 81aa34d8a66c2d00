// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tier.h>

#include <QtCore/QHash>

#include <memory>

/*
    The smallest complete tier (tier API version 2): every entry lives in a QHash, nothing is
    ever evicted. Copy this directory to start a tier of your own, then replace the hash with
    your storage.

    Each stored body gets a generation number, its version(): updateMetaData() with an
    ifVersion applies only while the entry still has that body. lookup() returns an
    ExampleEntry that snapshots the body it found (QByteArray is implicitly shared, so this
    costs no copy): its openBody() delivers that version however much later it is called.
*/
class ExampleTier final : public tiercache::Tier
{
public:
    QString name() const override { return QStringLiteral("example"); }
    Capabilities capabilities() const override { return {}; }
    qint64 maxEntrySize() const override { return -1; } // no limit
    std::unique_ptr<tiercache::TierEntry> lookup(const QString &key) override;
    std::unique_ptr<tiercache::TierWriter> beginWrite(const QString &key,
                                                      const QNetworkCacheMetaData &metaData,
                                                      qint64 sizeHint) override;
    bool remove(const QString &key) override;
    bool updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData,
                        const QByteArray &ifVersion = {}) override;
    void enumerate(const std::function<bool(const tiercache::TierRecord &)> &visitor) override;
    qint64 size() override { return m_size; }
    void clear() override;
    QString errorString() const override { return m_error; }

    //! Called by the writer on commit(): stores or replaces the entry at once. The example
    //! keeps no tag index (no StoresTags capability), so tags are not passed on.
    void store(const QString &key, const QNetworkCacheMetaData &metaData, const QByteArray &body);
    //! Called by an entry handle when its body is read.
    void touch(const QString &key, const QByteArray &version);

private:
    struct Entry
    {
        QNetworkCacheMetaData metaData;
        QByteArray body;
        QDateTime lastAccess;
        QByteArray version; // the generation of this body, as a decimal number
    };
    static tiercache::TierRecord recordOf(const QString &key, const Entry &entry);

    QHash<QString, Entry> m_entries;
    qint64 m_size = 0;        // sum of the body sizes
    quint64 m_generation = 0; // bumped by every stored body
    QString m_error;
    // Handles may outlive the tier (a cache that changes its tiers): they hold a weak
    // reference to this and check it before they call back.
    std::shared_ptr<ExampleTier *> m_self = std::make_shared<ExampleTier *>(this);
};
