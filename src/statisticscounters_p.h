// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/statistics.h>

#include <QtCore/QHash>

#include <functional>

QT_BEGIN_NAMESPACE
class QObject;
class QTimer;
QT_END_NAMESPACE

namespace tiercache {

class StatisticsStore;

/*
    The cache's counters. Counting is a plain array increment on the hot path; the deltas are
    handed to the chain's StatisticsStore (persistent, shared by every process using it) at
    most once a second, when the changed() callback also fires. Without a store the counters
    are this object's, for the session.
*/
class StatisticsCounters
{
public:
    enum Counter {
        Lookups,
        Hits,
        StaleHits,
        Misses,
        Revalidations,
        BytesFromCache,
        BytesFromNetwork,
        Inserts,
        Invalidations,
        RefreshesDone,
        RefreshesSkipped,
        RefreshesFailed,
        CounterCount
    };

    StatisticsCounters(QObject *timerParent, std::function<void()> changed);

    void setStore(StatisticsStore *store);
    //! More named deltas handed to the store with each flush (the chain's per-tier counters).
    void setExtraDeltas(std::function<QHash<QString, qint64>()> take) { m_extra = std::move(take); }
    //! The store's counters with everything counted so far; empty without a store.
    QHash<QString, qint64> storedCounters();
    bool isPersistent() const { return m_store != nullptr; }
    bool isEnabled() const { return m_enabled; }
    void setEnabled(bool enabled) { m_enabled = enabled; }
    void setRetention(int minutes);
    int retention() const { return m_retentionMinutes; }

    void count(Counter counter, qint64 delta = 1);
    //! Hands what is counted to the store.
    void flush();
    //! Fills the counters and the per-minute series of \a statistics.
    void fill(Statistics *statistics);
    void reset();

private:
    static const char *name(Counter c);

    StatisticsStore *m_store = nullptr;
    std::function<QHash<QString, qint64>()> m_extra;
    bool m_enabled = true;
    int m_retentionMinutes = 24 * 60;
    qint64 m_session[CounterCount] = {};   // this object's, for chains without a store
    qint64 m_unflushed[CounterCount] = {}; // not yet handed to the store
    QTimer *m_timer;
};

} // namespace tiercache
