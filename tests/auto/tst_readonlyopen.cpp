// SPDX-License-Identifier: MIT
// NetworkCache::setReadOnly(): a tool (the Browser) opens a cache directory another process
// uses without changing a single byte of it, and refuses what it cannot read with a message.
// The same for a chain of plugin tiers (memory + sqlite + a real redis-server): every tier is
// opened read-only, hits are served and nothing is promoted, counted or written anywhere.

#include "cachetestutil.h"

#include <redisserver.h>
#include <tierread.h>

#include <tiercache/networkcache.h>
#include <tiercache/tierloader.h>
#include <tiercache/tierstatistics.h>

#include <QtCore/QCryptographicHash>
#include <QtCore/QDirIterator>
#include <QtCore/QFileInfo>
#include <QtCore/QMap>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QTest>

#include <algorithm>

using namespace tiercache;
using namespace tiercache::test;

namespace {

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(bytes), bytes.size());
}

} // namespace

class tst_ReadOnlyOpen : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void readsWithoutChangingAnything();
    void refusesWhatItCannotRead_data();
    void refusesWhatItCannotRead();
    void seesAWriterThatComesLater();
    void leavingReadOnlyAllowsChanges();
    void readOnlyChainServesHitsAndWritesNothing();
    void readOnlyAfterSetTiersReopensTheTiers();
    void readOnlyChainNeedsAnExistingSqliteFile();
    void readOnlyChainRefusesAPluginWithoutTheOption();
    void readOnlyOptionOfDiskAndMemoryTiers();

private:
    QStringList chain(const QString &dir) const
    {
        return {QStringLiteral("memory:"), QStringLiteral("sqlite:?path=%1/tier.db").arg(dir),
                QStringLiteral("redis://127.0.0.1:%1/0").arg(m_redis.port())};
    }
    RedisServer m_redis;
    // Fills \a dir through a real QNAM: three entries, two tagged "news", one hit.
    void fill(const QString &dir);
    LoopbackServer m_server;
};

void tst_ReadOnlyOpen::initTestCase()
{
    QVERIFY(m_server.isListening());
    m_server.setRoute("/a", Response::ok("alpha").header("Cache-Tag", "news,front"));
    m_server.setRoute("/b", Response::ok("bravo").header("Cache-Tag", "news"));
    m_server.setRoute("/c", Response::ok("charlie", "max-age=0"));
    m_server.setRoute("/new", Response::ok("new body"));
    m_server.setRoute("/large", Response::ok(LoopbackServer::patternBody(0, 600 * 1024, 7)));
    m_server.setRoute("/only-redis", Response::ok("only in redis"));
    TIERCACHE_START_REDIS(m_redis);
}

void tst_ReadOnlyOpen::fill(const QString &dir)
{
    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    cache->setCacheDirectory(dir);
    nam.setCache(cache);
    for (const char *path : {"/a", "/b", "/c", "/a"})
        QCOMPARE(fetch(nam, m_server.url(QLatin1String(path))).status, 200);
    QCOMPARE(cache->entryCount(), 3);
}

