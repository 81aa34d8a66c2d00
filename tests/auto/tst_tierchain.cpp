// SPDX-License-Identifier: MIT
// NetworkCache composed of several tiers, end to end through a real QNetworkAccessManager.

#include "cachetestutil.h"

#include <tiercache/networkcache.h>

#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace tiercache;
using namespace tiercache::test;

class tst_TierChain : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void badSpecsAreReportedAndSkipped_data();
    void badSpecsAreReportedAndSkipped();
    void memoryOverDiskServesFromMemory();
    void lowerTierHitIsPromotedAfterNHits();
    void largeBodiesStayOutOfMemory();
    void removeAndUpdateReachEveryTier();
    void promotionKeepsTags();
    void createdIsKnownWithoutTheDiskTier();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LoopbackServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    NetworkCache *m_cache = nullptr;
};

void tst_TierChain::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_server = std::make_unique<LoopbackServer>();
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_cache = new NetworkCache;
    m_cache->setCacheDirectory(m_dir->path());
    m_nam->setCache(m_cache);
}

void tst_TierChain::cleanup()
{
    m_nam.reset();
    m_server.reset();
    m_dir.reset();
}

void tst_TierChain::badSpecsAreReportedAndSkipped_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown scheme") << "nosuchtier:"
                                    << "no plugin for \"nosuchtier:\"";
    QTest::newRow("no scheme") << "memory"
                               << "has no scheme";
    QTest::newRow("bad size") << "memory:?max=lots"
                              << "max=\"lots\" is not a size";
    QTest::newRow("unknown option") << "memory:?colour=blue"
                                    << "unknown option \"colour\"";
    QTest::newRow("disk with options") << "disk:?path=/tmp"
                                       << "takes no options";
}

void tst_TierChain::badSpecsAreReportedAndSkipped()
{
    QFETCH(QString, spec);
    QFETCH(QString, message);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral(".*")));
    QVERIFY(!m_cache->setTiers({spec, QStringLiteral("disk:")}));
    QCOMPARE(m_cache->tiers(), QStringList {QStringLiteral("disk:")});
    QCOMPARE(m_cache->tierErrors().size(), 1);
    QVERIFY2(m_cache->tierErrors().first().contains(message),
             qPrintable(m_cache->tierErrors().first()));
    QVERIFY2(m_cache->tierErrors().first().contains(spec.section(QLatin1Char('?'), 0, 0)),
             qPrintable(m_cache->tierErrors().first()));
    // The valid tier keeps working.
    m_server->setRoute("/ok", Response::ok("still works"));
    fetch(*m_nam, m_server->url(QStringLiteral("/ok")));
    QVERIFY(fetch(*m_nam, m_server->url(QStringLiteral("/ok"))).fromCache);
}

void tst_TierChain::memoryOverDiskServesFromMemory()
{
    QVERIFY2(m_cache->setTiers({QStringLiteral("memory:?max=4MiB"), QStringLiteral("disk:")}),
             qPrintable(m_cache->tierErrors().join(QLatin1Char('\n'))));
    m_server->setRoute("/m", Response::ok("in both tiers"));
    const QUrl url = m_server->url(QStringLiteral("/m"));
    fetch(*m_nam, url);
    Fetched hit = fetch(*m_nam, url);
    QVERIFY(hit.fromCache);
    QCOMPARE(hit.body, QByteArray("in both tiers"));
    QCOMPARE(m_server->requestCount("/m"), 1);
    const QList<TierStatistics> stats = m_cache->tierStatistics();
    QCOMPARE(stats.size(), 2);
    QCOMPARE(stats[0].name(), QStringLiteral("memory"));
    QCOMPARE(stats[0].hits(), 1);
    QCOMPARE(stats[1].hits(), 0);
    QCOMPARE(stats[0].writes(), 1);
    QCOMPARE(stats[1].writes(), 1);
}

