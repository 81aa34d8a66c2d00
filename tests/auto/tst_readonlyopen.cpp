// SPDX-License-Identifier: MIT
// NetworkCache::setReadOnly(): a tool (the Browser) opens a cache directory another process
// uses without changing a single byte of it, and refuses what it cannot read with a message.

#include "cachetestutil.h"

#include <tiercache/networkcache.h>

#include <QtCore/QCryptographicHash>
#include <QtCore/QDirIterator>
#include <QtCore/QMap>
#include <QtCore/QTemporaryDir>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QTest>

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

private:
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
    QCOMPARE(reader.entryCount(), 4);
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

QTEST_MAIN(tst_ReadOnlyOpen)
#include "tst_readonlyopen.moc"
