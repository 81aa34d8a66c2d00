// SPDX-License-Identifier: MIT
// The sqlite tier plugin: through TierLoader with spec strings, and end to end through a real
// QNetworkAccessManager. The database is inspected (and damaged) with a separate connection.

#include "../auto/cachetestutil.h"

#include <damagedentry.h>
#include <tierread.h>

#include <tiercache/networkcache.h>
#include <tiercache/tierloader.h>

#include <QtCore/QDataStream>
#include <QtCore/QEventLoop>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtTest/QTest>

using namespace tiercache;
using namespace tiercache::test;

namespace {

constexpr qint64 Chunk = 64 * 1024; // the plugin's chunk size

QByteArray pattern(qint64 size, quint32 seed)
{
    return LoopbackServer::patternBody(0, size, seed);
}

QNetworkCacheMetaData makeMeta(const QString &key, const QByteArray &etag = "\"v1\"")
{
    QNetworkCacheMetaData md;
    md.setUrl(QUrl(key));
    md.setSaveToDisk(true);
    md.setExpirationDate(QDateTime(QDate(2031, 2, 3), QTime(4, 5, 6), Qt::UTC));
    md.setLastModified(QDateTime(QDate(2020, 1, 2), QTime(3, 4, 5), Qt::UTC));
    md.setRawHeaders({{"Content-Type", "text/plain; charset=utf-8"},
                      {"Cache-Control", "max-age=3600"},
                      {"ETag", etag}});
    QNetworkCacheMetaData::AttributesMap attributes;
    attributes.insert(QNetworkRequest::HttpStatusCodeAttribute, 200);
    attributes.insert(QNetworkRequest::HttpReasonPhraseAttribute, QByteArray("OK"));
    md.setAttributes(attributes);
    return md;
}

bool put(Tier &tier, const QString &key, const QByteArray &body,
         const QNetworkCacheMetaData &md = {}, qint64 piece = 10000)
{
    const QNetworkCacheMetaData meta = md.isValid() ? md : makeMeta(key);
    auto writer = tier.beginWrite(key, meta, body.size());
    if (!writer)
        return false;
    for (qint64 at = 0; at < body.size(); at += piece) {
        if (!writer->write(body.constData() + at, qMin(piece, body.size() - at)))
            return false;
    }
    return writer->commit(meta, {});
}

struct ReadResult
{
    QByteArray data;
    bool complete = false; // read() said -1: the whole body
    bool failed = false;   // stopped with an error
    QString error;
};

// Reads as an application does: whatever is there, then waits for readyRead().
// \a afterFirstRead runs once after the first bytes arrived (to replace the entry meanwhile).
ReadResult readBody(QIODevice *device, const std::function<void()> &afterFirstRead = {},
                    int timeoutMs = 20000)
{
    ReadResult r;
    QElapsedTimer timer;
    timer.start();
    std::function<void()> hook = afterFirstRead;
    char buffer[16384];
    while (timer.elapsed() < timeoutMs) {
        const qint64 n = device->read(buffer, sizeof buffer);
        if (n > 0) {
            r.data.append(buffer, n);
            if (hook) {
                hook();
                hook = nullptr;
            }
            continue;
        }
        if (n < 0) {
            r.complete = true;
            return r;
        }
        if (device->atEnd()) { // 0 and at end: the device gave up
            r.failed = true;
            r.error = device->errorString();
            return r;
        }
        QEventLoop loop;
        QObject::connect(device, &QIODevice::readyRead, &loop, &QEventLoop::quit);
        QTimer::singleShot(200, &loop, &QEventLoop::quit);
        loop.exec();
    }
    r.error = QStringLiteral("timed out");
    return r;
}

QByteArray readAll(Tier &tier, const QString &key)
{
    const std::unique_ptr<TierEntry> entry = tier.lookup(key);
    if (!entry)
        return "<lookup missed>";
    std::unique_ptr<QIODevice> device(entry->openBody());
    if (!device)
        return "<no device>";
    const ReadResult r = readBody(device.get());
    return r.complete ? r.data : QByteArray("<incomplete: ") + r.error.toUtf8() + '>';
}

// A reply that never finishes: a body device parented to it streams as under QNAM's normal
// path (one window at a time, readyRead() between them) instead of serving a synchronous
// reader such as QNAM's AlwaysCache backend.
class PendingReply : public QNetworkReply
{
public:
    PendingReply() { open(QIODevice::ReadOnly); }
    void abort() override { }

protected:
    qint64 readData(char *, qint64) override { return -1; }
};

// A second connection to the tier's file, as another process or a vandal would have.
class Sql
{
public:
    explicit Sql(const QString &path)
    {
        static int counter = 0;
        m_name = QStringLiteral("tst-sqlitetier-%1").arg(++counter);
        m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        m_db.setDatabaseName(path);
        m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        m_db.open();
    }
    ~Sql()
    {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }
    qint64 count(const QString &table)
    {
        QSqlQuery q(m_db);
        if (!q.exec(QStringLiteral("SELECT count(*) FROM ") + table) || !q.next())
            return -1;
        return q.value(0).toLongLong();
    }
    bool exec(const QString &sql, const QVariantList &values = {})
    {
        QSqlQuery q(m_db);
        q.prepare(sql);
        for (const QVariant &v : values)
            q.addBindValue(v);
        if (!q.exec()) {
            qWarning() << sql << q.lastError().text();
            return false;
        }
        return true;
    }
    QVariant value(const QString &sql, const QVariantList &values = {})
    {
        QSqlQuery q(m_db);
        q.prepare(sql);
        for (const QVariant &v : values)
            q.addBindValue(v);
        if (!q.exec() || !q.next())
            return {};
        return q.value(0);
    }

private:
    QString m_name;
    QSqlDatabase m_db;
};

} // namespace

class tst_SqliteTier : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void pluginIsFound();
    void roundTrip();
    void emptyBody();
    void largeBodyStreamsInChunks();
    void remove();
    void updateMetaDataKeepsBody();
    void enumerate();
    void clear();
    void sizeAndLruEviction();
    void batchedHitsStillOrderEviction();
    void maxEntryIsRefused();
    void persistsAcrossReopen();
    void readerKeepsOldBodyDuringReplace();
    void readerOfAnotherConnectionNeverMixesVersions();
    void abortedWriterLeavesNothing();
    void badSpecs_data();
    void badSpecs();
    void foreignDatabaseIsRefused();
    void nonDatabaseFileIsRefused();
    void corruptedChunkFailsMidStream();
    void corruptedFirstChunkIsAMiss();
    void missingChunkIsAMiss();
    void undecodableMetaDataIsAMiss();
    void orphanedChunksAreSweptOnOpen();
    void endToEnd_data();
    void endToEnd();
    void endToEndDamagedBodyAbortsReply();
    void hostileRowsAreMisses_data();
    void hostileRowsAreMisses();
    void readOnlyServesAndChangesNothing();
    void readOnlyKeepsDamagedEntries();
    void readOnlyOpensOnlyAnExistingTier_data();
    void readOnlyOpensOnlyAnExistingTier();
    void readOnlySeesWriters();

