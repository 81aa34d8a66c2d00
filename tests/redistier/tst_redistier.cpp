// SPDX-License-Identifier: MIT
// The redis tier plugin against a real redis-server: the Tier contract directly, faults
// (killed, paused, restarted server) through a real QNetworkAccessManager, and two processes
// sharing entries.

#include "../auto/cachetestutil.h"

#include <damagedentry.h>
#include <tierread.h>

#include <redisserver.h>

#include <tiercache/networkcache.h>
#include <tiercache/tierloader.h>

#include <QtCore/QDataStream>
#include <QtCore/QElapsedTimer>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtCore/QtEndian>
#include <QtNetwork/QTcpServer>
#include <QtTest/QTest>

#include <algorithm>

using namespace tiercache;
using namespace tiercache::test;

namespace {

const char ChildEnv[] = "TIERCACHE_REDIS_CHILD";

QNetworkCacheMetaData makeMeta(const QString &url, qint64 freshSeconds,
                               const QByteArray &etag = "\"v1\"")
{
    QNetworkCacheMetaData md;
    md.setUrl(QUrl(url));
    md.setRawHeaders({{"Content-Type", "application/octet-stream"}, {"ETag", etag}});
    md.setExpirationDate(QDateTime::currentDateTimeUtc().addSecs(freshSeconds));
    md.setSaveToDisk(true);
    return md;
}

bool put(Tier &tier, const QString &key, const QByteArray &body, qint64 freshSeconds = 3600,
         qint64 piece = 64 * 1024)
{
    const QNetworkCacheMetaData md = makeMeta(key, freshSeconds);
    auto writer = tier.beginWrite(key, md, body.size());
    if (!writer)
        return false;
    for (qint64 at = 0; at < body.size(); at += piece) {
        if (!writer->write(body.constData() + at, qMin(piece, body.size() - at)))
            return false;
    }
    return writer->commit(md, {});
}

QByteArray bodyFor(const QByteArray &path, int size = 3000)
{
    QByteArray body;
    while (body.size() < size)
        body += path + ' ';
    body.truncate(size);
    return body;
}

// A reply that never finishes: a body device parented to it streams as under QNAM's normal
// path (one chunk at a time) instead of serving a synchronous reader.
class PendingReply : public QNetworkReply
{
public:
    PendingReply() { open(QIODevice::ReadOnly); }
    void abort() override { }

protected:
    qint64 readData(char *, qint64) override { return -1; }
};

// A descriptor field in the tier's format (see plugins/redis/redisrecord.h), any values.
QByteArray descriptorBytes(qint64 bodySize, qint64 chunkSize, qint64 chunkCount, quint64 generation,
                           qint64 cost)
{
    QByteArray h(48, '\0');
    char *p = h.data();
    qToLittleEndian<quint32>(0x54435248, p);
    qToLittleEndian<quint32>(2, p + 4);
    qToLittleEndian<qint64>(bodySize, p + 8);
    qToLittleEndian<qint64>(chunkSize, p + 16);
    qToLittleEndian<qint64>(chunkCount, p + 24);
    qToLittleEndian<quint64>(generation, p + 32);
    qToLittleEndian<qint64>(cost, p + 40);
    return h;
}

quint16 unusedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

qint64 percentile(std::vector<qint64> values, double p)
{
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, size_t(p * double(values.size())))];
}

} // namespace

class tst_RedisTier : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void roundTrip();
    void largeBodyIsStreamedInChunks();
    void missingChunkEndsTheStream();
    void removeDeletesMetaAndChunks();
    void updateMetaDataKeepsBody();
    void enumerateListsOurEntries();
    void clearTouchesOnlyOurPrefix();
    void ttlFollowsFreshness();
    void maxEntryIsRefused();
    void badSpecs_data();
    void badSpecs();
    void wrongPasswordIsReportedWithoutThePassword();
    void unreachableServerMissesFast();
    void killedServerNeverFailsRequests();
    void pausedServerCostsOnlyTheTimeout();
    void restartedServerIsUsedAgain();
    void serverLostMidBodyAbortsTheReply();
    void entriesAreSharedAcrossProcesses();
    void hitLatency();
    void hostileRecordsAreMisses_data();
    void hostileRecordsAreMisses();
    void readOnlySendsNoWrite();

private:
    QString spec(const QString &prefix, const QString &extra = {}, quint16 port = 0) const;
    std::unique_ptr<Tier> create(const QString &specText);

    std::unique_ptr<RedisServer> m_redis;
    TierLoader m_loader;
};

QString tst_RedisTier::spec(const QString &prefix, const QString &extra, quint16 port) const
{
    QString s = QStringLiteral("redis://127.0.0.1:%1/0?prefix=%2&timeout_ms=200")
                        .arg(port ? port : m_redis->port())
                        .arg(prefix);
    if (!extra.isEmpty())
        s += QLatin1Char('&') + extra;
    return s;
}

std::unique_ptr<Tier> tst_RedisTier::create(const QString &specText)
{
    QString error;
    auto tier = m_loader.create(specText, &error);
    if (!tier)
        qWarning().noquote() << error;
    return tier;
}

void tst_RedisTier::initTestCase()
{
    m_redis = std::make_unique<RedisServer>();
    TIERCACHE_START_REDIS(*m_redis);
    bool found = false;
    for (const TierPluginInfo &info : m_loader.plugins())
        found = found || (info.id() == QLatin1String("redis") && info.isUsable());
    QVERIFY2(found, "the redis plugin is not on TIERCACHE_PLUGIN_PATH");
}

void tst_RedisTier::cleanupTestCase()
{
    m_redis.reset();
}

