// SPDX-License-Identifier: MIT
#include "autorefresh_p.h"

#include <QtCore/QTimer>

namespace tiercache {

AutoRefresher::AutoRefresher(FreshnessLeft freshnessLeft, Start start, Counted counted,
                             QObject *parent)
    : QObject(parent),
      m_freshnessLeft(std::move(freshnessLeft)),
      m_start(std::move(start)),
      m_counted(std::move(counted))
{
    m_timer = new QTimer(this);
    connect(m_timer, &QTimer::timeout, this, &AutoRefresher::tick);
}

void AutoRefresher::setEnabled(bool enabled, const AccessManager::AutoRefreshOptions &options)
{
    m_enabled = enabled;
    m_options = options;
    m_options.hitThreshold = qMax(1, m_options.hitThreshold);
    m_options.intervalMs = qMax(10, m_options.intervalMs);
    m_options.leadSeconds = qMax<qint64>(0, m_options.leadSeconds);
    m_options.budgetPerInterval = qMax(0, m_options.budgetPerInterval);
    m_options.concurrency = qMax(1, m_options.concurrency);
    m_counting.clear();
    m_latest.clear();
    m_hot.clear();
    m_ticks = 0;
    m_skipped.clear();
    m_startedThisInterval = 0;
    m_paused = false;
    if (enabled)
        m_timer->start(qMax(1, m_options.intervalMs / 10));
    else
        m_timer->stop();
}

void AutoRefresher::noteRequest(const QString &key, const QNetworkRequest &request,
                                const QUrl &lookupUrl)
{
    if (!m_enabled || key.isEmpty())
        return;
    ++m_counting[key];
    m_latest.insert(key, {request, lookupUrl});
}

void AutoRefresher::rollInterval()
{
    // An entry is hot for the next interval when it was requested often enough in this one:
    // one requested less often drops out, and is refreshed no more.
    m_hot.clear();
    for (auto it = m_counting.cbegin(); it != m_counting.cend(); ++it) {
        if (it.value() >= m_options.hitThreshold)
            m_hot.insert(it.key(), m_latest.value(it.key()));
    }
    m_counting.clear();
    m_latest.clear();
    m_startedThisInterval = 0;
    m_skipped.clear();
    m_paused = false; // after a failure, try again in the next interval
}

void AutoRefresher::tick()
{
    if (++m_ticks % 10 == 0)
        rollInterval();
    for (auto it = m_hot.begin(); it != m_hot.end();) {
        const qint64 left = m_freshnessLeft(it.value());
        if (left < -1000000000) { // evicted or removed: nothing to refresh
            it = m_hot.erase(it);
            continue;
        }
        if (left > m_options.leadSeconds) {
            ++it;
            continue;
        }
        if (m_paused || m_startedThisInterval >= m_options.budgetPerInterval
            || m_running >= m_options.concurrency) {
            if (!m_skipped.contains(it.key())) { // once per entry and interval
                m_skipped.insert(it.key());
                count(Outcome::Skipped);
            }
            ++it;
            continue;
        }
        if (m_start(it.value())) {
            ++m_startedThisInterval;
            ++m_running;
        }
        ++it;
    }
}

void AutoRefresher::finished(bool failed)
{
    m_running = qMax(0, m_running - 1);
    m_paused = m_paused || failed;
    count(failed ? Outcome::Failed : Outcome::Done);
}

void AutoRefresher::count(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Done:
        ++m_counters.done;
        break;
    case Outcome::Skipped:
        ++m_counters.skipped;
        break;
    case Outcome::Failed:
        ++m_counters.failed;
        break;
    }
    if (m_counted)
        m_counted(outcome);
}

} // namespace tiercache