private:
    QString dbPath() const { return m_dir->path() + QLatin1String("/t.db"); }
    std::unique_ptr<Tier> create(const QString &options = {}, QString *error = nullptr);

    TierLoader m_loader; // outlives every tier it created
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_SqliteTier::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_SqliteTier::cleanup()
{
    m_dir.reset();
}

std::unique_ptr<Tier> tst_SqliteTier::create(const QString &options, QString *error)
{
    QString why;
    auto tier = m_loader.create(QStringLiteral("sqlite:?path=") + dbPath() + options, &why);
    if (error)
        *error = why;
    else if (!tier)
        qWarning().noquote() << why;
    return tier;
}

void tst_SqliteTier::pluginIsFound()
{
    const auto plugins = m_loader.plugins();
    const auto it = std::find_if(plugins.cbegin(), plugins.cend(), [](const TierPluginInfo &p) {
        return p.id() == QLatin1String("sqlite");
    });
    QVERIFY2(it != plugins.cend(), "set TIERCACHE_PLUGIN_PATH to the build's tiercache-plugins");
    QVERIFY2(it->isUsable(), qPrintable(it->errorString()));
    QStringList keys;
    for (const auto &option : it->config())
        keys.append(option.toObject().value(QLatin1String("key")).toString());
    QCOMPARE(keys,
             (QStringList {QStringLiteral("path"), QStringLiteral("max"),
                           QStringLiteral("max_entry"), QStringLiteral("timeout_ms"),
                           QStringLiteral("readonly"), QStringLiteral("compress")}));
    auto tier = create();
    QVERIFY(tier);
    QCOMPARE(tier->name(), QStringLiteral("sqlite"));
    QVERIFY(tier->capabilities().testFlag(Tier::Capability::Persistent));
    QVERIFY(tier->capabilities().testFlag(Tier::Capability::Shared));
    QCOMPARE(tier->maxEntrySize(), qint64(64) * 1024 * 1024); // max/4 of the 256 MiB default
}