void tst_RedisTier::roundTrip()
{
    auto tier = create(spec(QStringLiteral("rt:")));
    QVERIFY(tier);
    QCOMPARE(tier->name(), QStringLiteral("redis"));
    QVERIFY(tier->capabilities().testFlag(Tier::Capability::Persistent));
    QVERIFY(tier->capabilities().testFlag(Tier::Capability::Shared));
    const QString key = QStringLiteral("http://example.org/a?b=c");
    QVERIFY(!tier->lookup(key));
    QVERIFY(put(*tier, key, "hello redis"));
    const std::unique_ptr<TierEntry> entry = tier->lookup(key);
    QVERIFY(entry);
    const TierRecord r = entry->record();
    QVERIFY(r.isValid());
    QCOMPARE(r.key(), key);
    QCOMPARE(r.bodySize(), 11);
    QVERIFY(!r.version().isEmpty()); // a generation: conditional updates can be honoured
    QCOMPARE(r.metaData().url(), QUrl(key));
    QCOMPARE(r.metaData().rawHeaders(), makeMeta(key, 0).rawHeaders());
    QVERIFY(qAbs(r.metaData().expirationDate().secsTo(
                    QDateTime::currentDateTimeUtc().addSecs(3600)))
            < 5);
    std::unique_ptr<QIODevice> body(entry->openBody());
    QVERIFY(body);
    QVERIFY(body->bytesAvailable() > 0);
    QCOMPARE(drain(body.get()), QByteArray("hello redis"));
    // A replacement: a new lookup gets the new body; the old handle its own version or nothing.
    QVERIFY(put(*tier, key, "second"));
    const std::unique_ptr<TierEntry> second = tier->lookup(key);
    QVERIFY(second);
    QVERIFY(second->record().version() != r.version());
    body.reset(second->openBody());
    QVERIFY(body);
    QCOMPARE(drain(body.get()), QByteArray("second"));
    body.reset(entry->openBody());
    if (body)
        QCOMPARE(drain(body.get()), QByteArray("hello redis"));
    QVERIFY(tier->size() > 0);
    // An empty body is an entry too.
    QVERIFY(put(*tier, QStringLiteral("http://example.org/empty"), QByteArray()));
    const std::unique_ptr<TierEntry> empty =
            tier->lookup(QStringLiteral("http://example.org/empty"));
    QVERIFY(empty);
    QCOMPARE(empty->record().bodySize(), 0);
    QVERIFY(tier->errorString().isEmpty());
    tier->clear();
}

void tst_RedisTier::largeBodyIsStreamedInChunks()
{
    auto tier = create(spec(QStringLiteral("lb:"), QStringLiteral("chunk=256KiB")));
    QVERIFY(tier);
    const QString key = QStringLiteral("http://example.org/big");
    const QByteArray body = LoopbackServer::patternBody(0, 5 * 1024 * 1024, 7);
    QVERIFY(put(*tier, key, body, 3600, 10000));
    const QVariantList chunks = m_redis->command({"KEYS", "lb:b:*"}).toList();
    QCOMPARE(chunks.size(), 20);
    const std::unique_ptr<TierEntry> entry = tier->lookup(key);
    QVERIFY(entry);
    QCOMPARE(entry->record().bodySize(), body.size());
    PendingReply reply; // QNAM's streaming path: one chunk at a time
    std::unique_ptr<QIODevice> device(entry->openBody());
    QVERIFY(device);
    QVERIFY(device->isSequential());
    QCOMPARE(device->bytesAvailable(), body.size()); // a synchronous reader is promised all
    device->setParent(&reply);
    qint64 maxWindow = 0;
    const QByteArray read = drain(device.get(), &maxWindow);
    QCOMPARE(read.size(), body.size());
    QVERIFY(read == body);
    QVERIFY2(maxWindow <= 256 * 1024, qPrintable(QString::number(maxWindow)));
    // A synchronous reader (QNAM's AlwaysCache path) gets it all, chunk by verified chunk.
    device.reset(openBody(*tier, key));
    QVERIFY(device);
    QVERIFY(device->readAll() == body);
    // Replacing it drops the old generation's chunks.
    QVERIFY(put(*tier, key, body.left(300 * 1024)));
    QCOMPARE(m_redis->command({"KEYS", "lb:b:*"}).toList().size(), 2);
    tier->clear();
}

void tst_RedisTier::missingChunkEndsTheStream()
{
    auto tier = create(spec(QStringLiteral("mc:"), QStringLiteral("chunk=64KiB")));
    QVERIFY(tier);
    const QString key = QStringLiteral("http://example.org/holey");
    const QByteArray body = LoopbackServer::patternBody(0, 640 * 1024, 3);
    QVERIFY(put(*tier, key, body));
    const QVariantList chunks = m_redis->command({"KEYS", "mc:b:*:3"}).toList();
    QCOMPARE(chunks.size(), 1);
    QCOMPARE(m_redis->command({"DEL", chunks.first().toByteArray()}).toLongLong(), 1);
    const std::unique_ptr<TierEntry> entry = tier->lookup(key);
    QVERIFY(entry);
    std::unique_ptr<QIODevice> device(entry->openBody());
    QVERIFY(device);
    QTest::ignoreMessage(
            QtWarningMsg,
            QRegularExpression(QStringLiteral("failed at byte 196608.*chunk 3 of 10 is gone")));
    const QByteArray read = drain(device.get(), nullptr, 3000);
    QCOMPARE(read.size(), 3 * 64 * 1024); // stopped after the last good chunk
    QVERIFY(read == body.left(read.size()));
    QVERIFY(device->atEnd());
    QCOMPARE(device->read(1), QByteArray()); // 0, never -1: no false end of file
    QVERIFY(device->errorString().contains(QLatin1String("chunk 3")));
    // The useless entry is gone; corrupt chunks are caught the same way.
    QVERIFY(!tier->lookup(key));
    QVERIFY(put(*tier, key, body));
    const QByteArray chunk0 = m_redis->command({"KEYS", "mc:b:*:0"}).toList().first().toByteArray();
    QByteArray sealed = m_redis->command({"GET", chunk0}).toByteArray();
    sealed[100] = char(sealed[100] ^ 1);
    m_redis->command({"SET", chunk0, sealed});
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral(
                                 "dropping damaged entry.*checksum mismatch in chunk 0")));
    // Found at the lookup (a miss) or when the body is opened (nullptr): never a device.
    if (const std::unique_ptr<TierEntry> damaged = tier->lookup(key)) {
        std::unique_ptr<QIODevice> none(damaged->openBody());
        QVERIFY(!none);
    }
    QVERIFY(!tier->lookup(key));
    tier->clear();
}

void tst_RedisTier::removeDeletesMetaAndChunks()
{
    auto tier = create(spec(QStringLiteral("rm:"), QStringLiteral("chunk=4KiB&inline=1KiB")));
    QVERIFY(tier);
    const QString key = QStringLiteral("http://example.org/rm");
    QVERIFY(put(*tier, key, QByteArray(10000, 'x')));
    QCOMPARE(m_redis->command({"KEYS", "rm:b:*"}).toList().size(), 3);
    const qint64 before = tier->size();
    QVERIFY(before > 10000);
    QVERIFY(tier->remove(key));
    QVERIFY(!tier->lookup(key));
    QCOMPARE(m_redis->command({"KEYS", "rm:b:*"}).toList().size(), 0);
    QCOMPARE(tier->size(), 0);
    QVERIFY(!tier->remove(key));
    tier->clear();
}

