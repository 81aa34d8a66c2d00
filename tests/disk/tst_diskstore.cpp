// SPDX-License-Identifier: MIT
// Unit tests of the disk store (src/disk/diskstore.cpp): bodies and rows together, without a
// QNetworkAccessManager. Sizes are checked against what the catalogue says it allocated, so
// the tests hold on any file system.

#include "disk/blobstore_p.h"
#include "disk/diskstore_p.h"
#include "disk/spooldevice_p.h"
#include "disk/spoolworker_p.h"
#include "disk/waitingwriterflag_p.h"
#include "disk/walcheckpointer_p.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QSet>
#include <QtCore/QTemporaryDir>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtTest/QTest>

#include <cstring>

#include <atomic>
#include <csignal>
#include <thread>

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

//! bodyOf(), with \a i in its first bytes: no two share a digest.
QByteArray distinctBodyOf(qint64 size, int i)
{
    QByteArray body = bodyOf(size, char(i));
    std::memcpy(body.data(), &i, sizeof i);
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
    void hitsAreWrittenInBoundedSteps();
    void hitsAreWrittenByTheFlushingThread();
    void hitsAreWrittenWithoutAnEventLoop();
    void hitsWaitForLookupsToPause();
    void hitsWaitNoLongerThanTheMaximumDelay();
    void evictionFollowsLru();
    void hardCapKeepsTheNewEntry();
    void tagsTravelWithTheCommit();
    void removeKeysAndExpireKeys();
    void damagedBodyIsDropped_data();
    void damagedBodyIsDropped();
    void verifyReportsDamage();
    void countersAndSeries();
    void backgroundStepsDoNotWaitForTheLock();
    void backgroundStepsGiveWayToAWaitingWriter();
    void unusableCatalogueIsRebuilt();
    void sweepTempSparesLiveWriters();
    void clearEmptiesEverything();
    void smallBodiesLiveInTheCatalogue_data();
    void smallBodiesLiveInTheCatalogue();
    void inlineBodiesAreSharedAndLeaveNoTombstone();
    void damagedInlineBodyIsDropped_data();
    void damagedInlineBodyIsDropped();
    void verifyChecksInlineBodies();
    void inlineBodyReplacesADroppedFileBody();
    void smallCacheDirectoryStaysInsideItsCap();
    void logStaysASmallShareOfWhatTheCacheHolds();
    void hitCountsNeverCutTheLogBack();
    void cutBackIsLookedAtUntilDone();
    void largeBodyIsWrittenOffTheCallingThread_data();
    void largeBodyIsWrittenOffTheCallingThread();
    void writerFailureReachesTheCaller();
    void spoolWorkerKeepsOrderAndHoldsBack();
    void spoolWorkerCancelDropsWhatWaits();
    void logPastItsRoomIsCutBackOrNothingIsStored();
    void fullCacheKeepsFillingItsMaximum();
    void tagCleanupJoinsTheBatch();
    void insertPastTheCapEvictsInSteps();
    void checkpointThreadRestartsALogItCopied();

private:
    QString root() const { return m_dir->path(); }
    //! Runs \a sql on a connection of its own to the catalogue (to damage it).
    bool execOnCatalogue(const QString &sql, const QByteArray &blobValue = QByteArray());
    bool store(const QString &key, const QByteArray &body, qint64 lastAccessMs,
               const QStringList &tags = {}, qint64 maximumSize = NoLimit);
    //! Stores \a keys small entries, k0 to k<keys - 1>, and commits them.
    void storeKeys(int keys);
    void leaveBackgroundWork();
    void expectBackgroundStepsToGiveUp();
    void expectBackgroundStepsToFinish();
    //! Records two hits on each of those (at 500, then at 700 + i) and 2 * \a keys on the
    //! "hits" counter.
    void recordTwoHitsEach(int keys);
    //! What the running total must be: each body's allocation once, plus every row.
    qint64 expectedTotal();
    //! Waits up to \a ms, without an event loop, for the flushing thread to have written
    //! every pending hit; whether it did.
    bool hitsWrittenWithin(int ms);
    //! Opens a connection of its own to the catalogue in the middle of a read (another
    //! process, say), which keeps every checkpoint from moving past its snapshot; COMMIT and
    //! sqlite3_close() end it.
    sqlite3 *openReaderInTheLog();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<DiskStore> m_store;
    QStringList m_evicted;
    qint64 m_inlineMax = 0; // what store() asks the spool to keep out of files
};

void tst_DiskStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_store = std::make_unique<DiskStore>();
    QVERIFY2(m_store->open(root()), qPrintable(m_store->errorString()));
    m_evicted.clear();
    m_inlineMax = 0;
    m_store->setEvictionObserver([this](const QString &key, qint64) { m_evicted.append(key); });
}

void tst_DiskStore::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

void tst_DiskStore::storeKeys(int keys)
{
    for (int i = 0; i < keys; ++i)
        QVERIFY(store(u"k%1"_s.arg(i), bodyOf(10, char('a' + i % 26)), 100));
    QVERIFY(m_store->commitBatch());
}

void tst_DiskStore::recordTwoHitsEach(int keys)
{
    for (int i = 0; i < keys; ++i) {
        m_store->recordHit(u"k%1"_s.arg(i), 500);
        m_store->recordHit(u"k%1"_s.arg(i), 700 + i);
    }
    m_store->addCounter(u"hits"_s, 2 * keys);
}

bool tst_DiskStore::hitsWrittenWithin(int ms)
{
    QElapsedTimer clock;
    clock.start();
    while (m_store->hasPendingHits() && !clock.hasExpired(ms))
        QTest::qSleep(10);
    return !m_store->hasPendingHits();
}

sqlite3 *tst_DiskStore::openReaderInTheLog()
{
    sqlite3 *reader = nullptr;
    if (sqlite3_open_v2(QFile::encodeName(root() + u"/catalogue.db"_s).constData(), &reader,
                        SQLITE_OPEN_READWRITE, nullptr)
                != SQLITE_OK
        || sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM entries;", nullptr, nullptr, nullptr)
                != SQLITE_OK) {
        sqlite3_close(reader);
        return nullptr;
    }
    return reader;
}

