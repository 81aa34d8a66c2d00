// SPDX-License-Identifier: MIT
// Statistics and the event log end to end: counters that exactly match a scripted sequence of
// requests through a real QNetworkAccessManager, the per-minute series, top-N lists, persistence,
// a second process reading them live, the change signal, and the JSON event log.
//
// The binary re-executes itself as the second process: with TIERCACHE_POLICY_ROLE=stats-reader it
// opens TIERCACHE_POLICY_DIR with a NetworkCache and prints its statistics as JSON on stdout.

#include "policytestutil.h"

#include <tiercache/networkcache.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <cstdio>

using namespace tiercache;
using namespace tiercache::test;

namespace {
const char RoleVariable[] = "TIERCACHE_POLICY_ROLE";
const char DirVariable[] = "TIERCACHE_POLICY_DIR";

QJsonObject toJson(const Statistics &s)
{
    QJsonObject o;
    o.insert(QLatin1String("lookups"), s.lookups());
    o.insert(QLatin1String("hits"), s.hits());
    o.insert(QLatin1String("staleHits"), s.staleHits());
    o.insert(QLatin1String("misses"), s.misses());
    o.insert(QLatin1String("revalidations"), s.revalidations());
    o.insert(QLatin1String("inserts"), s.inserts());
    o.insert(QLatin1String("evictions"), s.evictions());
    o.insert(QLatin1String("bytesFromCache"), s.bytesFromCache());
    o.insert(QLatin1String("bytesFromNetwork"), s.bytesFromNetwork());
    return o;
}

int runStatsReader()
{
    NetworkCache cache;
    cache.setCacheDirectory(qEnvironmentVariable(DirVariable));
    const QByteArray json =
            QJsonDocument(toJson(cache.statistics(0))).toJson(QJsonDocument::Compact);
    std::fwrite(json.constData(), 1, size_t(json.size()), stdout);
    std::fflush(stdout);
    return 0;
}

QList<QJsonObject> readEventLog(const QString &path, QString *problem)
{
    QList<QJsonObject> events;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return events;
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (lines[i].isEmpty()) {
            if (i != lines.size() - 1)
                *problem = QStringLiteral("empty line %1").arg(i + 1);
            continue;
        }
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(lines[i], &error);
        if (!doc.isObject()) {
            *problem = QStringLiteral("line %1 is not a JSON object: %2")
                               .arg(i + 1)
                               .arg(QString::fromUtf8(lines[i]));
            continue;
        }
        events.append(doc.object());
    }
    return events;
}

void expectCounters(QStringList *mismatches, const QString &when, const Statistics &actual,
                    const QList<QPair<const char *, qint64>> &expected)
{
    const QJsonObject json = toJson(actual);
    for (const auto &[name, wanted] : expected) {
        const qint64 value = json.value(QLatin1String(name)).toInteger();
        if (value != wanted)
            mismatches->append(QStringLiteral("%1: %2 = %3, expected %4")
                                       .arg(when, QLatin1String(name))
                                       .arg(value)
                                       .arg(wanted));
    }
}

QStringList eventNames(const QList<QJsonObject> &events)
{
    QStringList names;
    for (const QJsonObject &e : events)
        names.append(e.value(QLatin1String("event")).toString() + QLatin1Char(':')
                     + e.value(QLatin1String("result")).toString());
    return names;
}
} // namespace

class tst_Statistics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void scriptedSequenceIsCountedExactly();
    void repeatedUrlIsCountedEveryTime_data();
    void repeatedUrlIsCountedEveryTime();
    void topLists();
    void countersSurviveRestart();
    void secondProcessSeesCounters();
    void statisticsChangedIsRateLimited();
    void disablingStopsCounting();
    void resetZeroes();
    void eventLogLines();
    void eventLogIsWrittenWhileTheCacheLives();
    void eventLogSampling();
    void eventLogHashesKeys();
    void eventLogRejectsBadArguments();

private:
    void makeCache();
    std::unique_ptr<QProcess> startReader();
    QJsonObject runReader();
    //! Routes: "/<name>" -> body of <size> bytes, max-age=3600.
    void serveSized(const QHash<QByteArray, int> &sizes,
                    const QByteArray &cacheControl = "max-age=3600");

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LoopbackServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    NetworkCache *m_cache = nullptr;
};

