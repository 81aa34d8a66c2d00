// SPDX-License-Identifier: MIT
// Memory of tiercache::AccessManager with large bodies: a miss that stores, a hit, and
// coalesced readers of one cold request each keep the process's RSS growth far below the body
// (issue 11: "memory stays O(chunk) for large bodies on every path"), through the
// AccessManager against the loopback origin, counting origin requests.
#include <loopbackserver.h>
#include <patternreader.h>
#include <peakrss.h>

#include <tiercache/accessmanager.h>
#include <tiercache/networkcache.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QNetworkReply>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

using namespace tiercache;
using namespace tiercache::test;

namespace {
constexpr qint64 MiB = 1024 * 1024;
constexpr qint64 BodySize = 128 * MiB;
constexpr qint64 GrowthLimit = 64 * MiB; // tst_largebody's bound for the plain cache
constexpr quint32 Seed = 0x11;

// One reply, read as it arrives and checked against the origin's pattern.
struct Reader
{
    explicit Reader(QNetworkReply *r) : reply(r), check(r, Seed) { }
    std::unique_ptr<QNetworkReply> reply;
    PatternReader check;
};
} // namespace

class tst_AccessManagerMemory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void largeBodyInBoundedMemory_data();
    void largeBodyInBoundedMemory();

private:
    //! Sends \a readers identical GETs at once and reads them all to the end.
    bool fetch(int readers, const char *phase);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LoopbackServer> m_server;
    std::unique_ptr<AccessManager> m_access;
    QUrl m_url;
};

void tst_AccessManagerMemory::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<LoopbackServer>();
    QVERIFY(m_server->isListening());
    Response r;
    r.generatedBodySize = BodySize;
    r.seed = Seed;
    r.header("Cache-Control", "max-age=3600");
    r.header("Content-Type", "application/octet-stream");
    m_server->setRoute("/large.bin", r);
    m_url = m_server->url(QStringLiteral("/large.bin"));
}

void tst_AccessManagerMemory::cleanup()
{
    m_access.reset();
    m_server.reset();
    m_dir.reset();
}

bool tst_AccessManagerMemory::fetch(int readers, const char *phase)
{
    PeakRss rss;
    QElapsedTimer timer;
    timer.start();
    rss.start();
    std::vector<std::unique_ptr<Reader>> all;
    for (int i = 0; i < readers; ++i)
        all.push_back(std::make_unique<Reader>(m_access->get(QNetworkRequest(m_url))));
    for (auto &r : all) {
        QSignalSpy finished(r->reply.get(), &QNetworkReply::finished);
        if (!r->reply->isFinished() && !finished.wait(240000)) {
            qWarning("%s: a reply did not finish", phase);
            return false;
        }
        r->check.drain();
    }
    rss.stop();
    qInfo("%s, %d reader(s): %lld MiB each in %lld ms, RSS %lld MiB before, growth %.1f MiB", phase,
          readers, all.front()->check.received() / MiB, timer.elapsed(), rss.baseline() / MiB,
          double(rss.growth()) / MiB);
    bool ok = true;
    for (auto &r : all) {
        if (r->reply->error() != QNetworkReply::NoError || r->check.received() != BodySize
            || r->check.firstMismatch() >= 0) {
            qWarning("%s: error %d, %lld bytes, first wrong byte at %lld", phase,
                     int(r->reply->error()), r->check.received(), r->check.firstMismatch());
            ok = false;
        }
    }
    if (rss.growth() >= GrowthLimit) {
        qWarning("%s: RSS grew by %lld MiB for a body of %lld MiB", phase, rss.growth() / MiB,
                 BodySize / MiB);
        ok = false;
    }
    return ok;
}

void tst_AccessManagerMemory::largeBodyInBoundedMemory_data()
{
    QTest::addColumn<QStringList>("tiers");
    QTest::newRow("disk") << QStringList {QStringLiteral("disk:")};
    // Bodies above the memory tier's max_entry never enter RAM.
    QTest::newRow("memory+disk") << QStringList {QStringLiteral("memory:?max=16MiB"),
                                                 QStringLiteral("disk:")};
}

void tst_AccessManagerMemory::largeBodyInBoundedMemory()
{
    QFETCH(QStringList, tiers);
    auto *cache = new NetworkCache;
    cache->setCacheDirectory(m_dir->path());
    cache->setMaximumCacheSize(16 * BodySize); // the body fits the default 1/8 budget share
    QVERIFY2(cache->setTiers(tiers), qPrintable(cache->tierErrors().join(QLatin1Char('\n'))));
    m_access = std::make_unique<AccessManager>(cache);

    // Three cold readers at once: one origin request, streamed to all three as it arrives.
    QVERIFY(fetch(3, "coalesced miss"));
    QCOMPARE(m_server->requestCount("/large.bin"), 1);
    QCOMPARE(cache->entryInfo(m_url).bodySize(), BodySize);
    // A hit streams from the cache.
    QVERIFY(fetch(1, "hit"));
    QCOMPARE(m_server->requestCount("/large.bin"), 1);
    // A miss that stores, one reader: the entry is gone, the origin is asked again.
    QVERIFY(cache->remove(m_url));
    QVERIFY(fetch(1, "miss"));
    QCOMPARE(m_server->requestCount("/large.bin"), 2);
}

QTEST_GUILESS_MAIN(tst_AccessManagerMemory)
#include "tst_accessmanagermemory.moc"
