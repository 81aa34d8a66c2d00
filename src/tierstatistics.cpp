// SPDX-License-Identifier: MIT
#include <tiercache/tierstatistics.h>

#include <QtCore/QSharedData>

namespace tiercache {

class TierStatisticsData : public QSharedData
{
public:
    QString spec;
    QString name;
    qint64 lookups = 0;
    qint64 hits = 0;
    qint64 misses = 0;
    qint64 promotions = 0;
    qint64 writes = 0;
    qint64 writeFailures = 0;
    qint64 size = 0;
    qint64 maxEntrySize = -1;
};

TierStatistics::TierStatistics() : d(new TierStatisticsData) { }
TierStatistics::TierStatistics(const TierStatistics &other) = default;
TierStatistics::TierStatistics(TierStatistics &&other) noexcept = default;
TierStatistics &TierStatistics::operator=(const TierStatistics &other) = default;
TierStatistics &TierStatistics::operator=(TierStatistics &&other) noexcept = default;
TierStatistics::~TierStatistics() = default;

QString TierStatistics::spec() const
{
    return d->spec;
}

void TierStatistics::setSpec(const QString &spec)
{
    d->spec = spec;
}

QString TierStatistics::name() const
{
    return d->name;
}

void TierStatistics::setName(const QString &name)
{
    d->name = name;
}

qint64 TierStatistics::lookups() const
{
    return d->lookups;
}

void TierStatistics::setLookups(qint64 lookups)
{
    d->lookups = lookups;
}

qint64 TierStatistics::hits() const
{
    return d->hits;
}

void TierStatistics::setHits(qint64 hits)
{
    d->hits = hits;
}

qint64 TierStatistics::misses() const
{
    return d->misses;
}

void TierStatistics::setMisses(qint64 misses)
{
    d->misses = misses;
}

qint64 TierStatistics::promotions() const
{
    return d->promotions;
}

void TierStatistics::setPromotions(qint64 promotions)
{
    d->promotions = promotions;
}

qint64 TierStatistics::writes() const
{
    return d->writes;
}

void TierStatistics::setWrites(qint64 writes)
{
    d->writes = writes;
}

qint64 TierStatistics::writeFailures() const
{
    return d->writeFailures;
}

void TierStatistics::setWriteFailures(qint64 writeFailures)
{
    d->writeFailures = writeFailures;
}

qint64 TierStatistics::size() const
{
    return d->size;
}

void TierStatistics::setSize(qint64 size)
{
    d->size = size;
}

qint64 TierStatistics::maxEntrySize() const
{
    return d->maxEntrySize;
}

void TierStatistics::setMaxEntrySize(qint64 maxEntrySize)
{
    d->maxEntrySize = maxEntrySize;
}

bool operator==(const TierStatistics &a, const TierStatistics &b)
{
    return a.d == b.d
            || (a.d->spec == b.d->spec && a.d->name == b.d->name && a.d->lookups == b.d->lookups
                && a.d->hits == b.d->hits && a.d->misses == b.d->misses
                && a.d->promotions == b.d->promotions && a.d->writes == b.d->writes
                && a.d->writeFailures == b.d->writeFailures && a.d->size == b.d->size
                && a.d->maxEntrySize == b.d->maxEntrySize);
}

} // namespace tiercache