void tst_Statistics::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<LoopbackServer>();
    QVERIFY(m_server->isListening());
    makeCache();
}

void tst_Statistics::makeCache()
{
    m_nam.reset();
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_cache = new NetworkCache;
    m_cache->setCacheDirectory(m_dir->path());
    m_nam->setCache(m_cache);
}

void tst_Statistics::cleanup()
{
    m_nam.reset();
    m_cache = nullptr;
    m_server.reset();
    m_dir.reset();
}

void tst_Statistics::serveSized(const QHash<QByteArray, int> &sizes, const QByteArray &cacheControl)
{
    m_server->setHandler([sizes, cacheControl](const RecordedRequest &r) {
        if (r.header("If-None-Match") == "\"e1\"")
            return Response::notModified()
                    .header("ETag", "\"e1\"")
                    .header("Cache-Control", cacheControl);
        return Response::ok(QByteArray(sizes.value(r.path, 1), 'x'), cacheControl)
                .header("ETag", "\"e1\"");
    });
}

std::unique_ptr<QProcess> tst_Statistics::startReader()
{
    auto process = std::make_unique<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QString::fromLatin1(RoleVariable), QStringLiteral("stats-reader"));
    env.insert(QString::fromLatin1(DirVariable), m_dir->path());
    process->setProcessEnvironment(env);
    process->setProgram(QCoreApplication::applicationFilePath());
    process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process->start();
    return process;
}

QJsonObject tst_Statistics::runReader()
{
    // Never waitForFinished(): the origin and the cache's timers live in this event loop.
    auto process = startReader();
    QSignalSpy finished(process.get(), &QProcess::finished);
    if (!finished.wait(30000)) {
        process->kill();
        process->waitForFinished(1000);
        return {};
    }
    if (process->exitStatus() != QProcess::NormalExit || process->exitCode() != 0)
        return {};
    return QJsonDocument::fromJson(process->readAllStandardOutput()).object();
}

// ---- counters ---------------------------------------------------------------------------------

