// SPDX-License-Identifier: MIT
#include <tiercache/tier.h>

namespace tiercache {

class TierRecordData : public QSharedData
{
public:
    QString key;
    QNetworkCacheMetaData metaData;
    qint64 bodySize = -1;
    qint64 storedSize = -1;
    QDateTime lastAccess;
    QByteArray version;
};

TierRecord::TierRecord() : d(new TierRecordData) { }

TierRecord::TierRecord(const QString &key, const QNetworkCacheMetaData &metaData, qint64 bodySize)
    : d(new TierRecordData)
{
    d->key = key;
    d->metaData = metaData;
    d->bodySize = bodySize;
}

TierRecord::TierRecord(const TierRecord &other) = default;
TierRecord::TierRecord(TierRecord &&other) noexcept = default;
TierRecord &TierRecord::operator=(const TierRecord &other) = default;
TierRecord &TierRecord::operator=(TierRecord &&other) noexcept = default;
TierRecord::~TierRecord() = default;

bool TierRecord::isValid() const
{
    return d->bodySize >= 0;
}
QString TierRecord::key() const
{
    return d->key;
}
void TierRecord::setKey(const QString &key)
{
    d->key = key;
}
QNetworkCacheMetaData TierRecord::metaData() const
{
    return d->metaData;
}
void TierRecord::setMetaData(const QNetworkCacheMetaData &metaData)
{
    d->metaData = metaData;
}
qint64 TierRecord::storedSize() const
{
    return d->storedSize >= 0 ? d->storedSize : d->bodySize;
}

void TierRecord::setStoredSize(qint64 size)
{
    d->storedSize = size;
}

qint64 TierRecord::bodySize() const
{
    return d->bodySize;
}
void TierRecord::setBodySize(qint64 size)
{
    d->bodySize = size;
}
QDateTime TierRecord::lastAccess() const
{
    return d->lastAccess;
}
void TierRecord::setLastAccess(const QDateTime &lastAccess)
{
    d->lastAccess = lastAccess;
}
QByteArray TierRecord::version() const
{
    return d->version;
}
void TierRecord::setVersion(const QByteArray &version)
{
    d->version = version;
}

TierEntry::~TierEntry() = default;
TierWriter::~TierWriter() = default;
Tier::~Tier() = default;

} // namespace tiercache