bool tst_DiskStore::store(const QString &key, const QByteArray &body, qint64 lastAccessMs,
                          const QStringList &tags, qint64 maximumSize)
{
    SpoolDevice spool(key, QNetworkCacheMetaData(), nullptr);
    if (!spool.begin(blob::tempDir(m_store->root()), m_inlineMax)
        || spool.write(body) != body.size())
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
    // The old file is unlinked after the COMMIT that dropped its row, by the writer itself:
    // no event loop is needed to reclaim it.
    QVERIFY(!QFile::exists(oldPath));
    QVERIFY(!m_store->sweepGarbage(16)); // nothing more left
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

void tst_DiskStore::hitsAreWrittenInBoundedSteps()
{
    constexpr int Keys = 600, Step = 256;
    storeKeys(Keys);
    QVERIFY(!QTest::currentTestFailed());
    recordTwoHitsEach(Keys);
    // find() reads the rows as written (query() and counters() would flush the rest first).
    auto written = [this] {
        int n = 0;
        for (int i = 0; i < Keys; ++i) {
            const auto e = m_store->find(u"k%1"_s.arg(i));
            if (!e)
                return -1;
            if (e->hits > 0) {
                ++n;
                if (e->hits != 2 || e->lastAccessMs != 700 + i)
                    return -2; // a key's hits are written whole, with its latest access
            }
        }
        return n;
    };
    QVERIFY(m_store->flushHits(DiskStore::Lock::NoWait, Step)); // more remain
    QCOMPARE(written(), Step);
    QVERIFY(m_store->hasPendingHits());
    QVERIFY(m_store->flushHits(DiskStore::Lock::NoWait, Step));
    QCOMPARE(written(), 2 * Step);
    QVERIFY(!m_store->flushHits(DiskStore::Lock::NoWait, Step)); // the last 88
    QCOMPARE(written(), Keys);
    QVERIFY(!m_store->hasPendingHits());
    QCOMPARE(m_store->counters().value(u"hits"_s), 2 * Keys); // written with the first step
}

void tst_DiskStore::hitsAreWrittenByTheFlushingThread()
{
    // writeHitsInBackground() returns at once; the flushing thread writes the hits in slices,
    // this thread's lookups go on meanwhile, and nothing here needs an event loop.
    constexpr int Keys = 1000;
    storeKeys(Keys);
    QVERIFY(!QTest::currentTestFailed());
    recordTwoHitsEach(Keys);
    const qint64 commitsBefore = m_store->commits();
    m_store->writeHitsInBackground();
    QElapsedTimer clock;
    clock.start();
    int lookups = 0;
    while (m_store->hasPendingHits() && !clock.hasExpired(10000)) {
        QVERIFY(m_store->find(u"k%1"_s.arg(lookups % Keys))); // never kept out for long
        ++lookups;
    }
    QVERIFY2(!m_store->hasPendingHits(), "the flushing thread did not write the hits");
    // In commits of at most HitsPerCommit entries: a lookup waits for a whole commit.
    QTRY_VERIFY2_WITH_TIMEOUT(m_store->commits() - commitsBefore
                                      >= (Keys + DiskStore::HitsPerCommit - 1)
                                              / DiskStore::HitsPerCommit,
                              "the hits went in fewer, larger commits", 2000);
    // Committed, and visible to another connection: read through a second store.
    DiskStore other;
    QVERIFY(other.open(root()));
    const auto last = [&other] {
        const auto e = other.find(u"k%1"_s.arg(Keys - 1));
        return e ? e->hits : -1;
    };
    QTRY_COMPARE_WITH_TIMEOUT(last(), 2, 2000);
    for (int i = 0; i < Keys; ++i) {
        const auto e = other.find(u"k%1"_s.arg(i));
        QVERIFY(e);
        QCOMPARE(e->hits, 2);
        QCOMPARE(e->lastAccessMs, 700 + i);
    }
    QCOMPARE(other.counters().value(u"hits"_s), 2 * Keys);
}

void tst_DiskStore::hitsAreWrittenWithoutAnEventLoop()
{
    // Lookups in a loop, nothing asks for the hits to be written: once enough are pending,
    // the flushing thread writes them anyway.
    constexpr int Keys = int(DiskStore::HitsWhileBusy);
    storeKeys(Keys);
    QVERIFY(!QTest::currentTestFailed());
    for (int i = 0; i < Keys - 1; ++i)
        m_store->recordHit(u"k%1"_s.arg(i), 500 + i);
    QTest::qSleep(300);                 // no event loop
    QVERIFY(m_store->hasPendingHits()); // fewer than the bound: they wait
    m_store->recordHit(u"k%1"_s.arg(Keys - 1), 500 + Keys - 1);
    QVERIFY2(hitsWrittenWithin(10000), "the hits stayed in memory");
    DiskStore other;
    QVERIFY(other.open(root()));
    const auto last = [&other] {
        const auto e = other.find(u"k%1"_s.arg(Keys - 1));
        return e ? e->lastAccessMs : -1;
    };
    QTRY_COMPARE_WITH_TIMEOUT(last(), qint64(500 + Keys - 1), 2000);
    QCOMPARE(other.find(u"k0"_s)->hits, 1);
}

namespace {
// Records a hit of \a key every millisecond for \a ms; returns the longest gap between two
// hits (a stalled machine makes one as long as the pause that lets hits be written).
qint64 lookUpFor(DiskStore &store, const QString &key, int ms)
{
    QElapsedTimer clock, gap;
    clock.start();
    gap.start();
    qint64 longestGap = 0;
    while (!clock.hasExpired(ms)) {
        longestGap = qMax(longestGap, gap.restart());
        store.recordHit(key, 900);
        QTest::qSleep(1);
    }
    return longestGap;
}
} // namespace

void tst_DiskStore::hitsWaitForLookupsToPause()
{
    // Asked to write the hits, the flushing thread waits for lookups to pause: writing them
    // held up the lookups that came meanwhile (QNAM hits after 5 000 misses).
    constexpr int Keys = 300;
    storeKeys(Keys + 1);
    QVERIFY(!QTest::currentTestFailed());
    recordTwoHitsEach(Keys);
    const QString busyKey = u"k%1"_s.arg(Keys);
    bool compared = false;
    for (int attempt = 0; attempt < 3 && !compared; ++attempt) {
        const qint64 commitsBefore = m_store->commits();
        m_store->writeHitsInBackground();
        // Three times the pause, well below the longest delay.
        const qint64 longestGap = lookUpFor(*m_store, busyKey, 3 * DiskStore::HitsIdleMs);
        if (longestGap >= DiskStore::HitsIdleMs / 2) {
            // This machine stalled for about as long as the pause: what it wrote proves
            // nothing. Let it write everything and try again.
            QTRY_VERIFY_WITH_TIMEOUT(!m_store->hasPendingHits(), 5000);
            recordTwoHitsEach(Keys);
            continue;
        }
        QCOMPARE(m_store->commits(), commitsBefore); // nothing written meanwhile
        QCOMPARE(m_store->find(u"k0"_s)->hits, 0);
        compared = true;
    }
    if (!compared)
        QSKIP("this machine stalled for half the pause in each of 3 attempts");
    // Lookups have paused: the hits go in, without an event loop.
    QVERIFY2(hitsWrittenWithin(5000), "the hits stayed in memory after lookups paused");
    DiskStore other;
    QVERIFY(other.open(root()));
    QTRY_COMPARE_WITH_TIMEOUT(other.find(u"k%1"_s.arg(Keys - 1))->hits, 2, 2000);
    QCOMPARE(other.find(u"k0"_s)->lastAccessMs, 700);
    QVERIFY(other.find(busyKey)->hits > 0);
}

void tst_DiskStore::hitsWaitNoLongerThanTheMaximumDelay()
{
    // Lookups that never pause still have the hits written, HitsMaxDelayMs after they were
    // asked for: another process (the Browser) sees hit counts and statistics that late.
    constexpr int Keys = 50;
    storeKeys(Keys + 1);
    QVERIFY(!QTest::currentTestFailed());
    recordTwoHitsEach(Keys);
    m_store->writeHitsInBackground();
    const QString busyKey = u"k%1"_s.arg(Keys);
    QElapsedTimer clock;
    clock.start();
    bool written = false;
    qint64 longestGap = 0;
    while (!written && !clock.hasExpired(DiskStore::HitsMaxDelayMs + 3000)) {
        longestGap = qMax(longestGap, lookUpFor(*m_store, busyKey, 20));
        written = m_store->find(u"k%1"_s.arg(Keys - 1))->hits == 2;
    }
    QVERIFY2(written, "the hits waited longer than the maximum delay");
    // Not before it either, unless this machine stalled for about as long as the pause.
    if (longestGap < DiskStore::HitsIdleMs / 2)
        QVERIFY2(clock.elapsed() >= DiskStore::HitsMaxDelayMs / 2,
                 "written while lookups went on, well before the maximum delay");
    QVERIFY(m_store->find(busyKey));
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

void tst_DiskStore::leaveBackgroundWork()
{
    QVERIFY(store(u"a"_s, bodyOf(1000, 'a'), 1, {u"t"_s}));
    QVERIFY(store(u"b"_s, bodyOf(1000, 'b'), 2));
    QVERIFY(store(u"c"_s, bodyOf(1000, 'c'), 3));
    QCOMPARE(m_store->removeKeys({u"c"_s}), 1);   // leaves a tombstone
    QCOMPARE(m_store->removeTagged({u"t"_s}), 1); // leaves an invalidated row
    m_store->recordHit(u"b"_s, 10);
}

void tst_DiskStore::expectBackgroundStepsToGiveUp()
{
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
}

void tst_DiskStore::expectBackgroundStepsToFinish()
{
    m_store->flushHits(DiskStore::Lock::NoWait);
    QVERIFY(!m_store->hasPendingHits());
    QVERIFY(!m_store->reclaimInvalidated(50));
    QVERIFY(!m_store->sweepGarbage(16, -1, DiskStore::Lock::NoWait));
    QVERIFY(m_store->evictTo(0, -1));
    QCOMPARE(m_evicted, QStringList {u"b"_s});
    QVERIFY(!m_store->takeBusy());
}

void tst_DiskStore::backgroundStepsDoNotWaitForTheLock()
{
    leaveBackgroundWork();
    QVERIFY(!QTest::currentTestFailed());
    Catalogue other; // another process, say, in the middle of an insert
    bool wasReset = true;
    QVERIFY(other.open(root() + u"/catalogue.db"_s, &wasReset));
    auto holder = std::make_unique<Catalogue::Transaction>(other);
    QVERIFY(holder->isActive());
    expectBackgroundStepsToGiveUp();
    QVERIFY(!QTest::currentTestFailed());
    holder.reset(); // rolled back, lock released
    expectBackgroundStepsToFinish();
}

void tst_DiskStore::backgroundStepsGiveWayToAWaitingWriter()
{
    // A writer waiting for the lock (the checkpoint thread's log restart, another process's
    // insert) gets it before background work: trim steps between the inserts into a full
    // cache took it whenever it came free, and the restarts gave up.
    leaveBackgroundWork();
    QVERIFY(m_store->commitBatch());
    QVERIFY(!QTest::currentTestFailed());
    const int dirFd = ::open(QFile::encodeName(root()).constData(), O_RDONLY | O_DIRECTORY);
    QVERIFY(dirFd >= 0);
    {
        const WaitingWriterFlag waiting(dirFd);
        expectBackgroundStepsToGiveUp();
    }
    ::close(dirFd);
    QVERIFY(!QTest::currentTestFailed());
    expectBackgroundStepsToFinish();
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

bool tst_DiskStore::execOnCatalogue(const QString &sql, const QByteArray &blobValue)
{
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"raw"_s);
        db.setDatabaseName(root() + u"/catalogue.db"_s);
        if (db.open()) {
            QSqlQuery q(db);
            q.prepare(sql);
            if (sql.contains(QLatin1Char('?')))
                q.bindValue(0, blobValue);
            ok = q.exec();
            if (!ok)
                qWarning() << q.lastError().text();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(u"raw"_s);
    return ok;
}

void tst_DiskStore::smallBodiesLiveInTheCatalogue_data()
{
    QTest::addColumn<qint64>("size");
    QTest::addColumn<bool>("inCatalogue");
    QTest::newRow("empty") << qint64(0) << true;
    QTest::newRow("one byte") << qint64(1) << true;
    QTest::newRow("4 KiB") << qint64(4096) << true;
    QTest::newRow("the limit") << DiskStore::InlineMax << true;
    QTest::newRow("one byte past the limit") << DiskStore::InlineMax + 1 << false;
    QTest::newRow("several chunks") << qint64(3 * blob::ChunkSize + 5) << false;
}

void tst_DiskStore::smallBodiesLiveInTheCatalogue()
{
    QFETCH(qint64, size);
    QFETCH(bool, inCatalogue);
    m_inlineMax = DiskStore::InlineMax;
    const QByteArray body = bodyOf(size, 'i');
    QVERIFY2(store(u"http://x/"_s, body, 1000), qPrintable(m_store->errorString()));
    const auto e = m_store->find(u"http://x/"_s);
    QVERIFY(e);
    QCOMPARE(e->inlineBody, inCatalogue);
    QCOMPARE(e->digest, sha256Hex(body)); // still content-addressed
    QCOMPARE(e->sums.size(), blob::chunkCount(size, blob::ChunkSize) * blob::ChecksumSize);
    QCOMPARE(filesUnder(blob::blobsDir(root())), inCatalogue ? 0 : 1);
    QCOMPARE(filesUnder(blob::tempDir(root())), 0);
    if (inCatalogue)
        QCOMPARE(e->allocSize, DiskStore::inlineAllocation(size));
    QCOMPARE(m_store->totalSize(), e->allocSize + e->rowSize);

    QByteArray window;
    int fd = -2;
    QString why;
    QVERIFY2(m_store->openBody(*e, Window, &window, &fd, &why), qPrintable(why));
    QCOMPARE(window, body.left(Window));
    if (inCatalogue)
        QCOMPARE(fd, -1); // the window is the whole body
    blob::closeFd(fd);
    QVERIFY(m_store->verifyBody(*e));

    // Survives reopening (it was committed, not held in memory).
    m_store->close();
    QVERIFY(m_store->open(root()));
    const auto again = m_store->find(u"http://x/"_s);
    QVERIFY(again);
    QVERIFY(m_store->openBody(*again, Window, &window, &fd, &why));
    QCOMPARE(window, body.left(Window));
    blob::closeFd(fd);
}

void tst_DiskStore::inlineBodiesAreSharedAndLeaveNoTombstone()
{
    m_inlineMax = DiskStore::InlineMax;
    const QByteArray body = bodyOf(3000, 's');
    QVERIFY(store(u"a"_s, body, 1));
    QVERIFY(store(u"b"_s, body, 2));
    QCOMPARE(m_store->counts().entries, 2);
    QCOMPARE(m_store->counts().blobs, 1); // deduplicated by digest, as files are
    QCOMPARE(m_store->totalSize(), expectedTotal());
    QVERIFY(m_store->remove(u"a"_s));
    QCOMPARE(m_store->counts().blobs, 1); // b still uses it
    QByteArray window;
    int fd = -2;
    QString why;
    QVERIFY(m_store->openBody(*m_store->find(u"b"_s), Window, &window, &fd, &why));
    QCOMPARE(window, body);
    QVERIFY(m_store->remove(u"b"_s));
    QCOMPARE(m_store->counts().blobs, 0);
    QCOMPARE(m_store->totalSize(), 0);
    QVERIFY(!m_store->sweepGarbage(16)); // no tombstone: nothing to unlink
    QCOMPARE(filesUnder(blob::blobsDir(root())), 0);
}

void tst_DiskStore::damagedInlineBodyIsDropped_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QString>("reason");
    const QByteArray flipped = [] {
        QByteArray b = bodyOf(2000, 'a');
        b[10] = char(b[10] ^ 0x55);
        return b;
    }();
    QTest::newRow("flipped byte") << u"UPDATE blobs SET body = ?"_s << flipped
                                  << u"fails its checksum"_s;
    QTest::newRow("truncated") << u"UPDATE blobs SET body = ?"_s << bodyOf(1999, 'a')
                               << u"bytes, expected"_s;
    QTest::newRow("longer") << u"UPDATE blobs SET body = ?"_s << bodyOf(2001, 'a')
                            << u"bytes, expected"_s;
    // A NULL body is a file body: there is no file, so it is missing.
    QTest::newRow("body gone") << u"UPDATE blobs SET body = NULL"_s << QByteArray()
                               << u"is missing"_s;
    QTest::newRow("blob row gone") << u"DELETE FROM blobs"_s << QByteArray() << QString();
}

void tst_DiskStore::damagedInlineBodyIsDropped()
{
    QFETCH(QString, sql);
    QFETCH(QByteArray, value);
    QFETCH(QString, reason);
    m_inlineMax = DiskStore::InlineMax;
    QVERIFY(store(u"k"_s, bodyOf(2000, 'a'), 1));
    auto e = m_store->find(u"k"_s);
    QVERIFY(e && e->inlineBody);
    QVERIFY(execOnCatalogue(sql, value));
    const auto now = m_store->find(u"k"_s);
    if (!now) { // the row joins its body row: without it there is no entry at all
        QVERIFY(reason.isEmpty());
        return;
    }
    QByteArray window;
    int fd = -2;
    QString why;
    QVERIFY(!m_store->openBody(*now, Window, &window, &fd, &why));
    QVERIFY2(why.contains(reason), qPrintable(why));
    QCOMPARE(fd, -1);
    QVERIFY(!m_store->lastFailureWasIo());
    QVERIFY(!m_store->find(u"k"_s)); // a miss from now on
    QCOMPARE(m_store->totalSize(), 0);
}

void tst_DiskStore::verifyChecksInlineBodies()
{
    m_inlineMax = DiskStore::InlineMax;
    const QByteArray bad = bodyOf(5000, 'x');
    QVERIFY(store(u"bad"_s, bad, 1));
    QVERIFY(store(u"good"_s, bodyOf(100, 'g'), 2));
    QVERIFY(store(u"file"_s, bodyOf(DiskStore::InlineMax + 10, 'f'), 3));
    QByteArray damaged = bad;
    damaged[4999] = char(damaged[4999] ^ 1);
    QVERIFY(execOnCatalogue(
            u"UPDATE blobs SET body = ? WHERE digest = '%1'"_s.arg(QLatin1String(sha256Hex(bad))),
            damaged));
    const VerifyReport report = m_store->verify({});
    QCOMPARE(report.checked(), 3);
    QCOMPARE(report.damaged(), 1);
    QCOMPARE(report.removedEntries(), 1);
    QCOMPARE(report.bytesChecked(), 5000 + 100 + DiskStore::InlineMax + 10);
    QCOMPARE(filesUnder(blob::blobsDir(root())), 1);
    QCOMPARE(keysOf(m_store->query(EntryQuery(), 0, -1)).size(), 2);
    QVERIFY(!m_store->find(u"bad"_s));
    QCOMPARE(m_store->totalSize(), expectedTotal());
}

void tst_DiskStore::inlineBodyReplacesADroppedFileBody()
{
    // A body stored as a file (by a version without inline bodies), dropped, then stored
    // again inline before the sweep: the sweep still unlinks the old file.
    const QByteArray body = bodyOf(900, 'r');
    QVERIFY(store(u"k"_s, body, 1));
    const QString path = blob::blobPath(root(), sha256Hex(body));
    QVERIFY(QFile::exists(path));
    QVERIFY(m_store->removeKeys({u"k"_s}) == 1);
    m_inlineMax = DiskStore::InlineMax;
    QVERIFY(store(u"k"_s, body, 2));
    QVERIFY(m_store->find(u"k"_s)->inlineBody);
    while (m_store->sweepGarbage(16)) { }
    QVERIFY(!QFile::exists(path));
    QByteArray window;
    int fd = -2;
    QString why;
    QVERIFY(m_store->openBody(*m_store->find(u"k"_s), Window, &window, &fd, &why));
    QCOMPARE(window, body);
}

namespace {
// Bytes allocated (st_blocks) by every file and directory under \a path.
qint64 directoryBytes(const QString &path)
{
    qint64 bytes = 0;
    QDirIterator it(path, QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        struct stat st;
        if (::lstat(QFile::encodeName(it.next()).constData(), &st) == 0)
            bytes += qint64(st.st_blocks) * 512;
    }
    return bytes;
}
} // namespace

void tst_DiskStore::smallCacheDirectoryStaysInsideItsCap()
{
    // No event loop here: the writer itself must reclaim what its inserts evict, and the
    // write-ahead log must stay a small share of a small cache.
    constexpr qint64 Cap = 8 * 1024 * 1024;
    m_inlineMax = DiskStore::InlineMax;
    qint64 peak = 0;
    for (int i = 0; i < 1500; ++i) {
        // Mostly small bodies (in the catalogue), every fifth one a file of its own.
        const qint64 size = i % 5 == 4 ? 70000 + i : 2000 + (i * 37) % 14000;
        QVERIFY2(store(u"k%1"_s.arg(i), bodyOf(size, char(i)), 1000 + i, {}, Cap),
                 qPrintable(m_store->errorString()));
        if (i % 20 == 19) {
            const qint64 now = directoryBytes(root());
            peak = qMax(peak, now);
            if (now > Cap + Cap / 20) {
                QDirIterator it(root(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
                qint64 blobs = 0;
                while (it.hasNext()) {
                    const QString f = it.next();
                    if (f.contains(u"/blobs/"_s))
                        blobs += it.fileInfo().size();
                    else
                        qInfo("%s %lld", qPrintable(f), it.fileInfo().size());
                }
                qInfo("blobs %lld, total %lld", blobs, m_store->totalSize());
            }
            QVERIFY2(now <= Cap + Cap / 20,
                     qPrintable(u"after %1 inserts the directory takes %2 bytes, the cap is %3"_s
                                        .arg(i + 1)
                                        .arg(now)
                                        .arg(Cap)));
        }
    }
    QVERIFY(m_store->totalSize() <= Cap);
    QVERIFY(m_store->counts().entries > 50);
    m_store->close();
    QVERIFY2(directoryBytes(root()) <= Cap + Cap / 20,
             qPrintable(QString::number(directoryBytes(root()))));
    qInfo("directory peak %lld bytes for a cap of %lld", peak, Cap);
}

void tst_DiskStore::logStaysASmallShareOfWhatTheCacheHolds()
{
    // A cache filling up far below a large maximum: the log may take a share of the
    // maximum's room, but not grow to many times what the cache holds (5 000 x 4 KiB
    // inserts once left a 61 MB log beside a 25 MB catalogue). No event loop here either.
    constexpr qint64 Maximum = qint64(16) << 30;
    m_inlineMax = DiskStore::InlineMax;
    const QString wal = root() + u"/catalogue.db-wal"_s;
    qint64 worst = 0;
    for (int i = 0; i < 3000; ++i) {
        QVERIFY2(store(u"k%1"_s.arg(i), distinctBodyOf(4096, i), 1000 + i, {}, Maximum),
                 qPrintable(m_store->errorString()));
        if (i % 50 == 49) {
            const qint64 log = QFileInfo(wal).size();
            const qint64 catalogue = QFileInfo(root() + u"/catalogue.db"_s).size();
            // An eighth of what the cache holds (at least 1 MiB), with room for the inserts
            // between two restarts.
            worst = qMax(worst, log);
            QVERIFY2(log <= 2 * 1024 * 1024 + catalogue / 4,
                     qPrintable(u"after %1 inserts the log takes %2 bytes beside a %3-byte "
                                "catalogue"_s.arg(i + 1)
                                        .arg(log)
                                        .arg(catalogue)));
        }
    }
    qInfo("log at most %lld bytes", worst);
    m_store->close();
    QVERIFY2(QFileInfo(wal).size() == 0, qPrintable(QString::number(QFileInfo(wal).size())));
}

void tst_DiskStore::hitCountsNeverCutTheLogBack()
{
    // Hit counts written from the event loop after inserts have paused: the log is restarted
    // by the checkpoint thread, never cut back (TRUNCATE) while hits keep coming (each one
    // held the next hits up for 5 ms); once they pause too, it is.
    constexpr qint64 Maximum = qint64(1) << 30;
    m_inlineMax = DiskStore::InlineMax;
    // Inserted until the log file is larger than a file that is cut back (1 MiB at most):
    // how far it grows between the checkpoint thread's restarts depends on this machine's
    // timing (under ThreadSanitizer 300 inserts left 461 KB, which is left as it is).
    const QString wal = root() + u"/catalogue.db-wal"_s;
    int inserted = 0;
    for (; inserted < 20000 && (inserted < 300 || QFileInfo(wal).size() <= 1024 * 1024);
         ++inserted) {
        QVERIFY(store(u"k%1"_s.arg(inserted), distinctBodyOf(4096, inserted), 1000 + inserted, {},
                      Maximum));
    }
    QVERIFY(m_store->commitBatch());
    // Hits from now on, without a pause: after 2 s inserts have paused (no back-pressure),
    // but writes never have. (Waiting 2.1 s without them first, as this test did, let the
    // flushing thread cut the file back during the wait: nothing had been written for 2 s.)
    qint64 largest = 0;
    QElapsedTimer clock;
    clock.start();
    for (int round = 0; !clock.hasExpired(3600); ++round) {
        for (int i = 0; i < 300; ++i)
            m_store->recordHit(u"k%1"_s.arg(i), 2000000 + round);
        while (m_store->flushHits(DiskStore::Lock::NoWait, 256)) { }
        m_store->maintainWal(DiskStore::WalCaller::EventLoop);
        // A restart keeps the file's size (its high-water mark); only a cut back shrinks it.
        const qint64 size = QFileInfo(wal).size();
        QVERIFY2(size >= largest,
                 qPrintable(u"the log was cut back from %1 to %2 bytes while hits were written"
                            " (round %3)"_s.arg(largest)
                                    .arg(size)
                                    .arg(round)));
        largest = size;
        QTest::qWait(5);
    }
    // Something to cut back: the file keeps the size the inserts grew it to.
    QVERIFY2(largest > 1024 * 1024, qPrintable(u"the log never grew: %1"_s.arg(largest)));
    // Writes have paused: cut back.
    QTRY_VERIFY_WITH_TIMEOUT(
            (m_store->maintainWal(DiskStore::WalCaller::EventLoop), QFileInfo(wal).size() == 0),
            6000);
}

void tst_DiskStore::cutBackIsLookedAtUntilDone()
{
    // Once writes pause, a large log file is cut back by the checkpoint thread. That may be
    // dropped (one such thread at a time per process) or give up (a reader elsewhere), so
    // maintainWal() says "look again" for as long as the file is large: trusted to succeed,
    // a cut back that did not left a 4 MB log in place for good.
    constexpr qint64 Maximum = qint64(1) << 30;
    m_inlineMax = DiskStore::InlineMax;
    const QString wal = root() + u"/catalogue.db-wal"_s;
    // A reader elsewhere, in the middle of a read since before the log grew, keeps every cut
    // back from going through: the cache's own thread tries once writes have paused, and
    // gives up.
    sqlite3 *reader = openReaderInTheLog();
    QVERIFY(reader);
    for (int i = 0; i < 5000 && QFileInfo(wal).size() <= 1024 * 1024; ++i) {
        QVERIFY(store(u"k%1"_s.arg(i), distinctBodyOf(4096, i), 1000 + i, {}, Maximum));
    }
    QVERIFY(m_store->commitBatch());
    QVERIFY2(QFileInfo(wal).size() > 1024 * 1024, "the log never grew: nothing to check");

    QTest::qWait(2100); // writes have paused
    // The cut back starts here, and the answer is "look again": whether it went through is
    // for the next look to see.
    QVERIFY2(m_store->maintainWal(DiskStore::WalCaller::EventLoop), "no second look");
    QTest::qWait(100);
    QVERIFY2(QFileInfo(wal).size() > 1024 * 1024, "cut back although a reader was in the log");
    QVERIFY2(m_store->maintainWal(DiskStore::WalCaller::EventLoop), "no third look");
    QCOMPARE(sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(reader);
    QTRY_VERIFY_WITH_TIMEOUT(
            (m_store->maintainWal(DiskStore::WalCaller::EventLoop), QFileInfo(wal).size() == 0),
            5000);
    QVERIFY(!m_store->maintainWal(DiskStore::WalCaller::EventLoop)); // nothing left to look at
}

void tst_DiskStore::largeBodyIsWrittenOffTheCallingThread_data()
{
    QTest::addColumn<qint64>("size");
    QTest::addColumn<int>("writeSize");
    QTest::addColumn<qint64>("inlineMax");
    QTest::newRow("3 MiB in odd writes") << qint64(3 * 1024 * 1024 + 5) << 7777 << qint64(0);
    QTest::newRow("3 MiB in one write") << qint64(3 * 1024 * 1024) << 3 * 1024 * 1024 << qint64(0);
    QTest::newRow("past the inline limit")
            << qint64(1024 * 1024 + 1) << 4096 << DiskStore::InlineMax;
    QTest::newRow("just one piece") << qint64(SpoolWorker::PieceSize) << 1024 << qint64(0);
}

void tst_DiskStore::largeBodyIsWrittenOffTheCallingThread()
{
    QFETCH(qint64, size);
    QFETCH(int, writeSize);
    QFETCH(qint64, inlineMax);
    const QByteArray body = bodyOf(size, 'w');
    SpoolDevice spool(u"big"_s, QNetworkCacheMetaData(), nullptr);
    QVERIFY(spool.begin(blob::tempDir(root()), inlineMax));
    for (qint64 done = 0; done < size; done += writeSize) {
        const qint64 n = qMin<qint64>(writeSize, size - done);
        QCOMPARE(spool.write(body.constData() + done, n), n);
    }
    QVERIFY(spool.hasHandedOver()); // pieces went to a writer thread
    EntryRecord e;
    e.meta = "meta";
    e.status = 200;
    QVERIFY2(m_store->commit(&spool, e, {}, false, NoLimit), qPrintable(m_store->errorString()));

    const auto stored = m_store->find(u"big"_s);
    QVERIFY(stored);
    QCOMPARE(stored->bodySize, size);
    QCOMPARE(stored->digest, sha256Hex(body)); // every piece hashed once, in order
    QCOMPARE(stored->sums.size(), blob::chunkCount(size, blob::ChunkSize) * blob::ChecksumSize);
    QCOMPARE(blob::fileSize(blob::blobPath(root(), stored->digest)), blob::HeaderSize + size);
    QVERIFY(m_store->verifyBody(*stored)); // every chunk's checksum matches its bytes
    QFile f(blob::blobPath(root(), stored->digest));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll().mid(blob::HeaderSize), body);
}

void tst_DiskStore::writerFailureReachesTheCaller()
{
    // Files may not grow past 1 MiB (EFBIG instead of SIGXFSZ): the writer thread fails.
    const auto previous = std::signal(SIGXFSZ, SIG_IGN);
    rlimit old {};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
    rlimit small = old;
    small.rlim_cur = 1024 * 1024;
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
    const QByteArray body = bodyOf(4 * 1024 * 1024, 'f');
    bool writeFailed = false;
    QString error;
    {
        SpoolDevice spool(u"big"_s, QNetworkCacheMetaData(), nullptr);
        QVERIFY(spool.begin(blob::tempDir(root()), 0));
        for (qint64 done = 0; done < body.size() && !writeFailed; done += 64 * 1024)
            writeFailed = spool.write(body.constData() + done, 64 * 1024) != 64 * 1024;
        EntryRecord e;
        e.status = 200;
        const bool committed = m_store->commit(&spool, e, {}, false, NoLimit);
        error = spool.errorString();
        setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, previous);
        QVERIFY(!committed);
        QVERIFY(spool.hasFailed());
    }
    QVERIFY2(writeFailed, "a later write() reports the writer thread's failure");
    QVERIFY2(error.contains(u"cannot write"_s), qPrintable(error));
    QVERIFY(!m_store->find(u"big"_s));
    QCOMPARE(filesUnder(blob::tempDir(root())), 0); // the partial file is gone
    QCOMPARE(filesUnder(blob::blobsDir(root())), 0);
}

void tst_DiskStore::spoolWorkerKeepsOrderAndHoldsBack()
{
    std::atomic<int> processed {0};
    QList<int> order; // written by the worker only, read after drain()
    std::atomic<bool> otherThread {true};
    const auto caller = std::this_thread::get_id();
    SpoolWorker worker([&](const QByteArray &piece) {
        if (std::this_thread::get_id() == caller)
            otherThread = false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2)); // a slow disk
        order.append(piece.toInt());
        ++processed;
    });
    constexpr int Pieces = 40;
    int mostAhead = 0;
    for (int i = 0; i < Pieces; ++i) {
        worker.post(QByteArray::number(i));
        // Queued ones plus the one being processed, and the one just posted.
        mostAhead = qMax(mostAhead, i + 1 - processed.load());
    }
    worker.drain();
    QCOMPARE(processed.load(), Pieces);
    QVERIFY(otherThread);
    QList<int> expected;
    for (int i = 0; i < Pieces; ++i)
        expected.append(i);
    QCOMPARE(order, expected);
    QVERIFY2(mostAhead <= SpoolWorker::MaxQueued + 1,
             qPrintable(u"%1 pieces ahead of the writer"_s.arg(mostAhead)));
    QVERIFY(mostAhead >= 2); // it did run ahead: the caller did not wait for each piece
}

void tst_DiskStore::spoolWorkerCancelDropsWhatWaits()
{
    std::atomic<int> processed {0};
    SpoolWorker worker([&](const QByteArray &) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        ++processed;
    });
    for (int i = 0; i < SpoolWorker::MaxQueued; ++i)
        worker.post(QByteArray::number(i));
    worker.cancel();
    worker.post("after"); // dropped at once, does not wait
    worker.drain();
    QVERIFY2(processed.load() < SpoolWorker::MaxQueued,
             qPrintable(u"%1 processed"_s.arg(processed.load())));
}

