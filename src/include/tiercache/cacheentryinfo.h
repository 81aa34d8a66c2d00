// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

// Kept for code written when these lived here.
#include <tiercache/cachesummary.h>
#include <tiercache/entryfilter.h>
#include <tiercache/verifyreport.h>

#include <QtCore/QByteArray>
#include <QtCore/QDateTime>
#include <QtCore/QMetaType>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

namespace tiercache {

class CacheEntryInfoData;

/*!
    \brief What the catalogue knows about one cached response.

    An implicitly shared value, returned by NetworkCache::entryInfo() and
    NetworkCache::entries(). An invalid (default-constructed) value means "no such entry".
*/
class TIERCACHE_EXPORT CacheEntryInfo
{
public:
    CacheEntryInfo();
    CacheEntryInfo(const CacheEntryInfo &other);
    CacheEntryInfo(CacheEntryInfo &&other) noexcept;
    CacheEntryInfo &operator=(const CacheEntryInfo &other);
    CacheEntryInfo &operator=(CacheEntryInfo &&other) noexcept;
    ~CacheEntryInfo();
    void swap(CacheEntryInfo &other) noexcept { d.swap(other.d); }

    //! The normalized key URL.
    QUrl url() const;
    void setUrl(const QUrl &url);
    //! SHA-256 of the body, lower-case hex.
    QByteArray digest() const;
    void setDigest(const QByteArray &digest);
    //! Body bytes as served; -1 for an invalid value.
    qint64 bodySize() const;
    void setBodySize(qint64 bodySize);
    //! Bytes this entry accounts for on disk (allocated blocks + row).
    qint64 storedSize() const;
    void setStoredSize(qint64 storedSize);
    //! HTTP status stored with the entry.
    int statusCode() const;
    void setStatusCode(int statusCode);
    //! The stored Content-Type header.
    QByteArray contentType() const;
    void setContentType(const QByteArray &contentType);
    //! When the body was stored (UTC).
    QDateTime created() const;
    void setCreated(const QDateTime &created);
    //! Last hit (UTC); drives LRU eviction.
    QDateTime lastAccess() const;
    void setLastAccess(const QDateTime &lastAccess);
    //! RFC 9111 expiration time (UTC).
    QDateTime expires() const;
    void setExpires(const QDateTime &expires);
    //! Hits served since the body was stored.
    qint64 hitCount() const;
    void setHitCount(qint64 hitCount);
    //! Cache tags (filled by entryInfo() and filtered entries()).
    QStringList tags() const;
    void setTags(const QStringList &tags);

    //! How many entries (this one included) share this body, stored once; filled by
    //! entryInfo() from a tier with a catalogue (disk), 0 when not known.
    qint64 sharedBodyCount() const;
    void setSharedBodyCount(qint64 count);

    //! True when the value describes a stored entry (bodySize() >= 0).
    bool isValid() const;
    //! True when expires() is invalid or not after \a now: the expiration instant itself is stale.
    bool isExpired(const QDateTime &now = QDateTime::currentDateTimeUtc()) const;

    friend TIERCACHE_EXPORT bool operator==(const CacheEntryInfo &a, const CacheEntryInfo &b);
    friend bool operator!=(const CacheEntryInfo &a, const CacheEntryInfo &b) { return !(a == b); }

private:
    QSharedDataPointer<CacheEntryInfoData> d;
};

} // namespace tiercache

Q_DECLARE_SHARED(tiercache::CacheEntryInfo)
Q_DECLARE_METATYPE(tiercache::CacheEntryInfo)
