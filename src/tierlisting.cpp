// SPDX-License-Identifier: MIT
#include "tierlisting_p.h"

#include "freshness_p.h"
#include "storedtime_p.h"
#include "tags_p.h"
#include "tierchain_p.h"
#include "tierfacets_p.h"

#include <tiercache/tier.h>

#include <QtCore/QSet>

#include <algorithm>

namespace tiercache {

namespace {
    CacheEntryInfo infoOf(const TierRecord &r, TagIndex &index)
    {
        const QNetworkCacheMetaData md = r.metaData();
        CacheEntryInfo info;
        info.setUrl(QUrl(r.key(), QUrl::StrictMode));
        info.setBodySize(r.bodySize());
        info.setStoredSize(r.storedSize());
        info.setStatusCode(statusCode(md));
        info.setContentType(rawHeader(md, "content-type"));
        info.setCreated(storedtime::storedTime(md));
        info.setLastAccess(r.lastAccess());
        info.setExpires(md.expirationDate());
        const QStringList carried = tags::recordTags(md);
        info.setTags(carried.isEmpty() ? index.tagsOf(r.key()) : carried);
        return info;
    }

    // Oldest first by creation; tiers that do not know when an entry was made give none, and
    // their last access is the best guess.
    QDateTime createdOrAccessed(const CacheEntryInfo &e)
    {
        return e.created().isValid() ? e.created() : e.lastAccess();
    }

    void sortEntries(QList<CacheEntryInfo> *entries, EntryFilter::Order order)
    {
        const auto key = [](const CacheEntryInfo &e) {
            return e.url().toString(QUrl::FullyEncoded);
        };
        std::stable_sort(entries->begin(), entries->end(),
                         [&](const CacheEntryInfo &a, const CacheEntryInfo &b) {
                             switch (order) {
                             case EntryFilter::Order::RecentlyUsed:
                                 if (a.lastAccess() != b.lastAccess())
                                     return a.lastAccess() > b.lastAccess();
                                 break;
                             case EntryFilter::Order::MostHits:
                                 if (a.hitCount() != b.hitCount())
                                     return a.hitCount() > b.hitCount();
                                 break;
                             case EntryFilter::Order::Largest:
                                 if (a.bodySize() != b.bodySize())
                                     return a.bodySize() > b.bodySize();
                                 break;
                             case EntryFilter::Order::Oldest:
                                 if (createdOrAccessed(a) != createdOrAccessed(b))
                                     return createdOrAccessed(a) < createdOrAccessed(b);
                                 break;
                             case EntryFilter::Order::Url:
                                 break;
                             }
                             return key(a) < key(b);
                         });
    }
} // namespace

QString keyForm(const QString &urlSubstring)
{
    // A key never holds a space, a non-ASCII or another character QUrl always encodes: text
    // with one was typed decoded. Anything else is left as it is ("%2F" may be in a key).
    const bool decoded = std::any_of(urlSubstring.cbegin(), urlSubstring.cend(), [](QChar c) {
        return c.unicode() <= 0x20 || c.unicode() >= 0x7f
                || QStringView(u"\"<>\\^`{|}").contains(c);
    });
    if (!decoded)
        return urlSubstring;
    // Decode what was typed encoded among it, then encode like a key: everything but the
    // unreserved characters and the delimiters.
    const QString plain = QUrl::fromPercentEncoding(urlSubstring.toUtf8());
    return QString::fromLatin1(QUrl::toPercentEncoding(plain, "!$&'()*+,;=:@/?#[]"));
}

QList<CacheEntryInfo> listTierEntries(Tier &tier, TagIndex &index, const EntryFilter &filter,
                                      int offset, int limit)
{
    QList<CacheEntryInfo> result;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QStringList indexed =
            filter.tag().isEmpty() ? QStringList() : index.keysForTags({filter.tag()});
    const QSet<QString> tagged(indexed.cbegin(), indexed.cend());
    const QString encoded = keyForm(filter.urlContains());
    int skipped = 0;
    tier.enumerate([&](const TierRecord &r) {
        const QString key = r.key();
        const QNetworkCacheMetaData md = r.metaData();
        if (!filter.urlContains().isEmpty() && !key.contains(filter.urlContains())
            && !key.contains(encoded))
            return true;
        if (!filter.tag().isEmpty() && !tagged.contains(key)
            && !tags::recordTags(md).contains(filter.tag()))
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
        result.append(infoOf(r, index));
        return limit < 0 || result.size() < limit;
    });
    return result;
}

QList<CacheEntryInfo> entriesOutsideCatalogue(TierChain &chain, CatalogueInspection *inspection,
                                              TagIndex &index, const EntryFilter &filter)
{
    QList<CacheEntryInfo> extra;
    QSet<QString> seen;
    Tier *catalogueTier = dynamic_cast<Tier *>(inspection);
    for (int i = 0; i < chain.size(); ++i) {
        if (chain.tier(i) == catalogueTier)
            continue;
        for (const CacheEntryInfo &e : listTierEntries(*chain.tier(i), index, filter, 0, -1)) {
            const QString key = e.url().toString(QUrl::FullyEncoded);
            if (seen.contains(key) || (inspection && inspection->holds(key)))
                continue; // the highest tier's record counts; the catalogue's row, if any
            seen.insert(key);
            extra.append(e);
        }
    }
    return extra;
}

QList<CacheEntryInfo> listChainEntries(TierChain &chain, CatalogueInspection *inspection,
                                       TagIndex &index, const EntryFilter &filter, int offset,
                                       int limit)
{
    QList<CacheEntryInfo> all;
    // The catalogue pages in the filter's order itself: only its first offset + limit rows can
    // be on the page, however many it holds. The other tiers' entries it does not hold are
    // merged in.
    if (inspection) {
        EntryFilter asKeys = filter;
        asKeys.setUrlContains(keyForm(filter.urlContains()));
        all = inspection->entries(asKeys, 0, limit < 0 ? -1 : offset + limit);
    }
    all.append(entriesOutsideCatalogue(chain, inspection, index, filter));
    sortEntries(&all, filter.order());
    if (offset > 0)
        all.remove(0, qMin<qsizetype>(offset, all.size()));
    if (limit >= 0 && all.size() > limit)
        all.resize(limit);
    return all;
}

CacheEntryInfo findChainEntry(TierChain &chain, CatalogueInspection *inspection, TagIndex &index,
                              const QString &key)
{
    if (inspection) {
        const CacheEntryInfo info = inspection->entryInfo(key);
        if (info.isValid())
            return info;
    }
    Tier *catalogueTier = dynamic_cast<Tier *>(inspection);
    for (int i = 0; i < chain.size(); ++i) {
        Tier *tier = chain.tier(i);
        if (tier == catalogueTier)
            continue;
        if (const std::unique_ptr<TierEntry> entry = tier->lookup(key))
            return infoOf(entry->record(), index);
    }
    return {};
}

} // namespace tiercache
