// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/cacheentryinfo.h>
#include <tiercache/statisticsminute.h>
#include <tiercache/tiercache_export.h>
#include <tiercache/tierstatistics.h>

#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QSharedDataPointer>

namespace tiercache {

class StatisticsData;

/*!
    \brief How well a cache works: an implicitly shared snapshot from NetworkCache::statistics().

    With a disk tier the counters are those of every process using the cache directory,
    persisted in its catalogue (another process, such as the Browser, sees them live);
    without one they are this object's. Counting is batched: a hit costs no disk write.

    \code
    const tiercache::Statistics st = cache->statistics();
    qInfo() << "hit ratio" << st.hitRatio() << "byte hit ratio" << st.byteHitRatio();
    for (const tiercache::CacheEntryInfo &e : st.hottest())
        qInfo() << e.url() << e.hitCount();
    \endcode
*/
class TIERCACHE_EXPORT Statistics
{
public:
    Statistics();
    Statistics(const Statistics &other);
    Statistics(Statistics &&other) noexcept;
    Statistics &operator=(const Statistics &other);
    Statistics &operator=(Statistics &&other) noexcept;
    ~Statistics();
    void swap(Statistics &other) noexcept { d.swap(other.d); }

    //! metaData() calls (a revalidation's second call excluded).
    qint64 lookups() const;
    void setLookups(qint64 lookups);
    //! Lookups that found a fresh entry.
    qint64 hits() const;
    void setHits(qint64 hits);
    //! Lookups that found an expired entry (QNAM revalidates).
    qint64 staleHits() const;
    void setStaleHits(qint64 staleHits);
    //! Lookups that found nothing.
    qint64 misses() const;
    void setMisses(qint64 misses);
    //! 304 responses that refreshed an entry.
    qint64 revalidations() const;
    void setRevalidations(qint64 revalidations);
    //! Body bytes served by data().
    qint64 bytesFromCache() const;
    void setBytesFromCache(qint64 bytesFromCache);
    //! Body bytes that came from the network and were stored.
    qint64 bytesFromNetwork() const;
    void setBytesFromNetwork(qint64 bytesFromNetwork);
    //! Bodies stored.
    qint64 inserts() const;
    void setInserts(qint64 inserts);
    //! Entries evicted to stay within the size budget.
    qint64 evictions() const;
    void setEvictions(qint64 evictions);
    //! Bodies copied from a lower tier into the tiers above it.
    qint64 promotions() const;
    void setPromotions(qint64 promotions);
    //! Entries removed or marked stale by tag or group.
    qint64 invalidations() const;
    void setInvalidations(qint64 invalidations);
    //! Background revalidations by tiercache::AccessManager (refresh before expiry and
    //! auto-refresh) that got an answer, 200 or 304; counted for every process using the
    //! directory, as the other counters.
    qint64 refreshesDone() const;
    void setRefreshesDone(qint64 refreshesDone);
    //! Auto-refreshes that were due but not started (budget, concurrency, network paused).
    qint64 refreshesSkipped() const;
    void setRefreshesSkipped(qint64 refreshesSkipped);
    //! Background revalidations that met a transport error or a 5xx answer.
    qint64 refreshesFailed() const;
    void setRefreshesFailed(qint64 refreshesFailed);
    //! This object's per-tier counters.
    QList<TierStatistics> tiers() const;
    void setTiers(const QList<TierStatistics> &tiers);
    //! Minutes with activity, oldest first, within the retention period.
    QList<StatisticsMinute> series() const;
    void setSeries(const QList<StatisticsMinute> &series);
    //! Most hits first.
    QList<CacheEntryInfo> hottest() const;
    void setHottest(const QList<CacheEntryInfo> &hottest);
    //! Largest bodies first.
    QList<CacheEntryInfo> largest() const;
    void setLargest(const QList<CacheEntryInfo> &largest);
    //! Stored longest ago first.
    QList<CacheEntryInfo> oldest() const;
    void setOldest(const QList<CacheEntryInfo> &oldest);

    using Minute = StatisticsMinute;

    //! hits() / lookups(); 0 without lookups.
    double hitRatio() const;
    //! bytesFromCache() / (bytesFromCache() + bytesFromNetwork()): the share of body bytes the
    //! cache served; 0 when no body bytes moved.
    double byteHitRatio() const;

    friend TIERCACHE_EXPORT bool operator==(const Statistics &a, const Statistics &b);
    friend bool operator!=(const Statistics &a, const Statistics &b) { return !(a == b); }

private:
    QSharedDataPointer<StatisticsData> d;
};

} // namespace tiercache

Q_DECLARE_SHARED(tiercache::Statistics)
Q_DECLARE_METATYPE(tiercache::Statistics)
