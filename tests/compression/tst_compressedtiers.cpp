// SPDX-License-Identifier: MIT
// Compression at rest through a real QNetworkAccessManager against the loopback origin, on every
// tier that takes compress= (the built-in disk tier included): the body comes back exactly, the
// hit does not reach the origin, the entry reports its compressed stored size, incompressible
// bodies are stored as is, damaged compressed data is a miss and a refetch, and a 256 MiB
// compressible body goes in and out in bounded memory. For the disk tier also: one blob per
// digest whichever way it was stored, and a directory reopened with another setting.

#include <damagedentry.h>
#include <loopbackserver.h>
#include <patternreader.h>
#include <peakrss.h>
#include <redisserver.h>
#include <qnamfetch.h>

#include <tiercache/chunkchecksum.h>
#include <tiercache/networkcache.h>
#include <tiercache/promotionpolicy.h>
#include <tiercache/tierstatistics.h>

#include <QtCore/QDeadlineTimer>
#include <QtCore/QElapsedTimer>
#include <QtCore/QRandomGenerator>
#include <QtCore/QTemporaryDir>
#include <QtCore/QtEndian>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <zlib.h>

#include <functional>

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
    void chainPromotesCompressed();
    void damagedCompressedData_data();
    void damagedCompressedData();
    void largeBodyInBoundedMemory_data();
    void largeBodyInBoundedMemory();
    void badOptionIsAnError();
    void diskSharesOneBlobPerDigest_data();
    void diskSharesOneBlobPerDigest();
    void diskReopenedWithOtherSetting_data();
    void diskReopenedWithOtherSetting();
    void diskVerifyFindsDamagedCompressedData();
    void diskBudgetCountsStoredBytes();

private:
    //! The tier spec for \a tier with \a compress (e.g. "zstd:3").
    QString spec(const QString &tier, const QString &compress) const;
    void addTierRows();
    bool useTier(const QString &tier, const QString &compress);
    //! Alters one byte of the stored (compressed) body of \a key in the middle of its stored
    //! bytes; with \a reseal the tier's own chunk checksum is made to match, so that only the
    //! decoder can tell.
    bool damage(const QString &tier, const QString &key, bool reseal);
    bool damageRedis(const QString &key, bool reseal);
    bool damageSqlite(const QString &key, bool reseal);
    //! The disk tier's stored bytes of \a key: its blob file or, with \a inlineRow, its row.
    bool damageDisk(const QString &key, bool reseal, bool inlineRow);
    QString cacheDirectory() const { return m_dir->path() + QStringLiteral("/cache"); }
    //! Runs \a work on a connection of its own to the disk tier's catalogue.
    bool withCatalogue(const std::function<bool(QSqlDatabase &)> &work);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LoopbackServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    NetworkCache *m_cache = nullptr;
    int m_round = 0;
    std::unique_ptr<RedisServer> m_redis;
};

void tst_CompressedTiers::initTestCase()
{
    // Never a silent skip: the set-up installs redis-server.
    m_redis = std::make_unique<RedisServer>();
    QVERIFY2(m_redis->start(), qPrintable(m_redis->errorString()));
}

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
    if (tier == QLatin1String("disk")) // in the cache's directory (init())
        return QStringLiteral("disk:?compress=%1").arg(compress);
    if (tier == QLatin1String("memory"))
        return QStringLiteral("memory:?max=256MiB&max_entry=64MiB&compress=%1").arg(compress);
    if (tier == QLatin1String("sqlite"))
        return QStringLiteral("sqlite:?path=%1/tier%2.db&max=1GiB&max_entry=512MiB&compress=%3")
                .arg(m_dir->path())
                .arg(m_round)
                .arg(compress);
    if (tier == QLatin1String("redis"))
        // A prefix of its own per test function and row: nothing carries over.
        return QStringLiteral("redis://127.0.0.1:%1/0?prefix=ct%2:&timeout_ms=5000&max_entry=64MiB"
                              "&compress=%3")
                .arg(m_redis->port())
                .arg(m_round)
                .arg(compress);
    return {};
}

