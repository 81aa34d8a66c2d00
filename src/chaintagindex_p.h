// SPDX-License-Identifier: MIT
#pragma once

#include "tierfacets_p.h"

namespace tiercache {

class TierChain;

/*
    The tag index of a chain without a tier that keeps one (memory, sqlite, redis plugins):
    the tags travel in each record's metadata (tags::withRecordTags()), so this index reads
    them from the tiers themselves. Another process using the same sqlite file or Redis server
    sees the same tags and can invalidate them. Lookups by tag walk the tiers (no index to
    keep consistent); setting and dropping are no-ops, the record is the truth.
*/
class ChainTagIndex final : public TagIndex
{
public:
    explicit ChainTagIndex(TierChain &chain) : m_chain(chain) { }

    bool setTags(const QString &, const QStringList &) override { return true; }
    QStringList tagsOf(const QString &key) override;
    QStringList keysForTags(const QStringList &tags) override;
    QList<QPair<QString, qint64>> tagCounts() override;
    bool dropTags(const QStringList &) override { return true; }

private:
    //! key -> tags over every tier, the first tier holding a key wins.
    QHash<QString, QStringList> collect();
    TierChain &m_chain;
};

} // namespace tiercache
