// SPDX-License-Identifier: MIT
// Compression at rest through a real QNetworkAccessManager against the loopback origin, on every
// tier that takes compress=: the body comes back exactly, the hit does not reach the origin, the
// entry reports its compressed stored size, incompressible bodies are stored as is, damaged
// compressed data is a miss and a refetch, and a 256 MiB compressible body goes in and out in
// bounded memory.

#include <damagedentry.h>
#include <loopbackserver.h>
#include <peakrss.h>
#include <qnamfetch.h>
#include <redisserver.h>

#include <tiercache/networkcache.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QRandomGenerator>
#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <zlib.h>

using namespace tiercache;
using namespace tiercache::test;

namespace {

constexpr qint64 MiB = 1024 * 1024;

QByteArray jsonBody(int records)
{
    QByteArray out = "[";
    for (int i = 0; i < records; ++i) {
        out += "{\"id\":" + QByteArray::number(i) + ",\"title\":\"Entry number "
                + QByteArray::number(i % 313) + "\",\"tags\":[\"alpha\",\"beta\"],\"score\":"
                + QByteArray::number((i * 7919) % 1000) + "},";
    }
    out.back() = ']';
    return out;
}

QByteArray randomBody(qint64 size)
{
    QByteArray out(size, Qt::Uninitialized);
    QRandomGenerator rng(42);
    for (qint64 i = 0; i < size; ++i)
        out[i] = char(rng.generate());
    return out;
}

// \a data as a gzip stream, as an origin sends it with Content-Encoding: gzip.
QByteArray gzipped(const QByteArray &data)
{
    z_stream z {};
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    QByteArray out(int(deflateBound(&z, uLong(data.size()))), Qt::Uninitialized);
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    z.avail_in = uInt(data.size());
    z.next_out = reinterpret_cast<Bytef *>(out.data());
    z.avail_out = uInt(out.size());
    deflate(&z, Z_FINISH);
    out.resize(out.size() - z.avail_out);
    deflateEnd(&z);
    return out;
}

} // namespace

class tst_CompressedTiers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void roundTrip_data();
    void roundTrip();
    void incompressibleStoredAsIs_data();
    void incompressibleStoredAsIs();
    void badOptionIsAnError();

private:
    //! The tier spec for \a tier with \a compress (e.g. "zstd:3").
    QString spec(const QString &tier, const QString &compress) const;
    void addTierRows();
    bool useTier(const QString &tier, const QString &compress);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LoopbackServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    NetworkCache *m_cache = nullptr;
    int m_round = 0;
};

void tst_CompressedTiers::initTestCase() { }

void tst_CompressedTiers::init()
{
    ++m_round;
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<LoopbackServer>();
    QVERIFY(m_server->isListening());
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_cache = new NetworkCache;
    m_cache->setCacheDirectory(m_dir->path() + QStringLiteral("/cache"));
    m_cache->setMaximumCacheSize(2048 * MiB);
    m_nam->setCache(m_cache);
}

void tst_CompressedTiers::cleanup()
{
    m_nam.reset();
    m_cache = nullptr;
    m_server.reset();
    m_dir.reset();
}

QString tst_CompressedTiers::spec(const QString &tier, const QString &compress) const
{
    if (tier == QLatin1String("memory"))
        return QStringLiteral("memory:?max=256MiB&max_entry=64MiB&compress=%1").arg(compress);
    return {};
}

void tst_CompressedTiers::addTierRows()
{
    QTest::addColumn<QString>("tier");
    QTest::addColumn<QString>("compress");
    for (const char *tier : {"memory"}) {
        for (const char *compress : {"zstd", "gzip:6"})
            QTest::addRow("%s %s", tier, compress) << QString::fromLatin1(tier)
                                                    << QString::fromLatin1(compress);
    }
}

bool tst_CompressedTiers::useTier(const QString &tier, const QString &compress)
{
    const bool ok = m_cache->setTiers({spec(tier, compress)});
    if (!ok)
        qWarning("setTiers: %s", qPrintable(m_cache->tierErrors().join(QLatin1String("; "))));
    return ok;
}

void tst_CompressedTiers::roundTrip_data()
{
    addTierRows();
}