void tst_ReadOnlyOpen::readsWithoutChangingAnything()
{
    QTemporaryDir dir;
    fill(dir.path());
    const auto before = snapshot(dir.path());
    QVERIFY(before.contains(QStringLiteral("catalogue.db")));
    {
        QNetworkAccessManager nam;
        auto *cache = new NetworkCache;
        cache->setReadOnly(true);
        cache->setCacheDirectory(dir.path());
        nam.setCache(cache);
        QVERIFY2(cache->open(), qPrintable(cache->errorString()));
        QCOMPARE(cache->entryCount(), 3);
        QCOMPARE(cache->entries(EntryFilter(), 0, 10).size(), 3);
        EntryFilter news;
        news.setTag(QStringLiteral("news"));
        QCOMPARE(cache->entryCount(news), 2);
        QCOMPARE(cache->tags().value(0), qMakePair(QStringLiteral("news"), qint64(2)));
        const CacheEntryInfo a = cache->entryInfo(m_server.url(QStringLiteral("/a")));
        QVERIFY(a.isValid());
        QCOMPARE(a.hitCount(), 1);
        QVERIFY(cache->statistics().lookups() > 0);
        QVERIFY(cache->dataVersion() >= 0);

        // A hit is served, but not counted on disk.
        const Fetched hit =
                fetch(nam, m_server.url(QStringLiteral("/a")), QNetworkRequest::PreferCache);
        QCOMPARE(hit.body, QByteArray("alpha"));
        QVERIFY(hit.fromCache);
        // A miss is fetched, but not stored.
        QCOMPARE(fetch(nam, m_server.url(QStringLiteral("/new"))).body, QByteArray("new body"));
        QVERIFY(!cache->entryInfo(m_server.url(QStringLiteral("/new"))).isValid());

        // Every change is refused with a reason.
        QCOMPARE(cache->invalidateTag(QStringLiteral("news")), 0);
        QCOMPARE(cache->error(), NetworkCache::Error::WriteError);
        QVERIFY(cache->errorString().contains(QLatin1String("read-only")));
        QCOMPARE(cache->softPurgeTag(QStringLiteral("news")), 0);
        QVERIFY(!cache->remove(m_server.url(QStringLiteral("/b"))));
        QCOMPARE(cache->collectGarbage(), 0);
        cache->clear();
        cache->resetStatistics();
        const VerifyReport report = cache->verify();
        QCOMPARE(report.checked(), 3);
        QCOMPARE(report.damaged(), 0);
        QCOMPARE(cache->entryCount(), 3);
    }
    QCOMPARE(snapshot(dir.path()), before);
}

void tst_ReadOnlyOpen::refusesWhatItCannotRead_data()
{
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QString>("message");
    QTest::newRow("empty directory") << "empty"
                                     << "not a Tiercache cache directory";
    QTest::newRow("some other directory") << "other"
                                          << "not a Tiercache cache directory";
    QTest::newRow("no directory") << "missing"
                                  << "not a directory";
    QTest::newRow("garbage catalogue") << "garbage"
                                       << "damaged or not a database";
    QTest::newRow("truncated catalogue") << "truncated"
                                         << "damaged or not a database";
    QTest::newRow("another SQLite database") << "foreign"
                                             << "not a Tiercache catalogue";
    QTest::newRow("newer format") << "newer"
                                  << "newer Tiercache (format 99";
    QTest::newRow("older format") << "older"
                                  << "older format 2";
}

void tst_ReadOnlyOpen::refusesWhatItCannotRead()
{
    QFETCH(QString, damage);
    QFETCH(QString, message);
    QTemporaryDir temp;
    QString dir = temp.path() + QLatin1String("/cache");
    const QString catalogue = dir + QLatin1String("/catalogue.db");
    if (damage == QLatin1String("empty")) {
        QVERIFY(QDir().mkpath(dir));
    } else if (damage == QLatin1String("other")) {
        QVERIFY(QDir().mkpath(dir + QLatin1String("/photos")));
        writeFile(dir + QLatin1String("/notes.txt"), "not a cache\n");
    } else if (damage == QLatin1String("missing")) {
        dir = temp.path() + QLatin1String("/nowhere");
    } else {
        fill(dir);
        if (damage == QLatin1String("garbage")) {
            QFile file(catalogue);
            QVERIFY(file.open(QIODevice::ReadWrite));
            file.write(QByteArray(100, '\x5a'));
        } else if (damage == QLatin1String("truncated")) {
            QVERIFY(QFile::resize(catalogue, 50));
        } else {
            QVERIFY(QFile::remove(catalogue));
            {
                auto db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), damage);
                db.setDatabaseName(catalogue);
                QVERIFY(db.open());
                QSqlQuery q(db);
                if (damage == QLatin1String("foreign")) {
                    QVERIFY(q.exec(QStringLiteral("CREATE TABLE contacts (name TEXT)")));
                } else {
                    const int version = damage == QLatin1String("newer") ? 99 : 2;
                    QVERIFY(q.exec(QStringLiteral("PRAGMA application_id=%1").arg(0x54434331)));
                    QVERIFY(q.exec(QStringLiteral("PRAGMA user_version=%1").arg(version)));
                    QVERIFY(q.exec(QStringLiteral("CREATE TABLE entries (key TEXT)")));
                }
                db.close();
            }
            QSqlDatabase::removeDatabase(damage);
        }
    }
    const auto before = snapshot(temp.path());
    {
        NetworkCache cache;
        cache.setReadOnly(true);
        cache.setCacheDirectory(dir);
        QVERIFY(!cache.open());
        QCOMPARE(cache.error(), NetworkCache::Error::DirectoryError);
        QVERIFY2(cache.errorString().contains(message), qPrintable(cache.errorString()));
        // Nothing else gets far either.
        QCOMPARE(cache.entryCount(), 0);
        QVERIFY(cache.tags().isEmpty());
        QCOMPARE(cache.dataVersion(), -1);
    }
    QCOMPARE(snapshot(temp.path()), before);
}

