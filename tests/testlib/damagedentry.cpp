// SPDX-License-Identifier: MIT
#include "damagedentry.h"

#include "qnamfetch.h"

#include <tiercache/networkcache.h>

#include <QtNetwork/QNetworkAccessManager>

namespace tiercache::test {

QString checkDamagedEntryUnderQnam(const QStringList &tierSpecs, const QUrl &url,
                                   const QByteArray &body,
                                   const std::function<bool(const QString &key)> &damage,
                                   const QString &cacheDirectory)
{
    for (const auto control : {QNetworkRequest::PreferCache, QNetworkRequest::AlwaysCache}) {
        const QString mode = control == QNetworkRequest::PreferCache
                ? QStringLiteral("PreferCache")
                : QStringLiteral("AlwaysCache");
        QNetworkAccessManager nam;
        auto *cache = new NetworkCache;
        if (!cacheDirectory.isEmpty()) {
            cache->setCacheDirectory(cacheDirectory);
            cache->setMaximumCacheSize(2048LL * 1024 * 1024);
        }
        nam.setCache(cache);
        if (!cache->setTiers(tierSpecs))
            return QStringLiteral("setTiers: %1")
                    .arg(cache->tierErrors().join(QLatin1String("; ")));
        cache->clear();
        if (fetch(nam, url).body != body)
            return QStringLiteral("%1: the first fetch returned a wrong body").arg(mode);
        if (!damage(NetworkCache::cacheKey(url)))
            return QStringLiteral("%1: could not damage the stored entry").arg(mode);
        const Fetched damaged = fetch(nam, url, control, 10000);
        if (!damaged.finished)
            return QStringLiteral("%1: the reply for the damaged entry never finished").arg(mode);
        if (damaged.error == QNetworkReply::NoError) {
            // QNAM's AlwaysCache path finishes its reply before it reads the body: damage past
            // the first chunk is caught because NetworkCache opens such a body with
            // TierEntry::ReadMode::Verified (the whole body checked before data() returns).
            if (damaged.body != body)
                return QStringLiteral("%1: a wrong body of %2 bytes")
                        .arg(mode)
                        .arg(damaged.body.size());
        } else if (!body.startsWith(damaged.body)) {
            return QStringLiteral("%1: a failed reply delivered %2 wrong bytes")
                    .arg(mode)
                    .arg(damaged.body.size());
        }
        const Fetched again = fetch(nam, url);
        if (!again.finished || again.error != QNetworkReply::NoError || again.body != body)
            return QStringLiteral("%1: the fetch after the damage did not get the good body")
                    .arg(mode);
        cache->clear();
    }
    return QString();
}

} // namespace tiercache::test