void tst_RedisTier::updateMetaDataKeepsBody()
{
    auto tier =
            create(spec(QStringLiteral("up:"), QStringLiteral("chunk=4KiB&inline=0&stale_ttl=60")));
    QVERIFY(tier);
    const QString key = QStringLiteral("http://example.org/up");
    const QByteArray body = LoopbackServer::patternBody(0, 9000, 1);
    QVERIFY(put(*tier, key, body, 10));
    QNetworkCacheMetaData md = makeMeta(key, 7200, "\"v2\"");
    QVERIFY(tier->updateMetaData(key, md));
    const std::unique_ptr<TierEntry> entry = tier->lookup(key);
    QVERIFY(entry);
    const TierRecord r = entry->record();
    QVERIFY(r.isValid());
    QCOMPARE(r.bodySize(), body.size());
    bool sawV2 = false;
    for (const auto &h : r.metaData().rawHeaders())
        sawV2 = sawV2 || (h.first == "ETag" && h.second == "\"v2\"");
    QVERIFY(sawV2);
    std::unique_ptr<QIODevice> device(entry->openBody());
    QVERIFY(device);
    QVERIFY(drain(device.get()) == body);
    // The TTLs moved with the new freshness (meta and chunks).
    const qint64 pttl = m_redis->command({"PTTL", "up:m:" + key.toUtf8()}).toLongLong();
    QVERIFY2(qAbs(pttl - (7200 + 60) * 1000) < 5000, qPrintable(QString::number(pttl)));
    const QByteArray chunk = m_redis->command({"KEYS", "up:b:*:0"}).toList().first().toByteArray();
    QVERIFY(m_redis->command({"PTTL", chunk}).toLongLong() > (7200 + 60) * 1000);
    QVERIFY(!tier->updateMetaData(QStringLiteral("http://example.org/none"), md));
    QCOMPARE(m_redis->command({"EXISTS", "up:m:http://example.org/none"}).toLongLong(), 0);
    tier->clear();
}

void tst_RedisTier::enumerateListsOurEntries()
{
    auto tier = create(spec(QStringLiteral("en:")));
    auto other = create(spec(QStringLiteral("en2:")));
    QVERIFY(tier && other);
    QHash<QString, qint64> expected;
    for (int i = 0; i < 25; ++i) {
        const QString key = QStringLiteral("http://example.org/e/%1").arg(i);
        expected.insert(key, 100 + i);
        QVERIFY(put(*tier, key, QByteArray(100 + i, 'e')));
    }
    QVERIFY(put(*other, QStringLiteral("http://example.org/other"), "x"));
    QHash<QString, qint64> seen;
    tier->enumerate([&](const TierRecord &r) {
        seen.insert(r.key(), r.bodySize());
        return r.metaData().url() == QUrl(r.key());
    });
    QCOMPARE(seen, expected);
    int visited = 0;
    tier->enumerate([&](const TierRecord &) { return ++visited < 3; });
    QCOMPARE(visited, 3);
    tier->clear();
    other->clear();
}

void tst_RedisTier::clearTouchesOnlyOurPrefix()
{
    auto tier = create(spec(QStringLiteral("cl:"), QStringLiteral("chunk=4KiB&inline=0")));
    QVERIFY(tier);
    for (int i = 0; i < 50; ++i)
        QVERIFY(put(*tier, QStringLiteral("http://example.org/c/%1").arg(i),
                    QByteArray(5000, 'c')));
    QCOMPARE(m_redis->command({"SET", "foreign:key", "keep me"}).toByteArray(), QByteArray("OK"));
    QCOMPARE(m_redis->command({"SET", "cl", "no colon, not ours"}).toByteArray(), QByteArray("OK"));
    QCOMPARE(m_redis->command({"SET", "clx:m:y", "similar, not ours"}).toByteArray(),
             QByteArray("OK"));
    QVERIFY(tier->size() > 50 * 5000);
    tier->clear();
    int left = 0;
    tier->enumerate([&](const TierRecord &) { return ++left > 0; });
    QCOMPARE(left, 0);
    QCOMPARE(tier->size(), 0);
    QCOMPARE(m_redis->command({"KEYS", "cl:*"}).toList().size(), 0);
    QCOMPARE(m_redis->command({"GET", "foreign:key"}).toByteArray(), QByteArray("keep me"));
    QCOMPARE(m_redis->command({"EXISTS", "cl", "clx:m:y"}).toLongLong(), 2);
    m_redis->command({"DEL", "foreign:key", "cl", "clx:m:y"});
}

void tst_RedisTier::ttlFollowsFreshness()
{
    auto tier = create(
            spec(QStringLiteral("ttl:"), QStringLiteral("stale_ttl=1h&chunk=4KiB&inline=0")));
    QVERIFY(tier);
    const QString fresh = QStringLiteral("http://example.org/fresh");
    QVERIFY(put(*tier, fresh, QByteArray(6000, 'f'), 600));
    qint64 pttl = m_redis->command({"PTTL", "ttl:m:" + fresh.toUtf8()}).toLongLong();
    QVERIFY2(pttl > 0 && qAbs(pttl - (600 + 3600) * 1000) < 5000,
             qPrintable(QString::number(pttl)));
    const QVariantList chunks = m_redis->command({"KEYS", "ttl:b:*"}).toList();
    QCOMPARE(chunks.size(), 2);
    for (const QVariant &c : chunks) {
        const qint64 chunkTtl = m_redis->command({"PTTL", c.toByteArray()}).toLongLong();
        QVERIFY2(chunkTtl >= pttl, "chunks must outlive their metadata");
    }
    // Already stale: kept for the grace period only, never a negative TTL.
    const QString stale = QStringLiteral("http://example.org/stale");
    QVERIFY(put(*tier, stale, "s", -3600 * 24 * 30));
    pttl = m_redis->command({"PTTL", "ttl:m:" + stale.toUtf8()}).toLongLong();
    QVERIFY2(pttl > 0 && qAbs(pttl - 3600 * 1000) < 5000, qPrintable(QString::number(pttl)));
    tier->clear();
}

void tst_RedisTier::maxEntryIsRefused()
{
    auto tier = create(spec(QStringLiteral("mx:"), QStringLiteral("max_entry=1KiB")));
    QVERIFY(tier);
    QCOMPARE(tier->maxEntrySize(), 1024);
    const QString key = QStringLiteral("http://example.org/large");
    QVERIFY(!tier->beginWrite(key, makeMeta(key, 60), 2048));
    auto writer = tier->beginWrite(key, makeMeta(key, 60), -1);
    QVERIFY(writer);
    QVERIFY(writer->write(QByteArray(1000, 'a').constData(), 1000));
    QVERIFY(!writer->write(QByteArray(100, 'a').constData(), 100));
    QVERIFY(writer->errorString().contains(QLatin1String("max_entry")));
    QVERIFY(!writer->commit(makeMeta(key, 60), {}));
    writer.reset();
    QVERIFY(!tier->lookup(key));
    QCOMPARE(m_redis->command({"KEYS", "mx:*"}).toList().size(), 0);
    // A writer dropped without commit leaves nothing either.
    auto abandoned = tier->beginWrite(key, makeMeta(key, 60), 500);
    QVERIFY(abandoned && abandoned->write("abc", 3));
    abandoned.reset();
    QCOMPARE(m_redis->command({"KEYS", "mx:*"}).toList().size(), 0);
}

