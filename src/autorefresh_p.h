// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/accessmanager.h>

#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QSet>
#include <QtCore/QUrl>
#include <QtNetwork/QNetworkRequest>

#include <functional>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace tiercache {

/*
    Auto-refresh for AccessManager: counts the requests per entry in the current interval,
    keeps the entries that were hot in the last one, and on each tick (a tenth of an interval)
    asks for a background revalidation of the hot entries about to expire, within the budget
    per interval and the concurrency limit; pauses for an interval after a failure.
*/
class AutoRefresher : public QObject
{
    Q_OBJECT
public:
    struct Entry
    {
        QNetworkRequest request;
        QUrl lookupUrl;
    };
    //! Seconds of freshness left for \a entry's stored response (< -1e9: nothing stored).
    using FreshnessLeft = std::function<qint64(const Entry &entry)>;
    //! Starts a background revalidation; false if one is already running.
    using Start = std::function<bool(const Entry &entry)>;
    enum class Outcome { Done, Skipped, Failed };
    //! Told of each count() too (the cache's shared statistics keep them).
    using Counted = std::function<void(Outcome outcome)>;

    AutoRefresher(FreshnessLeft freshnessLeft, Start start, Counted counted, QObject *parent);

    void setEnabled(bool enabled, const AccessManager::AutoRefreshOptions &options);
    bool isEnabled() const { return m_enabled; }
    const AccessManager::AutoRefreshOptions &options() const { return m_options; }

    //! A request for \a key (the entry's cache key).
    void noteRequest(const QString &key, const QNetworkRequest &request, const QUrl &lookupUrl);
    //! A background revalidation started by start() ended.
    void finished(bool failed);
    //! Counts a background revalidation of any kind (auto-refresh or refresh before expiry).
    void count(Outcome outcome);

    const AccessManager::RefreshCounters &counters() const { return m_counters; }

private:
    void tick();
    void rollInterval();

    FreshnessLeft m_freshnessLeft;
    Start m_start;
    Counted m_counted;
    AccessManager::RefreshCounters m_counters;
    bool m_enabled = false;
    AccessManager::AutoRefreshOptions m_options;
    QTimer *m_timer = nullptr;
    int m_ticks = 0;
    QHash<QString, int> m_counting; // requests in the current interval
    QHash<QString, Entry> m_hot;    // hot in the last interval
    QHash<QString, Entry> m_latest; // the last request per key in the current interval
    QSet<QString> m_skipped;        // counted as skipped in this interval
    int m_startedThisInterval = 0;
    int m_running = 0;
    bool m_paused = false;
};

} // namespace tiercache