void tst_DiskStore::logPastItsRoomIsCutBackOrNothingIsStored()
{
    constexpr qint64 Max = 4 * 1024 * 1024; // the smallest maximum whose cap counts the log
    const QString wal = root() + u"/catalogue.db-wal"_s;
    // Another connection in the middle of a read (another process, say) keeps every
    // checkpoint from moving past its snapshot: the log can only grow.
    sqlite3 *reader = openReaderInTheLog();
    QVERIFY(reader);
    int stored = 0;
    bool refused = false;
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 2000 && !refused; ++i) {
        if (store(u"k%1"_s.arg(i), bodyOf(16 * 1024, char(i)), 1000 + i, {}, Max))
            ++stored;
        else
            refused = true;
        // Never past its room by more than the insert that found it so.
        QVERIFY2(QFileInfo(wal).size() <= DiskStore::walReserve(Max) + 256 * 1024,
                 qPrintable(QString::number(QFileInfo(wal).size())));
    }
    QVERIFY2(refused, "the log grew past the room the cap keeps for it, and nothing said so");
    QVERIFY(stored > 0);
    QVERIFY2(m_store->errorString().contains(u"write-ahead log"_s),
             qPrintable(m_store->errorString()));
    const qint64 refusedAfterMs = timer.elapsed();
    qInfo("%d stored, then refused after %lld ms", stored, refusedAfterMs);

    // The reader moves on: the next insert cuts the log back, and is stored.
    QCOMPARE(sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(reader);
    QVERIFY2(store(u"after"_s, bodyOf(16 * 1024, 'z'), 9000, {}, Max),
             qPrintable(m_store->errorString()));
    QVERIFY(m_store->find(u"after"_s));
    QVERIFY2(QFileInfo(wal).size() < DiskStore::walReserve(Max),
             qPrintable(QString::number(QFileInfo(wal).size())));
}