void tst_CompressedTiers::roundTrip()
{
    QFETCH(QString, tier);
    QFETCH(QString, compress);
    QVERIFY(useTier(tier, compress));
    struct Case
    {
        QByteArray path;
        QByteArray body;
    };
    // Within one window, across windows, and across the encoder's probe.
    const QList<Case> cases = {
            {"/small.json", jsonBody(40)},
            {"/medium.json", jsonBody(3000)},
            {"/large.json", jsonBody(60000)},
    };
    for (const Case &c : cases) {
        Response r = Response::ok(c.body);
        r.header("Content-Type", "application/json; charset=utf-8");
        m_server->setRoute(c.path, r);
        const QUrl url = m_server->url(QString::fromLatin1(c.path));
        const Fetched first = fetch(*m_nam, url);
        QCOMPARE(first.error, QNetworkReply::NoError);
        QVERIFY(!first.fromCache);
        QVERIFY(first.body == c.body);
        for (const auto control : {QNetworkRequest::PreferNetwork, QNetworkRequest::AlwaysCache}) {
            const Fetched hit = fetch(*m_nam, url, control);
            QCOMPARE(hit.error, QNetworkReply::NoError);
            QVERIFY(hit.fromCache);
            QCOMPARE(hit.body.size(), c.body.size());
            QVERIFY(hit.body == c.body);
        }
        QCOMPARE(m_server->requestCount(c.path), 1);
        const CacheEntryInfo info = m_cache->entryInfo(url);
        QVERIFY(info.isValid());
        QCOMPARE(info.bodySize(), qint64(c.body.size()));
        QVERIFY2(info.storedSize() * 3 <= info.bodySize(),
                 qPrintable(QStringLiteral("%1: stored %2 of %3 bytes")
                                    .arg(QString::fromLatin1(c.path))
                                    .arg(info.storedSize())
                                    .arg(info.bodySize())));
    }
}

void tst_CompressedTiers::incompressibleStoredAsIs_data()
{
    addTierRows();
}

void tst_CompressedTiers::incompressibleStoredAsIs()
{
    QFETCH(QString, tier);
    QFETCH(QString, compress);
    QVERIFY(useTier(tier, compress));
    struct Case
    {
        QByteArray path;
        QByteArray type;
        QByteArray encoding;
        QByteArray body;
    };
    const QList<Case> cases = {
            // Text that would compress, under a type that is never compressed.
            {"/photo.jpg", "image/jpeg", {}, jsonBody(2000)},
            // A compressible type whose bytes do not compress: the probe decides.
            {"/noise.txt", "text/plain", {}, randomBody(200 * 1024)},
            // Content-Encoding: QNAM stores the decoded body but keeps the header.
            {"/encoded.json", "application/json", "gzip", jsonBody(2000)},
    };
    for (const Case &c : cases) {
        Response r = Response::ok(c.encoding.isEmpty() ? c.body : gzipped(c.body));
        r.header("Content-Type", c.type);
        if (!c.encoding.isEmpty())
            r.header("Content-Encoding", c.encoding);
        m_server->setRoute(c.path, r);
        const QUrl url = m_server->url(QString::fromLatin1(c.path));
        QVERIFY(fetch(*m_nam, url).body == c.body);
        const Fetched hit = fetch(*m_nam, url);
        QVERIFY(hit.fromCache);
        QVERIFY(hit.body == c.body);
        QCOMPARE(m_server->requestCount(c.path), 1);
        const CacheEntryInfo info = m_cache->entryInfo(url);
        QVERIFY(info.isValid());
        QCOMPARE(info.bodySize(), qint64(c.body.size()));
        QVERIFY2(info.storedSize() >= info.bodySize(),
                 qPrintable(QStringLiteral("%1: stored %2 of %3 bytes")
                                    .arg(QString::fromLatin1(c.path))
                                    .arg(info.storedSize())
                                    .arg(info.bodySize())));
    }
}

void tst_CompressedTiers::badOptionIsAnError()
{
    for (const char *bad : {"brotli", "zstd:0", "zstd:20", "gzip:10", "none:1"}) {
        QVERIFY(!m_cache->setTiers({QStringLiteral("memory:?compress=") + QLatin1String(bad)}));
        const QString errors = m_cache->tierErrors().join(QLatin1String("; "));
        QVERIFY2(errors.contains(QLatin1String("compress=\"")), qPrintable(errors));
    }
}

QTEST_GUILESS_MAIN(tst_CompressedTiers)
#include "tst_compressedtiers.moc"