void tst_SqliteTier::roundTrip()
{
    auto tier = create();
    QVERIFY(tier);
    const QString key = QStringLiteral("http://example.com/a?x=1");
    const QNetworkCacheMetaData md = makeMeta(key);
    const QByteArray body = "hello, sqlite";
    QVERIFY(!tier->lookup(key));
    QVERIFY(put(*tier, key, body, md));

    const std::unique_ptr<TierEntry> entry = tier->lookup(key);
    QVERIFY(entry);
    const TierRecord r = entry->record();
    QVERIFY(r.isValid());
    QCOMPARE(r.key(), key);
    QCOMPARE(r.bodySize(), body.size());
    QVERIFY(r.lastAccess().isValid());
    QVERIFY(!r.version().isEmpty()); // a generation: conditional updates can be honoured
    QCOMPARE(r.metaData(), md);
    QCOMPARE(r.metaData().rawHeaders(), md.rawHeaders());
    QCOMPARE(r.metaData().attributes().value(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
             200);
    QCOMPARE(r.metaData()
                     .attributes()
                     .value(QNetworkRequest::HttpReasonPhraseAttribute)
                     .toByteArray(),
             QByteArray("OK"));
    QCOMPARE(r.metaData().expirationDate(), md.expirationDate());
    QCOMPARE(readAll(*tier, key), body);
    QVERIFY(tier->errorString().isEmpty());
}

void tst_SqliteTier::emptyBody()
{
    auto tier = create();
    QVERIFY(tier);
    const QString key = QStringLiteral("http://example.com/empty");
    QVERIFY(put(*tier, key, QByteArray()));
    const std::unique_ptr<TierEntry> entry = tier->lookup(key);
    QVERIFY(entry);
    QCOMPARE(entry->record().bodySize(), 0);
    std::unique_ptr<QIODevice> device(entry->openBody());
    QVERIFY(device);
    QVERIFY(device->atEnd());
    char c;
    QCOMPARE(device->read(&c, 1), qint64(-1));
}

void tst_SqliteTier::largeBodyStreamsInChunks()
{
    auto tier = create();
    QVERIFY(tier);
    const QString key = QStringLiteral("http://example.com/large");
    const QByteArray body = pattern(5 * 1024 * 1024 + 123, 7);
    QVERIFY(put(*tier, key, body, {}, 100000)); // pieces that straddle chunk boundaries
    const std::unique_ptr<TierEntry> entry = tier->lookup(key);
    QVERIFY(entry);
    QCOMPARE(entry->record().bodySize(), body.size());
    {
        Sql sql(dbPath());
        QCOMPARE(sql.count(QStringLiteral("chunks")), (body.size() + Chunk - 1) / Chunk);
    }
    PendingReply reply;
    std::unique_ptr<QIODevice> device(entry->openBody());
    QVERIFY(device);
    QVERIFY(device->isSequential());
    // A synchronous reader (no reply waiting for readyRead()) is promised the whole rest...
    QCOMPARE(device->bytesAvailable(), body.size());
    // ...while under QNAM's streaming path it is one chunk at a time, never the whole body.
    device->setParent(&reply);
    QVERIFY(device->bytesAvailable() > 0);
    QVERIFY(device->bytesAvailable() <= Chunk);
    const ReadResult r = readBody(device.get());
    QVERIFY2(r.complete, qPrintable(r.error));
    QCOMPARE(r.data.size(), body.size());
    QVERIFY(r.data == body);
    QVERIFY(device->atEnd());

    // The synchronous reader gets all of it too, verified chunk by chunk.
    device.reset(openBody(*tier, key));
    QVERIFY(device);
    QVERIFY(device->readAll() == body);
    QVERIFY(device->atEnd());
}

void tst_SqliteTier::remove()
{
    auto tier = create();
    QVERIFY(tier);
    const QString key = QStringLiteral("http://example.com/r");
    QVERIFY(put(*tier, key, pattern(200000, 1)));
    QVERIFY(tier->remove(key));
    QVERIFY(!tier->lookup(key));
    QVERIFY(!tier->remove(key));
    QCOMPARE(tier->size(), 0);
    Sql sql(dbPath());
    QCOMPARE(sql.count(QStringLiteral("entries")), 0);
    QCOMPARE(sql.count(QStringLiteral("chunks")), 0);
}

void tst_SqliteTier::updateMetaDataKeepsBody()
{
    auto tier = create();
    QVERIFY(tier);
    const QString key = QStringLiteral("http://example.com/u");
    const QByteArray body = pattern(150000, 2);
    QVERIFY(put(*tier, key, body));
    const qint64 sizeBefore = tier->size();
    QNetworkCacheMetaData md = makeMeta(key, "\"a-much-longer-etag-after-revalidation\"");
    md.setExpirationDate(QDateTime(QDate(2040, 1, 1), QTime(0, 0), Qt::UTC));
    QVERIFY(tier->updateMetaData(key, md));
    const std::unique_ptr<TierEntry> entry = tier->lookup(key);
    QVERIFY(entry);
    const TierRecord r = entry->record();
    QCOMPARE(r.metaData(), md);
    QCOMPARE(r.bodySize(), body.size());
    QCOMPARE(readAll(*tier, key), body);
    QVERIFY(tier->size() > sizeBefore); // the longer ETag is accounted for
    QVERIFY(!tier->updateMetaData(QStringLiteral("http://example.com/none"), md));
}

void tst_SqliteTier::enumerate()
{
    auto tier = create();
    QVERIFY(tier);
    // More than one page of the paged enumeration.
    QSet<QString> expected;
    for (int i = 0; i < 600; ++i) {
        const QString key = QStringLiteral("http://example.com/e/%1").arg(i);
        expected.insert(key);
        QVERIFY(put(*tier, key, QByteArray::number(i)));
    }
    QSet<QString> seen;
    int visits = 0;
    tier->enumerate([&](const TierRecord &r) {
        ++visits;
        seen.insert(r.key());
        return r.isValid() && r.metaData().url() == QUrl(r.key()) && r.lastAccess().isValid()
                && r.bodySize()
                == QByteArray::number(r.key().section(QLatin1Char('/'), -1).toInt()).size();
    });
    QCOMPARE(visits, 600);
    QCOMPARE(seen, expected);

    visits = 0;
    tier->enumerate([&](const TierRecord &) { return ++visits < 3; });
    QCOMPARE(visits, 3);

    // The visitor may modify the tier.
    tier->enumerate([&](const TierRecord &r) { return tier->remove(r.key()); });
    QCOMPARE(tier->size(), 0);
}

void tst_SqliteTier::clear()
{
    auto tier = create();
    QVERIFY(tier);
    QVERIFY(put(*tier, QStringLiteral("http://example.com/1"), pattern(100000, 1)));
    QVERIFY(put(*tier, QStringLiteral("http://example.com/2"), "two"));
    QVERIFY(tier->size() > 100000);
    tier->clear();
    QCOMPARE(tier->size(), 0);
    QVERIFY(!tier->lookup(QStringLiteral("http://example.com/1")));
    int visits = 0;
    tier->enumerate([&](const TierRecord &) { return ++visits, true; });
    QCOMPARE(visits, 0);
    Sql sql(dbPath());
    QCOMPARE(sql.count(QStringLiteral("chunks")), 0);
    // Still usable.
    QVERIFY(put(*tier, QStringLiteral("http://example.com/3"), "three"));
    QCOMPARE(readAll(*tier, QStringLiteral("http://example.com/3")), QByteArray("three"));
}

void tst_SqliteTier::batchedHitsStillOrderEviction()
{
    // Hits are written in batches (every 256 hits or second); an eviction must still see the
    // ones not written yet.
    auto tier = create(QStringLiteral("&max=200KiB&max_entry=100KiB"));
    QVERIFY(tier);
    const auto key = [](const char *name) {
        return QStringLiteral("http://example.com/batch/") + QLatin1String(name);
    };
    for (const char *name : {"a", "b", "c"}) {
        QVERIFY(put(*tier, key(name), pattern(60000, name[0])));
        QTest::qWait(5);
    }
    QCOMPARE(readAll(*tier, key("a")), pattern(60000, 'a')); // the first hit is written at once
    QTest::qWait(5);
    QCOMPARE(readAll(*tier, key("b")), pattern(60000, 'b')); // this one waits in the batch
    QTest::qWait(5);
    QVERIFY(put(*tier, key("d"), pattern(60000, 'd')));
    QVERIFY(tier->lookup(key("a")));
    QVERIFY(tier->lookup(key("b")));
    QVERIFY(!tier->lookup(key("c"))); // the least recently used, counting b's hit
    QVERIFY(tier->lookup(key("d")));
}

void tst_SqliteTier::sizeAndLruEviction()
{
    auto tier = create(QStringLiteral("&max=200KiB&max_entry=100KiB"));
    QVERIFY(tier);
    const qint64 budget = 200 * 1024;
    const auto key = [](const char *name) {
        return QStringLiteral("http://example.com/lru/") + QLatin1String(name);
    };
    QVERIFY(put(*tier, key("a"), pattern(60000, 1)));
    QTest::qWait(5);
    QVERIFY(put(*tier, key("b"), pattern(60000, 2)));
    QTest::qWait(5);
    QVERIFY(put(*tier, key("c"), pattern(60000, 3)));
    QTest::qWait(5);
    const qint64 three = tier->size();
    QVERIFY2(three > 180000 && three <= budget, qPrintable(QString::number(three)));
    // size() = bodies + metadata + keys: what enumerate() reports plus the overhead.
    qint64 bodies = 0;
    tier->enumerate([&](const TierRecord &r) { return bodies += r.bodySize(), true; });
    QCOMPARE(bodies, 180000);

    // Reading "a" makes "b" the least recently used.
    QCOMPARE(readAll(*tier, key("a")), pattern(60000, 1));
    QTest::qWait(5);
    QVERIFY(put(*tier, key("d"), pattern(60000, 4)));
    QVERIFY(tier->lookup(key("a")));
    QVERIFY(!tier->lookup(key("b")));
    QVERIFY(tier->lookup(key("c")));
    QVERIFY(tier->lookup(key("d")));
    QVERIFY(tier->size() <= budget);
    QCOMPARE(tier->size(), three); // same sizes, same key lengths
    Sql sql(dbPath());
    QCOMPARE(sql.count(QStringLiteral("chunks")), 3); // b's chunk went with it

    // A large newcomer pushes out several.
    QVERIFY(put(*tier, key("e"), pattern(100 * 1024, 5)));
    QVERIFY(tier->size() <= budget);
    QVERIFY(tier->lookup(key("e")));
    QVERIFY(!tier->lookup(key("c")));
}

void tst_SqliteTier::maxEntryIsRefused()
{
    auto tier = create(QStringLiteral("&max=1MiB&max_entry=100KiB"));
    QVERIFY(tier);
    QCOMPARE(tier->maxEntrySize(), 100 * 1024);
    const QString key = QStringLiteral("http://example.com/big");
    QVERIFY(!tier->beginWrite(key, makeMeta(key), 200 * 1024));
    // Unknown size: declined while writing.
    auto writer = tier->beginWrite(key, makeMeta(key), -1);
    QVERIFY(writer);
    const QByteArray body = pattern(200 * 1024, 9);
    bool declined = false;
    for (qint64 at = 0; at < body.size() && !declined; at += 32 * 1024)
        declined = !writer->write(body.constData() + at, 32 * 1024);
    QVERIFY(declined);
    QVERIFY(writer->errorString().contains(QLatin1String("max_entry")));
    QVERIFY(!writer->write("x", 1)); // dead
    QVERIFY(!writer->commit(makeMeta(key), {}));
    writer.reset();
    QVERIFY(!tier->lookup(key));
    Sql sql(dbPath());
    QCOMPARE(sql.count(QStringLiteral("chunks")), 0);
    QCOMPARE(sql.count(QStringLiteral("writes")), 0);
    // Exactly max_entry is fine.
    QVERIFY(put(*tier, key, pattern(100 * 1024, 9)));
}

void tst_SqliteTier::persistsAcrossReopen()
{
    const QString key = QStringLiteral("http://example.com/p");
    const QNetworkCacheMetaData md = makeMeta(key);
    const QByteArray body = pattern(300000, 4);
    qint64 size = 0;
    {
        auto tier = create();
        QVERIFY(tier);
        QVERIFY(put(*tier, key, body, md));
        size = tier->size();
    }
    auto tier = create();
    QVERIFY(tier);
    const std::unique_ptr<TierEntry> entry = tier->lookup(key);
    QVERIFY(entry);
    QVERIFY(entry->record().isValid());
    QCOMPARE(entry->record().metaData(), md);
    QCOMPARE(tier->size(), size);
    QCOMPARE(readAll(*tier, key), body);
}

void tst_SqliteTier::readerKeepsOldBodyDuringReplace()
{
    auto tier = create();
    QVERIFY(tier);
    const QString key = QStringLiteral("http://example.com/replace");
    const QByteArray oldBody = pattern(1024 * 1024, 1);
    const QByteArray newBody = pattern(700 * 1024, 2);
    QVERIFY(put(*tier, key, oldBody));
    std::unique_ptr<QIODevice> device(openBody(*tier, key));
    QVERIFY(device);
    bool replaced = false;
    const ReadResult r = readBody(device.get(), [&] { replaced = put(*tier, key, newBody); });
    QVERIFY(replaced);
    // In the same tier the old version is kept until its reader is done.
    QVERIFY2(r.complete, qPrintable(r.error));
    QVERIFY(r.data == oldBody);
    QCOMPARE(readAll(*tier, key), newBody);
    device.reset();
    Sql sql(dbPath());
    QCOMPARE(sql.count(QStringLiteral("chunks")),
             (newBody.size() + Chunk - 1) / Chunk); // old one freed
    const std::unique_ptr<TierEntry> entry = tier->lookup(key);
    QVERIFY(entry);
    QCOMPARE(entry->record().bodySize(), newBody.size());
}

void tst_SqliteTier::readerOfAnotherConnectionNeverMixesVersions()
{
    // Two tiers on one file, as two processes sharing it.
    auto reading = create();
    auto writing = create();
    QVERIFY(reading && writing);
    const QString key = QStringLiteral("http://example.com/shared");
    const QByteArray oldBody = pattern(1024 * 1024, 1);
    const QByteArray newBody = pattern(1024 * 1024, 2);
    QVERIFY(put(*writing, key, oldBody));
    const std::unique_ptr<TierEntry> entry = reading->lookup(key);
    QVERIFY(entry);
    QCOMPARE(entry->record().bodySize(), oldBody.size());
    std::unique_ptr<QIODevice> device(entry->openBody());
    QVERIFY(device);
    bool replaced = false;
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("damaged cache body.*missing")));
    const ReadResult r = readBody(device.get(), [&] { replaced = put(*writing, key, newBody); });
    QVERIFY(replaced);
    // The other connection freed the old version: the reader stops with an error, having
    // delivered a prefix of the old body - never bytes of the new one.
    QVERIFY(r.complete || r.failed);
    if (r.complete)
        QVERIFY(r.data == oldBody);
    else
        QVERIFY2(oldBody.startsWith(r.data) && r.data.size() < oldBody.size(), qPrintable(r.error));
    // The failing reader did not remove the new version.
    const std::unique_ptr<TierEntry> current = reading->lookup(key);
    QVERIFY(current);
    QCOMPARE(current->record().bodySize(), newBody.size());
    QCOMPARE(readAll(*reading, key), newBody);
}

