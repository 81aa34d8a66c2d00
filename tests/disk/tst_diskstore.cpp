// SPDX-License-Identifier: MIT
// Unit tests of the disk store (src/disk/diskstore.cpp): bodies and rows together, without a
// QNetworkAccessManager. Sizes are checked against what the catalogue says it allocated, so
// the tests hold on any file system.

#include "disk/blobstore_p.h"
#include "disk/diskstore_p.h"
#include "disk/spooldevice_p.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QSet>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace tiercache;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 NoLimit = Q_INT64_C(1) << 40;
// The window openBody() verifies up front: whole chunks, as BodyDevice::WindowSize is.
constexpr qint64 Window = 2 * blob::ChunkSize;

QByteArray bodyOf(qint64 size, char seed)
{
    QByteArray body(size, Qt::Uninitialized);
    for (qint64 i = 0; i < size; ++i)
        body[i] = char(seed + i * 7 + (i >> 9));
    return body;
}

QByteArray sha256Hex(const QByteArray &bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

int filesUnder(const QString &dir)
{
    int n = 0;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        ++n;
    }
    return n;
}

QStringList keysOf(const QList<EntryRecord> &entries)
{
    QStringList keys;
    for (const EntryRecord &e : entries)
        keys.append(e.key);
    return keys;
}

} // namespace

class tst_DiskStore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void commitAndOpenBody_data();
    void commitAndOpenBody();
    void sameBodyIsStoredOnce();
    void replacedBodyBecomesATombstone();
    void totalSizeFollowsEveryChange();
    void updateMetaChecksTheBody();
    void hitsAreBatched();
    void evictionFollowsLru();
    void hardCapKeepsTheNewEntry();
    void tagsTravelWithTheCommit();
    void removeKeysAndExpireKeys();
    void damagedBodyIsDropped_data();
    void damagedBodyIsDropped();
    void verifyReportsDamage();
    void countersAndSeries();
    void backgroundStepsDoNotWaitForTheLock();
    void unusableCatalogueIsRebuilt();
    void sweepTempSparesLiveWriters();
    void clearEmptiesEverything();

private:
    QString root() const { return m_dir->path(); }
    bool store(const QString &key, const QByteArray &body, qint64 lastAccessMs,
               const QStringList &tags = {}, qint64 maximumSize = NoLimit);
    //! What the running total must be: each body's allocation once, plus every row.
    qint64 expectedTotal();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<DiskStore> m_store;
    QStringList m_evicted;
};

void tst_DiskStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_store = std::make_unique<DiskStore>();
    QVERIFY2(m_store->open(root()), qPrintable(m_store->errorString()));
    m_evicted.clear();
    m_store->setEvictionObserver([this](const QString &key, qint64) { m_evicted.append(key); });
}

void tst_DiskStore::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

bool tst_DiskStore::store(const QString &key, const QByteArray &body, qint64 lastAccessMs,
                          const QStringList &tags, qint64 maximumSize)
{
    SpoolDevice spool(key, QNetworkCacheMetaData(), nullptr);
    if (!spool.begin(blob::tempDir(m_store->root())) || spool.write(body) != body.size())
        return false;
    EntryRecord e;
    e.meta = "meta:" + key.toUtf8();
    e.status = 200;
    e.contentType = "text/plain";
    e.expiresMs = lastAccessMs + 60000;
    e.createdMs = lastAccessMs;
    e.lastAccessMs = lastAccessMs;
    return m_store->commit(&spool, e, tags, false, maximumSize);
}

qint64 tst_DiskStore::expectedTotal()
{
    qint64 total = 0;
    QSet<QByteArray> bodies;
    for (const EntryRecord &e : m_store->query(EntryQuery(), 0, -1)) {
        total += e.rowSize;
        if (!bodies.contains(e.digest))
            total += e.allocSize;
        bodies.insert(e.digest);
    }
    return total;
}