void tst_Statistics::scriptedSequenceIsCountedExactly()
{
    // /r answers conditional requests with a 304 that keeps it stale.
    m_server->setHandler([](const RecordedRequest &r) {
        if (r.path == "/r") {
            if (r.header("If-None-Match") == "\"r1\"")
                return Response::notModified()
                        .header("ETag", "\"r1\"")
                        .header("Cache-Control", "max-age=0");
            return Response::ok(QByteArray(300, 'r'), "max-age=0").header("ETag", "\"r1\"");
        }
        // Distinct bytes per URL: identical bodies would share one blob.
        return Response::ok(QByteArray(r.path == "/f2" ? 200 : 100, r.path.at(1)));
    });
    auto get = [&](const char *path) { return fetch(*m_nam, m_server->url(QLatin1String(path))); };

    // 3 misses (stored), 4 fresh hits, 2 stale hits answered 304, each URL in turn.
    struct Step
    {
        const char *path;
        bool fromCache;
        int originCount;
    };
    const Step script[] = {{"/f1", false, 1}, {"/f1", true, 1}, {"/f1", true, 1},
                           {"/f2", false, 1}, {"/f2", true, 1}, {"/f2", true, 1},
                           {"/r", false, 1},  {"/r", true, 2},  {"/r", true, 3}};
    for (const Step &step : script) {
        const Fetched f = get(step.path);
        QCOMPARE(f.error, QNetworkReply::NoError);
        QCOMPARE(f.fromCache, step.fromCache);
        QCOMPARE(f.body.size(),
                 QByteArray(step.path) == "/f1"           ? 100
                         : QByteArray(step.path) == "/f2" ? 200
                                                          : 300);
        QCOMPARE(m_server->requestCount(step.path), step.originCount);
    }
    QCOMPARE(m_server->requests().last().header("If-None-Match"), QByteArray("\"r1\""));

    // Every mismatch is collected, so that one run shows the whole picture.
    QStringList mismatches;
    Statistics s = m_cache->statistics();
    expectCounters(&mismatches, QStringLiteral("after the script"), s,
                   {{"lookups", 9},
                    {"misses", 3},
                    {"hits", 4},
                    {"staleHits", 2},
                    {"revalidations", 2},
                    {"inserts", 3},
                    {"evictions", 0},
                    {"bytesFromNetwork", 100 + 200 + 300},
                    {"bytesFromCache", 2 * 100 + 2 * 200 + 2 * 300}});
    QCOMPARE(s.invalidations(), 0);
    if (s.lookups() == 9)
        QVERIFY(qAbs(s.hitRatio() - 4.0 / 9.0) < 1e-9);

    // One eviction: a budget that fits three of these entries but not four.
    const qint64 total = m_cache->cacheSize();
    const qint64 one = m_cache->entryInfo(m_server->url(QStringLiteral("/f1"))).storedSize();
    QVERIFY(one > 0);
    m_cache->setMaximumCacheSize(total + one - one / 2);
    QTest::qWait(50); // a trim step would run now: it must find nothing to do
    QCOMPARE(m_cache->entryCount(), 3);
    qInfo("total %lld, one entry %lld, budget %lld", total, one, m_cache->maximumCacheSize());
    QVERIFY(!get("/e1").fromCache); // "/e1": same length as "/f1", 100 bytes
    qInfo("after /e1: total %lld, /e1 %lld", m_cache->cacheSize(),
          m_cache->entryInfo(m_server->url(QStringLiteral("/e1"))).storedSize());
    QTest::qWait(100); // let the trim to the low-water mark run
    QCOMPARE(m_cache->entryCount(), 3);

    s = m_cache->statistics();
    expectCounters(&mismatches, QStringLiteral("after the eviction"), s,
                   {{"lookups", 10},
                    {"misses", 4},
                    {"hits", 4},
                    {"staleHits", 2},
                    {"revalidations", 2},
                    {"inserts", 4},
                    {"evictions", 1},
                    {"bytesFromNetwork", 700},
                    {"bytesFromCache", 1200}});

    // The per-minute series holds the same counts (split over two minutes if we crossed one).
    QVERIFY(!s.series().isEmpty());
    QVERIFY(s.series().size() <= 2);
    Statistics::Minute sum;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const Statistics::Minute &m : s.series()) {
        QCOMPARE(m.start().timeSpec(), Qt::UTC);
        QCOMPARE(m.start().time().second(), 0);
        QCOMPARE(m.start().time().msec(), 0);
        QVERIFY2(m.start().secsTo(now) >= 0 && m.start().secsTo(now) < 180,
                 qPrintable(m.start().toString(Qt::ISODate)));
        sum.setLookups(sum.lookups() + m.lookups());
        sum.setHits(sum.hits() + m.hits());
        sum.setStaleHits(sum.staleHits() + m.staleHits());
        sum.setMisses(sum.misses() + m.misses());
        sum.setRevalidations(sum.revalidations() + m.revalidations());
        sum.setBytesFromCache(sum.bytesFromCache() + m.bytesFromCache());
        sum.setBytesFromNetwork(sum.bytesFromNetwork() + m.bytesFromNetwork());
        sum.setInserts(sum.inserts() + m.inserts());
        sum.setEvictions(sum.evictions() + m.evictions());
    }
    QCOMPARE(sum.lookups(), s.lookups());
    QCOMPARE(sum.hits(), s.hits());
    QCOMPARE(sum.staleHits(), s.staleHits());
    QCOMPARE(sum.misses(), s.misses());
    QCOMPARE(sum.revalidations(), s.revalidations());
    QCOMPARE(sum.bytesFromCache(), s.bytesFromCache());
    QCOMPARE(sum.bytesFromNetwork(), s.bytesFromNetwork());
    QCOMPARE(sum.inserts(), s.inserts());
    QCOMPARE(sum.evictions(), s.evictions());
    QCOMPARE(s.series().last().start().toSecsSinceEpoch() / 60, now.toSecsSinceEpoch() / 60);

    // Per-tier counters are this object's.
    QCOMPARE(s.tiers().size(), 1);
    QCOMPARE(s.tiers().first().name(), QStringLiteral("disk"));
    QVERIFY(s.tiers().first().lookups() >= 10);
    QVERIFY2(mismatches.isEmpty(), qPrintable(mismatches.join(QLatin1String("; "))));
}

