// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tier.h>

#include <QtCore/QIODevice>
#include <QtCore/QStringList>
#include <QtNetwork/QNetworkCacheMetaData>

#include <memory>
#include <utility>
#include <vector>

namespace tiercache {

/*
    The device prepare() hands to QNetworkAccessManager: it passes the body to one writer per
    tier that takes it (the disk tier's writer spools it to a temporary file). A tier that
    declines midway (too large, out of space, connection lost) drops out; the others go on.

    Closing the device (QIODevice::close() emits aboutToClose()) is how the cache withdraws
    it: QNetworkReplyHttpImpl listens to aboutToClose() and forgets its pointer.
*/
class InsertDevice : public QIODevice
{
    Q_OBJECT
public:
    struct Target
    {
        int index; // position of the tier in the chain
        std::unique_ptr<TierWriter> writer;
    };

    InsertDevice(const QString &key, const QNetworkCacheMetaData &metaData,
                 std::vector<Target> targets, QObject *parent);
    ~InsertDevice() override;

    const QString &key() const { return m_key; }
    const QNetworkCacheMetaData &metaData() const { return m_metaData; }
    void setMetaData(const QNetworkCacheMetaData &md) { m_metaData = md; }
    qint64 bodySize() const { return m_size; }
    //! The first bytes of the body (up to 4), to recognise compressed formats.
    const QByteArray &leadingBytes() const { return m_leading; }
    std::vector<Target> takeTargets() { return std::move(m_targets); }
    //! Tiers that dropped out (index, reason), for statistics and errors.
    std::vector<std::pair<int, QString>> takeDropped() { return std::move(m_dropped); }
    //! Discards everything written so far.
    void discard();
    void setTags(const QStringList &tags) { m_tags = tags; }
    const QStringList &tags() const { return m_tags; }
    //! Bodies growing beyond \a bytes (-1: no limit) are dropped from every tier.
    void setMaximumSize(qint64 bytes) { m_maximumSize = bytes; }
    bool isSequential() const override { return true; }
    //! An error response stored for its negative TTL: committed when QNAM calls remove().
    void setNegative(bool negative) { m_negative = negative; }
    bool isNegative() const { return m_negative; }

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    bool m_negative = false;
    QString m_key;
    QNetworkCacheMetaData m_metaData;
    std::vector<Target> m_targets;
    std::vector<std::pair<int, QString>> m_dropped;
    qint64 m_size = 0;
    qint64 m_maximumSize = -1;
    QByteArray m_leading;
    QStringList m_tags;
};

} // namespace tiercache
