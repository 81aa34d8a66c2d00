// SPDX-License-Identifier: MIT
#include <tiercache/statistics.h>

#include <QtCore/QSharedData>

namespace tiercache {

class StatisticsData : public QSharedData
{
public:
    qint64 lookups = 0;
    qint64 hits = 0;
    qint64 staleHits = 0;
    qint64 misses = 0;
    qint64 revalidations = 0;
    qint64 bytesFromCache = 0;
    qint64 bytesFromNetwork = 0;
    qint64 inserts = 0;
    qint64 evictions = 0;
    qint64 promotions = 0;
    qint64 invalidations = 0;
    qint64 refreshesDone = 0;
    qint64 refreshesSkipped = 0;
    qint64 refreshesFailed = 0;
    QList<TierStatistics> tiers;
    QList<StatisticsMinute> series;
    QList<CacheEntryInfo> hottest;
    QList<CacheEntryInfo> largest;
    QList<CacheEntryInfo> oldest;
};

Statistics::Statistics() : d(new StatisticsData) { }
Statistics::Statistics(const Statistics &other) = default;
Statistics::Statistics(Statistics &&other) noexcept = default;
Statistics &Statistics::operator=(const Statistics &other) = default;
Statistics &Statistics::operator=(Statistics &&other) noexcept = default;
Statistics::~Statistics() = default;

qint64 Statistics::lookups() const
{
    return d->lookups;
}

void Statistics::setLookups(qint64 lookups)
{
    d->lookups = lookups;
}

qint64 Statistics::hits() const
{
    return d->hits;
}

void Statistics::setHits(qint64 hits)
{
    d->hits = hits;
}

qint64 Statistics::staleHits() const
{
    return d->staleHits;
}

void Statistics::setStaleHits(qint64 staleHits)
{
    d->staleHits = staleHits;
}

qint64 Statistics::misses() const
{
    return d->misses;
}

void Statistics::setMisses(qint64 misses)
{
    d->misses = misses;
}

qint64 Statistics::revalidations() const
{
    return d->revalidations;
}

void Statistics::setRevalidations(qint64 revalidations)
{
    d->revalidations = revalidations;
}

qint64 Statistics::bytesFromCache() const
{
    return d->bytesFromCache;
}

void Statistics::setBytesFromCache(qint64 bytesFromCache)
{
    d->bytesFromCache = bytesFromCache;
}

qint64 Statistics::bytesFromNetwork() const
{
    return d->bytesFromNetwork;
}

void Statistics::setBytesFromNetwork(qint64 bytesFromNetwork)
{
    d->bytesFromNetwork = bytesFromNetwork;
}

qint64 Statistics::inserts() const
{
    return d->inserts;
}

void Statistics::setInserts(qint64 inserts)
{
    d->inserts = inserts;
}

qint64 Statistics::evictions() const
{
    return d->evictions;
}

void Statistics::setEvictions(qint64 evictions)
{
    d->evictions = evictions;
}

qint64 Statistics::promotions() const
{
    return d->promotions;
}

void Statistics::setPromotions(qint64 promotions)
{
    d->promotions = promotions;
}

qint64 Statistics::invalidations() const
{
    return d->invalidations;
}

void Statistics::setInvalidations(qint64 invalidations)
{
    d->invalidations = invalidations;
}

qint64 Statistics::refreshesDone() const
{
    return d->refreshesDone;
}

void Statistics::setRefreshesDone(qint64 refreshesDone)
{
    d->refreshesDone = refreshesDone;
}

qint64 Statistics::refreshesSkipped() const
{
    return d->refreshesSkipped;
}

void Statistics::setRefreshesSkipped(qint64 refreshesSkipped)
{
    d->refreshesSkipped = refreshesSkipped;
}

qint64 Statistics::refreshesFailed() const
{
    return d->refreshesFailed;
}

void Statistics::setRefreshesFailed(qint64 refreshesFailed)
{
    d->refreshesFailed = refreshesFailed;
}

QList<TierStatistics> Statistics::tiers() const
{
    return d->tiers;
}

void Statistics::setTiers(const QList<TierStatistics> &tiers)
{
    d->tiers = tiers;
}

QList<StatisticsMinute> Statistics::series() const
{
    return d->series;
}

void Statistics::setSeries(const QList<StatisticsMinute> &series)
{
    d->series = series;
}

QList<CacheEntryInfo> Statistics::hottest() const
{
    return d->hottest;
}

void Statistics::setHottest(const QList<CacheEntryInfo> &hottest)
{
    d->hottest = hottest;
}

QList<CacheEntryInfo> Statistics::largest() const
{
    return d->largest;
}

void Statistics::setLargest(const QList<CacheEntryInfo> &largest)
{
    d->largest = largest;
}

QList<CacheEntryInfo> Statistics::oldest() const
{
    return d->oldest;
}

void Statistics::setOldest(const QList<CacheEntryInfo> &oldest)
{
    d->oldest = oldest;
}

bool operator==(const Statistics &a, const Statistics &b)
{
    return a.d == b.d
            || (a.d->lookups == b.d->lookups && a.d->hits == b.d->hits
                && a.d->staleHits == b.d->staleHits && a.d->misses == b.d->misses
                && a.d->revalidations == b.d->revalidations
                && a.d->bytesFromCache == b.d->bytesFromCache
                && a.d->bytesFromNetwork == b.d->bytesFromNetwork && a.d->inserts == b.d->inserts
                && a.d->evictions == b.d->evictions && a.d->promotions == b.d->promotions
                && a.d->invalidations == b.d->invalidations
                && a.d->refreshesDone == b.d->refreshesDone
                && a.d->refreshesSkipped == b.d->refreshesSkipped
                && a.d->refreshesFailed == b.d->refreshesFailed && a.d->tiers == b.d->tiers
                && a.d->series == b.d->series && a.d->hottest == b.d->hottest
                && a.d->largest == b.d->largest && a.d->oldest == b.d->oldest);
}

double Statistics::hitRatio() const
{
    return d->lookups ? double(d->hits) / double(d->lookups) : 0.0;
}

double Statistics::byteHitRatio() const
{
    const qint64 total = d->bytesFromCache + d->bytesFromNetwork;
    return total ? double(d->bytesFromCache) / double(total) : 0.0;
}

} // namespace tiercache