void tst_ReadOnlyOpen::seesAWriterThatComesLater()
{
    QTemporaryDir dir;
    fill(dir.path());
    NetworkCache reader;
    reader.setReadOnly(true);
    reader.setCacheDirectory(dir.path());
    QVERIFY(reader.open());
    const qint64 version = reader.dataVersion();
    QCOMPARE(reader.entryCount(), 3);

    QNetworkAccessManager nam;
    auto *writer = new NetworkCache;
    writer->setCacheDirectory(dir.path());
    nam.setCache(writer);
    QCOMPARE(fetch(nam, m_server.url(QStringLiteral("/new"))).status, 200);
    QCOMPARE(writer->entryCount(), 4);

    QTRY_VERIFY(reader.dataVersion() != version);
    // The writer commits a small insert with its batch, within milliseconds (README).
    QTRY_COMPARE(reader.entryCount(), 4);
    // And it stays live: a second change is seen too.
    const qint64 second = reader.dataVersion();
    QCOMPARE(writer->invalidateTag(QStringLiteral("front")), 1);
    QTRY_VERIFY(reader.dataVersion() != second);
    QCOMPARE(reader.entryCount(), 3);
}

void tst_ReadOnlyOpen::leavingReadOnlyAllowsChanges()
{
    QTemporaryDir dir;
    fill(dir.path());
    NetworkCache cache;
    QSignalSpy changed(&cache, &NetworkCache::readOnlyChanged);
    cache.setReadOnly(true);
    cache.setCacheDirectory(dir.path());
    QVERIFY(cache.open());
    QCOMPARE(cache.invalidateTag(QStringLiteral("news")), 0);
    cache.setReadOnly(false);
    QCOMPARE(changed.size(), 2);
    QVERIFY(!cache.isReadOnly());
    QCOMPARE(cache.invalidateTag(QStringLiteral("news")), 2);
    QCOMPARE(cache.entryCount(), 1);
}

void tst_ReadOnlyOpen::readOnlyChainServesHitsAndWritesNothing()
{
    QVERIFY(m_redis.command({"FLUSHALL"}).isValid());
    QTemporaryDir dir;
    const QUrl a = m_server.url(QStringLiteral("/a"));
    const QUrl large = m_server.url(QStringLiteral("/large"));
    const QUrl onlyRedis = m_server.url(QStringLiteral("/only-redis"));
    {
        QNetworkAccessManager nam;
        auto *cache = new NetworkCache;
        nam.setCache(cache);
        QVERIFY2(cache->setTiers(chain(dir.path())), qPrintable(cache->errorString()));
        QCOMPARE(fetch(nam, a).status, 200);
        QCOMPARE(fetch(nam, large).status, 200);
        // In redis alone: a hit there would be promoted into sqlite and memory.
        QVERIFY(cache->setTiers({chain(dir.path()).last()}));
        QCOMPARE(fetch(nam, onlyRedis).status, 200);
    }
    const int originBefore = m_server.requestCount();
    const auto files = snapshot(dir.path());
    QVERIFY(files.contains(QStringLiteral("tier.db")));
    const auto redis = m_redis.dataSnapshot();
    const QList<QByteArray> redisKeys = redis.keys();
    QCOMPARE(std::count_if(redisKeys.cbegin(), redisKeys.cend(),
                           [](const QByteArray &key) { return key.startsWith("tc:m:"); }),
             3);
    {
        QNetworkAccessManager nam;
        auto *cache = new NetworkCache;
        nam.setCache(cache);
        cache->setReadOnly(true);
        QVERIFY2(cache->setTiers(chain(dir.path())), qPrintable(cache->errorString()));
        cache->setPromotionPolicy(PromotionPolicy::always());
        for (int round = 0; round < 3; ++round) {
            const Fetched hit = fetch(nam, a);
            QCOMPARE(hit.body, QByteArray("alpha"));
            QVERIFY(hit.fromCache);
            const Fetched big = fetch(nam, large);
            QCOMPARE(big.body, LoopbackServer::patternBody(0, 600 * 1024, 7));
            QVERIFY(big.fromCache);
            const Fetched lower = fetch(nam, onlyRedis);
            QCOMPARE(lower.body, QByteArray("only in redis"));
            QVERIFY(lower.fromCache);
        }
        QCOMPARE(m_server.requestCount(), originBefore);
        // Every hit of /only-redis came from redis: never promoted, nothing written.
        const QList<TierStatistics> tiers = cache->tierStatistics();
        QCOMPARE(tiers.size(), 3);
        QCOMPARE(tiers.at(2).hits(), 3);
        for (const TierStatistics &t : tiers) {
            QCOMPARE(t.promotions(), 0);
            QCOMPARE(t.writes(), 0);
        }
        // A miss is fetched, and stored nowhere.
        QCOMPARE(fetch(nam, m_server.url(QStringLiteral("/new"))).body, QByteArray("new body"));
        QCOMPARE(fetch(nam, m_server.url(QStringLiteral("/new"))).body, QByteArray("new body"));
        QCOMPARE(m_server.requestCount(), originBefore + 2);
        // Changes are refused.
        QVERIFY(!cache->remove(a));
        QCOMPARE(cache->error(), NetworkCache::Error::WriteError);
        cache->clear();
        QVERIFY(fetch(nam, a, QNetworkRequest::PreferCache).fromCache);
    }
    QCOMPARE(snapshot(dir.path()), files);
    QCOMPARE(m_redis.dataSnapshot(), redis);
}