void tst_CompressedTiers::addTierRows()
{
    QTest::addColumn<QString>("tier");
    QTest::addColumn<QString>("compress");
    for (const char *tier : {"memory", "sqlite", "redis", "disk"}) {
        for (const char *compress : {"zstd", "gzip:6"})
            QTest::addRow("%s %s", tier, compress)
                    << QString::fromLatin1(tier) << QString::fromLatin1(compress);
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
        // The disk tier's stored size counts its catalogue row too (key, metadata: about
        // 400 bytes here), which is a third of the smallest body's compressed size.
        const qint64 ratio = tier == QLatin1String("disk") && c.body.size() < 4096 ? 2 : 3;
        QVERIFY2(info.storedSize() * ratio <= info.bodySize(),
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

void tst_CompressedTiers::chainPromotesCompressed()
{
    // memory (zstd) in front of sqlite (gzip) and redis (zstd): the write reaches every tier,
    // each compressing its own way; a hit in a lower tier is promoted (decoded from it,
    // re-encoded into the memory tier) while it is served.
    QVERIFY(m_cache->setTiers({spec(QStringLiteral("memory"), QStringLiteral("zstd")),
                               spec(QStringLiteral("sqlite"), QStringLiteral("gzip")),
                               spec(QStringLiteral("redis"), QStringLiteral("zstd:7"))}));
    m_cache->setPromotionPolicy(PromotionPolicy::always());
    const QByteArray body = jsonBody(20000);
    Response r = Response::ok(body);
    r.header("Content-Type", "application/json");
    m_server->setRoute("/chain.json", r);
    const QUrl url = m_server->url(QStringLiteral("/chain.json"));
    QVERIFY(fetch(*m_nam, url).body == body);
    for (int i = 0; i < 3; ++i) {
        const Fetched hit = fetch(*m_nam, url);
        QVERIFY(hit.fromCache);
        QVERIFY(hit.body == body);
    }
    QCOMPARE(m_server->requestCount("/chain.json"), 1);
    // Drop it from the memory tier's view: a new chain on the same sqlite file and Redis
    // prefix, with an empty memory tier; its first hit comes from sqlite and is promoted.
    m_cache->clear();
    QVERIFY(fetch(*m_nam, url).body == body);
    QCOMPARE(m_server->requestCount("/chain.json"), 2);
    QVERIFY(m_cache->setTiers({spec(QStringLiteral("memory"), QStringLiteral("zstd")),
                               spec(QStringLiteral("sqlite"), QStringLiteral("gzip")),
                               spec(QStringLiteral("redis"), QStringLiteral("zstd:7"))}));
    for (int i = 0; i < 2; ++i) {
        const Fetched hit = fetch(*m_nam, url);
        QVERIFY(hit.fromCache);
        QVERIFY(hit.body == body);
    }
    QCOMPARE(m_server->requestCount("/chain.json"), 2);
    const QList<TierStatistics> stats = m_cache->tierStatistics();
    QCOMPARE(stats.size(), 3);
    QVERIFY2(stats.at(0).hits() >= 1, "the second hit comes from the memory tier");
    QVERIFY2(stats.at(1).hits() >= 1, "the first hit after the restart comes from sqlite");
}

void tst_CompressedTiers::damagedCompressedData_data()
{
    QTest::addColumn<QString>("tier");
    QTest::addColumn<QString>("compress");
    QTest::addColumn<bool>("reseal");
    // The memory tier's bytes cannot be reached from outside the process. The disk tier
    // stores small stored bytes in its catalogue ("disk-inline") and the rest in files.
    for (const char *tier : {"sqlite", "redis", "disk", "disk-inline"}) {
        for (const char *compress : {"zstd", "gzip"}) {
            QTest::addRow("%s %s, checksum fails", tier, compress)
                    << QString::fromLatin1(tier) << QString::fromLatin1(compress) << false;
            QTest::addRow("%s %s, decoder fails", tier, compress)
                    << QString::fromLatin1(tier) << QString::fromLatin1(compress) << true;
        }
    }
}

void tst_CompressedTiers::damagedCompressedData()
{
    QFETCH(QString, tier);
    QFETCH(QString, compress);
    QFETCH(bool, reseal);
    const bool inlineRow = tier == QLatin1String("disk-inline");
    const QString tierName = inlineRow ? QStringLiteral("disk") : tier;
    // Large enough for several stored chunks in every tier; for the disk tier's inline rows,
    // compressed to less than its inline limit (32 KiB) with either codec.
    const QByteArray body = inlineRow ? jsonBody(3000) : jsonBody(80000);
    Response r = Response::ok(body);
    r.header("Content-Type", "application/json");
    m_server->setRoute("/damaged.json", r);
    const QUrl url = m_server->url(QStringLiteral("/damaged.json"));
    // The right body or an error, never a wrong one, under streaming and AlwaysCache reads;
    // then the origin again, and a good entry.
    const QString failure = checkDamagedEntryUnderQnam(
            {spec(tierName, compress)}, url, body,
            [&](const QString &key) {
                if (tierName != QLatin1String("disk"))
                    return damage(tier, key, reseal);
                // A small NoSync insert reaches other connections with its batch's commit,
                // within a few milliseconds: wait for the row.
                for (QDeadlineTimer deadline(5000); !damageDisk(key, reseal, inlineRow);
                     QTest::qWait(5)) {
                    if (deadline.hasExpired())
                        return false;
                }
                return true;
            },
            tierName == QLatin1String("disk") ? cacheDirectory() : QString());
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    // Two rounds (streaming, AlwaysCache), each: the first fetch, the refetch after the damage;
    // the damaged entry itself was never served as a whole 200 from the origin's point of view.
    QCOMPARE(m_server->requestCount("/damaged.json"), 4);
}

bool tst_CompressedTiers::damage(const QString &tier, const QString &key, bool reseal)
{
    if (tier == QLatin1String("redis"))
        return damageRedis(key, reseal);
    if (tier == QLatin1String("sqlite"))
        return damageSqlite(key, reseal);
    return false;
}

bool tst_CompressedTiers::damageSqlite(const QString &key, bool reseal)
{
    // chunks(gen, seq, sum, data): sum is the XXH64 of data seeded with
    // generation * 0x9E3779B97F4A7C15 ^ seq, as a signed INTEGER (plugins/sqlite/sqliterecord.cpp).
    const QString connection = QStringLiteral("damage-%1").arg(m_round);
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(QStringLiteral("%1/tier%2.db").arg(m_dir->path()).arg(m_round));
        if (db.open()) {
            QSqlQuery q(db);
            q.prepare(QStringLiteral("SELECT gen, compression FROM entries WHERE key = ?"));
            q.addBindValue(key);
            if (q.exec() && q.next() && q.value(1).toInt() != 0) {
                const qint64 generation = q.value(0).toLongLong();
                q.finish();
                q.prepare(QStringLiteral("SELECT data FROM chunks WHERE gen = ? AND seq = 1"));
                q.addBindValue(generation);
                if (q.exec() && q.next()) {
                    QByteArray data = q.value(0).toByteArray();
                    q.finish();
                    data[data.size() / 2] = char(data[data.size() / 2] ^ 0x5a);
                    QSqlQuery u(db);
                    if (reseal) {
                        const quint64 seed = quint64(generation) * 0x9E3779B97F4A7C15ULL ^ 1;
                        u.prepare(QStringLiteral(
                                "UPDATE chunks SET data = ?, sum = ? WHERE gen = ? AND seq = 1"));
                        u.addBindValue(data);
                        u.addBindValue(qint64(ChunkChecksum::compute(data, seed)));
                    } else {
                        u.prepare(QStringLiteral(
                                "UPDATE chunks SET data = ? WHERE gen = ? AND seq = 1"));
                        u.addBindValue(data);
                    }
                    u.addBindValue(generation);
                    ok = u.exec() && u.numRowsAffected() == 1;
                }
            }
        }
    }
    QSqlDatabase::removeDatabase(connection);
    return ok;
}

bool tst_CompressedTiers::withCatalogue(const std::function<bool(QSqlDatabase &)> &work)
{
    const QString connection = QStringLiteral("catalogue-%1").arg(m_round);
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(cacheDirectory() + QStringLiteral("/catalogue.db"));
        ok = db.open() && work(db);
    }
    QSqlDatabase::removeDatabase(connection);
    return ok;
}

bool tst_CompressedTiers::damageDisk(const QString &key, bool reseal, bool inlineRow)
{
    // blobs(digest, ..., chunk_size, sums, stored_size, compression, body): sums holds one
    // ChunkChecksum (seed 0) per chunk of the stored bytes; a file body is blobs/<aa>/<digest>
    // with a 32-byte header (src/disk/blobstore_p.h).
    return withCatalogue([&](QSqlDatabase &db) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("SELECT b.digest, b.chunk_size, b.sums, b.stored_size,"
                                 " b.compression, b.body FROM entries e JOIN blobs b"
                                 " ON b.id = e.blob_id WHERE e.key = ?"));
        q.addBindValue(key);
        if (!q.exec() || !q.next()) {
            qWarning("no disk entry for %s", qPrintable(key));
            return false;
        }
        const QByteArray digest = q.value(0).toByteArray();
        const qint64 chunk = q.value(1).toLongLong();
        QByteArray sums = q.value(2).toByteArray();
        const qint64 stored = q.value(3).toLongLong();
        const int compression = q.value(4).toInt();
        const bool isInline = !q.isNull(5);
        QByteArray bytes = q.value(5).toByteArray();
        q.finish();
        if (compression == 0 || isInline != inlineRow || stored < 2 * 1024) {
            qWarning("expected compressed %s stored bytes, found compression %d, %lld bytes %s",
                     inlineRow ? "inline" : "file", compression, stored,
                     isInline ? "inline" : "in a file");
            return false;
        }
        const QString path = QStringLiteral("%1/blobs/%2/%3")
                                     .arg(cacheDirectory(), QString::fromLatin1(digest.left(2)),
                                          QString::fromLatin1(digest));
        QFile file(path);
        if (!inlineRow) {
            if (!file.open(QIODevice::ReadWrite))
                return false;
            bytes = file.readAll().mid(32);
        }
        if (bytes.size() != stored)
            return false;
        // In the middle of the stored bytes: past the first chunk of a file body.
        const qint64 at = stored / 2;
        bytes[at] = char(bytes[at] ^ 0x5a);
        if (reseal) {
            const qint64 index = at / chunk;
            QByteArray sum;
            ChunkChecksum::append(&sum, bytes.constData() + index * chunk,
                                  qMin(chunk, stored - index * chunk));
            sums.replace(index * ChunkChecksum::Size, ChunkChecksum::Size, sum);
        }
        if (!inlineRow) {
            if (!file.seek(32 + at) || file.write(bytes.constData() + at, 1) != 1)
                return false;
            file.close();
        }
        QSqlQuery u(db);
        u.prepare(inlineRow ? QStringLiteral("UPDATE blobs SET sums = ?, body = ? WHERE digest = ?")
                            : QStringLiteral("UPDATE blobs SET sums = ? WHERE digest = ?"));
        u.addBindValue(sums);
        if (inlineRow)
            u.addBindValue(bytes);
        u.addBindValue(QString::fromLatin1(digest));
        return u.exec() && u.numRowsAffected() == 1;
    });
}