void tst_SqliteTier::abortedWriterLeavesNothing()
{
    auto tier = create();
    QVERIFY(tier);
    const QString key = QStringLiteral("http://example.com/aborted");
    QVERIFY(put(*tier, key, "old version"));
    {
        auto writer = tier->beginWrite(key, makeMeta(key), -1);
        QVERIFY(writer);
        const QByteArray body = pattern(300000, 3);
        QVERIFY(writer->write(body.constData(), body.size()));
        // Nothing of it is visible before commit.
        QCOMPARE(readAll(*tier, key), QByteArray("old version"));
        Sql sql(dbPath());
        QVERIFY(sql.count(QStringLiteral("chunks")) > 1); // streamed in already
        QCOMPARE(sql.count(QStringLiteral("writes")), 1);
    } // destroyed without commit()
    QCOMPARE(readAll(*tier, key), QByteArray("old version"));
    Sql sql(dbPath());
    QCOMPARE(sql.count(QStringLiteral("entries")), 1);
    QCOMPARE(sql.count(QStringLiteral("chunks")), 1);
    QCOMPARE(sql.count(QStringLiteral("writes")), 0);

    tier->remove(key);
    {
        auto writer = tier->beginWrite(QStringLiteral("http://example.com/new"), makeMeta(key), -1);
        QVERIFY(writer->write(pattern(100000, 1).constData(), 100000));
    }
    QCOMPARE(sql.count(QStringLiteral("entries")), 0);
    QCOMPARE(sql.count(QStringLiteral("chunks")), 0);
    QCOMPARE(sql.count(QStringLiteral("writes")), 0);
}