// setReadOnly() after setTiers() creates the plugin tiers anew, read-only; and back.
void tst_ReadOnlyOpen::readOnlyAfterSetTiersReopensTheTiers()
{
    QVERIFY(m_redis.command({"FLUSHALL"}).isValid());
    QTemporaryDir dir;
    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    nam.setCache(cache);
    QVERIFY2(cache->setTiers(chain(dir.path())), qPrintable(cache->errorString()));
    QCOMPARE(fetch(nam, m_server.url(QStringLiteral("/a"))).status, 200);
    cache->setReadOnly(true);
    QVERIFY2(cache->tierErrors().isEmpty(), qPrintable(cache->tierErrors().join(u'\n')));
    QCOMPARE(cache->tiers(), chain(dir.path())); // as given: no option shows
    const auto files = snapshot(dir.path());
    const auto redis = m_redis.dataSnapshot();
    QVERIFY(fetch(nam, m_server.url(QStringLiteral("/a"))).fromCache);
    QCOMPARE(fetch(nam, m_server.url(QStringLiteral("/b"))).body, QByteArray("bravo"));
    QCOMPARE(snapshot(dir.path()), files);
    QCOMPARE(m_redis.dataSnapshot(), redis);
    cache->setReadOnly(false);
    QVERIFY(cache->tierErrors().isEmpty());
    const int before = m_server.requestCount("/b");
    QCOMPARE(fetch(nam, m_server.url(QStringLiteral("/b"))).body, QByteArray("bravo"));
    QVERIFY(fetch(nam, m_server.url(QStringLiteral("/b"))).fromCache);
    QCOMPARE(m_server.requestCount("/b"), before + 1);
    QVERIFY(m_redis.dataSnapshot() != redis);
}