void tst_DiskStore::fullCacheKeepsFillingItsMaximum()
{
    // Inserting into a full cache evicts about what each insert adds: the rows' freed pages
    // are room for the next ones, not overhead (counted so, they made every insert evict the
    // room again until the cache held half its maximum).
    constexpr qint64 Max = 8 * 1024 * 1024;
    m_inlineMax = DiskStore::InlineMax;
    qint64 lowest = Max;
    for (int i = 0; i < 4000; ++i) {
        QByteArray body = bodyOf(4096, char(i));
        body.replace(0, 8, QByteArray::number(i).rightJustified(8, '0')); // distinct bodies
        QVERIFY2(store(u"k%1"_s.arg(i), body, 1000 + i, {}, Max),
                 qPrintable(m_store->errorString()));
        if (i > 2500) // full since about the 1 700th
            lowest = qMin(lowest, m_store->totalSize());
    }
    qInfo("lowest total while full: %lld of %lld", lowest, Max);
    QVERIFY2(lowest > Max * 3 / 4, qPrintable(QString::number(lowest)));
    QVERIFY(m_store->totalSize() <= Max);
}

QTEST_GUILESS_MAIN(tst_DiskStore)
#include "tst_diskstore.moc"

void tst_DiskStore::tagCleanupJoinsTheBatch()
{
    // NetworkCache drops the tags of evicted entries after each evicting insert. In a
    // transaction of its own that committed each insert's batch: a full cache with an event
    // loop wrote a commit and 70 KB of log per insert.
    constexpr int Inserts = 200;
    constexpr qint64 Max = 16 * 1024 * 1024; // a batch holds up to a 64th of it
    constexpr qint64 Body = 16 * 1024;
    m_inlineMax = DiskStore::InlineMax;
    for (int i = 0; i < Max / Body; ++i) { // full
        QVERIFY(store(u"fill%1"_s.arg(i), distinctBodyOf(Body, i), 1000 + i, {u"t"_s}, Max));
    }
    QVERIFY(m_store->commitBatch());
    QVERIFY(!m_evicted.isEmpty());
    m_evicted.clear();
    const qint64 before = m_store->commits();
    qsizetype evicted = 0;
    QString firstEvicted;
    for (int i = 0; i < Inserts; ++i) {
        QByteArray body = distinctBodyOf(Body, i);
        body[8] = 'x'; // not a fill body
        QVERIFY(store(u"k%1"_s.arg(i), body, 5000 + i, {u"t"_s}, Max));
        evicted += m_evicted.size();
        if (firstEvicted.isEmpty() && !m_evicted.isEmpty())
            firstEvicted = m_evicted.first();
        QVERIFY(m_store->dropTags(std::exchange(m_evicted, {})));
    }
    QVERIFY(evicted >= Inserts / 2);
    const qint64 commits = m_store->commits() - before;
    qInfo("%d inserts evicting %lld entries, each followed by a tag cleanup: %lld commits", Inserts,
          qint64(evicted), commits);
    QVERIFY2(commits < Inserts * 3 / 4, qPrintable(QString::number(commits)));
    // Committed in the end (by the flushing thread) and seen so by another connection.
    DiskStore other;
    QVERIFY(other.open(root()));
    QTRY_VERIFY_WITH_TIMEOUT(other.find(u"k%1"_s.arg(Inserts - 1)).has_value(), 2000);
    QCOMPARE(other.tagsOf(firstEvicted), QStringList());
    QCOMPARE(other.tagsOf(u"k%1"_s.arg(Inserts - 1)), QStringList {u"t"_s});
}