void tst_Statistics::repeatedUrlIsCountedEveryTime_data()
{
    QTest::addColumn<QByteArray>("cacheControl");
    QTest::addColumn<bool>("etag");
    QTest::addColumn<int>("originCount");
    QTest::addColumn<QStringList>("logged");
    QTest::addColumn<QString>("counters");

    const QString miss = QStringLiteral("lookup:miss"), insert = QStringLiteral("insert:"),
                  hit = QStringLiteral("lookup:hit"), stale = QStringLiteral("lookup:stale"),
                  revalidate = QStringLiteral("revalidate:");
    // The same URL three times in a row.
    QTest::newRow("miss, hit, hit")
            << QByteArray("max-age=3600") << false << 1 << QStringList {miss, insert, hit, hit}
            << "lookups=3 misses=1 hits=2 staleHits=0 inserts=1 revalidations=0 bytesFromCache=20";
    QTest::newRow("miss, stale + 304, stale + 304")
            << QByteArray("max-age=0") << true << 3
            << QStringList {miss, insert, stale, revalidate, stale, revalidate}
            << "lookups=3 misses=1 hits=0 staleHits=2 inserts=1 revalidations=2 bytesFromCache=20";
    QTest::newRow("miss, stale + 200, stale + 200")
            << QByteArray("max-age=0") << false << 3
            << QStringList {miss, insert, stale, insert, stale, insert}
            << "lookups=3 misses=1 hits=0 staleHits=2 inserts=3 revalidations=0 bytesFromCache=0";
}

void tst_Statistics::repeatedUrlIsCountedEveryTime()
{
    QFETCH(QByteArray, cacheControl);
    QFETCH(bool, etag);
    QFETCH(int, originCount);
    QFETCH(QStringList, logged);
    QFETCH(QString, counters);

    const QString path = m_dir->path() + QLatin1String("/events.jsonl");
    QVERIFY(m_cache->setEventLog(path));
    m_server->setHandler([&](const RecordedRequest &r) {
        if (etag && r.header("If-None-Match") == "\"e1\"")
            return Response::notModified()
                    .header("ETag", "\"e1\"")
                    .header("Cache-Control", cacheControl);
        Response resp = Response::ok(QByteArray(10, 'x'), cacheControl);
        if (etag)
            resp.header("ETag", "\"e1\"");
        return resp;
    });
    const QUrl url = m_server->url(QStringLiteral("/one"));
    for (int i = 0; i < 3; ++i)
        QCOMPARE(fetch(*m_nam, url).body, QByteArray(10, 'x'));
    QCOMPARE(m_server->requestCount("/one"), originCount);
    QVERIFY(m_cache->setEventLog(QString()));

    QStringList mismatches;
    QList<QPair<const char *, qint64>> expected;
    QList<QByteArray> names; // keeps the names alive
    for (const QString &item : counters.split(QLatin1Char(' ')))
        names.append(item.section(QLatin1Char('='), 0, 0).toLatin1());
    const QStringList items = counters.split(QLatin1Char(' '));
    for (qsizetype i = 0; i < items.size(); ++i)
        expected.append({names[i].constData(), items[i].section(QLatin1Char('='), 1).toLongLong()});
    expectCounters(&mismatches, QString::fromLatin1(QTest::currentDataTag()),
                   m_cache->statistics(0), expected);
    QString problem;
    const QStringList seen = eventNames(readEventLog(path, &problem));
    if (seen != logged)
        mismatches.append(QLatin1String("event log: ") + seen.join(QLatin1Char(' ')));
    QVERIFY2(mismatches.isEmpty(), qPrintable(mismatches.join(QLatin1String("; "))));
}