void tst_DiskStore::commitAndOpenBody_data()
{
    QTest::addColumn<qint64>("size");
    QTest::newRow("empty") << qint64(0);
    QTest::newRow("one byte") << qint64(1);
    QTest::newRow("one chunk") << qint64(blob::ChunkSize);
    QTest::newRow("one byte past a chunk") << qint64(blob::ChunkSize) + 1;
    QTest::newRow("the window") << Window;
    QTest::newRow("one byte past the window") << Window + 1;
    QTest::newRow("several windows") << qint64(5 * blob::ChunkSize + 123);
}

void tst_DiskStore::commitAndOpenBody()
{
    QFETCH(qint64, size);
    const QByteArray body = bodyOf(size, 'a');
    QVERIFY2(store(u"http://x/"_s, body, 1000), qPrintable(m_store->errorString()));

    const auto e = m_store->find(u"http://x/"_s);
    QVERIFY(e);
    QCOMPARE(e->bodySize, size);
    QCOMPARE(e->digest, sha256Hex(body)); // content-addressed
    QCOMPARE(e->chunkSize, blob::ChunkSize);
    QCOMPARE(e->sums.size(), blob::chunkCount(size, blob::ChunkSize) * blob::ChecksumSize);
    QCOMPARE(e->meta, QByteArray("meta:http://x/"));
    QCOMPARE(e->rowSize, DiskStore::rowSize(*e));
    QCOMPARE(e->rowSize, 128 + e->key.size() + e->meta.size());
    QCOMPARE(blob::fileSize(blob::blobPath(root(), e->digest)), blob::HeaderSize + size);
    QCOMPARE(filesUnder(blob::tempDir(root())), 0); // renamed into place, not copied

    QByteArray window;
    int fd = -2;
    QString why;
    QVERIFY2(m_store->openBody(*e, Window, &window, &fd, &why), qPrintable(why));
    QCOMPARE(window, body.left(Window));
    QCOMPARE(fd >= 0, size > Window); // a descriptor only when more remains
    if (fd >= 0) {
        QByteArray rest(size - Window, Qt::Uninitialized);
        QCOMPARE(blob::preadFully(fd, rest.data(), rest.size(), blob::HeaderSize + Window),
                 rest.size());
        blob::closeFd(fd);
        QCOMPARE(rest, body.mid(Window));
    }
    QVERIFY(m_store->verifyBody(*e));
    QCOMPARE(m_store->totalSize(), e->allocSize + e->rowSize);
}

void tst_DiskStore::sameBodyIsStoredOnce()
{
    const QByteArray body = bodyOf(10000, 'b');
    QVERIFY(store(u"a"_s, body, 1));
    QVERIFY(store(u"b"_s, body, 2));
    QCOMPARE(m_store->counts().entries, 2);
    QCOMPARE(m_store->counts().blobs, 1);
    QCOMPARE(filesUnder(blob::blobsDir(root())), 1);
    QCOMPARE(m_store->totalSize(), expectedTotal());

    QVERIFY(m_store->remove(u"a"_s));
    QCOMPARE(filesUnder(blob::blobsDir(root())), 1); // b still uses it
    QCOMPARE(m_store->totalSize(), expectedTotal());
    QVERIFY(m_store->remove(u"b"_s));
    QCOMPARE(filesUnder(blob::blobsDir(root())), 0);
    QCOMPARE(m_store->totalSize(), 0);
    QVERIFY(!m_store->remove(u"b"_s));
}

void tst_DiskStore::replacedBodyBecomesATombstone()
{
    QVERIFY(store(u"k"_s, bodyOf(5000, 'c'), 1));
    const QString oldPath = blob::blobPath(root(), m_store->find(u"k"_s)->digest);
    QVERIFY(store(u"k"_s, bodyOf(7000, 'd'), 2));
    const auto e = m_store->find(u"k"_s);
    QCOMPARE(e->bodySize, 7000);
    QCOMPARE(m_store->counts().entries, 1);
    QCOMPARE(m_store->counts().blobs, 1);
    QCOMPARE(m_store->totalSize(), expectedTotal());
    // The old file is unlinked only after the COMMIT that dropped its row.
    QVERIFY(QFile::exists(oldPath));
    QVERIFY(!m_store->sweepGarbage(16)); // nothing more left
    QVERIFY(!QFile::exists(oldPath));
    QVERIFY(QFile::exists(blob::blobPath(root(), e->digest)));
}