void tst_SqliteTier::badSpecs_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("message");
    QTest::newRow("no path") << "sqlite:"
                             << "path is required";
    QTest::newRow("empty path") << "sqlite:?path="
                                << "path is required";
    QTest::newRow("relative path") << "sqlite:?path=cache.db"
                                   << "must be absolute";
    QTest::newRow("bad max") << "sqlite:?path=$DIR/t.db&max=lots"
                             << "max=\"lots\" is not a size";
    QTest::newRow("zero max") << "sqlite:?path=$DIR/t.db&max=0"
                              << "max=\"0\" is not a size";
    QTest::newRow("bad max_entry") << "sqlite:?path=$DIR/t.db&max_entry=-5"
                                   << "max_entry=\"-5\" is not a size";
    QTest::newRow("max_entry over max") << "sqlite:?path=$DIR/t.db&max=1MiB&max_entry=2MiB"
                                        << "max_entry=\"2MiB\" is larger than max=\"1MiB\"";
    QTest::newRow("bad timeout") << "sqlite:?path=$DIR/t.db&timeout_ms=soon"
                                 << "timeout_ms=\"soon\"";
    QTest::newRow("unknown option") << "sqlite:?path=$DIR/t.db&colour=blue"
                                    << "unknown option \"colour\"";
    QTest::newRow("unwritable dir") << "sqlite:?path=/proc/tiercache-no-such-dir/t.db"
                                    << "cannot create the directory /proc/tiercache-no-such-dir";
    QTest::newRow("path is a directory") << "sqlite:?path=$DIR"
                                         << "is not a file";
}

void tst_SqliteTier::badSpecs()
{
    QFETCH(QString, spec);
    QFETCH(QString, message);
    spec.replace(QLatin1String("$DIR"), m_dir->path());
    QString error;
    auto tier = m_loader.create(spec, &error);
    QVERIFY(!tier);
    QVERIFY2(error.contains(message), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("sqlite:")), qPrintable(error)); // names the spec
}

void tst_SqliteTier::foreignDatabaseIsRefused()
{
    {
        Sql sql(dbPath());
        QVERIFY(sql.exec(
                QStringLiteral("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER)")));
        QVERIFY(sql.exec(QStringLiteral("INSERT INTO invoices VALUES (1, 42)")));
    }
    QString error;
    QVERIFY(!create({}, &error));
    QVERIFY2(error.contains(dbPath()), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("does not belong to tiercache")), qPrintable(error));
    // Left alone.
    Sql sql(dbPath());
    QCOMPARE(sql.value(QStringLiteral("SELECT amount FROM invoices WHERE id = 1")).toInt(), 42);
    QCOMPARE(sql.value(QStringLiteral("SELECT count(*) FROM sqlite_master")).toInt(), 1);

    // Another application's id is refused too.
    const QString other = m_dir->path() + QLatin1String("/other.db");
    {
        Sql sql2(other);
        QVERIFY(sql2.exec(QStringLiteral("PRAGMA application_id=1234")));
    }
    auto tier = m_loader.create(QStringLiteral("sqlite:?path=") + other, &error);
    QVERIFY(!tier);
    QVERIFY2(error.contains(other) && error.contains(QLatin1String("application_id 1234")),
             qPrintable(error));
}

void tst_SqliteTier::nonDatabaseFileIsRefused()
{
    QFile file(dbPath());
    QVERIFY(file.open(QIODevice::WriteOnly));
    const QByteArray text = QByteArray("this is a text file, not a database\n").repeated(200);
    file.write(text);
    file.close();
    QString error;
    QVERIFY(!create({}, &error));
    QVERIFY2(error.contains(dbPath()), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("not a database")), qPrintable(error));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), text);
}

void tst_SqliteTier::corruptedChunkFailsMidStream()
{
    auto tier = create();
    QVERIFY(tier);
    const QString key = QStringLiteral("http://example.com/corrupt");
    const QByteArray body = pattern(5 * Chunk + 1000, 5);
    QVERIFY(put(*tier, key, body));
    {
        // Flip one byte of chunk 2, keep its length and stored checksum.
        Sql sql(dbPath());
        QByteArray data = body.mid(2 * Chunk, Chunk);
        data[1234] = char(data[1234] ^ 0x20);
        QVERIFY(sql.exec(QStringLiteral("UPDATE chunks SET data = ? WHERE seq = 2"), {data}));
    }
    const std::unique_ptr<TierEntry> entry = tier->lookup(key); // lookup does not read bodies
    QVERIFY(entry);
    std::unique_ptr<QIODevice> device(entry->openBody());
    QVERIFY(device);
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("damaged cache body.*checksum")));
    const ReadResult r = readBody(device.get());
    QVERIFY(r.failed);
    QVERIFY2(r.error.contains(QLatin1String("checksum")), qPrintable(r.error));
    QCOMPARE(r.data, body.left(2 * Chunk)); // only verified bytes came out
    char c;
    QCOMPARE(device->read(&c, 1), qint64(0)); // never "end of file"
    // The damaged entry is gone.
    QVERIFY(!tier->lookup(key));
    device.reset();
    Sql sql(dbPath());
    QCOMPARE(sql.count(QStringLiteral("chunks")), 0);

    // A truncated chunk: the lookup compares the chunk lengths with the entry (an index read,
    // no body bytes), so it is a miss and the entry is dropped before any byte is served.
    QVERIFY(put(*tier, key, body));
    QVERIFY(sql.exec(
            QStringLiteral("UPDATE chunks SET data = substr(data, 1, 100) WHERE seq = 4")));
    QVERIFY(!tier->lookup(key));
    QVERIFY(!tier->lookup(key)); // and it stays gone
    QCOMPARE(sql.count(QStringLiteral("chunks")), 0);
}

void tst_SqliteTier::corruptedFirstChunkIsAMiss()
{
    auto tier = create();
    QVERIFY(tier);
    const QString key = QStringLiteral("http://example.com/first");
    QVERIFY(put(*tier, key, "small body, one chunk"));
    {
        Sql sql(dbPath());
        QVERIFY(sql.exec(QStringLiteral("UPDATE chunks SET data = ?"),
                         {QByteArray("SMALL body, one chunk")}));
    }
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral(".*checksum.*")));
    // Found at the lookup (a miss) or when the body is opened (nullptr): never a device.
    const std::unique_ptr<TierEntry> entry = tier->lookup(key);
    if (entry) {
        std::unique_ptr<QIODevice> device(entry->openBody());
        QVERIFY(!device);
    }
    QVERIFY2(tier->errorString().contains(QLatin1String("checksum")),
             qPrintable(tier->errorString()));
    QVERIFY(!tier->lookup(key));
}

