// SPDX-License-Identifier: MIT
// Uses the public API the way an application does, against the installed headers only.
#include <tiercache/networkcache.h>
#include <tiercache/tierloader.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtNetwork/QNetworkAccessManager>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QNetworkAccessManager nam;
    auto *cache = new tiercache::NetworkCache;
    QObject::connect(cache, &tiercache::NetworkCache::cacheDirectoryChanged, &app,
                     [](const QString &directory) { qInfo("cache in %s", qPrintable(directory)); });
    cache->setCacheDirectory(QDir::temp().filePath(QStringLiteral("tiercache-consumer")));
    cache->setMaximumCacheSize(16 * 1024 * 1024);
    cache->setTiers({QStringLiteral("memory:"), QStringLiteral("disk:")});
    cache->setWriteMode(tiercache::WriteMode::LowestTierOnly);
    cache->setPromotionPolicy(tiercache::PromotionPolicy::hitCount(2));
    tiercache::CachePolicy policy;
    policy.setDefaultTtl(60);
    cache->setPolicy(policy);
    nam.setCache(cache); // the manager takes ownership

    const tiercache::CacheEntryInfo info =
            cache->entryInfo(QUrl(QStringLiteral("https://example.org/")));
    const bool promotes =
            cache->promotionPolicy().strategy() != tiercache::PromotionPolicy::Strategy::Never;
    qInfo("stored: %s", info.isValid() ? "yes" : "no");
    return promotes ? 0 : 1;
}
