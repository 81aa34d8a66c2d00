// SPDX-License-Identifier: MIT
#include "tierchain_p.h"

#include "logging_p.h"
#include "teedevice_p.h"

#include <QtCore/QDateTime>
#include <QtCore/QIODevice>

namespace tiercache {

namespace {
    constexpr qsizetype MaxTrackedKeys = 10000;
} // namespace

void TierChain::setTiers(std::vector<Slot> tierSlots)
{
    m_slots = std::move(tierSlots);
    m_lowerHits.clear();
}

QList<TierStatistics> TierChain::statistics() const
{
    QList<TierStatistics> result;
    for (const Slot &s : m_slots) {
        TierStatistics st;
        st.setSpec(s.stats.spec);
        st.setName(s.stats.name);
        st.setLookups(s.stats.lookups);
        st.setHits(s.stats.hits);
        st.setMisses(s.stats.misses);
        st.setPromotions(s.stats.promotions);
        st.setWrites(s.stats.writes);
        st.setWriteFailures(s.stats.writeFailures);
        st.setSize(s.tier->size());
        st.setMaxEntrySize(s.tier->maxEntrySize());
        result.append(st);
    }
    return result;
}

namespace {
    QString counterName(const QString &spec, const char *field)
    {
        return QStringLiteral("tier:%1:%2").arg(spec, QLatin1String(field));
    }
} // namespace

QHash<QString, qint64> TierChain::takeCounterDeltas()
{
    QHash<QString, qint64> deltas;
    for (Slot &s : m_slots) {
        const auto add = [&](const char *field, qint64 now, qint64 before) {
            if (now != before)
                deltas.insert(counterName(s.stats.spec, field), now - before);
        };
        add("lookups", s.stats.lookups, s.flushed.lookups);
        add("hits", s.stats.hits, s.flushed.hits);
        add("misses", s.stats.misses, s.flushed.misses);
        add("promotions", s.stats.promotions, s.flushed.promotions);
        add("writes", s.stats.writes, s.flushed.writes);
        add("write_failures", s.stats.writeFailures, s.flushed.writeFailures);
        s.flushed = s.stats;
    }
    return deltas;
}

void TierChain::applyStoredCounters(QList<TierStatistics> *tiers,
                                    const QHash<QString, qint64> &stored)
{
    for (TierStatistics &t : *tiers) {
        const auto value = [&](const char *field) {
            return stored.value(counterName(t.spec(), field));
        };
        t.setLookups(value("lookups"));
        t.setHits(value("hits"));
        t.setMisses(value("misses"));
        t.setPromotions(value("promotions"));
        t.setWrites(value("writes"));
        t.setWriteFailures(value("write_failures"));
    }
}

TierChain::Found TierChain::lookup(const QString &key, QString *error)
{
    for (int i = 0; i < size(); ++i) {
        Slot &s = m_slots[size_t(i)];
        ++s.stats.lookups;
        const QString before = error ? s.tier->errorString() : QString();
        std::unique_ptr<TierEntry> entry = s.tier->lookup(key);
        if (entry) {
            ++s.stats.hits;
            Found found;
            found.index = i;
            found.record = entry->record();
            found.entry = std::move(entry);
            return found;
        }
        ++s.stats.misses;
        if (error && !s.tier->errorString().isEmpty() && s.tier->errorString() != before)
            *error = s.tier->errorString();
    }
    return {};
}

bool TierChain::shouldPromote(const QString &key, int index)
{
    if (index == 0 || readOnly)
        return false;
    switch (policy.strategy()) {
    case PromotionPolicy::Strategy::Never:
        return false;
    case PromotionPolicy::Strategy::Always:
        return true;
    case PromotionPolicy::Strategy::HitCount:
    case PromotionPolicy::Strategy::HitRate:
        break;
    }
    if (m_lowerHits.size() >= MaxTrackedKeys && !m_lowerHits.contains(key))
        m_lowerHits.clear(); // bounded memory; losing counts only delays a promotion
    QList<qint64> &times = m_lowerHits[key];
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    times.append(now);
    if (policy.strategy() == PromotionPolicy::Strategy::HitRate) {
        const qint64 horizon = now - qint64(policy.windowSeconds()) * 1000;
        while (!times.isEmpty() && times.first() < horizon)
            times.removeFirst();
    }
    if (times.size() > policy.hits())
        times.removeFirst();
    if (times.size() < policy.hits())
        return false;
    m_lowerHits.remove(key);
    return true;
}

QIODevice *TierChain::open(const Found &found, TierEntry::ReadMode mode)
{
    if (!found.isValid())
        return nullptr;
    QIODevice *body = found.entry->openBody(mode);
    const QString key = found.record.key();
    if (!body || !shouldPromote(key, found.index))
        return body;
    std::vector<TeeDevice::Target> targets;
    for (int i = 0; i < found.index; ++i) {
        Tier *upper = tier(i);
        const qint64 limit = upper->maxEntrySize();
        if (limit >= 0 && found.record.bodySize() > limit)
            continue;
        if (auto writer = upper->beginWrite(key, found.record.metaData(), found.record.bodySize()))
            targets.push_back({i, std::move(writer)});
    }
    if (targets.empty())
        return body;
    const QStringList tags = tagsOf ? tagsOf(key) : QStringList();
    return new TeeDevice(body, found.record.metaData(), tags, found.record.bodySize(),
                         std::move(targets), [this](int index, bool ok) {
                             if (index >= size())
                                 return;
                             Slot &s = m_slots[size_t(index)];
                             if (ok) {
                                 ++s.stats.promotions;
                                 ++s.stats.writes;
                             } else {
                                 ++s.stats.writeFailures;
                             }
                         });
}

std::vector<InsertDevice::Target> TierChain::beginWrite(const QString &key,
                                                        const QNetworkCacheMetaData &md,
                                                        qint64 sizeHint)
{
    std::vector<InsertDevice::Target> targets;
    if (readOnly)
        return targets;
    const int first = writeMode == WriteMode::LowestTierOnly ? size() - 1 : 0;
    for (int i = qMax(0, first); i < size(); ++i) {
        Tier *t = tier(i);
        const qint64 limit = t->maxEntrySize();
        if (limit >= 0 && sizeHint > limit)
            continue;
        if (auto writer = t->beginWrite(key, md, sizeHint))
            targets.push_back({i, std::move(writer)});
        else
            ++m_slots[size_t(i)].stats.writeFailures;
    }
    return targets;
}

void TierChain::noteWrite(int index, bool committed)
{
    if (index < 0 || index >= size())
        return;
    if (committed)
        ++m_slots[size_t(index)].stats.writes;
    else
        ++m_slots[size_t(index)].stats.writeFailures;
}

bool TierChain::remove(const QString &key)
{
    bool removed = false;
    if (readOnly)
        return removed;
    for (Slot &s : m_slots)
        removed = s.tier->remove(key) || removed;
    m_lowerHits.remove(key);
    return removed;
}

void TierChain::updateMetaData(const QString &key, const QNetworkCacheMetaData &md)
{
    if (readOnly)
        return;
    for (Slot &s : m_slots)
        s.tier->updateMetaData(key, md);
}

void TierChain::clear()
{
    if (readOnly)
        return;
    for (Slot &s : m_slots)
        s.tier->clear();
    m_lowerHits.clear();
}

qint64 TierChain::totalSize()
{
    qint64 total = 0;
    for (Slot &s : m_slots)
        total += s.tier->size();
    return total;
}

} // namespace tiercache
