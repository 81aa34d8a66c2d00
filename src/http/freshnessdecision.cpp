// SPDX-License-Identifier: MIT
#include "freshnessdecision_p.h"

#include "../freshness_p.h"

#include <QtNetwork/QNetworkCacheMetaData>

namespace tiercache::http {

FreshnessDecision FreshnessDecision::decide(const QNetworkCacheMetaData &stored,
                                            const RequestDirectives &request, const QDateTime &now,
                                            const StaleOptions &options)
{
    FreshnessDecision d;
    const CacheControl cc = CacheControl::parse(rawHeader(stored, "cache-control"));
    d.age = parseAgeValue(rawHeader(stored, "age")).value_or(0);
    const QDateTime expires = stored.expirationDate();
    d.ttl = expires.isValid() ? now.secsTo(expires) : -1;
    if (expires.isValid() && now.msecsTo(expires) <= 0 && d.ttl == 0)
        d.ttl = -1; // expired within the last second: stale, not "0 s left"
    const bool fresh = d.ttl >= 0 && expires.isValid() && now.msecsTo(expires) > 0;
    const qint64 staleness = fresh ? 0 : -d.ttl;

    // Unqualified no-cache: every reuse needs the origin (5.2.2.4); the qualified form only
    // keeps the named fields from being stored (done when storing).
    const bool responseNoCache = cc.hasWithoutArgument("no-cache");
    const bool mustRevalidate = cc.has("must-revalidate") || cc.has("proxy-revalidate");
    const qint64 swr = cc.seconds("stale-while-revalidate").value_or(options.staleWhileRevalidate);
    const qint64 sie = cc.seconds("stale-if-error").value_or(options.staleIfError);
    d.mayServeStaleOnError = !responseNoCache && !mustRevalidate && (fresh || staleness <= sie);
    if (request.cacheOnly)
        d.mayServeStaleOnError = !responseNoCache;

    if (responseNoCache || (request.noCache && !request.cacheOnly)) {
        d.use = Use::Revalidate;
        return d;
    }
    bool usable = fresh;
    // RFC 8246 2.1: a fresh immutable response is not revalidated "upon a reload" (a request
    // max-age or min-fresh); a forced reload (request no-cache, above) still revalidates.
    const bool immutable = cc.has("immutable");
    if (fresh && !immutable && request.maxAge && d.age > *request.maxAge)
        usable = false; // 5.2.1.1: older than the client accepts
    if (fresh && !immutable && request.minFresh && d.ttl < *request.minFresh)
        usable = false; // 5.2.1.3
    if (usable) {
        d.use = Use::Fresh;
        return d;
    }
    if (!fresh && !mustRevalidate && request.maxStale && staleness <= *request.maxStale
        && !(request.maxAge && d.age > *request.maxAge && !request.cacheOnly)) {
        d.use = Use::Stale; // 5.2.1.2: the client accepts this much staleness
        return d;
    }
    if (request.cacheOnly && !fresh) {
        // Offline: QNAM's AlwaysCache serves any stored response it may serve at all.
        d.use = Use::Stale;
        return d;
    }
    if (!fresh && !mustRevalidate && staleness <= swr && !request.maxAge && !request.minFresh) {
        d.use = Use::StaleWhileRevalidate; // RFC 5861 section 3
        return d;
    }
    d.use = Use::Revalidate;
    return d;
}

} // namespace tiercache::http
