// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkRequest>

#include <memory>

namespace tiercache {

class NetworkCache;
class AccessManagerPrivate;

/*!
    \brief A QNetworkAccessManager that applies RFC 9111 private-cache rules itself, with a
    tiercache::NetworkCache (any tier chain) as storage and QNAM for transport.

    A QAbstractNetworkCache set with setCache() sees a URL only; QNAM makes the caching
    decisions. This manager sees the request, so it can honour what a plain cache cannot:

    \list
    \li Request directives: \c no-cache, \c no-store, \c max-age, \c max-stale, \c min-fresh,
        \c only-if-cached (a 504 when nothing stored is usable), \c{Pragma: no-cache}, and
        Qt's CacheLoadControlAttribute / CacheSaveControlAttribute in their documented meaning.
    \li \c Vary: one variant per combination of the varied request fields, several per URL;
        \c{Vary: *} is never reused.
    \li \c stale-while-revalidate and \c stale-if-error (RFC 5861), also as defaults set
        here, and an offline mode serving stale entries when the network fails.
    \li Identical concurrent GETs share one origin request (coalescing).
    \li Invalidation after unsafe methods (RFC 9111 section 4.4) and RFC 9875
        \c Cache-Group-Invalidation.
    \li Optional \c Cache-Status (RFC 9211) on every reply, and the CacheResultAttribute.
    \endlist

    Do not also call setCache(): the manager keeps its cache separate from QNAM's own logic.

    \code
    auto *cache = new tiercache::NetworkCache;
    cache->setCacheDirectory(dir);
    auto *nam = new tiercache::AccessManager(cache, this);   // owns the cache
    nam->setCacheStatusEnabled(true);
    QNetworkReply *reply = nam->get(QNetworkRequest(url));
    \endcode
*/
class TIERCACHE_EXPORT AccessManager : public QNetworkAccessManager
{
    Q_OBJECT
public:
    //! How a reply was answered, in the reply's CacheResultAttribute (an int).
    enum class CacheResult {
        Bypass,      //!< the cache was not used (method, Range, AlwaysNetwork, no cache)
        Miss,        //!< fetched from the origin
        Hit,         //!< served fresh from the cache, origin not contacted
        Stale,       //!< served stale (max-stale, stale-while-revalidate, stale-if-error, offline)
        Revalidated, //!< the origin confirmed the stored response (304)
        Coalesced,   //!< shared the origin response another identical request fetched
        Unavailable, //!< only-if-cached / AlwaysCache and nothing usable was stored
    };
    Q_ENUM(CacheResult)
    //! Reply attribute holding the CacheResult as an int.
    static constexpr QNetworkRequest::Attribute CacheResultAttribute =
            QNetworkRequest::Attribute(QNetworkRequest::User + 0x7c1);

    explicit AccessManager(NetworkCache *cache, QObject *parent = nullptr);
    ~AccessManager() override;

    NetworkCache *networkCache() const;

    //! Adds "Cache-Status" (RFC 9211) to every reply answered through the cache (default off).
    void setCacheStatusEnabled(bool enabled);
    bool isCacheStatusEnabled() const;
    //! The cache's name in Cache-Status (default "tiercache").
    void setCacheStatusName(const QByteArray &name);

    //! Seconds of stale-while-revalidate for responses that do not say (default 0).
    void setStaleWhileRevalidate(qint64 seconds);
    //! Seconds of stale-if-error for responses that do not say (default 0).
    void setStaleIfError(qint64 seconds);
    /*!
        Offline mode: when the origin cannot be reached (transport error) or answers 5xx, a
        stored response is served whatever its age, unless it says must-revalidate or no-cache;
        the reply says CacheResult::Stale.
    */
    void setOfflineFallback(bool enabled);

    //! Whether identical concurrent cacheable GETs share one origin request (default on).
    void setCoalescingEnabled(bool enabled);
    bool isCoalescingEnabled() const;

    //! Requests this manager sent to the network (for statistics and benchmarks).
    qint64 originRequestCount() const;

    /*!
        Refresh before expiry: a request for an entry with at most \a seconds of freshness
        left is answered from the cache at once (CacheResult::Hit) and the entry is revalidated
        in the background, one origin request however many readers ask meanwhile, so the next
        reader finds it fresh. 0 (the default) turns it off.
        \code
        nam->setRefreshBeforeExpiry(30); // max-age=300: requests in the last 30 s refresh it
        \endcode
    */
    void setRefreshBeforeExpiry(qint64 seconds);
    qint64 refreshBeforeExpiry() const;

    //! How auto-refresh chooses and paces its background revalidations.
    struct AutoRefreshOptions
    {
        //! Requests for an entry within one interval that make it hot.
        int hitThreshold = 10;
        //! The length of the rate window, in milliseconds (default one minute).
        int intervalMs = 60 * 1000;
        //! Hot entries with at most this much freshness left are revalidated, in seconds.
        qint64 leadSeconds = 10;
        //! At most this many background revalidations start per interval.
        int budgetPerInterval = 60;
        //! At most this many run at the same time.
        int concurrency = 4;
    };
    //! What auto-refresh and refresh before expiry did since the manager was created.
    struct RefreshCounters
    {
        qint64 done = 0;    //!< background revalidations that got an answer (200 or 304)
        qint64 skipped = 0; //!< due but not started: budget, concurrency or network paused
        qint64 failed = 0;  //!< transport errors and 5xx answers
    };

    /*!
        Auto-refresh: entries requested at least AutoRefreshOptions::hitThreshold times in the
        last interval are revalidated in the background before they expire, within the budget
        and the concurrency limit, so they never go stale under load. An entry requested less
        often in an interval is no longer refreshed. After a failed refresh (transport error
        or 5xx) refreshing pauses for one interval. Off by default.
        \code
        tiercache::AccessManager::AutoRefreshOptions options;
        options.hitThreshold = 30;  // 30 requests a minute
        options.leadSeconds = 15;
        options.budgetPerInterval = 120;
        nam->setAutoRefresh(true, options);
        \endcode
    */
    void setAutoRefresh(bool enabled, const AutoRefreshOptions &options);
    //! As above with the default AutoRefreshOptions.
    void setAutoRefresh(bool enabled);
    bool isAutoRefreshEnabled() const;
    AutoRefreshOptions autoRefreshOptions() const;
    RefreshCounters refreshCounters() const;

protected:
    QNetworkReply *createRequest(Operation op, const QNetworkRequest &request,
                                 QIODevice *outgoingData) override;

private:
    Q_DECLARE_PRIVATE(AccessManager)
    std::unique_ptr<AccessManagerPrivate> d_ptr;
};

} // namespace tiercache