void tst_RedisTier::badSpecs_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("message");
    QTest::newRow("port out of range") << "redis://127.0.0.1:99999/0"
                                       << "port";
    QTest::newRow("port zero") << "redis://127.0.0.1:0/0"
                               << "port 0 is not usable";
    QTest::newRow("unknown option") << "redis://127.0.0.1:6379/0?colour=blue"
                                    << "unknown option \"colour\"";
    QTest::newRow("timeout not a number") << "redis://127.0.0.1:6379/0?timeout_ms=fast"
                                          << "timeout_ms=\"fast\" is not a whole number";
    QTest::newRow("timeout zero") << "redis://127.0.0.1:6379/0?timeout_ms=0"
                                  << "timeout_ms=\"0\" is not a whole number from 1";
    QTest::newRow("bad db") << "redis://127.0.0.1:6379/zero"
                            << "database \"zero\"";
    QTest::newRow("tiny chunk") << "redis://127.0.0.1:6379/0?chunk=12"
                                << "chunk=\"12\" is not a size";
    QTest::newRow("inline over chunk") << "redis://127.0.0.1:6379/0?chunk=8KiB&inline=1MiB"
                                       << "inline=\"1MiB\"";
    QTest::newRow("bad stale_ttl") << "redis://127.0.0.1:6379/0?stale_ttl=forever"
                                   << "stale_ttl=\"forever\"";
    QTest::newRow("empty prefix") << "redis://127.0.0.1:6379/0?prefix="
                                  << "prefix must not be empty";
}

void tst_RedisTier::badSpecs()
{
    QFETCH(QString, spec);
    QFETCH(QString, message);
    QString error;
    QElapsedTimer clock;
    clock.start();
    QVERIFY(!m_loader.create(spec, &error));
    QVERIFY2(error.contains(message), qPrintable(error));
    QVERIFY(clock.elapsed() < 1000); // refused before any connection attempt
}

void tst_RedisTier::wrongPasswordIsReportedWithoutThePassword()
{
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("authentication failed")));
    auto tier = create(spec(QStringLiteral("pw:"), QStringLiteral("password=hunter2")));
    QVERIFY(tier);
    QVERIFY(!tier->lookup(QStringLiteral("http://example.org/x")));
    QVERIFY2(tier->errorString().contains(QLatin1String("authentication failed")),
             qPrintable(tier->errorString()));
    QVERIFY2(!tier->errorString().contains(QLatin1String("hunter2")),
             qPrintable(tier->errorString()));
}

void tst_RedisTier::unreachableServerMissesFast()
{
    const quint16 port = unusedPort();
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("connection refused; retrying in 2 s")));
    QElapsedTimer clock;
    clock.start();
    auto tier = create(QStringLiteral("redis://127.0.0.1:%1/0?prefix=un:&timeout_ms=50").arg(port));
    QVERIFY2(tier, "an unreachable server must not fail creation");
    QVERIFY(clock.elapsed() < 500);
    const QString expected =
            QStringLiteral("redis 127.0.0.1:%1: connection refused; retrying in 2 s").arg(port);
    QCOMPARE(tier->errorString(), expected);
    qint64 worst = 0;
    for (int i = 0; i < 50; ++i) {
        clock.restart();
        QVERIFY(!tier->lookup(QStringLiteral("http://example.org/%1").arg(i)));
        worst = qMax(worst, clock.elapsed());
    }
    QVERIFY2(worst < 200, qPrintable(QString::number(worst)));
    QVERIFY(!tier->beginWrite(QStringLiteral("http://example.org/w"),
                              makeMeta(QStringLiteral("http://example.org/w"), 60), 10));
    QVERIFY(!tier->remove(QStringLiteral("http://example.org/w")));
    QCOMPARE(tier->size(), 0);
    QCOMPARE(tier->errorString(), expected);
    qInfo("unreachable: 50 x lookup, worst %lld ms", worst);
}

// (a) Redis SIGKILLed mid-run: every request completes, right body, within ~1 s.
void tst_RedisTier::killedServerNeverFailsRequests()
{
    RedisServer redis;
    TIERCACHE_START_REDIS(redis);
    QTemporaryDir dir;
    LoopbackServer origin;
    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    cache->setCacheDirectory(dir.path());
    nam.setCache(cache);
    QVERIFY2(cache->setTiers({QStringLiteral("memory:?max=4MiB"), QStringLiteral("disk:"),
                              QStringLiteral("redis://127.0.0.1:%1/0?prefix=t:&timeout_ms=50")
                                      .arg(redis.port())}),
             qPrintable(cache->tierErrors().join(QLatin1Char('\n'))));
    origin.setHandler([](const RecordedRequest &r) { return Response::ok(bodyFor(r.path)); });
    QTest::ignoreMessage(
            QtWarningMsg,
            QRegularExpression(QStringLiteral("redis 127.0.0.1:\\d+: .*retrying in 2 s")));
    qint64 worst = 0;
    for (int i = 0; i < 30; ++i) {
        if (i == 10) {
            QCOMPARE(
                    redis.command({"EXISTS",
                                   "t:m:" + origin.url(QStringLiteral("/k/9")).toString().toUtf8()})
                            .toLongLong(),
                    1);
            redis.kill();
        }
        const QByteArray path = "/k/" + QByteArray::number(i);
        QElapsedTimer clock;
        clock.start();
        const Fetched f = fetch(nam, origin.url(QString::fromLatin1(path)),
                                QNetworkRequest::PreferNetwork, 5000);
        const qint64 ms = clock.elapsed();
        worst = qMax(worst, ms);
        QVERIFY(f.finished);
        QCOMPARE(f.error, QNetworkReply::NoError);
        QCOMPARE(f.body, bodyFor(path));
        QVERIFY2(ms < 1000, qPrintable(QStringLiteral("request %1 took %2 ms").arg(i).arg(ms)));
    }
    // Everything is still served from the tiers that are alive.
    for (int i = 0; i < 30; ++i) {
        const QByteArray path = "/k/" + QByteArray::number(i);
        QElapsedTimer clock;
        clock.start();
        const Fetched f = fetch(nam, origin.url(QString::fromLatin1(path)),
                                QNetworkRequest::PreferCache, 5000);
        worst = qMax(worst, clock.elapsed());
        QVERIFY(f.fromCache);
        QCOMPARE(f.body, bodyFor(path));
    }
    QCOMPARE(origin.requestCount(), 30);
    const auto stats = cache->tierStatistics();
    QCOMPARE(stats.size(), 3);
    QCOMPARE(stats[2].writes(), 10);
    qInfo("killed: worst request %lld ms; redis tier writes %lld, write failures %lld", worst,
          stats[2].writes(), stats[2].writeFailures());
}