void tst_ReadOnlyOpen::readOnlyChainNeedsAnExistingSqliteFile()
{
    QTemporaryDir dir;
    const QString missing = dir.path() + QLatin1String("/nowhere/tier.db");
    const QString spec = QStringLiteral("sqlite:?path=") + missing;
    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    nam.setCache(cache);
    cache->setReadOnly(true);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("does not exist")));
    QVERIFY(!cache->setTiers({QStringLiteral("memory:"), spec}));
    QCOMPARE(cache->tierErrors().size(), 1);
    QCOMPARE(cache->tierErrors().constFirst(),
             QStringLiteral("tier \"%1\": %2 does not exist (a read-only sqlite tier only opens "
                            "an existing file)")
                     .arg(spec, missing));
    QCOMPARE(cache->error(), NetworkCache::Error::DirectoryError);
    // The other tiers work; nothing is created.
    QCOMPARE(fetch(nam, m_server.url(QStringLiteral("/b"))).body, QByteArray("bravo"));
    QVERIFY(allFiles(dir.path()).isEmpty());
    QVERIFY(!QFileInfo::exists(dir.path() + QLatin1String("/nowhere")));

    // An empty file is not a tier either, and stays empty.
    QVERIFY(QDir().mkpath(dir.path() + QLatin1String("/nowhere")));
    writeFile(missing, QByteArray());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("holds no tiercache")));
    QVERIFY(!cache->setTiers({spec}));
    QVERIFY2(cache->tierErrors().value(0).contains(QLatin1String("holds no tiercache sqlite tier")),
             qPrintable(cache->tierErrors().value(0)));
    QCOMPARE(allFiles(dir.path()), QStringList {missing});
    QCOMPARE(QFileInfo(missing).size(), 0);
}

void tst_ReadOnlyOpen::readOnlyChainRefusesAPluginWithoutTheOption()
{
    NetworkCache cache;
    cache.setReadOnly(true);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("no \"readonly\"")));
    QVERIFY(!cache.setTiers({QStringLiteral("example:"), QStringLiteral("memory:")}));
    QVERIFY2(cache.tierErrors().value(0).startsWith(
                     QLatin1String("tier \"example:\": the cache is open read-only and the "
                                   "\"example\" plugin has no \"readonly\" option")),
             qPrintable(cache.tierErrors().value(0)));
    QCOMPARE(cache.tiers(), QStringList {QStringLiteral("memory:")});
    // A writable cache uses it.
    cache.setReadOnly(false);
    QVERIFY2(cache.tierErrors().isEmpty(), qPrintable(cache.tierErrors().join(u'\n')));
    QCOMPARE(cache.tiers().size(), 2);
}

// The option as README lists it for the tiers that are not files of a plugin: a stand-alone disk
// tier opens an existing directory as setReadOnly() does, a memory tier stores nothing; and a
// spec that says readonly=false is refused by a read-only cache.
void tst_ReadOnlyOpen::readOnlyOptionOfDiskAndMemoryTiers()
{
    QTemporaryDir dir;
    fill(dir.path());
    const auto before = snapshot(dir.path());
    const QString key = NetworkCache::cacheKey(m_server.url(QStringLiteral("/a")));
    TierLoader loader;
    QString error;
    {
        auto disk = loader.create(QStringLiteral("disk:?path=%1&readonly=true").arg(dir.path()),
                                  &error);
        QVERIFY2(disk, qPrintable(error));
        const std::unique_ptr<TierEntry> entry = disk->lookup(key);
        QVERIFY(entry);
        std::unique_ptr<QIODevice> body(entry->openBody());
        QVERIFY(body);
        QCOMPARE(drain(body.get()), QByteArray("alpha"));
        QVERIFY(!disk->beginWrite(key, entry->record().metaData(), 5));
        QVERIFY(!disk->remove(key));
    }
    QCOMPARE(snapshot(dir.path()), before);
    const QString nowhere = dir.path() + QLatin1String("/nowhere");
    QVERIFY(!loader.create(QStringLiteral("disk:?path=%1&readonly=true").arg(nowhere), &error));
    QVERIFY(!QFileInfo::exists(nowhere));

    auto memory = loader.create(QStringLiteral("memory:?readonly=true"), &error);
    QVERIFY2(memory, qPrintable(error));
    QNetworkCacheMetaData md;
    md.setUrl(QUrl(key));
    QVERIFY(!memory->beginWrite(key, md, 5));
    QCOMPARE(memory->size(), 0);

    NetworkCache cache;
    cache.setReadOnly(true);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("readonly=false")));
    QVERIFY(!cache.setTiers({QStringLiteral("memory:?max=1MiB&readonly=false")}));
    QCOMPARE(cache.tierErrors().value(0),
             QStringLiteral("tier \"memory:?max=1MiB&readonly=false\": readonly=false, but the "
                            "cache is open read-only"));
    QVERIFY(cache.setTiers({QStringLiteral("memory:?readonly=1")}));
}

QTEST_MAIN(tst_ReadOnlyOpen)
#include "tst_readonlyopen.moc"