void tst_SqliteTier::missingChunkIsAMiss()
{
    auto tier = create();
    QVERIFY(tier);
    const QString key = QStringLiteral("http://example.com/missing");
    QVERIFY(put(*tier, key, pattern(3 * Chunk, 1)));
    {
        Sql sql(dbPath());
        QVERIFY(sql.exec(QStringLiteral("DELETE FROM chunks WHERE seq = 1")));
    }
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral(".*missing chunks.*")));
    QVERIFY(!tier->lookup(key));
    Sql sql(dbPath());
    QCOMPARE(sql.count(QStringLiteral("entries")), 0);
    QCOMPARE(sql.count(QStringLiteral("chunks")), 0);
}

void tst_SqliteTier::undecodableMetaDataIsAMiss()
{
    auto tier = create();
    QVERIFY(tier);
    const QString key = QStringLiteral("http://example.com/meta");
    QVERIFY(put(*tier, key, "body"));
    QVERIFY(put(*tier, QStringLiteral("http://example.com/fine"), "fine"));
    {
        Sql sql(dbPath());
        QVERIFY(sql.exec(QStringLiteral("UPDATE entries SET meta = ? WHERE key = ?"),
                         {QByteArray("garbage"), key}));
    }
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral(".*undecodable.*")));
    QVERIFY(!tier->lookup(key));
    Sql sql(dbPath());
    QCOMPARE(sql.count(QStringLiteral("entries")), 1);
    QCOMPARE(sql.count(QStringLiteral("chunks")), 1);
    // enumerate() skips and drops them as well.
    QVERIFY(sql.exec(QStringLiteral("UPDATE entries SET meta = x'00'")));
    int visits = 0;
    tier->enumerate([&](const TierRecord &) { return ++visits, true; });
    QCOMPARE(visits, 0);
    QCOMPARE(sql.count(QStringLiteral("entries")), 0);
    QCOMPARE(tier->size(), 0);
}

void tst_SqliteTier::orphanedChunksAreSweptOnOpen()
{
    {
        auto tier = create();
        QVERIFY(tier);
        QVERIFY(put(*tier, QStringLiteral("http://example.com/kept"), "kept"));
    }
    {
        // What a process killed mid-write leaves behind: chunks of a generation nothing names.
        Sql sql(dbPath());
        QVERIFY(sql.exec(QStringLiteral(
                "INSERT INTO chunks (gen, seq, sum, data) VALUES (999, 0, 0, x'0102')")));
    }
    auto tier = create();
    QVERIFY(tier);
    Sql sql(dbPath());
    QCOMPARE(sql.count(QStringLiteral("chunks")), 1);
    QCOMPARE(readAll(*tier, QStringLiteral("http://example.com/kept")), QByteArray("kept"));
}

void tst_SqliteTier::endToEnd_data()
{
    QTest::addColumn<qint64>("size");
    QTest::newRow("small") << qint64(1000);
    QTest::newRow("3 MiB") << qint64(3 * 1024 * 1024);
}

void tst_SqliteTier::endToEnd()
{
    QFETCH(qint64, size);
    LoopbackServer server;
    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    nam.setCache(cache);
    QVERIFY2(cache->setTiers({QStringLiteral("sqlite:?path=") + dbPath()}),
             qPrintable(cache->tierErrors().join(QLatin1Char('\n'))));
    Response response;
    response.generatedBodySize = size;
    response.seed = 11;
    response.header("Cache-Control", "max-age=3600");
    server.setRoute("/e2e", response);
    const QUrl url = server.url(QStringLiteral("/e2e"));
    const QByteArray expected = pattern(size, 11);

    const Fetched miss = fetch(nam, url);
    QVERIFY(miss.finished);
    QCOMPARE(miss.error, QNetworkReply::NoError);
    QVERIFY(!miss.fromCache);
    QVERIFY(miss.body == expected);

    const Fetched hit = fetch(nam, url);
    QVERIFY(hit.finished);
    QCOMPARE(hit.error, QNetworkReply::NoError);
    QVERIFY(hit.fromCache);
    QCOMPARE(hit.status, 200);
    QCOMPARE(hit.body.size(), expected.size());
    QVERIFY(hit.body == expected);
    QCOMPARE(server.requestCount("/e2e"), 1);
    const auto stats = cache->tierStatistics();
    QCOMPARE(stats.size(), 1);
    QCOMPARE(stats[0].name(), QStringLiteral("sqlite"));
    QCOMPARE(stats[0].writes(), 1);
    QVERIFY(stats[0].size() > size);
}

void tst_SqliteTier::endToEndDamagedBodyAbortsReply()
{
    LoopbackServer server;
    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    nam.setCache(cache);
    QVERIFY(cache->setTiers({QStringLiteral("sqlite:?path=") + dbPath()}));
    const qint64 size = 3 * 1024 * 1024;
    Response response;
    response.generatedBodySize = size;
    response.header("Cache-Control", "max-age=3600");
    server.setRoute("/damaged", response);
    const QUrl url = server.url(QStringLiteral("/damaged"));
    const QByteArray expected = pattern(size, 0);
    QVERIFY(fetch(nam, url).body == expected);
    {
        Sql sql(dbPath());
        QVERIFY(sql.exec(
                QStringLiteral("UPDATE chunks SET data = zeroblob(length(data)) WHERE seq = 10")));
    }
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("damaged cache body.*")));
    const Fetched damaged = fetch(nam, url, QNetworkRequest::PreferCache, 10000);
    QVERIFY(damaged.finished); // aborted, not left hanging
    QVERIFY(damaged.error != QNetworkReply::NoError);
    QVERIFY(damaged.body.size() < size); // never a "complete" short or wrong body
    QVERIFY(expected.startsWith(damaged.body));
    // The damaged entry is gone: the next request goes to the origin and is cached afresh.
    const Fetched again = fetch(nam, url);
    QVERIFY(!again.fromCache);
    QVERIFY(again.body == expected);
    QCOMPARE(server.requestCount("/damaged"), 2);
    QVERIFY(fetch(nam, url).fromCache);
}

