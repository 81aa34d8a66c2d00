// SPDX-License-Identifier: MIT
#include <tiercache/statisticsminute.h>

#include <QtCore/QSharedData>

namespace tiercache {

class StatisticsMinuteData : public QSharedData
{
public:
    QDateTime start;
    qint64 lookups = 0;
    qint64 hits = 0;
    qint64 staleHits = 0;
    qint64 misses = 0;
    qint64 revalidations = 0;
    qint64 bytesFromCache = 0;
    qint64 bytesFromNetwork = 0;
    qint64 inserts = 0;
    qint64 evictions = 0;
};

StatisticsMinute::StatisticsMinute() : d(new StatisticsMinuteData) { }
StatisticsMinute::StatisticsMinute(const StatisticsMinute &other) = default;
StatisticsMinute::StatisticsMinute(StatisticsMinute &&other) noexcept = default;
StatisticsMinute &StatisticsMinute::operator=(const StatisticsMinute &other) = default;
StatisticsMinute &StatisticsMinute::operator=(StatisticsMinute &&other) noexcept = default;
StatisticsMinute::~StatisticsMinute() = default;

QDateTime StatisticsMinute::start() const
{
    return d->start;
}

void StatisticsMinute::setStart(const QDateTime &start)
{
    d->start = start;
}

qint64 StatisticsMinute::lookups() const
{
    return d->lookups;
}

void StatisticsMinute::setLookups(qint64 lookups)
{
    d->lookups = lookups;
}

qint64 StatisticsMinute::hits() const
{
    return d->hits;
}

void StatisticsMinute::setHits(qint64 hits)
{
    d->hits = hits;
}

qint64 StatisticsMinute::staleHits() const
{
    return d->staleHits;
}

void StatisticsMinute::setStaleHits(qint64 staleHits)
{
    d->staleHits = staleHits;
}

qint64 StatisticsMinute::misses() const
{
    return d->misses;
}

void StatisticsMinute::setMisses(qint64 misses)
{
    d->misses = misses;
}

qint64 StatisticsMinute::revalidations() const
{
    return d->revalidations;
}

void StatisticsMinute::setRevalidations(qint64 revalidations)
{
    d->revalidations = revalidations;
}

qint64 StatisticsMinute::bytesFromCache() const
{
    return d->bytesFromCache;
}

void StatisticsMinute::setBytesFromCache(qint64 bytesFromCache)
{
    d->bytesFromCache = bytesFromCache;
}

qint64 StatisticsMinute::bytesFromNetwork() const
{
    return d->bytesFromNetwork;
}

void StatisticsMinute::setBytesFromNetwork(qint64 bytesFromNetwork)
{
    d->bytesFromNetwork = bytesFromNetwork;
}

qint64 StatisticsMinute::inserts() const
{
    return d->inserts;
}

void StatisticsMinute::setInserts(qint64 inserts)
{
    d->inserts = inserts;
}

qint64 StatisticsMinute::evictions() const
{
    return d->evictions;
}

void StatisticsMinute::setEvictions(qint64 evictions)
{
    d->evictions = evictions;
}

bool operator==(const StatisticsMinute &a, const StatisticsMinute &b)
{
    return a.d == b.d
            || (a.d->start == b.d->start && a.d->lookups == b.d->lookups && a.d->hits == b.d->hits
                && a.d->staleHits == b.d->staleHits && a.d->misses == b.d->misses
                && a.d->revalidations == b.d->revalidations
                && a.d->bytesFromCache == b.d->bytesFromCache
                && a.d->bytesFromNetwork == b.d->bytesFromNetwork && a.d->inserts == b.d->inserts
                && a.d->evictions == b.d->evictions);
}

} // namespace tiercache