void tst_DiskStore::totalSizeFollowsEveryChange()
{
    QCOMPARE(m_store->totalSize(), 0);
    QVERIFY(store(u"a"_s, bodyOf(100, 'a'), 1));
    QVERIFY(store(u"b"_s, bodyOf(70000, 'b'), 2));
    QVERIFY(store(u"c"_s, bodyOf(0, 'c'), 3));
    QCOMPARE(m_store->totalSize(), expectedTotal());
    const qint64 before = m_store->totalSize();

    const QByteArray longer(500, 'm');
    QVERIFY(m_store->updateMeta(u"a"_s, longer, 99));
    QCOMPARE(m_store->totalSize(), before + longer.size() - QByteArray("meta:a").size());
    QCOMPARE(m_store->totalSize(), expectedTotal());
    QCOMPARE(m_store->find(u"a"_s)->expiresMs, 99);

    QVERIFY(m_store->remove(u"b"_s));
    QCOMPARE(m_store->totalSize(), expectedTotal());
    QVERIFY(m_store->remove(u"a"_s));
    QVERIFY(m_store->remove(u"c"_s));
    QCOMPARE(m_store->totalSize(), 0);
}

void tst_DiskStore::updateMetaChecksTheBody()
{
    QVERIFY(store(u"k"_s, bodyOf(10, 'a'), 1));
    const QByteArray digest = m_store->find(u"k"_s)->digest;
    QVERIFY(!m_store->updateMeta(u"k"_s, "stale", 5, sha256Hex("another body")));
    QCOMPARE(m_store->find(u"k"_s)->meta, QByteArray("meta:k"));
    QVERIFY(m_store->updateMeta(u"k"_s, "new", 5, digest));
    QCOMPARE(m_store->find(u"k"_s)->meta, QByteArray("new"));
    QVERIFY(!m_store->updateMeta(u"missing"_s, "new", 5));
}

void tst_DiskStore::hitsAreBatched()
{
    QVERIFY(store(u"k"_s, bodyOf(10, 'a'), 100));
    m_store->recordHit(u"k"_s, 500);
    m_store->recordHit(u"k"_s, 600);
    QVERIFY(m_store->hasPendingHits());
    QCOMPARE(m_store->find(u"k"_s)->hits, 0); // in memory until the flush
    m_store->flushHits();
    QVERIFY(!m_store->hasPendingHits());
    QCOMPARE(m_store->find(u"k"_s)->hits, 2);
    QCOMPARE(m_store->find(u"k"_s)->lastAccessMs, 600);
}

void tst_DiskStore::evictionFollowsLru()
{
    QVERIFY(store(u"a"_s, bodyOf(1000, 'a'), 10));
    QVERIFY(store(u"b"_s, bodyOf(1000, 'b'), 20));
    QVERIFY(store(u"c"_s, bodyOf(1000, 'c'), 30));
    m_store->recordHit(u"a"_s, 40); // not flushed yet: eviction must still see it

    QVERIFY(m_store->evictTo(m_store->totalSize() - 1, -1));
    QCOMPARE(m_evicted, QStringList {u"b"_s});
    QVERIFY(!m_store->find(u"b"_s));
    QCOMPARE(m_store->totalSize(), expectedTotal());

    QVERIFY(m_store->evictTo(0, -1));
    QCOMPARE(m_evicted, QStringList({u"b"_s, u"c"_s, u"a"_s}));
    QCOMPARE(m_store->totalSize(), 0);
    QCOMPARE(m_store->counts().entries, 0);
    QCOMPARE(m_store->counters().value(u"evictions"_s), 3);
    while (m_store->sweepGarbage(16)) { }
    QCOMPARE(filesUnder(blob::blobsDir(root())), 0);
}

