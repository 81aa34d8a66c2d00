// SPDX-License-Identifier: MIT
// The disk tier's catalogue facets (tags, bulk invalidation, statistics, inspection): what
// NetworkCache asks of a tier with a catalogue, answered from DiskStore.
#include "disk/disktier_p.h"

#include <QtCore/QDateTime>
#include <QtCore/QUrl>

namespace tiercache {

namespace {
    CacheEntryInfo toInfo(const EntryRecord &e)
    {
        CacheEntryInfo info;
        info.setUrl(QUrl(e.key, QUrl::StrictMode));
        info.setDigest(e.digest);
        info.setBodySize(e.bodySize);
        info.setStoredSize(e.rowSize + e.allocSize);
        info.setStatusCode(e.status);
        info.setContentType(e.contentType);
        info.setCreated(QDateTime::fromMSecsSinceEpoch(e.createdMs, Qt::UTC));
        info.setLastAccess(QDateTime::fromMSecsSinceEpoch(e.lastAccessMs, Qt::UTC));
        info.setExpires(QDateTime::fromMSecsSinceEpoch(e.expiresMs, Qt::UTC));
        info.setHitCount(e.hits);
        return info;
    }

    EntryQuery toQuery(const EntryFilter &filter)
    {
        EntryQuery q;
        q.urlContains = filter.urlContains();
        q.tag = filter.tag();
        q.contentType = filter.contentType();
        q.status = filter.statusCode();
        q.expired = filter.expiry() == EntryFilter::Expiry::ExpiredOnly ? 1
                : filter.expiry() == EntryFilter::Expiry::FreshOnly     ? -1
                                                                        : 0;
        q.nowMs = QDateTime::currentMSecsSinceEpoch();
        switch (filter.order()) {
        case EntryFilter::Order::RecentlyUsed:
            q.order = EntryQuery::Order::RecentlyUsed;
            break;
        case EntryFilter::Order::MostHits:
            q.order = EntryQuery::Order::MostHits;
            break;
        case EntryFilter::Order::Largest:
            q.order = EntryQuery::Order::Largest;
            break;
        case EntryFilter::Order::Oldest:
            q.order = EntryQuery::Order::Oldest;
            break;
        case EntryFilter::Order::Url:
            q.order = EntryQuery::Order::Key;
            break;
        }
        return q;
    }
} // namespace

// --- TagIndex ------------------------------------------------------------------------------

bool DiskTier::setTags(const QString &key, const QStringList &tags)
{
    return ensureOpen() && m_store.setTags(key, tags);
}

QStringList DiskTier::tagsOf(const QString &key)
{
    return ensureOpen() ? m_store.tagsOf(key) : QStringList();
}

QStringList DiskTier::keysForTags(const QStringList &tags)
{
    return ensureOpen() ? m_store.keysForTags(tags) : QStringList();
}

QList<QPair<QString, qint64>> DiskTier::tagCounts()
{
    return ensureOpen() ? m_store.tagCounts() : QList<QPair<QString, qint64>>();
}

bool DiskTier::dropTags(const QStringList &keys)
{
    return ensureOpen() && m_store.dropTags(keys);
}

// --- BulkInvalidation ----------------------------------------------------------------------

int DiskTier::removeKeys(const QStringList &keys)
{
    if (!ensureOpen())
        return 0;
    forgetRows();
    const int removed = m_store.removeKeys(keys);
    scheduleSweep();
    return removed;
}

int DiskTier::removeTagged(const QStringList &tags)
{
    if (!ensureOpen())
        return 0;
    forgetRows();
    const int removed = m_store.removeTagged(tags);
    scheduleSweep();
    return removed;
}

int DiskTier::expireKeys(const QStringList &keys)
{
    if (!ensureOpen())
        return 0;
    forgetRows();
    return m_store.expireKeys(keys);
}

// --- StatisticsStore -----------------------------------------------------------------------

bool DiskTier::addCounters(const QHash<QString, qint64> &deltas)
{
    if (!ensureOpen())
        return false;
    for (auto it = deltas.cbegin(); it != deltas.cend(); ++it)
        m_store.addCounter(it.key(), it.value());
    schedulePendingFlush();
    return true;
}

QHash<QString, qint64> DiskTier::counters()
{
    return ensureOpen() ? m_store.counters() : QHash<QString, qint64>();
}

QList<StatisticsStore::Point> DiskTier::series(qint64 sinceMinute)
{
    QList<Point> points;
    if (!ensureOpen())
        return points;
    for (const Catalogue::SeriesPoint &p : m_store.series(sinceMinute))
        points.append({p.minute, p.name, p.value});
    return points;
}

void DiskTier::setSeriesRetention(int minutes)
{
    m_store.setSeriesRetentionMinutes(minutes);
}

bool DiskTier::resetStatistics()
{
    return ensureOpen() && m_store.resetStatistics();
}

// --- CatalogueInspection -------------------------------------------------------------------

CacheEntryInfo DiskTier::entryInfo(const QString &key)
{
    if (!ensureOpen())
        return {};
    m_store.flushHits();
    const auto e = m_store.find(key);
    if (!e)
        return {};
    CacheEntryInfo info = toInfo(*e);
    info.setTags(m_store.tagsOf(key));
    info.setSharedBodyCount(m_store.sharingCount(e->digest));
    return info;
}

bool DiskTier::holds(const QString &key)
{
    return ensureOpen() && m_store.find(key).has_value();
}

void DiskTier::recordHit(const QString &key)
{
    if (m_readOnly || !ensureOpen())
        return;
    m_store.recordHit(key, QDateTime::currentMSecsSinceEpoch());
    schedulePendingFlush();
}

QList<CacheEntryInfo> DiskTier::entries(const EntryFilter &filter, int offset, int limit)
{
    QList<CacheEntryInfo> result;
    if (!ensureOpen())
        return result;
    for (const EntryRecord &e : m_store.query(toQuery(filter), offset, limit)) {
        CacheEntryInfo info = toInfo(e);
        info.setTags(m_store.tagsOf(e.key));
        result.append(info);
    }
    return result;
}

qint64 DiskTier::entryCount(const EntryFilter &filter)
{
    return ensureOpen() ? m_store.count(toQuery(filter)) : 0;
}

QHash<QString, qint64> DiskTier::tagBytes()
{
    return ensureOpen() ? m_store.tagBytes() : QHash<QString, qint64>();
}

CacheSummary DiskTier::summary()
{
    CacheSummary s;
    if (!ensureOpen())
        return s;
    const Catalogue::Counts c = m_store.counts();
    s.setEntryCount(c.entries);
    s.setBlobCount(c.blobs);
    s.setBodyBytes(c.bodyBytes);
    s.setDistinctBodyBytes(c.distinctBodyBytes);
    s.setTotalHits(c.hits);
    s.setStoredBytes(m_store.totalSize());
    return s;
}

VerifyReport DiskTier::verify(const std::function<bool(qint64, qint64)> &progress)
{
    if (!ensureOpen())
        return {};
    const VerifyReport report = m_store.verify(progress);
    forgetRows();
    return report;
}

qint64 DiskTier::collectGarbage()
{
    if (!ensureOpen())
        return 0;
    const qint64 reclaimed = m_store.collectGarbage();
    forgetRows();
    return reclaimed;
}

} // namespace tiercache
