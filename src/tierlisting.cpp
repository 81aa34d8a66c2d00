// SPDX-License-Identifier: MIT
#include "tierlisting_p.h"

#include "freshness_p.h"
#include "tierfacets_p.h"

#include <tiercache/tier.h>

namespace tiercache {

QList<CacheEntryInfo> listTierEntries(Tier &tier, TagIndex &index, const EntryFilter &filter,
                                      int offset, int limit)
{
    QList<CacheEntryInfo> result;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QStringList tagged =
            filter.tag().isEmpty() ? QStringList() : index.keysForTags({filter.tag()});
    int skipped = 0;
    tier.enumerate([&](const TierRecord &r) {
        const QString key = r.key();
        const QNetworkCacheMetaData md = r.metaData();
        if (!filter.urlContains().isEmpty() && !key.contains(filter.urlContains()))
            return true;
        if (!filter.tag().isEmpty() && !tagged.contains(key))
            return true;
        if (!filter.contentType().isEmpty()
            && !QString::fromLatin1(rawHeader(md, "content-type")).startsWith(filter.contentType()))
            return true;
        if (filter.statusCode() != 0 && statusCode(md) != filter.statusCode())
            return true;
        const bool expired = md.expirationDate() <= now;
        if ((filter.expiry() == EntryFilter::Expiry::ExpiredOnly && !expired)
            || (filter.expiry() == EntryFilter::Expiry::FreshOnly && expired))
            return true;
        if (skipped++ < offset)
            return true;
        CacheEntryInfo info;
        info.setUrl(QUrl(key, QUrl::StrictMode));
        info.setBodySize(r.bodySize());
        info.setStatusCode(statusCode(md));
        info.setContentType(rawHeader(md, "content-type"));
        info.setLastAccess(r.lastAccess());
        info.setExpires(md.expirationDate());
        info.setTags(index.tagsOf(key));
        result.append(info);
        return limit < 0 || result.size() < limit;
    });
    return result;
}

} // namespace tiercache
