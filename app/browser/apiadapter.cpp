// SPDX-License-Identifier: MIT
#include "apiadapter.h"

#include <tiercache/networkcache.h>
#include <tiercache/tierloader.h>
#include <tiercache/tierplugininfo.h>

namespace tiercache::browser {

namespace {
    EntryRow toRow(const CacheEntryInfo &info)
    {
        EntryRow row;
        row.url = info.url();
        row.digest = info.digest();
        row.bodySize = info.bodySize();
        row.storedSize = info.storedSize();
        row.status = info.statusCode();
        row.contentType = QString::fromLatin1(info.contentType());
        row.created = info.created();
        row.lastAccess = info.lastAccess();
        row.expires = info.expires();
        row.hits = info.hitCount();
        row.tags = info.tags();
        row.sharedBodies = info.sharedBodyCount();
        return row;
    }

    QList<EntryRow> toRows(const QList<CacheEntryInfo> &infos)
    {
        QList<EntryRow> rows;
        rows.reserve(infos.size());
        for (const CacheEntryInfo &info : infos)
            rows.append(toRow(info));
        return rows;
    }

    EntryFilter toFilter(const EntryQuery &query)
    {
        EntryFilter filter;
        // Keys are stored fully encoded: what the user types (decoded, "ü" or "a b") is
        // encoded the same way, so both spellings find the entry.
        const QString text = query.text.trimmed();
        if (!text.isEmpty()) {
            const QByteArray encoded = QUrl::toPercentEncoding(text, "/:?&=#+;,@!$'()*[]%~");
            filter.setUrlContains(QString::fromLatin1(encoded));
        }
        filter.setTag(query.tag);
        filter.setContentType(query.contentType);
        filter.setStatusCode(query.status);
        filter.setTier(query.tier);
        switch (query.expiry) {
        case EntryQuery::Expiry::Any:
            filter.setExpiry(EntryFilter::Expiry::Any);
            break;
        case EntryQuery::Expiry::Fresh:
            filter.setExpiry(EntryFilter::Expiry::FreshOnly);
            break;
        case EntryQuery::Expiry::Stale:
            filter.setExpiry(EntryFilter::Expiry::ExpiredOnly);
            break;
        }
        switch (query.order) {
        case EntryQuery::Order::RecentlyUsed:
            filter.setOrder(EntryFilter::Order::RecentlyUsed);
            break;
        case EntryQuery::Order::MostHits:
            filter.setOrder(EntryFilter::Order::MostHits);
            break;
        case EntryQuery::Order::Largest:
            filter.setOrder(EntryFilter::Order::Largest);
            break;
        case EntryQuery::Order::Oldest:
            filter.setOrder(EntryFilter::Order::Oldest);
            break;
        case EntryQuery::Order::Url:
            filter.setOrder(EntryFilter::Order::Url);
            break;
        }
        return filter;
    }
} // namespace

QList<EntryRow> entries(const NetworkCache &cache, const EntryQuery &query, int offset, int limit)
{
    return toRows(cache.entries(toFilter(query), offset, limit));
}

qint64 entryCount(const NetworkCache &cache, const EntryQuery &query)
{
    return cache.entryCount(toFilter(query));
}

EntryRow entry(const NetworkCache &cache, const QUrl &url)
{
    return toRow(cache.entryInfo(url));
}

SummaryRow summary(const NetworkCache &cache)
{
    const CacheSummary s = cache.summary();
    SummaryRow row;
    row.entries = s.entryCount();
    row.blobs = s.blobCount();
    row.bodyBytes = s.bodyBytes();
    row.storedBytes = s.storedBytes();
    row.hits = s.totalHits();
    row.maximumSize = s.maximumSize();
    return row;
}

QList<TagRow> tags(const NetworkCache &cache)
{
    const QHash<QString, qint64> bytes = cache.tagBytes();
    QList<TagRow> rows;
    for (const auto &[name, count] : cache.tags())
        rows.append({name, count, bytes.value(name)});
    return rows;
}

QStringList tierNames(const NetworkCache &cache)
{
    QStringList names;
    for (const TierStatistics &t : cache.tierStatistics())
        names.append(t.name());
    return names;
}

StatisticsRow statistics(const NetworkCache &cache, int topN)
{
    const Statistics s = cache.statistics(topN);
    StatisticsRow row;
    row.lookups = s.lookups();
    row.hits = s.hits();
    row.staleHits = s.staleHits();
    row.misses = s.misses();
    row.revalidations = s.revalidations();
    row.bytesFromCache = s.bytesFromCache();
    row.bytesFromNetwork = s.bytesFromNetwork();
    row.inserts = s.inserts();
    row.evictions = s.evictions();
    row.promotions = s.promotions();
    row.invalidations = s.invalidations();
    row.refreshesDone = s.refreshesDone();
    row.refreshesSkipped = s.refreshesSkipped();
    row.refreshesFailed = s.refreshesFailed();
    row.hitRatio = s.hitRatio();
    row.byteHitRatio = s.byteHitRatio();
    for (const TierStatistics &t : s.tiers()) {
        row.tiers.append({t.spec(), t.name(), t.lookups(), t.hits(), t.misses(), t.promotions(),
                          t.writes(), t.size()});
    }
    for (const Statistics::Minute &m : s.series()) {
        row.series.append({m.start(), m.lookups(), m.hits(), m.staleHits(), m.misses(),
                           m.bytesFromCache(), m.bytesFromNetwork()});
    }
    row.hottest = toRows(s.hottest());
    row.largest = toRows(s.largest());
    row.oldest = toRows(s.oldest());
    return row;
}

QList<PluginRow> plugins(TierLoader &loader)
{
    QList<PluginRow> rows;
    for (const TierPluginInfo &p : loader.plugins()) {
        PluginRow row;
        row.fileName = p.fileName();
        row.id = p.id();
        row.name = p.name();
        row.description = p.description();
        row.error = p.errorString();
        row.apiVersion = p.apiVersion();
        row.config = p.config();
        rows.append(row);
    }
    return rows;
}

VerifyRow verify(NetworkCache &cache, const std::function<bool(qint64, qint64)> &progress)
{
    const VerifyReport r = cache.verify(progress);
    return {r.checked(),        r.bytesChecked(), r.damaged(),
            r.removedEntries(), r.cancelled(),    r.problems()};
}

} // namespace tiercache::browser
