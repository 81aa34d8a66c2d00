// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/networkcache.h>
#include <tiercache/tierloader.h>

#include "eventlog_p.h"
#include "tierchain_p.h"

#include <QtCore/QSet>
#include <QtCore/QTimer>
#include <QtCore/QUrl>

#include <memory>

QT_BEGIN_NAMESPACE
class QNetworkReply;
QT_END_NAMESPACE

namespace tiercache {

class DiskTier;
class InsertDevice;

class NetworkCachePrivate
{
    Q_DECLARE_PUBLIC(NetworkCache)
public:
    explicit NetworkCachePrivate(NetworkCache *q);
    ~NetworkCachePrivate();

    void setError(NetworkCache::Error error, const QString &message);
    QString keyFor(const QUrl &url) const { return policy.cacheKey(url); }
    //! RFC 9111 expiration, then the policy: default TTL, URL rules, hook, ceiling.
    QDateTime expirationFor(const QUrl &url, const QNetworkCacheMetaData &md, const QDateTime &now,
                            qint64 hookTtl) const;
    // Counters live in a plain array on the hot path; names appear only when written out.
    enum Counter {
        Lookups, Hits, StaleHits, Misses, Revalidations, BytesFromCache, BytesFromNetwork,
        Inserts, Invalidations, CounterCount
    };
    static const char *counterName(Counter c);
    void count(Counter counter, qint64 delta = 1);
    void flushCounters();
    void storeTags(const QString &key, const QStringList &tags);
    QStringList keysForTags(const QStringList &tags) const;
    int invalidate(const QStringList &tags, bool soft, const QString &sameOriginAs = {});
    void watchUnsafeRequest(const QString &key);
    bool cacheOnlyRequestFor(const QString &key) const;

    // A revalidation spans two metaData() calls with the network in between, and another
    // process may replace or remove the entry meanwhile. The stale entry the first call found
    // is pinned (its body open) so that the 304 is answered with that very body and its
    // metadata update only applies if the stored body is still the same.
    struct Pin
    {
        TierChain::Found found;
        QIODevice *body = nullptr; // owned until data() hands it out
        qint64 createdMs = 0;
    };
    QHash<QString, Pin> pins;
    void pin(const QString &key, const TierChain::Found &found);
    void unpin(const QString &key);
    void unpinAll();
    QList<QNetworkReply *> managerReplies() const;
    const Pin *pinFor(const QString &key);
    QList<CacheEntryInfo> withTags(QList<CacheEntryInfo> infos) const;
    DiskTier *diskTier() const { return disk; }
    void watchOwner(InsertDevice *device);
    void abandon(InsertDevice *device);

    NetworkCache *q_ptr;
    QString directory;
    qint64 maximumSize = 50 * 1024 * 1024;
    NetworkCache::SyncMode syncMode = NetworkCache::SyncMode::NoSync;

    TierChain chain;
    DiskTier *disk = nullptr; // the "disk:" tier inside the chain, if any
    QStringList specs;
    QStringList tierErrors;
    std::unique_ptr<TierLoader> loader;

    // The last lookup, so that data() serves the very entry metaData() reported (QNAM calls
    // them in a row); data() without it looks up afresh.
    QString lastKey;
    TierChain::Found lastFound;
    QIODevice *lastBody = nullptr; // opened (and checked whole) by metaData(), for data()
    void forgetLookup()
    {
        lastKey.clear();
        lastFound = {};
        delete std::exchange(lastBody, nullptr);
    }

    QSet<InsertDevice *> pending; // prepare()d, not yet insert()ed or abandoned

    CachePolicy policy;
    NetworkCache::TagCallback tagCallback;
    // Tags without a disk tier: kept in memory only.
    QHash<QString, QSet<QString>> memoryTags; // tag -> keys
    QHash<QString, QStringList> memoryTagsOf; // key -> tags

    bool statisticsEnabled = true;
    qint64 sessionCounters[CounterCount] = {}; // this object's, for caches without a disk tier
    qint64 unflushed[CounterCount] = {};       // not yet handed to the disk tier
    QString lastCountedLookup;              // QNAM asks twice around a 304: count once
    QUrl lastUrl;                           // metaData() then data() for the same URL:
    QString lastUrlKey;                     // the key is computed once
    QTimer *statisticsSignalTimer = nullptr;
    EventLog eventLog;
    QStringList evictedFromDisk; // their tags are dropped once no other tier holds them
    QTimer *tagCleanupTimer = nullptr;
    void forgetTagsOfEvicted();

    NetworkCache::Error error = NetworkCache::Error::NoError;
    QString errorString;
};

} // namespace tiercache