void tst_SqliteTier::hostileRowsAreMisses_data()
{
    // SQL run against the file after a 3-chunk entry was stored; :old_meta is metadata in the
    // format of schema version 1 (QDataStream), :hostile_meta a header announcing 4 GiB.
    QTest::addColumn<QString>("sql");
    QTest::newRow("garbage meta") << "UPDATE entries SET meta = randomblob(300)";
    QTest::newRow("truncated meta")
            << "UPDATE entries SET meta = substr(meta, 1, length(meta) - 7)";
    QTest::newRow("empty meta") << "UPDATE entries SET meta = x''";
    QTest::newRow("text meta") << "UPDATE entries SET meta = 'TCMD'";
    QTest::newRow("old QDataStream meta") << "UPDATE entries SET meta = :old_meta";
    QTest::newRow("hostile meta lengths") << "UPDATE entries SET meta = :hostile_meta";
    QTest::newRow("negative body_size") << "UPDATE entries SET body_size = -1";
    QTest::newRow("huge body_size") << "UPDATE entries SET body_size = 9223372036854775807";
    QTest::newRow("body_size one more") << "UPDATE entries SET body_size = body_size + 1";
    QTest::newRow("body_size one less") << "UPDATE entries SET body_size = body_size - 1";
    QTest::newRow("chunk_size zero") << "UPDATE entries SET chunk_size = 0";
    QTest::newRow("chunk_size one") << "UPDATE entries SET chunk_size = 1";
    QTest::newRow("chunk_size huge") << "UPDATE entries SET chunk_size = 9223372036854775807";
    QTest::newRow("other generation") << "UPDATE entries SET gen = gen + 1000";
    QTest::newRow("garbage first chunk")
            << "UPDATE chunks SET data = randomblob(length(data)) WHERE seq = 0";
    QTest::newRow("garbage middle chunk")
            << "UPDATE chunks SET data = randomblob(length(data)) WHERE seq = 1";
    QTest::newRow("truncated last chunk")
            << "UPDATE chunks SET data = substr(data, 1, 10) WHERE seq = 2";
    QTest::newRow("text chunk") << "UPDATE chunks SET data = 'hello' WHERE seq = 1";
    QTest::newRow("missing chunk") << "DELETE FROM chunks WHERE seq = 1";
    QTest::newRow("zeroed sums") << "UPDATE chunks SET sum = 0";
    QTest::newRow("swapped chunks")
            << "UPDATE chunks SET seq = -1 WHERE seq = 0; UPDATE chunks SET seq = 0 WHERE seq = 1;"
               " UPDATE chunks SET seq = 1 WHERE seq = -1";
    QTest::newRow("extra chunk") << "INSERT INTO chunks (gen, seq, sum, data) SELECT gen, 3, sum, "
                                    "data FROM chunks WHERE seq = 0";
}

void tst_SqliteTier::hostileRowsAreMisses()
{
    QFETCH(QString, sql);
    const QString key = QStringLiteral("http://example.com/hostile");
    const QByteArray body = pattern(2 * Chunk + 5000, 9);
    QByteArray oldMeta;
    {
        QDataStream out(&oldMeta, QIODevice::WriteOnly);
        out.setVersion(QDataStream::Qt_6_0);
        out << quint32(0x54434d44) << quint16(1) << makeMeta(key);
    }
    QByteArray hostileMeta("DMCT\x02\0\0\0\xff\xff\xff\xff", 12);
    hostileMeta += QByteArray(64, 'x');
    const auto tamper = [&] {
        Sql vandal(dbPath());
        for (QString statement : sql.split(QLatin1String("; "))) {
            QVariantList values;
            if (statement.contains(QLatin1String(":old_meta")))
                values.append(oldMeta);
            if (statement.contains(QLatin1String(":hostile_meta")))
                values.append(hostileMeta);
            statement.replace(QLatin1String(":old_meta"), QLatin1String("?"));
            statement.replace(QLatin1String(":hostile_meta"), QLatin1String("?"));
            if (!vandal.exec(statement, values))
                return false;
        }
        return true;
    };
    // Through the tier: a miss at lookup() or openBody(), or a stream that fails; never a
    // complete body that differs, and afterwards the entry is gone.
    {
        auto tier = create();
        QVERIFY(tier);
        QVERIFY(put(*tier, key, body));
        QVERIFY(tamper());
        bool harmless = false;
        if (tier->lookup(key) != nullptr) {
            std::unique_ptr<QIODevice> device(openBody(*tier, key));
            if (device) {
                const ReadResult r = readBody(device.get());
                QVERIFY2(!r.complete || r.data == body,
                         qPrintable(QStringLiteral("a wrong body of %1 bytes").arg(r.data.size())));
                QVERIFY(body.startsWith(r.data));
                harmless = r.complete; // e.g. an extra chunk nobody reads
                QVERIFY(r.complete || r.failed);
            }
        }
        if (!harmless) {
            QVERIFY(!tier->lookup(key));
            QVERIFY(!std::unique_ptr<QIODevice>(openBody(*tier, key)));
        }
    }

    // Through a NetworkCache with that tier, under QNAM (streaming and AlwaysCache): the
    // right body or an error, never a wrong one; then a miss that goes to the origin.
    LoopbackServer server;
    Response response;
    response.body = body;
    response.header("Cache-Control", "max-age=3600");
    server.setRoute("/hostile", response);
    const QUrl url = server.url(QStringLiteral("/hostile"));
    QFile::remove(dbPath());
    const QString failure =
            checkDamagedEntryUnderQnam({QStringLiteral("sqlite:?path=") + dbPath()}, url, body,
                                       [&](const QString &) { return tamper(); });
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
}

// readonly=true (what a read-only NetworkCache sets): hits are served, and not one byte of the
// file changes: no LRU time, no write, removal, metadata update or clear.
void tst_SqliteTier::readOnlyServesAndChangesNothing()
{
    const QString small = QStringLiteral("http://example.com/small");
    const QString large = QStringLiteral("http://example.com/large");
    const QByteArray largeBody = pattern(3 * Chunk + 123, 3);
    {
        auto writer = create();
        QVERIFY(writer);
        QVERIFY(put(*writer, small, "small body"));
        QVERIFY(put(*writer, large, largeBody));
    }
    const auto before = snapshot(m_dir->path());
    QCOMPARE(before.keys(), QStringList {QStringLiteral("t.db")}); // the writer closed cleanly
    QString error;
    auto tier = create(QStringLiteral("&readonly=true"), &error);
    QVERIFY2(tier, qPrintable(error));
    for (int round = 0; round < 3; ++round) {
        QCOMPARE(readAll(*tier, small), QByteArray("small body"));
        QCOMPARE(readAll(*tier, large), largeBody);
        std::unique_ptr<TierEntry> entry = tier->lookup(large);
        QVERIFY(entry);
        std::unique_ptr<QIODevice> verified(entry->openBody(TierEntry::ReadMode::Verified));
        QVERIFY(verified);
    }
    int listed = 0;
    tier->enumerate([&](const TierRecord &) { return ++listed, true; });
    QCOMPARE(listed, 2);
    QVERIFY(tier->size() > largeBody.size());
    QVERIFY(!tier->beginWrite(QStringLiteral("http://example.com/new"), makeMeta({}), 10));
    QVERIFY2(tier->errorString().contains(QLatin1String("read-only")),
             qPrintable(tier->errorString()));
    QVERIFY(!tier->remove(small));
    QVERIFY(!tier->updateMetaData(small, makeMeta(small, "\"v2\"")));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("cannot clear")));
    tier->clear();
    QCOMPARE(readAll(*tier, small), QByteArray("small body"));
    tier.reset();
    QCOMPARE(snapshot(m_dir->path()), before);
}