void tst_TierChain::lowerTierHitIsPromotedAfterNHits()
{
    QVERIFY(m_cache->setTiers({QStringLiteral("memory:?max=4MiB"), QStringLiteral("disk:")}));
    m_cache->setWriteMode(NetworkCache::WriteMode::LowestTierOnly);
    m_cache->setPromotionPolicy(PromotionPolicy::hitCount(2));
    m_server->setRoute("/p", Response::ok("promote me"));
    const QUrl url = m_server->url(QStringLiteral("/p"));
    fetch(*m_nam, url); // stored in disk only
    QCOMPARE(m_cache->tierStatistics()[0].writes(), 0);
    QCOMPARE(fetch(*m_nam, url).body, QByteArray("promote me")); // disk hit 1
    QCOMPARE(m_cache->tierStatistics()[0].promotions(), 0);
    QCOMPARE(fetch(*m_nam, url).body, QByteArray("promote me")); // disk hit 2: promoted
    QCOMPARE(m_cache->tierStatistics()[0].promotions(), 1);
    Fetched fromMemory = fetch(*m_nam, url);
    QCOMPARE(fromMemory.body, QByteArray("promote me"));
    QVERIFY(fromMemory.fromCache);
    const auto stats = m_cache->tierStatistics();
    QCOMPARE(stats[0].hits(), 1);
    QCOMPARE(stats[1].hits(), 2);
    QCOMPARE(m_server->requestCount("/p"), 1);
}

void tst_TierChain::largeBodiesStayOutOfMemory()
{
    QVERIFY(m_cache->setTiers(
            {QStringLiteral("memory:?max=4MiB&max_entry=64KiB"), QStringLiteral("disk:")}));
    m_cache->setPromotionPolicy(PromotionPolicy::always());
    Response big;
    big.generatedBodySize = 200 * 1024;
    big.header("Cache-Control", "max-age=3600");
    m_server->setRoute("/big", big);
    const QUrl url = m_server->url(QStringLiteral("/big"));
    fetch(*m_nam, url);
    fetch(*m_nam, url);
    const QByteArray body = fetch(*m_nam, url).body;
    QCOMPARE(body, LoopbackServer::patternBody(0, 200 * 1024, 0));
    const auto stats = m_cache->tierStatistics();
    QCOMPARE(stats[0].size(), 0);
    QCOMPARE(stats[0].hits(), 0);
    QCOMPARE(stats[1].hits(), 2);
}

void tst_TierChain::removeAndUpdateReachEveryTier()
{
    QVERIFY(m_cache->setTiers({QStringLiteral("memory:?max=4MiB"), QStringLiteral("disk:")}));
    m_server->setRoute("/r", Response::ok("remove me"));
    const QUrl url = m_server->url(QStringLiteral("/r"));
    fetch(*m_nam, url);
    QVERIFY(m_cache->remove(url));
    QVERIFY(!m_cache->metaData(url).isValid());
    const auto stats = m_cache->tierStatistics();
    QCOMPARE(stats[0].size(), 0);
    QVERIFY(!m_cache->entryInfo(url).isValid());
    QVERIFY(!fetch(*m_nam, url).fromCache);
    QCOMPARE(m_server->requestCount("/r"), 2);
}

void tst_TierChain::promotionKeepsTags()
{
    // Disk over memory: the entry is written to memory only, then promoted into the disk tier,
    // which stores tags with its entries (Capability::StoresTags) and keeps the cache's tag
    // index. The promoted copy must be committed with the entry's tags: an invalidation must
    // still find it, in both tiers.
    QVERIFY2(m_cache->setTiers({QStringLiteral("disk:"), QStringLiteral("memory:?max=4MiB")}),
             qPrintable(m_cache->tierErrors().join(QLatin1Char('\n'))));
    m_cache->setWriteMode(NetworkCache::WriteMode::LowestTierOnly);
    m_cache->setPromotionPolicy(PromotionPolicy::always());
    m_server->setRoute("/tagged", Response::ok("tagged body").header("Cache-Tag", "promo, other"));
    const QUrl url = m_server->url(QStringLiteral("/tagged"));
    fetch(*m_nam, url); // stored in memory only
    QCOMPARE(m_cache->tierStatistics()[0].writes(), 0);
    QCOMPARE(m_cache->tierStatistics()[1].writes(), 1);

    const Fetched fromMemory = fetch(*m_nam, url); // memory hit: promoted into disk
    QVERIFY(fromMemory.fromCache);
    QCOMPARE(fromMemory.body, QByteArray("tagged body"));
    QCOMPARE(m_cache->tierStatistics()[0].promotions(), 1);
    const CacheEntryInfo info = m_cache->entryInfo(url);
    QVERIFY2(info.isValid(), "the promoted copy is not in the disk tier");
    QStringList tags = info.tags();
    tags.sort();
    QCOMPARE(tags, (QStringList {QStringLiteral("other"), QStringLiteral("promo")}));

    const Fetched fromDisk = fetch(*m_nam, url);
    QVERIFY(fromDisk.fromCache);
    QCOMPARE(m_cache->tierStatistics()[0].hits(), 1);
    QCOMPARE(m_cache->invalidateTag(QStringLiteral("promo")), 1);
    QVERIFY(!m_cache->entryInfo(url).isValid());
    QVERIFY(!m_cache->metaData(url).isValid());
    const Fetched afterInvalidation = fetch(*m_nam, url);
    QVERIFY2(!afterInvalidation.fromCache, "an invalidated entry was served from a tier");
    QCOMPARE(m_server->requestCount("/tagged"), 2);
}

