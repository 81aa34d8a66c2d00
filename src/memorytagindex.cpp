// SPDX-License-Identifier: MIT
#include "memorytagindex_p.h"

#include <algorithm>

namespace tiercache {

bool MemoryTagIndex::setTags(const QString &key, const QStringList &tags)
{
    for (const QString &old : m_tagsOf.take(key)) {
        auto it = m_keys.find(old);
        if (it != m_keys.end()) {
            it->remove(key);
            if (it->isEmpty())
                m_keys.erase(it);
        }
    }
    if (tags.isEmpty())
        return true;
    m_tagsOf.insert(key, tags);
    for (const QString &tag : tags)
        m_keys[tag].insert(key);
    return true;
}

QStringList MemoryTagIndex::keysForTags(const QStringList &tags)
{
    QSet<QString> keys;
    for (const QString &tag : tags)
        keys.unite(m_keys.value(tag));
    return QStringList(keys.cbegin(), keys.cend());
}

QList<QPair<QString, qint64>> MemoryTagIndex::tagCounts()
{
    QList<QPair<QString, qint64>> result;
    for (auto it = m_keys.cbegin(); it != m_keys.cend(); ++it)
        result.append({it.key(), qint64(it.value().size())});
    std::sort(result.begin(), result.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    return result;
}

bool MemoryTagIndex::dropTags(const QStringList &keys)
{
    for (const QString &key : keys)
        setTags(key, {});
    return true;
}

} // namespace tiercache
