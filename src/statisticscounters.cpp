// SPDX-License-Identifier: MIT
#include "statisticscounters_p.h"

#include "tierfacets_p.h"

#include <QtCore/QDateTime>
#include <QtCore/QMap>
#include <QtCore/QTimer>

#include <algorithm>

namespace tiercache {

StatisticsCounters::StatisticsCounters(QObject *timerParent, std::function<void()> changed)
    : m_timer(new QTimer(timerParent)) // a child: moveToThread() moves it too
{
    m_timer->setSingleShot(true);
    m_timer->setInterval(1000);
    m_timer->callOnTimeout([this, changed = std::move(changed)] {
        flush();
        changed();
    });
}

const char *StatisticsCounters::name(Counter c)
{
    static const char *const names[CounterCount] = {
            "lookups",
            "hits",
            "stale_hits",
            "misses",
            "revalidations",
            "bytes_from_cache",
            "bytes_from_network",
            "inserts",
            "invalidations",
            "refreshes_done",
            "refreshes_skipped",
            "refreshes_failed",
    };
    return names[c];
}

void StatisticsCounters::setStore(StatisticsStore *store)
{
    flush();
    m_store = store;
    if (m_store)
        m_store->setSeriesRetention(m_retentionMinutes);
}

void StatisticsCounters::setRetention(int minutes)
{
    m_retentionMinutes = qMax(1, minutes);
    if (m_store)
        m_store->setSeriesRetention(m_retentionMinutes);
}

void StatisticsCounters::count(Counter counter, qint64 delta)
{
    if (!m_enabled || delta == 0)
        return;
    m_session[counter] += delta;
    if (!m_store)
        return;
    m_unflushed[counter] += delta;
    if (!m_timer->isActive())
        m_timer->start();
}

void StatisticsCounters::flush()
{
    if (!m_store)
        return;
    QHash<QString, qint64> deltas;
    if (m_extra && m_enabled)
        deltas = m_extra();
    for (int c = 0; c < CounterCount; ++c) {
        if (m_unflushed[c])
            deltas.insert(QLatin1String(name(Counter(c))), m_unflushed[c]);
    }
    if (!deltas.isEmpty() && m_store->addCounters(deltas))
        std::fill(std::begin(m_unflushed), std::end(m_unflushed), 0);
}

QHash<QString, qint64> StatisticsCounters::storedCounters()
{
    if (!m_store)
        return {};
    flush();
    return m_store->counters();
}

void StatisticsCounters::fill(Statistics *st)
{
    QHash<QString, qint64> c;
    if (m_store) {
        flush();
        c = m_store->counters();
    } else {
        for (int i = 0; i < CounterCount; ++i)
            c.insert(QLatin1String(name(Counter(i))), m_session[i]);
    }
    st->setLookups(c.value(QStringLiteral("lookups")));
    st->setHits(c.value(QStringLiteral("hits")));
    st->setStaleHits(c.value(QStringLiteral("stale_hits")));
    st->setMisses(c.value(QStringLiteral("misses")));
    st->setRevalidations(c.value(QStringLiteral("revalidations")));
    st->setBytesFromCache(c.value(QStringLiteral("bytes_from_cache")));
    st->setBytesFromNetwork(c.value(QStringLiteral("bytes_from_network")));
    st->setInserts(c.value(QStringLiteral("inserts")));
    st->setEvictions(c.value(QStringLiteral("evictions")));
    st->setInvalidations(c.value(QStringLiteral("invalidations")));
    st->setRefreshesDone(c.value(QStringLiteral("refreshes_done")));
    st->setRefreshesSkipped(c.value(QStringLiteral("refreshes_skipped")));
    st->setRefreshesFailed(c.value(QStringLiteral("refreshes_failed")));
    if (!m_store)
        return;
    const qint64 since = QDateTime::currentMSecsSinceEpoch() / 60000 - 24 * 60 * 365;
    QMap<qint64, Statistics::Minute> minutes;
    for (const StatisticsStore::Point &p : m_store->series(since)) {
        Statistics::Minute &m = minutes[p.minute];
        m.setStart(QDateTime::fromMSecsSinceEpoch(p.minute * 60000, Qt::UTC));
        if (p.name == QLatin1String("lookups"))
            m.setLookups(p.value);
        else if (p.name == QLatin1String("hits"))
            m.setHits(p.value);
        else if (p.name == QLatin1String("stale_hits"))
            m.setStaleHits(p.value);
        else if (p.name == QLatin1String("misses"))
            m.setMisses(p.value);
        else if (p.name == QLatin1String("revalidations"))
            m.setRevalidations(p.value);
        else if (p.name == QLatin1String("bytes_from_cache"))
            m.setBytesFromCache(p.value);
        else if (p.name == QLatin1String("bytes_from_network"))
            m.setBytesFromNetwork(p.value);
        else if (p.name == QLatin1String("inserts"))
            m.setInserts(p.value);
        else if (p.name == QLatin1String("evictions"))
            m.setEvictions(p.value);
    }
    st->setSeries(minutes.values());
}

void StatisticsCounters::reset()
{
    std::fill(std::begin(m_session), std::end(m_session), 0);
    std::fill(std::begin(m_unflushed), std::end(m_unflushed), 0);
    if (m_extra)
        m_extra(); // what the tiers counted before the reset is dropped with the rest
    if (m_store)
        m_store->resetStatistics();
}

} // namespace tiercache