void tst_DiskStore::insertPastTheCapEvictsInSteps()
{
    // A cache already far past its cap (here: a lower maximum). An insert makes room for
    // itself whatever it takes, so the total never grows, and evicts the rest a step at a
    // time: evicting it all in one insert held that insert up for 0.3-0.4 s. Inserts without
    // an event loop bring it under the cap.
    constexpr int Entries = 3000;
    m_inlineMax = DiskStore::InlineMax;
    for (int i = 0; i < Entries; ++i) {
        QVERIFY(store(u"fill%1"_s.arg(i), distinctBodyOf(4096, i), 1000 + i));
    }
    QVERIFY(m_store->commitBatch());
    const qint64 full = m_store->totalSize();
    constexpr qint64 Max = 3 * 1024 * 1024; // below DirectoryCapFrom: the cap is Max itself
    QVERIFY(full > 4 * Max);
    m_evicted.clear();
    QVERIFY(store(u"new0"_s, bodyOf(4096, 'n'), 9000, {}, Max));
    QVERIFY2(m_store->totalSize() <= full, "the insert took the cache further past its cap");
    QVERIFY2(m_store->totalSize() > Max, "one insert evicted all that was past the cap");
    m_store->reportEvictions(); // the queue's thread wrote it: reported on this one
    QVERIFY(!m_evicted.isEmpty());
    QCOMPARE(m_evicted.first(), u"fill0"_s); // LRU order still
    int inserts = 1;
    while (m_store->totalSize() > Max && inserts < Entries) {
        const qint64 total = m_store->totalSize();
        QVERIFY(store(u"new%1"_s.arg(inserts), bodyOf(4096, char(inserts)), 9000 + inserts, {},
                      Max));
        QVERIFY2(m_store->totalSize() < total,
                 "an insert past the cap evicted no more than itself");
        ++inserts;
    }
    qInfo("%lld bytes past a cap of %lld: under it after %d inserts", full - Max, Max, inserts);
    QVERIFY(m_store->totalSize() <= Max);
    QVERIFY(m_store->find(u"new%1"_s.arg(inserts - 1)));
    QCOMPARE(m_store->totalSize(), expectedTotal());
}