void tst_Statistics::topLists()
{
    serveSized({{"/a", 10}, {"/b", 1000}, {"/c", 500}});
    for (const char *p : {"/a", "/b", "/c"}) {
        QVERIFY(!fetch(*m_nam, m_server->url(QLatin1String(p))).fromCache);
        QTest::qWait(5); // distinct creation times
    }
    for (const char *p : {"/a", "/b", "/a", "/a"})
        QVERIFY(fetch(*m_nam, m_server->url(QLatin1String(p))).fromCache);

    const Statistics top2 = m_cache->statistics(2);
    QCOMPARE(urlPaths(top2.hottest().mid(0, 1)), QStringList {QStringLiteral("/a")});
    QCOMPARE(top2.hottest().size(), 2);
    QCOMPARE(top2.hottest()[0].url().path(), QStringLiteral("/a"));
    QCOMPARE(top2.hottest()[0].hitCount(), 3);
    QCOMPARE(top2.hottest()[1].url().path(), QStringLiteral("/b"));
    QCOMPARE(top2.hottest()[1].hitCount(), 1);
    QCOMPARE(top2.largest().size(), 2);
    QCOMPARE(top2.largest()[0].url().path(), QStringLiteral("/b"));
    QCOMPARE(top2.largest()[0].bodySize(), 1000);
    QCOMPARE(top2.largest()[1].url().path(), QStringLiteral("/c"));
    QCOMPARE(top2.oldest().size(), 2);
    QCOMPARE(top2.oldest()[0].url().path(), QStringLiteral("/a"));
    QCOMPARE(top2.oldest()[1].url().path(), QStringLiteral("/b"));

    const Statistics all = m_cache->statistics(10);
    QCOMPARE(all.hottest().size(), 3);
    QCOMPARE(all.hottest()[2].url().path(), QStringLiteral("/c"));
    QCOMPARE(all.hottest()[2].hitCount(), 0);
    QCOMPARE(all.largest()[2].url().path(), QStringLiteral("/a"));
    QCOMPARE(all.oldest()[2].url().path(), QStringLiteral("/c"));
    QCOMPARE(m_cache->statistics(0).hottest().size(), 0);
}

void tst_Statistics::countersSurviveRestart()
{
    serveSized({{"/a", 10}, {"/b", 20}});
    // Alternating URLs: a, b (misses), a, b, a (hits). Destroyed right away, with counts
    // still batched in memory: destruction must write them.
    for (const char *p : {"/a", "/b", "/a", "/b", "/a"})
        fetch(*m_nam, m_server->url(QLatin1String(p)));
    makeCache();
    const Statistics s = m_cache->statistics();
    QCOMPARE(s.lookups(), 5);
    QCOMPARE(s.misses(), 2);
    QCOMPARE(s.hits(), 3);
    QCOMPARE(s.inserts(), 2);
    QCOMPARE(s.bytesFromNetwork(), 30);
    QCOMPARE(s.bytesFromCache(), 10 + 20 + 10);
    QCOMPARE(m_cache->entryInfo(m_server->url(QStringLiteral("/a"))).hitCount(), 2);
    // Per-tier counters are stored with the others when the chain has a disk tier.
    QCOMPARE(s.tiers().first().lookups(), 5);
    QCOMPARE(s.tiers().first().hits(), 3);
}

void tst_Statistics::secondProcessSeesCounters()
{
    serveSized({{"/a", 10}, {"/b", 20}});
    for (const char *p : {"/a", "/b", "/a", "/b", "/a"})
        fetch(*m_nam, m_server->url(QLatin1String(p)));
    QTest::qWait(1100); // counts are written at most once a second

    QJsonObject seen = runReader();
    QVERIFY2(!seen.isEmpty(), "the reader process failed");
    QCOMPARE(seen.value(QLatin1String("lookups")).toInteger(), 5);
    QCOMPARE(seen.value(QLatin1String("misses")).toInteger(), 2);
    QCOMPARE(seen.value(QLatin1String("hits")).toInteger(), 3);
    QCOMPARE(seen.value(QLatin1String("inserts")).toInteger(), 2);
    QCOMPARE(seen.value(QLatin1String("bytesFromCache")).toInteger(), 40);

    // The first process keeps going; the second sees the new counts a second later.
    for (const char *p : {"/b", "/a", "/b"})
        QVERIFY(fetch(*m_nam, m_server->url(QLatin1String(p))).fromCache);
    QTest::qWait(1100);
    seen = runReader();
    QCOMPARE(seen.value(QLatin1String("lookups")).toInteger(), 8);
    QCOMPARE(seen.value(QLatin1String("hits")).toInteger(), 6);

    // And both agree.
    QCOMPARE(QJsonDocument(toJson(m_cache->statistics(0))).toJson(), QJsonDocument(seen).toJson());
}

