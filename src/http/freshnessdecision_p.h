// SPDX-License-Identifier: MIT
#pragma once

#include "requestdirectives_p.h"

#include <QtCore/QDateTime>

QT_BEGIN_NAMESPACE
class QNetworkCacheMetaData;
QT_END_NAMESPACE

namespace tiercache::http {

//! App-wide defaults for RFC 5861, used when a response does not say.
struct StaleOptions
{
    qint64 staleWhileRevalidate = 0; //!< seconds
    qint64 staleIfError = 0;         //!< seconds
};

/*!
    How a stored response may answer a request (RFC 9111 section 4, RFC 5861), from the stored
    metadata as NetworkCache::metaData() serves it (expirationDate() is the RFC 9111 expiry,
    Age the current age), the request's directives and the time.
*/
struct FreshnessDecision
{
    enum class Use {
        Fresh,                //!< serve without contacting the origin
        Stale,                //!< serve stale: the request allows it (max-stale, AlwaysCache)
        StaleWhileRevalidate, //!< serve stale now, revalidate in the background
        Revalidate,           //!< ask the origin (conditional request)
    };
    Use use = Use::Revalidate;
    qint64 age = 0;                    //!< current age, seconds
    qint64 ttl = 0;                    //!< freshness left, seconds (negative when stale)
    bool mayServeStaleOnError = false; //!< stale-if-error (or the app option) allows it now

    static FreshnessDecision decide(const QNetworkCacheMetaData &stored,
                                    const RequestDirectives &request, const QDateTime &now,
                                    const StaleOptions &options = {});
};

} // namespace tiercache::http
