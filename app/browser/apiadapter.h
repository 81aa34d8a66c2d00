// SPDX-License-Identifier: MIT
#pragma once

// The one place where the Browser reads the library's value types (CacheEntryInfo,
// EntryFilter, CacheSummary, VerifyReport, Statistics, TierStatistics, TierPluginInfo): they
// are turned into the Browser's own rows here, so that a change of their shape (fields to
// getters) touches this file pair alone.

#include <QtCore/QDateTime>
#include <QtCore/QJsonArray>
#include <QtCore/QList>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

#include <functional>

namespace tiercache {
class NetworkCache;
class TierLoader;
} // namespace tiercache

namespace tiercache::browser {

//! One entry as the Browser shows it.
struct EntryRow
{
    QUrl url;
    QByteArray digest;
    qint64 bodySize = -1;
    qint64 storedSize = 0;
    int status = 0;
    QString contentType;
    QDateTime created;
    QDateTime lastAccess;
    QDateTime expires;
    qint64 hits = 0;
    QStringList tags;
    qint64 sharedBodies = 0; //!< entries sharing the body (entry() only; 0: not known)
    bool isValid() const { return bodySize >= 0; }
    bool isStale(const QDateTime &now = QDateTime::currentDateTimeUtc()) const
    {
        return !expires.isValid() || expires <= now;
    }
};

//! What the entries view asks for; turned into an EntryFilter by the adapter.
struct EntryQuery
{
    enum class Expiry { Any, Fresh, Stale };
    enum class Order { RecentlyUsed, MostHits, Largest, Oldest, Url };
    QString text; //!< URL substring, as typed (decoded) or percent-encoded
    QString tag;
    QString contentType; //!< prefix
    int status = 0;      //!< HTTP status code; 0: any
    Expiry expiry = Expiry::Any;
    Order order = Order::RecentlyUsed;
    QString tier; //!< a tier of the chain to list; empty: the disk catalogue
    bool operator==(const EntryQuery &o) const
    {
        return text == o.text && tag == o.tag && contentType == o.contentType && status == o.status
                && expiry == o.expiry && order == o.order && tier == o.tier;
    }
};

struct SummaryRow
{
    qint64 entries = 0, blobs = 0, bodyBytes = 0, storedBytes = 0, hits = 0, maximumSize = 0;
};

struct TierRow
{
    QString spec, name;
    qint64 lookups = 0, hits = 0, misses = 0, promotions = 0, writes = 0, size = 0;
};

struct MinuteRow
{
    QDateTime start;
    qint64 lookups = 0, hits = 0, staleHits = 0, misses = 0, bytesFromCache = 0,
           bytesFromNetwork = 0;
};

struct StatisticsRow
{
    qint64 lookups = 0, hits = 0, staleHits = 0, misses = 0, revalidations = 0, bytesFromCache = 0,
           bytesFromNetwork = 0, inserts = 0, evictions = 0, promotions = 0, invalidations = 0,
           refreshesDone = 0, refreshesSkipped = 0, refreshesFailed = 0;
    double hitRatio = 0, byteHitRatio = 0;
    QList<TierRow> tiers;
    QList<MinuteRow> series;
    QList<EntryRow> hottest, largest, oldest;
};

struct TagRow
{
    QString name;
    qint64 entries = 0, bodyBytes = 0;
};

struct PluginRow
{
    QString fileName, id, name, description, error;
    int apiVersion = 0;
    QJsonArray config;
};

struct VerifyRow
{
    qint64 checked = 0, bytesChecked = 0, damaged = 0, removedEntries = 0;
    bool cancelled = false;
    QStringList problems;
};

// Calls into the cache that take or return the library's value types.
QList<EntryRow> entries(const NetworkCache &cache, const EntryQuery &query, int offset, int limit);
qint64 entryCount(const NetworkCache &cache, const EntryQuery &query);
EntryRow entry(const NetworkCache &cache, const QUrl &url);
SummaryRow summary(const NetworkCache &cache);
//! Tags with their entry counts and body bytes, most used first.
QList<TagRow> tags(const NetworkCache &cache);
//! The names of the tiers of the cache's chain, L1 first ("memory", "disk", ...).
QStringList tierNames(const NetworkCache &cache);
StatisticsRow statistics(const NetworkCache &cache, int topN);
QList<PluginRow> plugins(TierLoader &loader);
VerifyRow verify(NetworkCache &cache, const std::function<bool(qint64, qint64)> &progress);

} // namespace tiercache::browser