void tst_DiskStore::checkpointThreadRestartsALogItCopied()
{
    // Once its passive passes have copied (nearly) the whole log, the checkpoint thread
    // restarts it, however little it holds: the restart then costs a few milliseconds of the
    // write lock. It did so only past the limit (31 MB beside a 512 MB cache), so a full
    // cache's inserts grew the log to the room the cap keeps, and then one insert cut it back
    // itself: 70-290 ms. While a writer keeps committing, only a restart starts the log
    // afresh (SQLite does it by itself only when a checkpoint finished between two commits).
    const QByteArray path = QFile::encodeName(root() + u"/wal-test.db"_s);
    sqlite3 *db = nullptr;
    QCOMPARE(sqlite3_open(path.constData(), &db), SQLITE_OK);
    const auto exec = [](sqlite3 *on, const char *sql) {
        return sqlite3_exec(on, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
    };
    QVERIFY(exec(db, "PRAGMA journal_mode=WAL"));
    QVERIFY(exec(db, "CREATE TABLE t (x BLOB)"));
    for (int i = 0; i < 300; ++i)
        QVERIFY(exec(db, "INSERT INTO t VALUES (zeroblob(4000))")); // a commit each
    sqlite3_close(db);

    // A writer committing all the time; the WAL hook says how many frames the log holds
    // after each of its commits.
    struct Seen
    {
        std::atomic<int> frames {0};
        std::atomic<int> fewest {1 << 30};
    } seen;
    std::atomic<bool> started {false}, stop {false};
    std::atomic<int> failures {0};
    std::thread writer([&] {
        sqlite3 *w = nullptr;
        if (sqlite3_open(path.constData(), &w) != SQLITE_OK) {
            ++failures;
            return;
        }
        sqlite3_busy_timeout(w, 2000);
        sqlite3_wal_hook(
                w,
                [](void *arg, sqlite3 *, const char *, int frames) {
                    auto *s = static_cast<Seen *>(arg);
                    s->frames = frames;
                    return SQLITE_OK;
                },
                &seen);
        while (!stop) {
            if (!exec(w, "INSERT INTO t VALUES (zeroblob(200))"))
                ++failures;
            std::this_thread::sleep_for(std::chrono::microseconds(200)); // about 20 MB/s of log
            if (started)
                seen.fewest = qMin(seen.fewest.load(), seen.frames.load());
        }
        sqlite3_close(w);
    });
    QTRY_VERIFY(seen.frames >= 300);
    started = true;
    // A limit far above what the log holds: only the "copied, so cheap" rule restarts it.
    WalCheckpointer::start(QFile::decodeName(path), WalCheckpointer::Reset::Restart,
                           qint64(1) << 40);
    QElapsedTimer clock;
    clock.start();
    while (seen.fewest >= 300 && !clock.hasExpired(5000))
        QTest::qSleep(10);
    stop = true;
    writer.join();
    QCOMPARE(failures.load(), 0);
    QVERIFY2(seen.fewest < 300,
             qPrintable(u"the log was never started afresh: %1 frames or more"_s.arg(
                     seen.fewest.load())));
}
