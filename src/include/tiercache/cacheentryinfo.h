// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QByteArray>
#include <QtCore/QDateTime>
#include <QtCore/QMetaType>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

namespace tiercache {

/*!
    \brief What the catalogue knows about one cached response.

    A copyable value, returned by NetworkCache::entryInfo() and NetworkCache::entries().
    An invalid (default-constructed) value means "no such entry".
*/
struct TIERCACHE_EXPORT CacheEntryInfo
{
    QUrl url;               //!< the normalized key URL
    QByteArray digest;      //!< SHA-256 of the body, lower-case hex
    qint64 bodySize = -1;   //!< body bytes as served
    qint64 storedSize = 0;  //!< bytes this entry accounts for on disk (allocated blocks + row)
    int statusCode = 0;     //!< HTTP status stored with the entry
    QByteArray contentType; //!< the stored Content-Type header
    QDateTime created;      //!< when the body was stored (UTC)
    QDateTime lastAccess;   //!< last hit (UTC); drives LRU eviction
    QDateTime expires;      //!< RFC 9111 expiration time (UTC)
    qint64 hitCount = 0;    //!< hits served since the body was stored
    QStringList tags;       //!< cache tags (filled by entryInfo() and filtered entries())

    bool isValid() const { return bodySize >= 0; }
    bool isExpired(const QDateTime &now = QDateTime::currentDateTimeUtc()) const
    {
        return !expires.isValid() || expires <= now;
    }
};

/*!
    \brief Which catalogue entries NetworkCache::entries(const EntryFilter &, ...) returns.

    Every field narrows the selection; the default selects everything, most recently used first.
    Works from a second process (the Browser) while the owner keeps writing.
*/
struct TIERCACHE_EXPORT EntryFilter
{
    enum class Expiry { Any, ExpiredOnly, FreshOnly };
    enum class Order { RecentlyUsed, MostHits, Largest, Oldest, Url };

    QString urlContains;  //!< substring of the key URL
    QString tag;          //!< entries carrying this cache tag
    QString contentType;  //!< Content-Type prefix, e.g. "image/"
    Expiry expiry = Expiry::Any;
    QString tier;         //!< a tier name ("memory", "disk", ...); empty: the disk catalogue
    Order order = Order::RecentlyUsed;
};

/*!
    \brief A snapshot of a whole cache directory, as NetworkCache::summary() reports it.
*/
struct TIERCACHE_EXPORT CacheSummary
{
    qint64 entryCount = 0;  //!< entries (URLs) in the catalogue
    qint64 blobCount = 0;   //!< distinct bodies on disk
    qint64 bodyBytes = 0;   //!< sum of entry body sizes, as if nothing were shared
    qint64 storedBytes = 0; //!< what the cache accounts for on disk (cacheSize())
    qint64 totalHits = 0;   //!< hits recorded over all entries
    qint64 maximumSize = 0; //!< the configured byte budget
};

/*!
    \brief Outcome of NetworkCache::verify().
*/
struct TIERCACHE_EXPORT VerifyReport
{
    qint64 checked = 0;      //!< bodies whose digest was recomputed
    qint64 bytesChecked = 0; //!< body bytes read
    qint64 damaged = 0;      //!< bodies that were missing, truncated or altered
    qint64 removedEntries = 0; //!< entries dropped because their body was damaged
    bool cancelled = false;  //!< the progress callback asked to stop
    QStringList problems;    //!< one human-readable line per damaged body
};

} // namespace tiercache

Q_DECLARE_METATYPE(tiercache::CacheEntryInfo)