void tst_DiskStore::hardCapKeepsTheNewEntry()
{
    QVERIFY(store(u"a"_s, bodyOf(1000, 'a'), 10));
    QVERIFY(store(u"b"_s, bodyOf(1000, 'b'), 20));
    // A cap no entry fits under: the older ones go, the one being stored stays.
    QVERIFY(store(u"c"_s, bodyOf(1000, 'c'), 30, {}, 1));
    QCOMPARE(m_evicted, QStringList({u"a"_s, u"b"_s}));
    QCOMPARE(keysOf(m_store->entries(0, -1)), QStringList {u"c"_s});
    QCOMPARE(m_store->totalSize(), expectedTotal());
}

void tst_DiskStore::tagsTravelWithTheCommit()
{
    QVERIFY(store(u"k"_s, bodyOf(3000, 'a'), 1, {u"t2"_s, u"t1"_s}));
    QVERIFY(store(u"other"_s, bodyOf(3000, 'b'), 2, {u"t1"_s}));
    QCOMPARE(m_store->tagsOf(u"k"_s), QStringList({u"t1"_s, u"t2"_s}));
    QVERIFY(store(u"k"_s, bodyOf(3000, 'c'), 3, {u"t3"_s})); // a new version, new tags
    QCOMPARE(m_store->tagsOf(u"k"_s), QStringList {u"t3"_s});
    QCOMPARE(m_store->keysForTags({u"t1"_s}), QStringList {u"other"_s});
    const qint64 before = m_store->totalSize();

    QCOMPARE(m_store->removeTagged({u"t3"_s}), 1);
    QVERIFY(!m_store->find(u"k"_s)); // gone for readers at once
    QCOMPARE(m_store->tagsOf(u"k"_s), QStringList());
    QCOMPARE(m_store->totalSize(), before); // the bytes are reclaimed in steps
    int steps = 0;
    while (m_store->reclaimInvalidated(50))
        QVERIFY(++steps < 100);
    QVERIFY(!m_store->reclaimInvalidated(50));
    QCOMPARE(m_store->totalSize(), expectedTotal());
    QCOMPARE(keysOf(m_store->entries(0, -1)), QStringList {u"other"_s});
    while (m_store->sweepGarbage(16)) { }
    QCOMPARE(filesUnder(blob::blobsDir(root())), 1);

    QVERIFY(m_store->dropTags({u"other"_s}));
    QCOMPARE(m_store->tagsOf(u"other"_s), QStringList());
    QVERIFY(m_store->find(u"other"_s)); // the entry stays
}

void tst_DiskStore::removeKeysAndExpireKeys()
{
    QVERIFY(store(u"a"_s, bodyOf(10, 'a'), 1));
    QVERIFY(store(u"b"_s, bodyOf(10, 'b'), 2));
    QVERIFY(store(u"c"_s, bodyOf(10, 'c'), 3));
    QCOMPARE(m_store->expireKeys({u"a"_s}), 1);
    QCOMPARE(m_store->find(u"a"_s)->expiresMs, 0);
    QCOMPARE(m_store->find(u"b"_s)->expiresMs, 60002);
    QCOMPARE(m_store->removeKeys({u"a"_s, u"b"_s, u"missing"_s}), 2);
    QCOMPARE(keysOf(m_store->entries(0, -1)), QStringList {u"c"_s});
    QCOMPARE(m_store->totalSize(), expectedTotal());
}

void tst_DiskStore::damagedBodyIsDropped_data()
{
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QString>("reason");
    QTest::newRow("missing file") << u"remove"_s << u"is missing"_s;
    QTest::newRow("truncated") << u"truncate"_s << u"bytes, expected"_s;
    QTest::newRow("flipped byte") << u"flip"_s << u"fails its checksum"_s;
    QTest::newRow("wrong header") << u"header"_s << u"wrong header"_s;
}