void tst_Statistics::statisticsChangedIsRateLimited()
{
    serveSized({{"/a", 10}, {"/b", 20}});
    fetch(*m_nam, m_server->url(QStringLiteral("/b")));
    fetch(*m_nam, m_server->url(QStringLiteral("/a"))); // the loop starts with another URL
    QTest::qWait(1100);
    QSignalSpy changed(m_cache, &NetworkCache::statisticsChanged);
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 50; ++i)
        QVERIFY(fetch(*m_nam, m_server->url(i % 2 ? QStringLiteral("/a") : QStringLiteral("/b")))
                        .fromCache);
    QTRY_VERIFY_WITH_TIMEOUT(changed.count() >= 1, 3000);
    QTest::qWait(1200);
    const qint64 elapsed = timer.elapsed();
    const qint64 allowed = elapsed / 1000 + 1;
    qInfo("%lld signals in %lld ms for 50 hits", qint64(changed.count()), elapsed);
    QVERIFY2(changed.count() <= allowed,
             qPrintable(QStringLiteral("%1 > %2").arg(changed.count()).arg(allowed)));
    QCOMPARE(m_cache->statistics(0).hits(), 50);

    // Quiet when nothing happens.
    changed.clear();
    QTest::qWait(1200);
    QCOMPARE(changed.count(), 0);
}

void tst_Statistics::disablingStopsCounting()
{
    serveSized({{"/a", 10}, {"/b", 20}});
    fetch(*m_nam, m_server->url(QStringLiteral("/a")));
    fetch(*m_nam, m_server->url(QStringLiteral("/b")));
    const Statistics before = m_cache->statistics(0);
    QCOMPARE(before.lookups(), 2);

    QVERIFY(m_cache->statisticsEnabled());
    m_cache->setStatisticsEnabled(false);
    QVERIFY(!m_cache->statisticsEnabled());
    for (const char *p : {"/a", "/b", "/a"})
        QVERIFY(fetch(*m_nam, m_server->url(QLatin1String(p))).fromCache);
    fetch(*m_nam, m_server->url(QStringLiteral("/c"))); // a miss and an insert
    QTest::qWait(1100);
    QCOMPARE(toJson(m_cache->statistics(0)), toJson(before));

    m_cache->setStatisticsEnabled(true);
    QVERIFY(fetch(*m_nam, m_server->url(QStringLiteral("/b"))).fromCache);
    const Statistics after = m_cache->statistics(0);
    QCOMPARE(after.lookups(), 3);
    QCOMPARE(after.hits(), 1);
}

void tst_Statistics::resetZeroes()
{
    serveSized({{"/a", 10}, {"/b", 20}});
    for (const char *p : {"/a", "/b", "/a", "/b"})
        fetch(*m_nam, m_server->url(QLatin1String(p)));
    QVERIFY(m_cache->statistics(0).lookups() > 0);
    QSignalSpy changed(m_cache, &NetworkCache::statisticsChanged);

    m_cache->resetStatistics();
    QVERIFY(changed.count() >= 1);
    const Statistics s = m_cache->statistics(10);
    QCOMPARE(toJson(s), toJson(Statistics()));
    QCOMPARE(s.invalidations(), 0);
    QCOMPARE(s.series().size(), 0);
    QCOMPARE(s.hottest().size(), 2);
    for (const CacheEntryInfo &info : s.hottest())
        QCOMPARE(info.hitCount(), 0);
    QCOMPARE(m_cache->entryCount(), 2); // entries are kept

    // Also for another process, and counting goes on from zero.
    QTest::qWait(1100);
    QCOMPARE(runReader().value(QLatin1String("lookups")).toInteger(), 0);
    QVERIFY(fetch(*m_nam, m_server->url(QStringLiteral("/a"))).fromCache);
    QCOMPARE(m_cache->statistics(0).lookups(), 1);
    QCOMPARE(m_cache->statistics(0).hits(), 1);
}