// (b) Redis SIGSTOPped: requests pay at most one command timeout, then the breaker holds.
void tst_RedisTier::pausedServerCostsOnlyTheTimeout()
{
    RedisServer redis;
    TIERCACHE_START_REDIS(redis);
    QTemporaryDir dir;
    LoopbackServer origin;
    origin.setHandler(
            [](const RecordedRequest &r) { return Response::ok(bodyFor(r.path, 20000)); });
    const QString redisSpec =
            QStringLiteral("redis://127.0.0.1:%1/0?prefix=t:&timeout_ms=50&breaker_ms=300")
                    .arg(redis.port());

    // Seed a few entries into Redis only, through another cache, so the chain's Redis tier
    // really serves hits before the pause.
    {
        QNetworkAccessManager seedNam;
        auto *seed = new NetworkCache;
        seedNam.setCache(seed);
        QVERIFY(seed->setTiers({redisSpec}));
        for (int i = 0; i < 5; ++i)
            QCOMPARE(fetch(seedNam, origin.url(QStringLiteral("/r/%1").arg(i))).error,
                     QNetworkReply::NoError);
    }
    QCOMPARE(origin.requestCount(), 5);

    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    cache->setCacheDirectory(dir.path());
    nam.setCache(cache);
    QVERIFY(cache->setTiers(
            {QStringLiteral("memory:?max=4MiB"), QStringLiteral("disk:"), redisSpec}));
    for (int i = 0; i < 3; ++i) {
        const QByteArray path = "/r/" + QByteArray::number(i);
        const Fetched f = fetch(nam, origin.url(QString::fromLatin1(path)));
        QVERIFY(f.fromCache);
        QCOMPARE(f.body, bodyFor(path, 20000));
    }
    QCOMPARE(origin.requestCount(), 5);
    QCOMPARE(cache->tierStatistics()[2].hits(), 3);

    QTest::ignoreMessage(
            QtWarningMsg,
            QRegularExpression(QStringLiteral(
                    "redis 127.0.0.1:\\d+: timed out after 50 ms; retrying in 300 ms")));
    redis.pause();
    qint64 worst = 0;
    QList<qint64> times;
    QElapsedTimer total;
    total.start();
    for (int i = 0; i < 25; ++i) {
        // Alternate: new URLs, and URLs that only the (paused) Redis holds.
        const QByteArray path =
                i % 2 ? "/r/" + QByteArray::number(3 + (i / 2) % 2) : "/p/" + QByteArray::number(i);
        QElapsedTimer clock;
        clock.start();
        const Fetched f = fetch(nam, origin.url(QString::fromLatin1(path)),
                                QNetworkRequest::PreferNetwork, 5000);
        const qint64 ms = clock.elapsed();
        times.append(ms);
        worst = qMax(worst, ms);
        QVERIFY(f.finished);
        QCOMPARE(f.error, QNetworkReply::NoError);
        QCOMPARE(f.body, bodyFor(path, 20000));
        QVERIFY2(ms < 2000, qPrintable(QStringLiteral("request %1 took %2 ms").arg(i).arg(ms)));
        QTest::qWait(20); // let the breaker's half-open probes happen during the run
    }
    redis.resume();
    QVERIFY(redis.ping(1000));
    qInfo() << "paused: per-request ms" << times << "worst" << worst << "total" << total.elapsed();
}

// (c) Redis restarted: after breaker_ms the tier reconnects and new writes land again.
void tst_RedisTier::restartedServerIsUsedAgain()
{
    RedisServer redis;
    TIERCACHE_START_REDIS(redis);
    QTemporaryDir dir;
    LoopbackServer origin;
    origin.setHandler([](const RecordedRequest &r) { return Response::ok(bodyFor(r.path)); });
    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    cache->setCacheDirectory(dir.path());
    nam.setCache(cache);
    QVERIFY(cache->setTiers(
            {QStringLiteral("memory:?max=4MiB"), QStringLiteral("disk:"),
             QStringLiteral("redis://127.0.0.1:%1/0?prefix=t:&timeout_ms=50&breaker_ms=500")
                     .arg(redis.port())}));
    auto inRedis = [&](const QByteArray &path) {
        return redis.command({"EXISTS",
                              "t:m:" + origin.url(QString::fromLatin1(path)).toString().toUtf8()})
                       .toLongLong()
                == 1;
    };
    QCOMPARE(fetch(nam, origin.url(QStringLiteral("/c/0"))).body, bodyFor("/c/0"));
    QVERIFY(inRedis("/c/0"));

    QTest::ignoreMessage(
            QtWarningMsg,
            QRegularExpression(QStringLiteral("redis 127.0.0.1:\\d+: .*retrying in 500 ms")));
    redis.stop();
    QElapsedTimer down;
    down.start();
    for (int i = 1; i <= 3; ++i) {
        const QByteArray path = "/c/" + QByteArray::number(i);
        QElapsedTimer clock;
        clock.start();
        QCOMPARE(fetch(nam, origin.url(QString::fromLatin1(path))).body, bodyFor(path));
        QVERIFY(clock.elapsed() < 1000);
    }
    QVERIFY(redis.restart());
    QVERIFY(!inRedis("/c/0")); // a fresh, empty server
    QTest::qWait(int(qMax<qint64>(0, 600 - down.elapsed())));
    QElapsedTimer recovery;
    recovery.start();
    QCOMPARE(fetch(nam, origin.url(QStringLiteral("/c/4"))).body, bodyFor("/c/4"));
    QVERIFY2(inRedis("/c/4"), "the first write after breaker_ms must reach the restarted server");
    qInfo("restarted: down %lld ms; the first request after breaker_ms took %lld ms and was stored "
          "in Redis",
          down.elapsed(), recovery.elapsed());
    // The tier's own view: the error explains the outage, and clears once Redis answers.
    auto tier =
            create(QStringLiteral("redis://127.0.0.1:%1/0?prefix=t:&timeout_ms=50&breaker_ms=300")
                           .arg(redis.port()));
    QVERIFY(tier && tier->lookup(origin.url(QStringLiteral("/c/4")).toString()));
    QTest::ignoreMessage(
            QtWarningMsg,
            QRegularExpression(QStringLiteral("redis 127.0.0.1:\\d+: .*retrying in 300 ms")));
    redis.stop();
    QVERIFY(!tier->lookup(origin.url(QStringLiteral("/c/4")).toString()));
    QVERIFY2(tier->errorString().contains(QLatin1String("retrying in 300 ms")),
             qPrintable(tier->errorString()));
    QVERIFY(redis.restart());
    QTRY_VERIFY_WITH_TIMEOUT(put(*tier, QStringLiteral("http://example.org/back"), "back"), 2000);
    QVERIFY2(tier->errorString().isEmpty(), qPrintable(tier->errorString()));
    QCOMPARE(redis.command({"EXISTS", "t:m:http://example.org/back"}).toLongLong(), 1);
    QVERIFY(put(*tier, origin.url(QStringLiteral("/c/4")).toString(), bodyFor("/c/4")));
    // And it serves from Redis again (a fresh chain with only Redis).
    QNetworkAccessManager other;
    auto *redisOnly = new NetworkCache;
    other.setCache(redisOnly);
    QVERIFY(redisOnly->setTiers(
            {QStringLiteral("redis://127.0.0.1:%1/0?prefix=t:").arg(redis.port())}));
    const Fetched f = fetch(other, origin.url(QStringLiteral("/c/4")));
    QVERIFY(f.fromCache);
    QCOMPARE(f.body, bodyFor("/c/4"));
    QCOMPARE(origin.requestCount("/c/4"), 1);
}

