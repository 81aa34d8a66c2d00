// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QMetaType>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>

namespace tiercache {

class TierStatisticsData;

/*!
    \brief Counters of one tier in the chain, since the cache object was created.

    An implicitly shared value, from NetworkCache::tierStatistics() and Statistics::tiers().
*/
class TIERCACHE_EXPORT TierStatistics
{
public:
    TierStatistics();
    TierStatistics(const TierStatistics &other);
    TierStatistics(TierStatistics &&other) noexcept;
    TierStatistics &operator=(const TierStatistics &other);
    TierStatistics &operator=(TierStatistics &&other) noexcept;
    ~TierStatistics();
    void swap(TierStatistics &other) noexcept { d.swap(other.d); }

    //! The spec string it was created from.
    QString spec() const;
    void setSpec(const QString &spec);
    //! The tier's name ("memory", "disk", ...).
    QString name() const;
    void setName(const QString &name);
    //! Lookups that reached this tier.
    qint64 lookups() const;
    void setLookups(qint64 lookups);
    //! Lookups this tier answered.
    qint64 hits() const;
    void setHits(qint64 hits);
    //! Lookups this tier did not answer.
    qint64 misses() const;
    void setMisses(qint64 misses);
    //! Bodies copied into this tier from a lower one.
    qint64 promotions() const;
    void setPromotions(qint64 promotions);
    //! Bodies committed into this tier (inserts and promotions).
    qint64 writes() const;
    void setWrites(qint64 writes);
    //! Writes into this tier that failed.
    qint64 writeFailures() const;
    void setWriteFailures(qint64 writeFailures);
    //! Bytes used, as the tier reports it.
    qint64 size() const;
    void setSize(qint64 size);
    //! The largest body the tier accepts; -1: any.
    qint64 maxEntrySize() const;
    void setMaxEntrySize(qint64 maxEntrySize);

    friend TIERCACHE_EXPORT bool operator==(const TierStatistics &a, const TierStatistics &b);
    friend bool operator!=(const TierStatistics &a, const TierStatistics &b) { return !(a == b); }

private:
    QSharedDataPointer<TierStatisticsData> d;
};

} // namespace tiercache

Q_DECLARE_SHARED(tiercache::TierStatistics)
Q_DECLARE_METATYPE(tiercache::TierStatistics)