// ---- event log --------------------------------------------------------------------------------

void tst_Statistics::eventLogLines()
{
    const QString path = m_dir->path() + QLatin1String("/events.jsonl");
    QVERIFY(m_cache->setEventLog(path));
    m_server->setHandler([](const RecordedRequest &r) {
        Response resp = Response::ok(QByteArray(r.path == "/a" ? 10 : 20, 'x'));
        if (r.path == "/a")
            resp.header("Cache-Tag", "t");
        return resp;
    });
    const QDateTime start = QDateTime::currentDateTimeUtc().addSecs(-1);
    for (const char *p : {"/a", "/b", "/a", "/b"})
        fetch(*m_nam, m_server->url(QLatin1String(p)));
    QCOMPARE(m_cache->invalidateTag(QStringLiteral("t")), 1);
    QVERIFY(m_cache->setEventLog(QString())); // closes it

    QString problem;
    const QList<QJsonObject> events = readEventLog(path, &problem);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(eventNames(events),
             (QStringList {QStringLiteral("lookup:miss"), QStringLiteral("insert:"),
                           QStringLiteral("lookup:miss"), QStringLiteral("insert:"),
                           QStringLiteral("lookup:hit"), QStringLiteral("lookup:hit"),
                           QStringLiteral("invalidate:1")}));
    const QString keyA = NetworkCache::cacheKey(m_server->url(QStringLiteral("/a")));
    const QString keyB = NetworkCache::cacheKey(m_server->url(QStringLiteral("/b")));
    const QStringList keys {keyA, keyA, keyB, keyB, keyA, keyB};
    for (int i = 0; i < events.size(); ++i) {
        const QJsonObject &e = events[i];
        const QDateTime ts =
                QDateTime::fromString(e.value(QLatin1String("ts")).toString(), Qt::ISODateWithMs);
        QVERIFY2(ts.isValid() && ts >= start && ts <= QDateTime::currentDateTimeUtc(),
                 qPrintable(e.value(QLatin1String("ts")).toString()));
        const QString event = e.value(QLatin1String("event")).toString();
        if (event == QLatin1String("lookup")) {
            QCOMPARE(e.value(QLatin1String("key")).toString(), keys[i]);
            QVERIFY(e.value(QLatin1String("us")).isDouble());
            QVERIFY(e.value(QLatin1String("us")).toInteger() >= 0);
            if (e.value(QLatin1String("result")).toString() == QLatin1String("hit"))
                QCOMPARE(e.value(QLatin1String("tier")).toString(), QStringLiteral("disk"));
            else
                QVERIFY(!e.contains(QLatin1String("tier")));
        } else if (event == QLatin1String("insert")) {
            QCOMPARE(e.value(QLatin1String("key")).toString(), keys[i]);
            QCOMPARE(e.value(QLatin1String("bytes")).toInteger(), keys[i] == keyA ? 10 : 20);
            if (keys[i] == keyA)
                QCOMPARE(e.value(QLatin1String("tags")).toArray(),
                         QJsonArray {QStringLiteral("t")});
            else
                QVERIFY(!e.contains(QLatin1String("tags")));
        } else {
            QCOMPARE(e.value(QLatin1String("tags")).toArray(), QJsonArray {QStringLiteral("t")});
            QVERIFY(e.value(QLatin1String("us")).isDouble());
        }
    }
}

void tst_Statistics::eventLogIsWrittenWhileTheCacheLives()
{
    // Someone tailing the log sees the events without waiting for the cache to be destroyed.
    const QString path = m_dir->path() + QLatin1String("/events.jsonl");
    QVERIFY(m_cache->setEventLog(path));
    serveSized({{"/a", 10}});
    fetch(*m_nam, m_server->url(QStringLiteral("/a")));
    fetch(*m_nam, m_server->url(QStringLiteral("/a")));
    QTest::qWait(1100);
    QString problem;
    QTRY_COMPARE_WITH_TIMEOUT(readEventLog(path, &problem).size(), 3, 2000);
}

