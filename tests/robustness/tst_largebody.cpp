// SPDX-License-Identifier: MIT
// Very large bodies through a real QNetworkAccessManager with NetworkCache: a 256 MiB response
// read in readyRead is stored and then served from the cache with bounded memory, and a body
// read only at finished() (which QNAM buffers whole) is still exactly right.

#include "../auto/cachetestutil.h"

#include <patternreader.h>
#include <peakrss.h>

#include <tiercache/networkcache.h>

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtTest/QTest>

using namespace tiercache;
using namespace tiercache::test;

namespace {

constexpr qint64 MiB = 1024 * 1024;

struct Streamed
{
    qint64 received = 0;
    qint64 firstMismatch = -1;
    int readyReads = 0;
    bool finished = false;
    bool fromCache = false;
    int status = 0;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
};

// Reads in readyRead, checks every piece against the origin's pattern and drops it.
Streamed streamAndCheck(QNetworkAccessManager &nam, const QUrl &url, quint32 seed, int timeoutMs)
{
    Streamed s;
    QNetworkReply *reply = nam.get(QNetworkRequest(url));
    PatternReader reader(reply, seed);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    s.finished = reply->isFinished() || finished.wait(timeoutMs);
    reader.drain();
    s.received = reader.received();
    s.firstMismatch = reader.firstMismatch();
    s.readyReads = reader.readyReads();
    s.fromCache = reply->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool();
    s.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    s.error = reply->error();
    delete reply;
    return s;
}

} // namespace

class tst_LargeBody : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void streamedBodyInBoundedMemory();
    void bodyReadAtFinished();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LoopbackServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    NetworkCache *m_cache = nullptr;
};

void tst_LargeBody::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<LoopbackServer>();
    QVERIFY(m_server->isListening());
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_cache = new NetworkCache;
    m_cache->setCacheDirectory(m_dir->path());
    // 2 GiB: a 256 MiB body is within the default 1/8 share of the budget one body may take.
    m_cache->setMaximumCacheSize(2048 * MiB);
    m_nam->setCache(m_cache);
}

void tst_LargeBody::cleanup()
{
    m_nam.reset();
    m_cache = nullptr;
    m_server.reset();
    m_dir.reset();
}

void tst_LargeBody::streamedBodyInBoundedMemory()
{
    const qint64 size = 256 * MiB;
    const quint32 seed = 0xb16;
    const qint64 limit = 64 * MiB;
    Response r;
    r.generatedBodySize = size;
    r.seed = seed;
    r.header("Cache-Control", "max-age=3600");
    m_server->setRoute("/huge", r);
    const QUrl url = m_server->url(QStringLiteral("/huge"));

    struct Phase
    {
        const char *name;
        bool fromCache;
    };
    for (const Phase phase : {Phase {"network", false}, Phase {"cache", true}}) {
        PeakRss rss;
        QElapsedTimer timer;
        timer.start();
        rss.start();
        const Streamed s = streamAndCheck(*m_nam, url, seed, 120000);
        rss.stop();
        qInfo("%s: %lld MiB in %lld ms (%d readyRead), RSS %lld MiB before, peak %lld MiB (VmHWM "
              "%s, "
              "sampled peak %lld MiB): growth %.1f MiB",
              phase.name, s.received / MiB, timer.elapsed(), s.readyReads, rss.baseline() / MiB,
              rss.peak() / MiB, rss.hwmUsable() ? "reset" : "unavailable", rss.sampledPeak() / MiB,
              double(rss.growth()) / MiB);
        QVERIFY(s.finished);
        QCOMPARE(s.error, QNetworkReply::NoError);
        QCOMPARE(s.status, 200);
        QCOMPARE(s.fromCache, phase.fromCache);
        QCOMPARE(s.received, size);
        QCOMPARE(s.firstMismatch, qint64(-1));
        QCOMPARE(m_server->requestCount("/huge"), 1);
        QVERIFY2(rss.growth() < limit,
                 qPrintable(QStringLiteral("%1: RSS grew by %2 MiB")
                                    .arg(QLatin1String(phase.name))
                                    .arg(rss.growth() / MiB)));
        const CacheEntryInfo info = m_cache->entryInfo(url);
        QVERIFY(info.isValid());
        QCOMPARE(info.bodySize(), size);
    }
    QCOMPARE(m_cache->entryInfo(url).hitCount(), 1);
}

void tst_LargeBody::bodyReadAtFinished()
{
    // QNAM keeps an unread body in memory; only correctness is checked here, not memory.
    const qint64 size = 32 * MiB;
    const quint32 seed = 0x32;
    Response r;
    r.generatedBodySize = size;
    r.seed = seed;
    r.header("Cache-Control", "max-age=3600");
    m_server->setRoute("/big", r);
    const QUrl url = m_server->url(QStringLiteral("/big"));
    const QByteArray expected = LoopbackServer::patternBody(0, size, seed);
    for (const bool fromCache : {false, true}) {
        QNetworkReply *reply = m_nam->get(QNetworkRequest(url));
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QVERIFY(reply->isFinished() || finished.wait(60000));
        const QByteArray got = reply->readAll();
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool(), fromCache);
        QCOMPARE(got.size(), size);
        QVERIFY(got == expected);
        delete reply;
    }
    QCOMPARE(m_server->requestCount("/big"), 1);
}

QTEST_GUILESS_MAIN(tst_LargeBody)
#include "tst_largebody.moc"
