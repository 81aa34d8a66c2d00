// SPDX-License-Identifier: MIT
#include "taginvalidation_p.h"

#include "tierchain_p.h"
#include "tierfacets_p.h"

#include <QtCore/QDateTime>
#include <QtCore/QUrl>

#include <algorithm>

namespace tiercache {

int TagInvalidation::run(const QStringList &tags, bool soft, const QString &sameOriginAs)
{
    // The common case, a hard delete on a single tier that keeps the tag index itself: one
    // set-based statement chain, without listing ten thousand keys.
    if (!soft && sameOriginAs.isEmpty() && m_chain.size() == 1) {
        auto *bulk = dynamic_cast<BulkInvalidation *>(m_chain.tier(0));
        if (bulk && dynamic_cast<TagIndex *>(m_chain.tier(0)) == &m_index)
            return bulk->removeTagged(tags);
    }
    QStringList keys = m_index.keysForTags(tags);
    if (!sameOriginAs.isEmpty()) {
        const QUrl origin(sameOriginAs, QUrl::StrictMode);
        keys.erase(std::remove_if(keys.begin(), keys.end(),
                                  [&](const QString &key) {
                                      const QUrl u(key, QUrl::StrictMode);
                                      return u.scheme() != origin.scheme()
                                              || u.host() != origin.host()
                                              || u.port() != origin.port();
                                  }),
                   keys.end());
    }
    if (keys.isEmpty())
        return 0;
    int affected = 0;
    bool tagsDropped = false;
    for (int i = 0; i < m_chain.size(); ++i) {
        Tier *tier = m_chain.tier(i);
        if (auto *bulk = dynamic_cast<BulkInvalidation *>(tier)) {
            // One transaction for all of them: fast, and durable before we return. A hard
            // delete drops the entries' tag rows with them when the tier keeps the index.
            affected = qMax(affected, soft ? bulk->expireKeys(keys) : bulk->removeKeys(keys));
            tagsDropped = tagsDropped || (!soft && dynamic_cast<TagIndex *>(tier) == &m_index);
            continue;
        }
        int n = 0;
        for (const QString &key : std::as_const(keys)) {
            if (!soft) {
                n += tier->remove(key) ? 1 : 0;
                continue;
            }
            const std::unique_ptr<TierEntry> entry = tier->lookup(key);
            if (!entry)
                continue;
            QNetworkCacheMetaData md = entry->record().metaData();
            md.setExpirationDate(QDateTime::fromMSecsSinceEpoch(0, Qt::UTC));
            n += tier->updateMetaData(key, md) ? 1 : 0;
        }
        affected = qMax(affected, n);
    }
    if (!soft && !tagsDropped)
        m_index.dropTags(keys);
    return affected;
}

} // namespace tiercache