void tst_SqliteTier::readOnlyKeepsDamagedEntries()
{
    const QString corrupt = QStringLiteral("http://example.com/corrupt");
    const QString missing = QStringLiteral("http://example.com/missing");
    const QByteArray body = pattern(3 * Chunk, 9);
    {
        auto writer = create();
        QVERIFY(writer);
        QVERIFY(put(*writer, corrupt, body));
        QVERIFY(put(*writer, missing, body));
    }
    auto tier = create(QStringLiteral("&readonly=true"));
    QVERIFY(tier);
    {
        // Damaged by somebody else while the reader has the file open.
        Sql sql(dbPath());
        QByteArray data = body.mid(Chunk, Chunk);
        data[10] = char(data[10] ^ 1);
        const qint64 corruptGen =
                sql.value(QStringLiteral("SELECT gen FROM entries WHERE key = ?"), {corrupt})
                        .toLongLong();
        const qint64 missingGen =
                sql.value(QStringLiteral("SELECT gen FROM entries WHERE key = ?"), {missing})
                        .toLongLong();
        QVERIFY(sql.exec(QStringLiteral("UPDATE chunks SET data = ? WHERE gen = ? AND seq = 1"),
                         {data, corruptGen}));
        QVERIFY(sql.exec(QStringLiteral("DELETE FROM chunks WHERE gen = ? AND seq = 2"),
                         {missingGen}));
    }
    const auto before = snapshot(m_dir->path());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("checksum")));
    const QByteArray read = readAll(*tier, corrupt);
    QVERIFY2(read.startsWith("<incomplete"), read.left(100));
    QVERIFY(!tier->lookup(missing));
    QVERIFY2(tier->errorString().contains(QLatin1String("kept (read-only)")),
             qPrintable(tier->errorString()));
    QVERIFY(tier->lookup(corrupt)); // still there: a writer drops it
    tier.reset();
    QCOMPARE(snapshot(m_dir->path()), before);
    Sql sql(dbPath());
    QCOMPARE(sql.count(QStringLiteral("entries")), 2);
}

void tst_SqliteTier::readOnlyOpensOnlyAnExistingTier_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing") << "missing"
                             << "does not exist";
    QTest::newRow("directory") << "directory"
                               << "is not a file";
    QTest::newRow("empty file") << "empty"
                                << "holds no tiercache sqlite tier yet";
    QTest::newRow("empty database") << "emptydb"
                                    << "holds no tiercache sqlite tier yet";
    QTest::newRow("schema version 1") << "version1"
                                      << "schema version 1";
    QTest::newRow("newer schema") << "version9"
                                  << "schema version 9";
    QTest::newRow("foreign database") << "foreign"
                                      << "does not belong to tiercache";
    QTest::newRow("not a database") << "text"
                                    << "not a database";
}

void tst_SqliteTier::readOnlyOpensOnlyAnExistingTier()
{
    QFETCH(QString, file);
    QFETCH(QString, message);
    QString path = dbPath();
    if (file == QLatin1String("missing")) {
        path = m_dir->path() + QLatin1String("/sub/dir/t.db");
    } else if (file == QLatin1String("directory")) {
        QVERIFY(QDir().mkpath(path));
    } else if (file == QLatin1String("empty") || file == QLatin1String("text")) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        if (file == QLatin1String("text"))
            f.write(QByteArray("not a database at all\n").repeated(100));
    } else {
        Sql sql(path);
        if (file == QLatin1String("emptydb"))
            QVERIFY(sql.exec(QStringLiteral("PRAGMA user_version=0")));
        else if (file == QLatin1String("foreign"))
            QVERIFY(sql.exec(QStringLiteral("CREATE TABLE photos (name TEXT)")));
        else
            QVERIFY(sql.exec(QStringLiteral("PRAGMA application_id=%1").arg(0x54435331))
                    && sql.exec(QStringLiteral("PRAGMA user_version=%1")
                                        .arg(file == QLatin1String("version1") ? 1 : 9))
                    && sql.exec(QStringLiteral("CREATE TABLE entries (key TEXT)")));
    }
    const auto before = snapshot(m_dir->path());
    QString error;
    auto tier = m_loader.create(QStringLiteral("sqlite:?path=%1&readonly=true").arg(path), &error);
    QVERIFY(!tier);
    QVERIFY2(error.contains(message) && error.contains(path), qPrintable(error));
    QCOMPARE(snapshot(m_dir->path()), before);
}

// A reader opened while no writer had the file open sees what writers commit later.
void tst_SqliteTier::readOnlySeesWriters()
{
    const QString a = QStringLiteral("http://example.com/a");
    const QString b = QStringLiteral("http://example.com/b");
    {
        auto writer = create();
        QVERIFY(put(*writer, a, "first"));
    }
    auto reader = create(QStringLiteral("&readonly=true"));
    QVERIFY(reader);
    QCOMPARE(readAll(*reader, a), QByteArray("first"));
    QVERIFY(!reader->lookup(b));
    {
        auto writer = create();
        QVERIFY(put(*writer, b, "second"));
        QCOMPARE(readAll(*reader, b), QByteArray("second")); // the writer still has it open
        QVERIFY(put(*writer, a, "replaced"));
        QCOMPARE(readAll(*reader, a), QByteArray("replaced"));
    }
    QVERIFY(put(*create(), b, "after the writer left"));
    QCOMPARE(readAll(*reader, b), QByteArray("after the writer left"));
}

QTEST_MAIN(tst_SqliteTier)
#include "tst_sqlitetier.moc"