void tst_DiskStore::damagedBodyIsDropped()
{
    QFETCH(QString, damage);
    QFETCH(QString, reason);
    QVERIFY(store(u"k"_s, bodyOf(2000, 'a'), 1));
    const auto e = m_store->find(u"k"_s);
    const QString path = blob::blobPath(root(), e->digest);
    if (damage == u"remove"_s) {
        QVERIFY(QFile::remove(path));
    } else {
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        if (damage == u"truncate"_s) {
            QVERIFY(f.resize(f.size() - 1));
        } else {
            const qint64 at = damage == u"flip"_s ? blob::HeaderSize + 10 : 0;
            QVERIFY(f.seek(at));
            const QByteArray byte = f.read(1);
            QCOMPARE(byte.size(), 1);
            QVERIFY(f.seek(at));
            QCOMPARE(f.write(QByteArray(1, char(byte.at(0) ^ 0x55))), 1);
        }
    }

    QByteArray window;
    int fd = -2;
    QString why;
    QVERIFY(!m_store->openBody(*e, Window, &window, &fd, &why));
    QVERIFY2(why.contains(reason), qPrintable(why));
    QCOMPARE(fd, -1);
    QVERIFY(!m_store->lastFailureWasIo());
    QVERIFY(!m_store->find(u"k"_s)); // a miss from now on
    QCOMPARE(m_store->totalSize(), 0);
}

void tst_DiskStore::verifyReportsDamage()
{
    const QByteArray shared = bodyOf(200000, 's');
    QVERIFY(store(u"a"_s, shared, 1));
    QVERIFY(store(u"b"_s, shared, 2));
    QVERIFY(store(u"good"_s, bodyOf(100, 'g'), 3));
    {
        QFile f(blob::blobPath(root(), sha256Hex(shared)));
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.seek(blob::HeaderSize
                       + 150000)); // past the first window: only a full check sees it
        QCOMPARE(f.write("X"), 1);
    }
    QVERIFY(m_store->find(u"a"_s));
    const VerifyReport report = m_store->verify({});
    QCOMPARE(report.checked(), 2);
    QCOMPARE(report.damaged(), 1);
    QCOMPARE(report.removedEntries(), 2);
    QCOMPARE(report.problems().size(), 1);
    QVERIFY(!report.cancelled());
    QCOMPARE(keysOf(m_store->entries(0, -1)), QStringList {u"good"_s});
    QCOMPARE(m_store->totalSize(), expectedTotal());
}

void tst_DiskStore::countersAndSeries()
{
    m_store->addCounter(u"hits"_s, 2);
    m_store->addCounter(u"hits"_s, 1);
    m_store->addCounter(u"misses"_s, 4);
    QVERIFY(m_store->hasPendingCounters());
    const qint64 minute = QDateTime::currentMSecsSinceEpoch() / 60000;
    const QHash<QString, qint64> expected {{u"hits"_s, 3}, {u"misses"_s, 4}};
    QCOMPARE(m_store->counters(), expected); // flushed first
    QVERIFY(!m_store->hasPendingCounters());
    qint64 hitsInSeries = 0;
    for (const Catalogue::SeriesPoint &p : m_store->series(minute - 1)) {
        QVERIFY(p.minute == minute || p.minute == minute + 1); // the clock may tick over
        if (p.name == u"hits"_s)
            hitsInSeries += p.value;
    }
    QCOMPARE(hitsInSeries, 3);
    QVERIFY(m_store->resetStatistics());
    QVERIFY(m_store->counters().isEmpty());
    QVERIFY(m_store->series(0).isEmpty());
}

