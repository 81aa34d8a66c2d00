// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QtGlobal>

#include <optional>

QT_BEGIN_NAMESPACE
class QNetworkRequest;
QT_END_NAMESPACE

namespace tiercache::http {

/*!
    What a request asks of a cache (RFC 9111 section 5.2.1, section 5.4 Pragma), merged with
    Qt's CacheLoadControlAttribute / CacheSaveControlAttribute in their documented meaning:
    AlwaysNetwork = do not use the cache for this request, PreferCache = a stored response even
    if stale, AlwaysCache = only the cache (offline), CacheSaveControl false = do not store.
*/
struct RequestDirectives
{
    bool noCache = false;      //!< no-cache, Pragma: no-cache: revalidate before any reuse
    bool noStore = false;      //!< no-store, or CacheSaveControl false: do not store the response
    bool bypass = false;       //!< AlwaysNetwork: neither look up nor revalidate
    bool onlyIfCached = false; //!< only-if-cached: 504 unless a stored response is usable
    bool cacheOnly = false;    //!< AlwaysCache: Qt's ContentNotFoundError unless stored
    std::optional<qint64> maxAge;
    std::optional<qint64> minFresh;
    std::optional<qint64> maxStale; //!< seconds; INT64_MAX for "max-stale" without a value

    static RequestDirectives fromRequest(const QNetworkRequest &request);
};

} // namespace tiercache::http