bool tst_CompressedTiers::damageRedis(const QString &key, bool reseal)
{
    // Chunks are "P b:<key>:<generation hex>:<index>": the payload and its u64 LE XXH64,
    // seeded with generation * 0x9E3779B97F4A7C15 ^ index (plugins/redis/redisrecord.cpp).
    const QByteArray prefix = QStringLiteral("ct%1:").arg(m_round).toUtf8();
    const QVariantList keys =
            m_redis->command({"KEYS", prefix + "b:" + key.toUtf8() + ":*"}).toList();
    if (keys.size() < 2) {
        qWarning("expected several chunks, found %lld", qint64(keys.size()));
        return false;
    }
    QByteArray chunkKey;
    for (const QVariant &k : keys) {
        if (k.toByteArray().endsWith(":1"))
            chunkKey = k.toByteArray();
    }
    const QList<QByteArray> parts = chunkKey.split(':');
    const quint64 generation = parts.value(parts.size() - 2).toULongLong(nullptr, 16);
    QByteArray sealed = m_redis->command({"GET", chunkKey}).toByteArray();
    if (sealed.size() < 100)
        return false;
    QByteArray payload = sealed.left(sealed.size() - ChunkChecksum::Size);
    payload[payload.size() / 2] = char(payload[payload.size() / 2] ^ 0x5a);
    if (reseal) {
        const quint64 sum = ChunkChecksum::compute(payload, generation * 0x9E3779B97F4A7C15ULL ^ 1);
        sealed = payload;
        sealed.resize(payload.size() + ChunkChecksum::Size);
        qToLittleEndian<quint64>(sum, sealed.data() + payload.size());
    } else {
        sealed.replace(0, payload.size(), payload);
    }
    return m_redis->command({"SET", chunkKey, sealed, "KEEPTTL"}).toByteArray() == "OK";
}