void tst_DiskStore::backgroundStepsDoNotWaitForTheLock()
{
    QVERIFY(store(u"a"_s, bodyOf(1000, 'a'), 1, {u"t"_s}));
    QVERIFY(store(u"b"_s, bodyOf(1000, 'b'), 2));
    QVERIFY(store(u"b"_s, bodyOf(1000, 'c'), 3)); // leaves a tombstone
    QCOMPARE(m_store->removeTagged({u"t"_s}), 1); // leaves an invalidated row
    m_store->recordHit(u"b"_s, 10);

    Catalogue other; // another process, say, in the middle of an insert
    bool wasReset = true;
    QVERIFY(other.open(root() + u"/catalogue.db"_s, &wasReset));
    auto holder = std::make_unique<Catalogue::Transaction>(other);
    QVERIFY(holder->isActive());

    QElapsedTimer clock;
    clock.start();
    QVERIFY(!m_store->takeBusy());
    QVERIFY(!m_store->evictTo(0, -1));
    QVERIFY(m_store->takeBusy());
    QVERIFY(m_store->reclaimInvalidated(50)); // true: try again later
    QVERIFY(m_store->takeBusy());
    QVERIFY(m_store->sweepGarbage(16, -1, DiskStore::Lock::NoWait));
    QVERIFY(m_store->takeBusy());
    m_store->flushHits(DiskStore::Lock::NoWait);
    QVERIFY(m_store->hasPendingHits()); // kept for the next flush
    QVERIFY(m_store->takeBusy());
    QVERIFY(!m_store->takeBusy());
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(m_evicted, QStringList());

    holder.reset(); // rolled back, lock released
    m_store->flushHits(DiskStore::Lock::NoWait);
    QVERIFY(!m_store->hasPendingHits());
    QVERIFY(!m_store->reclaimInvalidated(50));
    QVERIFY(!m_store->sweepGarbage(16, -1, DiskStore::Lock::NoWait));
    QVERIFY(m_store->evictTo(0, -1));
    QCOMPARE(m_evicted, QStringList {u"b"_s});
    QVERIFY(!m_store->takeBusy());
}

void tst_DiskStore::unusableCatalogueIsRebuilt()
{
    QVERIFY(store(u"k"_s, bodyOf(3000, 'a'), 1));
    QCOMPARE(filesUnder(blob::blobsDir(root())), 1);
    m_store->close();
    const QString catalogue = root() + u"/catalogue.db"_s;
    QFile::remove(catalogue + u"-wal"_s);
    QFile::remove(catalogue + u"-shm"_s);
    {
        QFile f(catalogue);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(QByteArray(4096, '\x5a'));
    }
    QVERIFY2(m_store->open(root()), qPrintable(m_store->errorString()));
    QVERIFY(!m_store->find(u"k"_s));
    QCOMPARE(m_store->totalSize(), 0);
    // Bodies no row points to any more are reclaimed at once.
    QCOMPARE(filesUnder(blob::blobsDir(root())), 0);
    QVERIFY(QFile::exists(catalogue + u".corrupt.1"_s));
    QVERIFY(store(u"k"_s, bodyOf(3000, 'a'), 1));
}

void tst_DiskStore::sweepTempSparesLiveWriters()
{
    const QString abandoned = blob::tempDir(root()) + u"/abandoned.part"_s;
    {
        QFile f(abandoned);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(QByteArray(10000, 'x')), 10000);
    }
    SpoolDevice live(u"live"_s, QNetworkCacheMetaData(), nullptr);
    QVERIFY(live.begin(blob::tempDir(root())));
    QCOMPARE(live.write(QByteArray(10000, 'y')), 10000);

    QVERIFY(m_store->sweepTemp() > 0);
    QVERIFY(!QFile::exists(abandoned));
    QVERIFY(QFile::exists(live.tempPath())); // its writer holds the lock
    live.discard();
    QCOMPARE(filesUnder(blob::tempDir(root())), 0);
}

void tst_DiskStore::clearEmptiesEverything()
{
    QVERIFY(store(u"a"_s, bodyOf(1000, 'a'), 1, {u"t"_s}));
    QVERIFY(store(u"b"_s, bodyOf(100000, 'b'), 2));
    QVERIFY(m_store->clear());
    QCOMPARE(m_store->counts().entries, 0);
    QCOMPARE(m_store->counts().blobs, 0);
    QCOMPARE(m_store->totalSize(), 0);
    QCOMPARE(m_store->tagCounts().size(), 0);
    QCOMPARE(filesUnder(blob::blobsDir(root())), 0);
    QVERIFY(store(u"a"_s, bodyOf(1000, 'a'), 3)); // still usable
    QCOMPARE(m_store->totalSize(), expectedTotal());
}

QTEST_GUILESS_MAIN(tst_DiskStore)
#include "tst_diskstore.moc"
