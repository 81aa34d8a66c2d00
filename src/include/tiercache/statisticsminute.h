// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QDateTime>
#include <QtCore/QMetaType>
#include <QtCore/QSharedDataPointer>

namespace tiercache {

class StatisticsMinuteData;

/*!
    \brief The counters of one minute in Statistics::series(): an implicitly shared value.

    Also known as Statistics::Minute.
*/
class TIERCACHE_EXPORT StatisticsMinute
{
public:
    StatisticsMinute();
    StatisticsMinute(const StatisticsMinute &other);
    StatisticsMinute(StatisticsMinute &&other) noexcept;
    StatisticsMinute &operator=(const StatisticsMinute &other);
    StatisticsMinute &operator=(StatisticsMinute &&other) noexcept;
    ~StatisticsMinute();
    void swap(StatisticsMinute &other) noexcept { d.swap(other.d); }

    //! UTC, on a minute boundary.
    QDateTime start() const;
    void setStart(const QDateTime &start);
    //! As Statistics::lookups(), within this minute.
    qint64 lookups() const;
    void setLookups(qint64 lookups);
    qint64 hits() const;
    void setHits(qint64 hits);
    qint64 staleHits() const;
    void setStaleHits(qint64 staleHits);
    qint64 misses() const;
    void setMisses(qint64 misses);
    qint64 revalidations() const;
    void setRevalidations(qint64 revalidations);
    qint64 bytesFromCache() const;
    void setBytesFromCache(qint64 bytesFromCache);
    qint64 bytesFromNetwork() const;
    void setBytesFromNetwork(qint64 bytesFromNetwork);
    qint64 inserts() const;
    void setInserts(qint64 inserts);
    qint64 evictions() const;
    void setEvictions(qint64 evictions);

    friend TIERCACHE_EXPORT bool operator==(const StatisticsMinute &a, const StatisticsMinute &b);
    friend bool operator!=(const StatisticsMinute &a, const StatisticsMinute &b)
    {
        return !(a == b);
    }

private:
    QSharedDataPointer<StatisticsMinuteData> d;
};

} // namespace tiercache

Q_DECLARE_SHARED(tiercache::StatisticsMinute)
Q_DECLARE_METATYPE(tiercache::StatisticsMinute)
