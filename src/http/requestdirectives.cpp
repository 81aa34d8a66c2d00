// SPDX-License-Identifier: MIT
#include "requestdirectives_p.h"

#include "../freshness_p.h"

#include <QtNetwork/QNetworkRequest>

#include <limits>

namespace tiercache::http {

RequestDirectives RequestDirectives::fromRequest(const QNetworkRequest &request)
{
    RequestDirectives r;
    const QByteArray header = request.rawHeader("Cache-Control");
    const CacheControl cc = CacheControl::parse(header);
    r.noCache = cc.has("no-cache");
    r.noStore = cc.has("no-store");
    r.onlyIfCached = cc.has("only-if-cached");
    // Invalid values: max-age and min-fresh are ignored; max-stale without a valid value
    // means any staleness only when it has no value at all.
    r.maxAge = cc.seconds("max-age");
    r.minFresh = cc.seconds("min-fresh");
    if (cc.has("max-stale")) {
        r.maxStale = cc.seconds("max-stale");
        if (!r.maxStale && !header.toLower().contains("max-stale="))
            r.maxStale = std::numeric_limits<qint64>::max();
    }
    // RFC 9111 5.4: Pragma: no-cache counts as no-cache only without a Cache-Control field.
    if (header.isNull()) {
        for (const QByteArray &p : request.rawHeader("Pragma").split(',')) {
            if (p.trimmed().toLower() == "no-cache")
                r.noCache = true;
        }
    }
    const int load = request.attribute(QNetworkRequest::CacheLoadControlAttribute,
                                       QNetworkRequest::PreferNetwork)
                             .toInt();
    if (load == QNetworkRequest::AlwaysNetwork)
        r.bypass = true;
    // PreferCache: Qt documents "possibly stale (but not expired)": a stored response is used
    // while fresh, as with PreferNetwork (which this cache already never sends to the origin
    // when fresh); an expired one is fetched. RFC 9111 directives still apply.
    else if (load == QNetworkRequest::AlwaysCache) {
        r.cacheOnly = true;
        r.maxStale = std::numeric_limits<qint64>::max();
    }
    if (!request.attribute(QNetworkRequest::CacheSaveControlAttribute, true).toBool())
        r.noStore = true;
    return r;
}

} // namespace tiercache::http
