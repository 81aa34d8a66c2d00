// SPDX-License-Identifier: MIT
#include "chaintagindex_p.h"

#include "tags_p.h"
#include "tierchain_p.h"

#include <QtCore/QSet>

#include <algorithm>

namespace tiercache {

QStringList ChainTagIndex::tagsOf(const QString &key)
{
    for (int i = 0; i < m_chain.size(); ++i) {
        if (const std::unique_ptr<TierEntry> entry = m_chain.tier(i)->lookup(key))
            return tags::recordTags(entry->record().metaData());
    }
    return {};
}

QHash<QString, QStringList> ChainTagIndex::collect()
{
    QHash<QString, QStringList> tagsOfKey;
    for (int i = 0; i < m_chain.size(); ++i) {
        m_chain.tier(i)->enumerate([&](const TierRecord &record) {
            if (!tagsOfKey.contains(record.key()))
                tagsOfKey.insert(record.key(), tags::recordTags(record.metaData()));
            return true;
        });
    }
    return tagsOfKey;
}

QStringList ChainTagIndex::keysForTags(const QStringList &wanted)
{
    const QSet<QString> wantedSet(wanted.cbegin(), wanted.cend());
    QStringList keys;
    const QHash<QString, QStringList> all = collect();
    for (auto it = all.cbegin(); it != all.cend(); ++it) {
        if (std::any_of(it.value().cbegin(), it.value().cend(),
                        [&](const QString &tag) { return wantedSet.contains(tag); }))
            keys.append(it.key());
    }
    keys.sort();
    return keys;
}

QList<QPair<QString, qint64>> ChainTagIndex::tagCounts()
{
    QHash<QString, qint64> counts;
    const QHash<QString, QStringList> all = collect();
    for (const QStringList &tagList : all) {
        for (const QString &tag : tagList)
            ++counts[tag];
    }
    QList<QPair<QString, qint64>> result;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        result.append({it.key(), it.value()});
    std::sort(result.begin(), result.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    return result;
}

} // namespace tiercache