void tst_CompressedTiers::largeBodyInBoundedMemory_data()
{
    QTest::addColumn<QString>("tier");
    // The memory tier keeps what it stores in RAM by design: not a constant-memory tier.
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("redis") << QStringLiteral("redis");
    QTest::newRow("disk") << QStringLiteral("disk");
}

void tst_CompressedTiers::largeBodyInBoundedMemory()
{
    // 256 MiB of compressible JSON lines, generated by the origin as it sends them, read in
    // readyRead and dropped: the RSS may grow by far less than the body (tst_largebody's bound).
    QFETCH(QString, tier);
    const qint64 size = 256 * MiB;
    const quint32 seed = 0x256;
    const qint64 limit = 64 * MiB;
    QString tierSpec = spec(tier, QStringLiteral("zstd"));
    if (tier == QLatin1String("redis"))
        tierSpec.replace(QLatin1String("max_entry=64MiB"), QLatin1String("max_entry=512MiB"));
    QVERIFY2(m_cache->setTiers({tierSpec}),
             qPrintable(m_cache->tierErrors().join(QLatin1String("; "))));
    Response r;
    r.generatedBodySize = size;
    r.generatedText = true;
    r.seed = seed;
    r.header("Cache-Control", "max-age=3600");
    r.header("Content-Type", "application/x-ndjson");
    m_server->setRoute("/huge.ndjson", r);
    const QUrl url = m_server->url(QStringLiteral("/huge.ndjson"));

    for (const bool fromCache : {false, true}) {
        PeakRss rss;
        QElapsedTimer timer;
        timer.start();
        rss.start();
        QNetworkReply *reply = m_nam->get(QNetworkRequest(url));
        PatternReader reader(reply, seed, true);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QVERIFY(reply->isFinished() || finished.wait(240000));
        reader.drain();
        const qint64 received = reader.received();
        const qint64 firstMismatch = reader.firstMismatch();
        rss.stop();
        const bool cached = reply->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool();
        const QNetworkReply::NetworkError error = reply->error();
        delete reply;
        qInfo("%s %s: %lld MiB in %lld ms, RSS %lld MiB before, peak %lld MiB: growth %.1f MiB",
              qPrintable(tier), fromCache ? "hit" : "store", received / MiB, timer.elapsed(),
              rss.baseline() / MiB, rss.peak() / MiB, double(rss.growth()) / MiB);
        QCOMPARE(error, QNetworkReply::NoError);
        QCOMPARE(cached, fromCache);
        QCOMPARE(received, size);
        QCOMPARE(firstMismatch, qint64(-1));
        QCOMPARE(m_server->requestCount("/huge.ndjson"), 1);
        QVERIFY2(rss.growth() < limit,
                 qPrintable(QStringLiteral("RSS grew by %1 MiB").arg(rss.growth() / MiB)));
    }
    const CacheEntryInfo info = m_cache->entryInfo(url);
    QCOMPARE(info.bodySize(), size);
    qInfo("stored %lld bytes for a body of %lld", info.storedSize(), info.bodySize());
    QVERIFY(info.storedSize() * 3 < size);
}