void tst_Statistics::eventLogSampling()
{
    const QString path = m_dir->path() + QLatin1String("/events.jsonl");
    serveSized({{"/a", 10}, {"/b", 20}});
    fetch(*m_nam, m_server->url(QStringLiteral("/b")));
    fetch(*m_nam, m_server->url(QStringLiteral("/a"))); // the loop starts with another URL
    QVERIFY(m_cache->setEventLog(path, 0.5));
    const int lookups = 200;
    for (int i = 0; i < lookups; ++i)
        QVERIFY(fetch(*m_nam, m_server->url(i % 2 ? QStringLiteral("/a") : QStringLiteral("/b")))
                        .fromCache);
    QVERIFY(m_cache->setEventLog(QString()));
    QString problem;
    const QList<QJsonObject> events = readEventLog(path, &problem);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    qInfo("%lld of %d lookups logged at rate 0.5", qint64(events.size()), lookups);
    // Binomial(200, 0.5): mean 100, sd ~7; these bounds are ~5.6 sd out.
    QVERIFY2(events.size() >= 60 && events.size() <= 140,
             qPrintable(QString::number(events.size())));
    for (const QJsonObject &e : events)
        QCOMPARE(e.value(QLatin1String("event")).toString(), QStringLiteral("lookup"));
    QCOMPARE(m_cache->statistics(0).lookups(), 2 + lookups); // sampling is for the log only
}

void tst_Statistics::eventLogHashesKeys()
{
    const QString path = m_dir->path() + QLatin1String("/events.jsonl");
    QVERIFY(m_cache->setEventLog(path, 1.0, true));
    serveSized({{"/very-private-path", 10}});
    const QUrl url = m_server->url(QStringLiteral("/very-private-path?user=alice"));
    fetch(*m_nam, url);
    fetch(*m_nam, m_server->url(QStringLiteral("/very-private-path?user=bob")));
    QVERIFY(fetch(*m_nam, url).fromCache);
    QVERIFY(m_cache->setEventLog(QString()));

    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray all = file.readAll();
    QVERIFY(!all.contains("very-private-path"));
    QVERIFY(!all.contains("alice"));
    QVERIFY(!all.contains("127.0.0.1"));
    QString problem;
    const QList<QJsonObject> events = readEventLog(path, &problem);
    QCOMPARE(eventNames(events),
             (QStringList {QStringLiteral("lookup:miss"), QStringLiteral("insert:"),
                           QStringLiteral("lookup:miss"), QStringLiteral("insert:"),
                           QStringLiteral("lookup:hit")}));
    const QString alice = events[0].value(QLatin1String("key")).toString();
    const QString bob = events[2].value(QLatin1String("key")).toString();
    for (const QString &hashed : {alice, bob})
        QVERIFY2(QRegularExpression(QStringLiteral("^[0-9a-f]{16}$")).match(hashed).hasMatch(),
                 qPrintable(hashed));
    QVERIFY(alice != bob);
    // Stable: the events of one URL can be correlated.
    QCOMPARE(events[1].value(QLatin1String("key")).toString(), alice);
    QCOMPARE(events[3].value(QLatin1String("key")).toString(), bob);
    QCOMPARE(events[4].value(QLatin1String("key")).toString(), alice);
}

void tst_Statistics::eventLogRejectsBadArguments()
{
    const QString path = m_dir->path() + QLatin1String("/events.jsonl");
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("sample rate")));
    QVERIFY(!m_cache->setEventLog(path, 0.0));
    QVERIFY(m_cache->errorString().contains(QLatin1String("sample rate")));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("sample rate")));
    QVERIFY(!m_cache->setEventLog(path, 1.5));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("cannot open event log")));
    QVERIFY(!m_cache->setEventLog(m_dir->path() + QLatin1String("/no/such/dir/events.jsonl")));
    QVERIFY(m_cache->setEventLog(path, 1.0));
    QVERIFY(m_cache->setEventLog(QString()));
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (qEnvironmentVariable(RoleVariable) == QLatin1String("stats-reader"))
        return runStatsReader();
    tst_Statistics test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_statistics.moc"
