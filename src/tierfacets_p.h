// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/cacheentryinfo.h>

#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QStringList>

#include <functional>
#include <optional>

namespace tiercache {

/*
    What a tier may offer besides storage. NetworkCache finds them in its chain (the first tier
    that implements each, TierChain::firstFacet()) and talks to them alone: it never knows
    which tier it is talking to. Today the built-in disk tier implements all of them; a chain
    without one falls back (tags kept in memory, statistics for the session, no listing).
*/

//! Where the cache tags of entries live: key -> tags, tag -> keys.
class TagIndex
{
public:
    virtual ~TagIndex() = default;
    virtual bool setTags(const QString &key, const QStringList &tags) = 0;
    virtual QStringList tagsOf(const QString &key) = 0;
    virtual QStringList keysForTags(const QStringList &tags) = 0;
    //! Every tag with its number of entries, most used first.
    virtual QList<QPair<QString, qint64>> tagCounts() = 0;
    //! Drops the tags of \a keys at once.
    virtual bool dropTags(const QStringList &keys) = 0;
};

//! Removing or expiring many entries at once, durably, in the tier's own bulk form.
class BulkInvalidation
{
public:
    virtual ~BulkInvalidation() = default;
    //! Removes every entry carrying one of \a tags (with their tags); returns how many existed.
    virtual int removeTagged(const QStringList &tags) = 0;
    virtual int removeKeys(const QStringList &keys) = 0;
    //! Marks \a keys stale; returns how many existed.
    virtual int expireKeys(const QStringList &keys) = 0;
};

//! A tier whose counters are persistent (and shared by every process using it).
class StatisticsStore
{
public:
    struct Point
    {
        qint64 minute = 0;
        QString name;
        qint64 value = 0;
    };
    virtual ~StatisticsStore() = default;
    //! Adds \a deltas (counter name -> increment); written in batches by the tier.
    virtual bool addCounters(const QHash<QString, qint64> &deltas) = 0;
    virtual QHash<QString, qint64> counters() = 0;
    virtual QList<Point> series(qint64 sinceMinute) = 0;
    virtual void setSeriesRetention(int minutes) = 0;
    virtual bool resetStatistics() = 0;
};

//! A tier with a catalogue that can be listed, filtered, checked and swept.
class CatalogueInspection
{
public:
    virtual ~CatalogueInspection() = default;
    virtual CacheEntryInfo entryInfo(const QString &key) = 0;
    //! Whether the catalogue holds a live entry for \a key: entryInfo() without its tags,
    //! sharing count and pending hits (one lookup, for walks over many keys).
    virtual bool holds(const QString &key) = 0;
    //! Counts a hit on \a key's entry served by another tier (batched like its own).
    virtual void recordHit(const QString &key) = 0;
    virtual QList<CacheEntryInfo> entries(const EntryFilter &filter, int offset, int limit) = 0;
    virtual qint64 entryCount(const EntryFilter &filter) = 0;
    //! Tag -> body bytes of the catalogue's entries carrying it.
    virtual QHash<QString, qint64> tagBytes() = 0;
    //! The summary without maximumSize (the cache knows its budget).
    virtual CacheSummary summary() = 0;
    virtual VerifyReport verify(const std::function<bool(qint64, qint64)> &progress) = 0;
    virtual qint64 collectGarbage() = 0;
};

//! The tier that lives in NetworkCache::cacheDirectory() under maximumCacheSize().
class DirectoryTier
{
public:
    virtual ~DirectoryTier() = default;
    virtual void setDirectory(const QString &directory) = 0;
    virtual void setMaximumSize(qint64 bytes) = 0;
    virtual void setSync(bool sync) = 0;
    //! Read-only: the directory is opened as it is (nothing created, upgraded, trimmed,
    //! checkpointed or written) and any change fails. Takes effect at the next opening.
    virtual void setReadOnly(bool readOnly) = 0;
    //! Called with the key of an entry whose body turned out damaged while streaming.
    virtual void setDamageHandler(std::function<void(const QString &key)> handler) = 0;
    //! Called with each entry evicted to keep the budget.
    virtual void setEvictionObserver(
            std::function<void(const QString &key, qint64 bytes)> observer) = 0;
    //! Records \a bytes as the directory's budget (now if open for writing, else when it is),
    //! so that every reader reports the budget its owner set.
    virtual void recordMaximumSize(qint64 bytes) = 0;
    //! The budget recorded in the directory, -1 when no writer recorded one.
    virtual qint64 recordedMaximumSize() = 0;
    //! Whether the directory is open (opening it on first use).
    virtual bool ensureOpen() = 0;
    //! See NetworkCache::dataVersion().
    virtual qint64 dataVersion() = 0;
};

} // namespace tiercache
