// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/cacheentryinfo.h>
#include <tiercache/tiercache_export.h>

#include <QtCore/QDateTime>
#include <QtCore/QList>
#include <QtCore/QString>

namespace tiercache {

/*!
    \brief Counters of one tier in the chain, since the cache object was created.
*/
struct TIERCACHE_EXPORT TierStatistics
{
    QString spec;           //!< the spec string it was created from
    QString name;           //!< the tier's name ("memory", "disk", ...)
    qint64 lookups = 0;     //!< lookups that reached this tier
    qint64 hits = 0;
    qint64 misses = 0;
    qint64 promotions = 0;  //!< bodies copied into this tier from a lower one
    qint64 writes = 0;      //!< bodies committed into this tier (inserts and promotions)
    qint64 writeFailures = 0;
    qint64 size = 0;        //!< bytes used, as the tier reports it
    qint64 maxEntrySize = -1;
};

/*!
    \brief How well a cache works: a copyable snapshot from NetworkCache::statistics().

    With a disk tier the counters are those of every process using the cache directory,
    persisted in its catalogue (another process, such as the Browser, sees them live);
    without one they are this object's. Counting is batched: a hit costs no disk write.
*/
struct TIERCACHE_EXPORT Statistics
{
    qint64 lookups = 0;          //!< metaData() calls (a revalidation's second call excluded)
    qint64 hits = 0;             //!< lookups that found a fresh entry
    qint64 staleHits = 0;        //!< lookups that found an expired entry (QNAM revalidates)
    qint64 misses = 0;           //!< lookups that found nothing
    qint64 revalidations = 0;    //!< 304 responses that refreshed an entry
    qint64 bytesFromCache = 0;   //!< body bytes served by data()
    qint64 bytesFromNetwork = 0; //!< body bytes that came from the network and were stored
    qint64 inserts = 0;
    qint64 evictions = 0;
    qint64 promotions = 0;
    qint64 invalidations = 0;    //!< entries removed or marked stale by tag or group

    QList<TierStatistics> tiers; //!< this object's per-tier counters

    struct Minute
    {
        QDateTime start; //!< UTC, on a minute boundary
        qint64 lookups = 0, hits = 0, staleHits = 0, misses = 0, revalidations = 0;
        qint64 bytesFromCache = 0, bytesFromNetwork = 0, inserts = 0, evictions = 0;
    };
    QList<Minute> series; //!< minutes with activity, oldest first, within the retention period

    QList<CacheEntryInfo> hottest; //!< most hits first
    QList<CacheEntryInfo> largest; //!< largest bodies first
    QList<CacheEntryInfo> oldest;  //!< stored longest ago first

    double hitRatio() const { return lookups ? double(hits) / double(lookups) : 0.0; }
};

} // namespace tiercache