void tst_CompressedTiers::badOptionIsAnError()
{
    for (const char *bad : {"brotli", "zstd:0", "zstd:20", "gzip:10", "none:1"}) {
        QVERIFY(!m_cache->setTiers({QStringLiteral("memory:?compress=") + QLatin1String(bad)}));
        const QString errors = m_cache->tierErrors().join(QLatin1String("; "));
        QVERIFY2(errors.contains(QLatin1String("compress=\"")), qPrintable(errors));
    }
    // The built-in disk tier reads the option the same way, and takes no other.
    for (const char *bad : {"brotli", "zstd:0", "gzip:10"}) {
        QVERIFY(!m_cache->setTiers({QStringLiteral("disk:?compress=") + QLatin1String(bad)}));
        const QString errors = m_cache->tierErrors().join(QLatin1String("; "));
        QVERIFY2(errors.contains(QLatin1String("compress=\"")), qPrintable(errors));
    }
    QVERIFY(!m_cache->setTiers({QStringLiteral("disk:?compress=zstd&max=1MiB")}));
    const QString errors = m_cache->tierErrors().join(QLatin1String("; "));
    QVERIFY2(errors.contains(QLatin1String("takes no options but compress=")), qPrintable(errors));
    QVERIFY(m_cache->setTiers({QStringLiteral("disk:?compress=zstd:19")}));
    QVERIFY(m_cache->setTiers({QStringLiteral("disk:?compress=none")}));
}