// CacheEntryInfo::created() ("when the body was stored") on a chain whose tiers keep no such
// time of their own (memory over sqlite): it travels with the record, a promoted copy keeps
// the time the body was first stored, a 304 refresh keeps it, QNAM never sees the field, and an
// origin cannot set it.
void tst_TierChain::createdIsKnownWithoutTheDiskTier()
{
    QVERIFY2(m_cache->setTiers({QStringLiteral("memory:?max=4MiB"),
                                QStringLiteral("sqlite:?path=%1/tier.db").arg(m_dir->path())}),
             qPrintable(m_cache->tierErrors().join(QLatin1Char('\n'))));
    m_cache->setWriteMode(NetworkCache::WriteMode::LowestTierOnly);
    m_cache->setPromotionPolicy(PromotionPolicy::always());
    m_server->setRoute("/s",
                       Response::ok("stored once", "max-age=3600").header("Tiercache-Stored", "1"));
    const QUrl url = m_server->url(QStringLiteral("/s"));
    const QDateTime before = QDateTime::currentDateTimeUtc();
    fetch(*m_nam, url); // stored in sqlite only
    const QDateTime after = QDateTime::currentDateTimeUtc();
    QCOMPARE(m_cache->tierStatistics()[1].writes(), 1);
    const CacheEntryInfo stored = m_cache->entryInfo(url);
    QVERIFY(stored.isValid());
    QVERIFY2(stored.created() >= before.addMSecs(-1) && stored.created() <= after,
             qPrintable(stored.created().toString(Qt::ISODateWithMs)));
    QVERIFY2(qAbs(stored.created().secsTo(stored.expires()) - 3600) <= 1,
             qPrintable(stored.expires().toString(Qt::ISODateWithMs)));

    QTest::qWait(1100); // a promotion now would have another time
    const Fetched promoting = fetch(*m_nam, url);
    QVERIFY(promoting.fromCache);
    QCOMPARE(promoting.body, QByteArray("stored once"));
    QVERIFY(!hasHeader(promoting, "Tiercache-Stored"));
    QCOMPARE(m_cache->tierStatistics()[0].promotions(), 1);
    const Fetched fromMemory = fetch(*m_nam, url);
    QVERIFY(fromMemory.fromCache);
    QCOMPARE(m_cache->tierStatistics()[0].hits(), 1);
    QCOMPARE(m_cache->entryInfo(url).created(), stored.created()); // the memory tier's record

    // A 304 refreshes the entry's freshness, not when its body was stored.
    m_server->setHandler([](const RecordedRequest &r) {
        if (r.header("If-None-Match") == "\"v1\"")
            return Response::notModified().header("ETag", "\"v1\"");
        return Response::ok("validated", "max-age=0").header("ETag", "\"v1\"");
    });
    const QUrl validated = m_server->url(QStringLiteral("/v"));
    fetch(*m_nam, validated);
    const CacheEntryInfo first = m_cache->entryInfo(validated);
    QVERIFY(first.created().isValid());
    QTest::qWait(1100);
    const Fetched refreshed = fetch(*m_nam, validated);
    QVERIFY(refreshed.fromCache);
    QCOMPARE(refreshed.body, QByteArray("validated"));
    QCOMPARE(m_server->requestCount("/v"), 2);
    QVERIFY(!hasHeader(refreshed, "Tiercache-Stored"));
    QCOMPARE(m_cache->entryInfo(validated).created(), first.created());
}

QTEST_MAIN(tst_TierChain)
#include "tst_tierchain.moc"