// A body streamed from Redis whose server dies half way: the reply is aborted (no silent
// truncation, no hang), and the next request goes to the origin.
void tst_RedisTier::serverLostMidBodyAbortsTheReply()
{
    RedisServer redis;
    TIERCACHE_START_REDIS(redis);
    LoopbackServer origin;
    constexpr int Size = 4 * 1024 * 1024;
    Response big;
    big.generatedBodySize = Size;
    big.header("Cache-Control", "max-age=3600");
    origin.setRoute("/big", big);
    const QUrl url = origin.url(QStringLiteral("/big"));
    const QString redisSpec =
            QStringLiteral("redis://127.0.0.1:%1/0?prefix=t:&timeout_ms=50&chunk=64KiB")
                    .arg(redis.port());
    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    nam.setCache(cache);
    QVERIFY(cache->setTiers({redisSpec}));
    QCOMPARE(fetch(nam, url).body.size(), Size);
    QCOMPARE(origin.requestCount(), 1);

    QTest::ignoreMessage(
            QtWarningMsg,
            QRegularExpression(QStringLiteral("redis 127.0.0.1:\\d+: .*retrying in 2 s")));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("redis body of .* failed at byte")));
    QNetworkRequest request(url);
    QNetworkReply *reply = nam.get(request);
    QByteArray received;
    QObject::connect(reply, &QIODevice::readyRead, reply, [&] {
        received += reply->readAll();
        if (redis.isRunning())
            redis.kill();
    });
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(finished.wait(5000));
    if (reply->isOpen())
        received += reply->readAll();
    QVERIFY(reply->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool());
    QCOMPARE(reply->error(), QNetworkReply::OperationCanceledError);
    QVERIFY(received.size() > 0 && received.size() < Size);
    QVERIFY(received == LoopbackServer::patternBody(0, received.size(), 0));
    qInfo("lost mid-body: aborted after %lld of %d bytes, %lld ms", qint64(received.size()), Size,
          clock.elapsed());
    delete reply;
    clock.restart();
    const Fetched again = fetch(nam, url);
    QCOMPARE(again.body.size(), Size);
    QVERIFY(!again.fromCache);
    QVERIFY(clock.elapsed() < 1000);
}

void tst_RedisTier::entriesAreSharedAcrossProcesses()
{
    LoopbackServer origin;
    origin.setHandler([](const RecordedRequest &r) {
        Response response = Response::ok(bodyFor(r.path, 50000));
        return response;
    });
    const QString redisSpec = spec(QStringLiteral("share:"));
    create(redisSpec)->clear();
    constexpr int Count = 12;

    QProcess child;
    child.setProgram(QCoreApplication::applicationFilePath());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QString::fromLatin1(ChildEnv), redisSpec);
    env.insert(QStringLiteral("TIERCACHE_REDIS_ORIGIN"),
               origin.url(QStringLiteral("/")).toString());
    env.insert(QStringLiteral("TIERCACHE_REDIS_COUNT"), QString::number(Count));
    child.setProcessEnvironment(env);
    child.setProcessChannelMode(QProcess::ForwardedChannels);
    QSignalSpy finished(&child, &QProcess::finished);
    child.start();
    // The origin lives in this event loop: wait by spinning it, never waitForFinished().
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QCOMPARE(child.exitStatus(), QProcess::NormalExit);
    QCOMPARE(child.exitCode(), 0);
    QCOMPARE(origin.requestCount(), Count);

    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    nam.setCache(cache);
    QVERIFY(cache->setTiers({redisSpec}));
    for (int i = 0; i < Count; ++i) {
        const QByteArray path = "/s/" + QByteArray::number(i);
        const Fetched f = fetch(nam, origin.url(QString::fromLatin1(path)));
        QVERIFY2(f.fromCache, path.constData());
        QCOMPARE(f.status, 200);
        QCOMPARE(f.body, bodyFor(path, 50000));
    }
    QCOMPARE(origin.requestCount(), Count);
    create(redisSpec)->clear();
}

void tst_RedisTier::hitLatency()
{
    // p50 of lookup() + openBody() + readAll() for 4 KiB bodies over loopback.
    const auto measure = [&](const QString &extra, qint64 *p50, qint64 *p99) {
        auto tier = create(spec(QStringLiteral("lat:"), extra));
        QVERIFY(tier);
        constexpr int Keys = 64;
        const QByteArray body = LoopbackServer::patternBody(0, 4096, 9);
        for (int i = 0; i < Keys; ++i)
            QVERIFY(put(*tier, QStringLiteral("http://example.org/lat/%1").arg(i), body));
        std::vector<qint64> ns;
        ns.reserve(2000);
        for (int i = 0; i < 2000; ++i) {
            const QString key = QStringLiteral("http://example.org/lat/%1").arg(i % Keys);
            QElapsedTimer clock;
            clock.start();
            const std::unique_ptr<TierEntry> entry = tier->lookup(key);
            std::unique_ptr<QIODevice> device(entry ? entry->openBody() : nullptr);
            const QByteArray got = device ? device->readAll() : QByteArray();
            ns.push_back(clock.nsecsElapsed());
            QVERIFY(entry);
            QCOMPARE(got.size(), 4096);
        }
        *p50 = percentile(ns, 0.5);
        *p99 = percentile(ns, 0.99);
        tier->clear();
    };
    qint64 inlineP50 = 0, inlineP99 = 0, chunkedP50 = 0, chunkedP99 = 0;
    measure(QString(), &inlineP50, &inlineP99);
    measure(QStringLiteral("inline=0"), &chunkedP50, &chunkedP99);
    qInfo("hit latency, 4 KiB, 2000 hits: inline body (1 round trip) p50 %.1f us p99 %.1f us; "
          "chunked (2 round trips) p50 %.1f us p99 %.1f us",
          inlineP50 / 1000.0, inlineP99 / 1000.0, chunkedP50 / 1000.0, chunkedP99 / 1000.0);
    QVERIFY(inlineP50 < 5 * 1000 * 1000);
}