void tst_CompressedTiers::diskSharesOneBlobPerDigest_data()
{
    QTest::addColumn<QString>("first");
    QTest::addColumn<QString>("second");
    QTest::newRow("plain, then compressed") << QStringLiteral("none") << QStringLiteral("zstd");
    QTest::newRow("compressed, then plain") << QStringLiteral("zstd") << QStringLiteral("none");
    QTest::newRow("zstd, then gzip") << QStringLiteral("zstd") << QStringLiteral("gzip");
}

void tst_CompressedTiers::diskSharesOneBlobPerDigest()
{
    // The digest names the decoded body: the same body under two URLs, stored first with one
    // setting and then with another, is one blob, kept as it was first stored, and both
    // entries serve it. Sizes of both kinds of storage: an inline row and a file.
    QFETCH(QString, first);
    QFETCH(QString, second);
    for (const int records : {300, 40000}) {
        m_cache->clear();
        const QByteArray body = jsonBody(records);
        Response r = Response::ok(body);
        r.header("Content-Type", "application/json");
        const QByteArray pathA = "/a" + QByteArray::number(records) + ".json";
        const QByteArray pathB = "/b" + QByteArray::number(records) + ".json";
        m_server->setRoute(pathA, r);
        m_server->setRoute(pathB, r);
        const QUrl a = m_server->url(QString::fromLatin1(pathA));
        const QUrl b = m_server->url(QString::fromLatin1(pathB));
        QVERIFY(useTier(QStringLiteral("disk"), first));
        QVERIFY(fetch(*m_nam, a).body == body);
        const CacheEntryInfo infoA = m_cache->entryInfo(a);
        QVERIFY(useTier(QStringLiteral("disk"), second));
        QVERIFY(fetch(*m_nam, b).body == body);
        const CacheEntryInfo infoB = m_cache->entryInfo(b);
        QVERIFY(infoA.isValid() && infoB.isValid());
        QCOMPARE(infoA.digest(), infoB.digest());
        QCOMPARE(infoB.bodySize(), qint64(body.size()));
        // The second entry uses the first one's blob: the same stored bytes.
        QVERIFY2(qAbs(infoB.storedSize() - infoA.storedSize()) < 512,
                 qPrintable(QStringLiteral("stored %1 and %2 bytes")
                                    .arg(infoA.storedSize())
                                    .arg(infoB.storedSize())));
        int blobs = -1;
        int compression = -1;
        QVERIFY(withCatalogue([&](QSqlDatabase &db) {
            QSqlQuery q(db);
            if (!q.exec(QStringLiteral("SELECT count(*), max(compression) FROM blobs"))
                || !q.next())
                return false;
            blobs = q.value(0).toInt();
            compression = q.value(1).toInt();
            return true;
        }));
        QCOMPARE(blobs, 1);
        QCOMPARE(compression, first == QLatin1String("none") ? 0 : 1);
        for (const QUrl &url : {a, b}) {
            for (const auto control :
                 {QNetworkRequest::PreferNetwork, QNetworkRequest::AlwaysCache}) {
                const Fetched hit = fetch(*m_nam, url, control);
                QVERIFY(hit.fromCache);
                QVERIFY(hit.body == body);
            }
        }
        QCOMPARE(m_server->requestCount(pathA), 1);
        QCOMPARE(m_server->requestCount(pathB), 1);
        // Dropping one entry keeps the blob for the other.
        QVERIFY(m_cache->remove(a));
        const Fetched hit = fetch(*m_nam, b);
        QVERIFY(hit.fromCache);
        QVERIFY(hit.body == body);
        QCOMPARE(m_cache->verify().damaged(), 0);
    }
}

