// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/promotionpolicy.h>
#include <tiercache/statistics.h>
#include <tiercache/tier.h>
#include <tiercache/writemode.h>

#include "insertdevice_p.h"

#include <QtCore/QHash>

#include <memory>
#include <vector>

namespace tiercache {

/*
    The tiers of one NetworkCache, L1 first: lookup from the top, promotion of lower-tier hits
    (by a PromotionPolicy, within each tier's maximum entry size), writes per WriteMode, and
    remove/update/clear reaching every tier. Keeps the per-tier counters.
*/
class TierChain
{
public:
    struct Slot
    {
        std::unique_ptr<Tier> tier;
        //! Counted on every lookup and write: plain numbers, made a TierStatistics on request.
        struct Counters
        {
            QString spec;
            QString name;
            qint64 lookups = 0;
            qint64 hits = 0;
            qint64 misses = 0;
            qint64 promotions = 0;
            qint64 writes = 0;
            qint64 writeFailures = 0;
        } stats;
        Counters flushed; //!< what takeCounterDeltas() handed out so far
    };

    //! A hit: which tier, and its handle (the body is opened from it, at any later moment).
    struct Found
    {
        int index = -1;
        std::shared_ptr<TierEntry> entry;
        TierRecord record;
        bool isValid() const { return index >= 0; }
    };

    void setTiers(std::vector<Slot> tierSlots);
    int size() const { return int(m_slots.size()); }
    Tier *tier(int index) const { return m_slots[size_t(index)].tier.get(); }
    QList<TierStatistics> statistics() const;
    /*!
        What each tier counted since the last call, as named counters for a StatisticsStore
        ("tier:<spec>:lookups", ...), so that every process using a persistent store reports
        the same per-tier figures.
    */
    QHash<QString, qint64> takeCounterDeltas();
    //! \a tiers with the lookups, hits, misses, promotions, writes and failures of \a stored
    //! (a store's counters, this process's deltas included) in place of this process's own.
    static void applyStoredCounters(QList<TierStatistics> *tiers,
                                    const QHash<QString, qint64> &stored);

    PromotionPolicy policy;
    //! The tags a promoted copy is committed with (tiers that store tags keep them).
    std::function<QStringList(const QString &key)> tagsOf;
    WriteMode writeMode = WriteMode::WriteThrough;
    //! A read-only cache's chain only reads: no promotion, no write, removal or update reaches
    //! a tier (each tier is also opened read-only, ChainBuilder).
    bool readOnly = false;

    //! The first tier's hit for \a key. A tier whose lookup failed on an error (not a plain
    //! miss) leaves its message in \a error.
    Found lookup(const QString &key, QString *error = nullptr);
    //! The body of \a found, wrapped for promotion when the policy says so.
    QIODevice *open(const Found &found, TierEntry::ReadMode mode = TierEntry::ReadMode::Streaming);
    std::vector<InsertDevice::Target> beginWrite(const QString &key,
                                                 const QNetworkCacheMetaData &md, qint64 sizeHint);
    void noteWrite(int index, bool committed);
    bool remove(const QString &key);
    void updateMetaData(const QString &key, const QNetworkCacheMetaData &md);
    //! The first tier (from L1 down) that also implements \a Facet, or nullptr.
    template<typename Facet>
    Facet *firstFacet() const
    {
        for (const Slot &s : m_slots) {
            if (auto *facet = dynamic_cast<Facet *>(s.tier.get()))
                return facet;
        }
        return nullptr;
    }
    void clear();
    qint64 totalSize();

private:
    bool shouldPromote(const QString &key, int index);
    std::vector<Slot> m_slots;
    QHash<QString, QList<qint64>> m_lowerHits; // key -> times of recent lower-tier hits (ms)
};

} // namespace tiercache