// The second process of entriesAreSharedAcrossProcesses(): a redis-only cache fetching URLs
// from the parent's origin. Exit code 0 when every fetch came from the origin, correct.
static int runChild(const QString &redisSpec)
{
    const QUrl origin(qEnvironmentVariable("TIERCACHE_REDIS_ORIGIN"));
    const int count = qEnvironmentVariableIntValue("TIERCACHE_REDIS_COUNT");
    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    nam.setCache(cache);
    if (!cache->setTiers({redisSpec})) {
        fprintf(stderr, "child: %s\n", qPrintable(cache->tierErrors().join(QLatin1Char('\n'))));
        return 2;
    }
    for (int i = 0; i < count; ++i) {
        const QByteArray path = "/s/" + QByteArray::number(i);
        const Fetched f = fetch(nam, origin.resolved(QUrl(QString::fromLatin1(path))));
        if (!f.finished || f.error != QNetworkReply::NoError || f.status != 200 || f.fromCache
            || f.body != bodyFor(path, 50000)) {
            fprintf(stderr, "child: %s: finished %d error %d status %d fromCache %d size %lld\n",
                    path.constData(), f.finished, int(f.error), f.status, f.fromCache,
                    qint64(f.body.size()));
            return 1;
        }
    }
    const auto stats = cache->tierStatistics();
    if (stats.size() != 1 || stats[0].writes() != count) {
        fprintf(stderr, "child: the redis tier stored %lld of %d\n",
                stats.isEmpty() ? -1 : stats[0].writes(), count);
        return 3;
    }
    return 0;
}

void tst_RedisTier::hostileRecordsAreMisses_data()
{
    // Commands run against the server after an entry was stored under prefix "ho:": $M is its
    // hash, $C0/$C1 its first chunks; $OLDMD/$OLDH fields in the old QDataStream format.
    QTest::addColumn<QString>("options");
    QTest::addColumn<QList<QList<QByteArray>>>("commands");
    const QString chunked = QStringLiteral("chunk=4KiB&inline=1KiB");
    const QString inlined = QStringLiteral("chunk=64KiB&inline=64KiB");
    using C = QList<QList<QByteArray>>;
    QTest::newRow("garbage md") << chunked << C {{"HSET", "$M", "md", QByteArray(500, '\x7f')}};
    QTest::newRow("truncated md") << chunked << C {{"HSET", "$M", "md", "$MD-7"}};
    QTest::newRow("old QDataStream md") << chunked << C {{"HSET", "$M", "md", "$OLDMD"}};
    QTest::newRow("hostile md lengths")
            << chunked
            << C {{"HSET", "$M", "md", QByteArray("DMCT\x02\0\0\0\xff\xff\xff\xff", 12)}};
    QTest::newRow("huge md") << chunked
                             << C {{"HSET", "$M", "md", QByteArray(4 * 1024 * 1024, 'x')}};
    QTest::newRow("no h") << chunked << C {{"HDEL", "$M", "h"}};
    QTest::newRow("garbage h") << chunked
                               << C {{"HSET", "$M", "h",
                                      "0123456789012345678901234567890123456789abcd"}};
    QTest::newRow("truncated h") << chunked << C {{"HSET", "$M", "h", "$H-1"}};
    QTest::newRow("old QDataStream h") << chunked << C {{"HSET", "$M", "h", "$OLDH"}};
    QTest::newRow("h with 2^40 chunks")
            << chunked
            << C {{"HSET", "$M", "h",
                   descriptorBytes(Q_INT64_C(1) << 40, 1, Q_INT64_C(1) << 40, 5, 1)}};
    QTest::newRow("h with negative size")
            << chunked << C {{"HSET", "$M", "h", descriptorBytes(-5, 4096, 0, 5, 1)}};
    QTest::newRow("h one byte longer") << chunked << C {{"HSET", "$M", "h", "$H+1"}};
    QTest::newRow("h of another generation") << chunked << C {{"HSET", "$M", "h", "$HGEN"}};
    QTest::newRow("hash is a string") << chunked << C {{"DEL", "$M"}, {"SET", "$M", "hello"}};
    QTest::newRow("garbage chunk") << chunked << C {{"SET", "$C1", QByteArray(4096 + 8, 'z')}};
    QTest::newRow("truncated chunks") << chunked << C {{"SET", "$C1", "short"}};
    QTest::newRow("chunk is a hash") << chunked << C {{"DEL", "$C1"}, {"HSET", "$C1", "a", "b"}};
    QTest::newRow("swapped chunks") << chunked
                                    << C {{"RENAME", "$C0", "ho:tmp"},
                                          {"RENAME", "$C1", "$C0"},
                                          {"RENAME", "ho:tmp", "$C1"}};
    QTest::newRow("missing chunk") << chunked << C {{"DEL", "$C1"}};
    QTest::newRow("garbage inline body")
            << inlined << C {{"HSET", "$M", "b", QByteArray(3008, 'q')}};
    QTest::newRow("truncated inline body") << inlined << C {{"HSET", "$M", "b", "$B-1"}};
    QTest::newRow("no inline body") << inlined << C {{"HDEL", "$M", "b"}};
}