void tst_CompressedTiers::diskReopenedWithOtherSetting_data()
{
    QTest::addColumn<QString>("before");
    QTest::addColumn<QString>("after");
    QTest::newRow("zstd, then none") << QStringLiteral("zstd") << QStringLiteral("none");
    QTest::newRow("none, then gzip") << QStringLiteral("none") << QStringLiteral("gzip");
    QTest::newRow("gzip, then zstd:19") << QStringLiteral("gzip") << QStringLiteral("zstd:19");
}

void tst_CompressedTiers::diskReopenedWithOtherSetting()
{
    // Entries written with one setting are read by a cache opened on the directory with
    // another: every blob records its own codec.
    QFETCH(QString, before);
    QFETCH(QString, after);
    QVERIFY(useTier(QStringLiteral("disk"), before));
    const QList<QByteArray> bodies = {jsonBody(100), jsonBody(3000), jsonBody(50000)};
    for (int i = 0; i < bodies.size(); ++i) {
        Response r = Response::ok(bodies[i]);
        r.header("Content-Type", "application/json");
        m_server->setRoute("/" + QByteArray::number(i), r);
        QVERIFY(fetch(*m_nam, m_server->url(QStringLiteral("/%1").arg(i))).body == bodies[i]);
    }
    m_nam.reset(); // closes the cache
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_cache = new NetworkCache;
    m_cache->setCacheDirectory(cacheDirectory());
    m_cache->setMaximumCacheSize(2048 * MiB);
    m_nam->setCache(m_cache);
    QVERIFY(useTier(QStringLiteral("disk"), after));
    for (int i = 0; i < bodies.size(); ++i) {
        for (const auto control : {QNetworkRequest::PreferNetwork, QNetworkRequest::AlwaysCache}) {
            const Fetched hit = fetch(*m_nam, m_server->url(QStringLiteral("/%1").arg(i)), control);
            QCOMPARE(hit.error, QNetworkReply::NoError);
            QVERIFY(hit.fromCache);
            QVERIFY(hit.body == bodies[i]);
        }
        QCOMPARE(m_server->requestCount("/" + QByteArray::number(i)), 1);
    }
    const VerifyReport report = m_cache->verify();
    QCOMPARE(report.damaged(), 0);
    QCOMPARE(report.checked(), qint64(bodies.size()));
}

