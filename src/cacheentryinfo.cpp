// SPDX-License-Identifier: MIT
#include <tiercache/cacheentryinfo.h>

#include <QtCore/QSharedData>

namespace tiercache {

class CacheEntryInfoData : public QSharedData
{
public:
    QUrl url;
    QByteArray digest;
    qint64 bodySize = -1;
    qint64 storedSize = 0;
    int statusCode = 0;
    QByteArray contentType;
    QDateTime created;
    QDateTime lastAccess;
    QDateTime expires;
    qint64 hitCount = 0;
    QStringList tags;
    qint64 sharedBodyCount = 0;
};

CacheEntryInfo::CacheEntryInfo() : d(new CacheEntryInfoData) { }
CacheEntryInfo::CacheEntryInfo(const CacheEntryInfo &other) = default;
CacheEntryInfo::CacheEntryInfo(CacheEntryInfo &&other) noexcept = default;
CacheEntryInfo &CacheEntryInfo::operator=(const CacheEntryInfo &other) = default;
CacheEntryInfo &CacheEntryInfo::operator=(CacheEntryInfo &&other) noexcept = default;
CacheEntryInfo::~CacheEntryInfo() = default;

QUrl CacheEntryInfo::url() const
{
    return d->url;
}

void CacheEntryInfo::setUrl(const QUrl &url)
{
    d->url = url;
}

QByteArray CacheEntryInfo::digest() const
{
    return d->digest;
}

void CacheEntryInfo::setDigest(const QByteArray &digest)
{
    d->digest = digest;
}

qint64 CacheEntryInfo::bodySize() const
{
    return d->bodySize;
}

void CacheEntryInfo::setBodySize(qint64 bodySize)
{
    d->bodySize = bodySize;
}

qint64 CacheEntryInfo::storedSize() const
{
    return d->storedSize;
}

void CacheEntryInfo::setStoredSize(qint64 storedSize)
{
    d->storedSize = storedSize;
}

int CacheEntryInfo::statusCode() const
{
    return d->statusCode;
}

void CacheEntryInfo::setStatusCode(int statusCode)
{
    d->statusCode = statusCode;
}

QByteArray CacheEntryInfo::contentType() const
{
    return d->contentType;
}

void CacheEntryInfo::setContentType(const QByteArray &contentType)
{
    d->contentType = contentType;
}

QDateTime CacheEntryInfo::created() const
{
    return d->created;
}

void CacheEntryInfo::setCreated(const QDateTime &created)
{
    d->created = created;
}

QDateTime CacheEntryInfo::lastAccess() const
{
    return d->lastAccess;
}

void CacheEntryInfo::setLastAccess(const QDateTime &lastAccess)
{
    d->lastAccess = lastAccess;
}

QDateTime CacheEntryInfo::expires() const
{
    return d->expires;
}

void CacheEntryInfo::setExpires(const QDateTime &expires)
{
    d->expires = expires;
}

qint64 CacheEntryInfo::hitCount() const
{
    return d->hitCount;
}

void CacheEntryInfo::setHitCount(qint64 hitCount)
{
    d->hitCount = hitCount;
}

QStringList CacheEntryInfo::tags() const
{
    return d->tags;
}

void CacheEntryInfo::setTags(const QStringList &tags)
{
    d->tags = tags;
}

qint64 CacheEntryInfo::sharedBodyCount() const
{
    return d->sharedBodyCount;
}

void CacheEntryInfo::setSharedBodyCount(qint64 count)
{
    d->sharedBodyCount = count;
}

bool operator==(const CacheEntryInfo &a, const CacheEntryInfo &b)
{
    return a.d == b.d
            || (a.d->url == b.d->url && a.d->digest == b.d->digest && a.d->bodySize == b.d->bodySize
                && a.d->storedSize == b.d->storedSize && a.d->statusCode == b.d->statusCode
                && a.d->contentType == b.d->contentType && a.d->created == b.d->created
                && a.d->lastAccess == b.d->lastAccess && a.d->expires == b.d->expires
                && a.d->hitCount == b.d->hitCount && a.d->tags == b.d->tags
                && a.d->sharedBodyCount == b.d->sharedBodyCount);
}

bool CacheEntryInfo::isValid() const
{
    return d->bodySize >= 0;
}

bool CacheEntryInfo::isExpired(const QDateTime &now) const
{
    return !d->expires.isValid() || d->expires <= now;
}

} // namespace tiercache