void tst_RedisTier::hostileRecordsAreMisses()
{
    QFETCH(QString, options);
    QFETCH(QList<QList<QByteArray>>, commands);
    LoopbackServer origin;
    const QByteArray body = LoopbackServer::patternBody(
            0, options.contains(QLatin1String("4KiB")) ? 12000 : 3000, 4);
    Response response;
    response.body = body;
    response.header("Cache-Control", "max-age=3600");
    origin.setRoute("/hostile", response);
    const QUrl url = origin.url(QStringLiteral("/hostile"));
    const QString tierSpec = spec(QStringLiteral("ho:"), options);

    const auto tamper = [&](const QString &key) {
        const QByteArray meta = "ho:m:" + key.toUtf8();
        const QByteArray md = m_redis->command({"HGET", meta, "md"}).toByteArray();
        const QByteArray h = m_redis->command({"HGET", meta, "h"}).toByteArray();
        const QByteArray b = m_redis->command({"HGET", meta, "b"}).toByteArray();
        QList<QByteArray> chunkKeys;
        for (const QVariant &k : m_redis->command({"KEYS", "ho:b:*"}).toList())
            chunkKeys.append(k.toByteArray());
        std::sort(chunkKeys.begin(), chunkKeys.end(), [](const QByteArray &a, const QByteArray &z) {
            return a.mid(a.lastIndexOf(':') + 1).toInt() < z.mid(z.lastIndexOf(':') + 1).toInt();
        });
        QByteArray oldMd, oldH;
        {
            QDataStream out(&oldMd, QIODevice::WriteOnly);
            out.setVersion(QDataStream::Qt_6_4);
            out << quint32(0x54434d44) << quint32(1) << makeMeta(key, 3600);
            QDataStream outH(&oldH, QIODevice::WriteOnly);
            outH.setVersion(QDataStream::Qt_6_4);
            outH << quint32(0x54435248) << quint32(1) << qint64(body.size()) << qint64(4096)
                 << qint64(3) << quint64(7) << qint64(100);
        }
        // The generation is in the chunk keys ("ho:b:<key>:<generation hex>:<index>").
        const QList<QByteArray> parts = chunkKeys.value(0).split(':');
        const quint64 generation =
                parts.size() > 2 ? parts.at(parts.size() - 2).toULongLong(nullptr, 16) : 1;
        const qint64 chunks = (body.size() + 4095) / 4096;
        const QByteArray longer = descriptorBytes(body.size() + 1, 4096, chunks, generation, 100);
        const QByteArray otherGeneration =
                descriptorBytes(body.size(), 4096, chunks, generation ^ 2, 100);
        for (QList<QByteArray> command : commands) {
            for (QByteArray &arg : command) {
                if (arg == "$M")
                    arg = meta;
                else if (arg == "$MD-7")
                    arg = md.left(md.size() - 7);
                else if (arg == "$OLDMD")
                    arg = oldMd;
                else if (arg == "$H-1")
                    arg = h.left(h.size() - 1);
                else if (arg == "$H+1")
                    arg = longer;
                else if (arg == "$HGEN")
                    arg = otherGeneration;
                else if (arg == "$OLDH")
                    arg = oldH;
                else if (arg == "$B-1")
                    arg = b.left(b.size() - 1);
                else if (arg == "$C0" || arg == "$C1") {
                    const int i = arg.at(2) - '0';
                    if (i >= chunkKeys.size())
                        return false;
                    arg = chunkKeys.at(i);
                }
            }
            const QVariant reply = m_redis->command(command);
            if (reply.typeId() == QMetaType::QString) {
                qWarning() << "redis refused" << command.first() << reply;
                return false;
            }
        }
        return true;
    };

    // Through the tier: a miss at lookup() or openBody(), or a stream that fails; never a
    // complete body that differs, and afterwards the entry is gone.
    {
        auto tier = create(tierSpec);
        QVERIFY(tier);
        tier->clear();
        const QString key = QStringLiteral("http://example.org/hostile");
        QVERIFY(put(*tier, key, body));
        QVERIFY(tamper(key));
        if (tier->lookup(key) != nullptr) {
            std::unique_ptr<QIODevice> device(openBody(*tier, key));
            if (device) {
                const QByteArray read = drain(device.get(), nullptr, 3000);
                QVERIFY2(read.size() < body.size(),
                         qPrintable(QStringLiteral("read %1 of %2 bytes: %3")
                                            .arg(read.size())
                                            .arg(body.size())
                                            .arg(device->errorString())));
                QVERIFY(body.startsWith(read));
            }
        }
        QVERIFY(!tier->lookup(key));
        QVERIFY(!std::unique_ptr<QIODevice>(openBody(*tier, key)));
        tier->clear();
    }

    // Through a NetworkCache with that tier, under QNAM (streaming and AlwaysCache): the
    // right body or an error, never a wrong one; then the origin again, and a good entry.
    const QString failure = checkDamagedEntryUnderQnam({tierSpec}, url, body, tamper);
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
}

// readonly=true (what a read-only NetworkCache sets): hits, chunked bodies and listings are
// served, and the server sees no write at all: no store, TTL refresh, removal or clear, and
// no removal of a damaged entry either (a writer drops it).
void tst_RedisTier::readOnlySendsNoWrite()
{
    const QString small = QStringLiteral("http://example.org/ro-small");
    const QString large = QStringLiteral("http://example.org/ro-large");
    const QString damaged = QStringLiteral("http://example.org/ro-damaged");
    const QByteArray largeBody = LoopbackServer::patternBody(0, 300 * 1024, 5);
    {
        auto writer = create(spec(QStringLiteral("ro:"), QStringLiteral("chunk=64KiB")));
        QVERIFY(writer);
        QVERIFY(put(*writer, small, "small"));
        QVERIFY(put(*writer, large, largeBody));
        QVERIFY(put(*writer, damaged, largeBody));
    }
    const QVariantList chunks = m_redis->command({"KEYS", "ro:b:*ro-damaged:*:2"}).toList();
    QCOMPARE(chunks.size(), 1);
    QCOMPARE(m_redis->command({"DEL", chunks.first().toByteArray()}).toLongLong(), 1);
    const auto before = m_redis->dataSnapshot();

    auto tier = create(spec(QStringLiteral("ro:"), QStringLiteral("chunk=64KiB&readonly=true")));
    QVERIFY(tier);
    for (int round = 0; round < 2; ++round) {
        std::unique_ptr<QIODevice> device(openBody(*tier, small));
        QVERIFY(device);
        QCOMPARE(drain(device.get()), QByteArray("small"));
        device.reset(openBody(*tier, large));
        QVERIFY(device);
        QCOMPARE(drain(device.get()), largeBody);
    }
    int listed = 0;
    tier->enumerate([&](const TierRecord &) { return ++listed, true; });
    QCOMPARE(listed, 3);
    QVERIFY(tier->size() > 0);
    // The damaged body ends early and stays where it is.
    {
        std::unique_ptr<QIODevice> device(openBody(*tier, damaged));
        QVERIFY(device);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("chunk 2 of 5")));
        QCOMPARE(drain(device.get(), nullptr, 3000).size(), 2 * 64 * 1024);
    }
    QVERIFY(tier->lookup(damaged));
    QVERIFY(!tier->beginWrite(QStringLiteral("http://example.org/new"),
                              makeMeta(QStringLiteral("http://example.org/new"), 60), 10));
    QVERIFY2(tier->errorString().contains(QLatin1String("read-only")),
             qPrintable(tier->errorString()));
    QVERIFY(!tier->remove(small));
    QVERIFY(!tier->updateMetaData(small, makeMeta(small, 7200)));
    tier->clear();
    QVERIFY(tier->lookup(small));
    QCOMPARE(m_redis->dataSnapshot(), before);

    // A writer drops the damaged entry.
    auto writer = create(spec(QStringLiteral("ro:"), QStringLiteral("chunk=64KiB")));
    {
        std::unique_ptr<QIODevice> device(openBody(*writer, damaged));
        QVERIFY(device);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("chunk 2 of 5")));
        drain(device.get(), nullptr, 3000);
    }
    QVERIFY(!writer->lookup(damaged));
    writer->clear();
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (qEnvironmentVariableIsSet(ChildEnv))
        return runChild(qEnvironmentVariable(ChildEnv));
    tst_RedisTier tc;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&tc, argc, argv);
}

#include "tst_redistier.moc"