void tst_CompressedTiers::diskVerifyFindsDamagedCompressedData()
{
    // verify() decodes compressed blobs whole and checks the decoded body's SHA-256: damage
    // the chunk checksums cannot see (resealed) is found there too, and only that entry goes.
    QVERIFY(useTier(QStringLiteral("disk"), QStringLiteral("zstd")));
    const QByteArray body = jsonBody(80000);
    const QByteArray small = jsonBody(3000);
    Response r = Response::ok(body);
    r.header("Content-Type", "application/json");
    m_server->setRoute("/file.json", r);
    Response s = Response::ok(small);
    s.header("Content-Type", "application/json");
    m_server->setRoute("/inline.json", s);
    m_server->setRoute("/good.json", Response::ok(jsonBody(500)));
    const QUrl file = m_server->url(QStringLiteral("/file.json"));
    const QUrl row = m_server->url(QStringLiteral("/inline.json"));
    const QUrl good = m_server->url(QStringLiteral("/good.json"));
    for (const QUrl &url : {file, row, good})
        QVERIFY(fetch(*m_nam, url).error == QNetworkReply::NoError);
    QCOMPARE(m_cache->verify().damaged(), 0);
    QVERIFY(damageDisk(NetworkCache::cacheKey(file), true, false));
    QVERIFY(damageDisk(NetworkCache::cacheKey(row), true, true));
    const VerifyReport report = m_cache->verify();
    QCOMPARE(report.damaged(), 2);
    QCOMPARE(report.removedEntries(), 2);
    QVERIFY(!m_cache->entryInfo(file).isValid());
    QVERIFY(!m_cache->entryInfo(row).isValid());
    QVERIFY(m_cache->entryInfo(good).isValid());
    QVERIFY(fetch(*m_nam, file).body == body);
    QCOMPARE(m_server->requestCount("/file.json"), 2);
}

void tst_CompressedTiers::diskBudgetCountsStoredBytes()
{
    // The directory's budget counts what is stored: 30 different JSON bodies of 128 KiB
    // (3.75 MiB) fit in 2 MiB compressed, and only part of them stored as they are. Both
    // ways the directory stays within the budget.
    for (const QString &compress : {QStringLiteral("zstd"), QStringLiteral("none")}) {
        m_cache->setMaximumCacheSize(2 * MiB);
        QVERIFY(useTier(QStringLiteral("disk"), compress));
        m_cache->clear();
        QList<QUrl> urls;
        for (int i = 0; i < 30; ++i) {
            // Each body different (its own records), about 128 KiB.
            QByteArray body = "[";
            for (int r = 0; body.size() < 128 * 1024; ++r)
                body += "{\"set\":" + QByteArray::number(i) + ",\"id\":" + QByteArray::number(r)
                        + ",\"name\":\"item\"},";
            body.back() = ']';
            const QByteArray path = "/budget/" + compress.toLatin1() + "/" + QByteArray::number(i);
            Response r = Response::ok(body);
            r.header("Content-Type", "application/json");
            m_server->setRoute(path, r);
            urls.append(m_server->url(QString::fromLatin1(path)));
            QVERIFY(fetch(*m_nam, urls.last()).body == body);
            QVERIFY2(m_cache->cacheSize() <= 2 * MiB,
                     qPrintable(QString::number(m_cache->cacheSize())));
        }
        QTRY_VERIFY(m_cache->cacheSize() <= 2 * MiB);
        int kept = 0;
        for (const QUrl &url : std::as_const(urls))
            kept += m_cache->entryInfo(url).isValid() ? 1 : 0;
        qInfo("compress=%s: %d of 30 entries kept, %lld bytes", qPrintable(compress), kept,
              m_cache->cacheSize());
        if (compress == QLatin1String("zstd"))
            QCOMPARE(kept, 30);
        else
            QVERIFY2(kept < 16, qPrintable(QString::number(kept)));
    }
}

QTEST_GUILESS_MAIN(tst_CompressedTiers)
#include "tst_compressedtiers.moc"
