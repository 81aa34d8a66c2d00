// SPDX-License-Identifier: MIT
//
// The queue of inserts a DiskStore writes on a thread of its own (InsertQueue), and what it
// promises: everything else that uses the store sees the queued inserts, in order; evictions
// they cause are reported on the cache's thread; a connection opened after insert() returned
// finds the insert; closing writes what is queued; a failure on the queue's thread loses
// those inserts, says so, and harms nothing else.
#include "disk/blobstore_p.h"
#include "disk/diskstore_p.h"
#include "disk/insertqueue_p.h"
#include "disk/spooldevice_p.h"

#include <QtCore/QFileInfo>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtTest/QTest>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include <sys/resource.h>

using namespace tiercache;
using namespace Qt::StringLiterals;

namespace {

QByteArray bodyOf(qint64 size, int seed)
{
    QByteArray body(size, char('a' + seed % 26));
    std::memcpy(body.data(), &seed, sizeof seed); // distinct bodies: no sharing by digest
    return body;
}

} // namespace

class tst_InsertQueue : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void appliesInOrderOnItsOwnThread();
    void drainWaitsForWhatWasPushedBefore();
    void pushWaitsWhileTheQueueIsFull();
    void appliedKeysAreForgottenWhenApplyTakesTheEntry();

    void queuedInsertsAreSeenAtOnce();
    void queuedInsertsKeepTheirOrder();
    void evictionsAreReportedOnTheCachesThread();
    void connectionOpenedAfterwardsSeesTheInserts();
    void closeWritesWhatIsQueued();
    void failedQueuedInsertsAreLostAndSaid();

private:
    QString root() const { return m_dir->path(); }
    //! Stores an inline body under \a key, NoSync: queued once a batch is open.
    bool store(DiskStore &store, const QString &key, const QByteArray &body,
               qint64 maximumSize = std::numeric_limits<qint64>::max() / 4);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<DiskStore> m_store;
};

void tst_InsertQueue::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_store = std::make_unique<DiskStore>();
    QVERIFY2(m_store->open(root()), qPrintable(m_store->errorString()));
}

void tst_InsertQueue::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

bool tst_InsertQueue::store(DiskStore &store, const QString &key, const QByteArray &body,
                            qint64 maximumSize)
{
    SpoolDevice spool(key, QNetworkCacheMetaData(), nullptr);
    if (!spool.begin(blob::tempDir(store.root()), DiskStore::InlineMax)
        || spool.write(body) != body.size())
        return false;
    EntryRecord e;
    e.meta = "meta:" + key.toUtf8();
    e.status = 200;
    e.expiresMs = 9'000'000'000'000;
    e.createdMs = 1000;
    e.lastAccessMs = 1000;
    return store.commit(&spool, e, {}, false, maximumSize);
}

void tst_InsertQueue::appliesInOrderOnItsOwnThread()
{
    QList<int> applied;
    std::atomic<bool> onOtherThread {true};
    const auto caller = std::this_thread::get_id();
    {
        InsertQueue queue([&](InsertQueue::Insert &insert) {
            if (std::this_thread::get_id() == caller)
                onOtherThread = false;
            applied.append(int(insert.maximumSize)); // the queue's thread only, in turn
        });
        QVERIFY(!queue.isApplying());
        for (int i = 0; i < 100; ++i) {
            InsertQueue::Insert insert;
            insert.entry.key = u"k%1"_s.arg(i % 7);
            insert.maximumSize = i;
            queue.push(std::move(insert));
        }
        queue.drain();
        QCOMPARE(applied.size(), 100);
    }
    QVERIFY(onOtherThread);
    for (int i = 0; i < 100; ++i)
        QCOMPARE(applied.at(i), i);
}

void tst_InsertQueue::drainWaitsForWhatWasPushedBefore()
{
    std::atomic<int> applied {0};
    std::atomic<bool> release {false};
    InsertQueue queue([&](InsertQueue::Insert &) {
        while (!release)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        ++applied;
    });
    InsertQueue::Insert insert;
    insert.entry.key = u"held"_s;
    queue.push(insert);
    QVERIFY(queue.holds(u"held"_s));
    QVERIFY(!queue.holds(u"other"_s));
    std::thread releaser([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        release = true;
    });
    QElapsedTimer clock;
    clock.start();
    queue.drain();
    releaser.join();
    QCOMPARE(applied.load(), 1);
    QVERIFY2(clock.elapsed() >= 40, "drain() returned before the insert was applied");
    QVERIFY(!queue.holds(u"held"_s));
}

void tst_InsertQueue::pushWaitsWhileTheQueueIsFull()
{
    std::atomic<bool> release {false};
    std::atomic<int> applied {0};
    InsertQueue queue([&](InsertQueue::Insert &) {
        while (!release)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        ++applied;
    });
    // One being applied, MaxQueued waiting: the next push() waits for room.
    for (int i = 0; i <= InsertQueue::MaxQueued; ++i)
        queue.push({});
    std::atomic<bool> pushed {false};
    std::thread pusher([&] {
        queue.push({});
        pushed = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    QVERIFY2(!pushed, "push() went past a full queue");
    release = true;
    pusher.join();
    queue.drain();
    QCOMPARE(applied.load(), InsertQueue::MaxQueued + 2);
}

void tst_InsertQueue::appliedKeysAreForgottenWhenApplyTakesTheEntry()
{
    // DiskStore's apply moves the entry out of the insert: the queue must still forget the
    // key it applied (else holds() says yes for it for good, and every key ever queued
    // stays in memory).
    std::atomic<bool> release {false};
    InsertQueue queue([&](InsertQueue::Insert &insert) {
        const EntryRecord taken = std::move(insert.entry);
        while (taken.key == u"blocker"_s && !release)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    InsertQueue::Insert first;
    first.entry.key = u"first"_s;
    queue.push(first);
    queue.drain();
    InsertQueue::Insert blocker;
    blocker.entry.key = u"blocker"_s;
    queue.push(blocker); // something waits: holds() looks at the keys
    const bool blockerHeld = queue.holds(u"blocker"_s);
    const bool firstHeld = queue.holds(u"first"_s);
    release = true; // before any check can return
    queue.drain();
    QVERIFY(blockerHeld);
    QVERIFY2(!firstHeld, "an applied key is still held");
}

void tst_InsertQueue::queuedInsertsAreSeenAtOnce()
{
    constexpr int Inserts = 300;
    for (int i = 0; i < Inserts; ++i) {
        QVERIFY(store(*m_store, u"k%1"_s.arg(i), bodyOf(4096, i)));
        // A lookup of the key just inserted waits for it; one of another key does not.
        const auto e = m_store->findWithBody(u"k%1"_s.arg(i));
        QVERIFY(e);
        QCOMPARE(e->storedBytes, bodyOf(4096, i));
    }
    // Listings, counts and totals wait for every queued insert.
    QCOMPARE(m_store->counts().entries, Inserts);
    QCOMPARE(m_store->entries(0, -1).size(), Inserts);
    QVERIFY(m_store->totalSize() >= Inserts * 4096);
}

void tst_InsertQueue::queuedInsertsKeepTheirOrder()
{
    // Replacements of one key, and a removal between them: the last one wins, as if each
    // had been written before insert() returned.
    for (int round = 0; round < 50; ++round) {
        QVERIFY(store(*m_store, u"filler%1"_s.arg(round), bodyOf(1000, 1000 + round)));
        QVERIFY(store(*m_store, u"key"_s, bodyOf(2000, round)));
        QVERIFY(store(*m_store, u"key"_s, bodyOf(3000, round)));
        if (round % 2) {
            QVERIFY(m_store->remove(u"key"_s));
            QVERIFY(!m_store->find(u"key"_s));
        } else {
            const auto e = m_store->findWithBody(u"key"_s);
            QVERIFY(e);
            QCOMPARE(e->storedBytes, bodyOf(3000, round));
        }
    }
    QCOMPARE(m_store->counts().entries, 50);
}

void tst_InsertQueue::evictionsAreReportedOnTheCachesThread()
{
    constexpr qint64 Max = 1024 * 1024; // below DirectoryCapFrom: the cap is the total alone
    QStringList evicted;
    bool offThread = false;
    QThread *const self = QThread::currentThread();
    m_store->setEvictionObserver([&](const QString &key, qint64) {
        offThread = offThread || QThread::currentThread() != self;
        evicted.append(key);
    });
    constexpr int Inserts = 600; // 600 x 4 KiB: well past 1 MiB
    for (int i = 0; i < Inserts; ++i)
        QVERIFY(store(*m_store, u"k%1"_s.arg(i), bodyOf(4096, i), Max));
    QVERIFY(m_store->totalSize() <= Max); // waits for the queue
    m_store->reportEvictions();
    QVERIFY2(!offThread, "the eviction observer was called on another thread");
    // Every entry gone was reported, once, and every one reported is gone.
    QStringList gone;
    for (int i = 0; i < Inserts; ++i) {
        if (!m_store->find(u"k%1"_s.arg(i)))
            gone.append(u"k%1"_s.arg(i));
    }
    QVERIFY(!gone.isEmpty());
    evicted.sort();
    gone.sort();
    QCOMPARE(evicted, gone);
}

void tst_InsertQueue::connectionOpenedAfterwardsSeesTheInserts()
{
    // The insert that opens a batch is written before insert() returns, and the batch holds
    // the write lock, which a connection opening the directory waits for: the batch (with
    // the inserts queued into it) is committed first. No waiting in this test: queued
    // without a batch open, the insert was not there yet for most of these connections.
    for (int round = 0; round < 20; ++round) {
        const int inserts = round % 2 ? 1 : 40;
        for (int i = 0; i < inserts; ++i) {
            QVERIFY(m_store->commitBatch() || i > 0); // each round starts without a batch
            QVERIFY(store(*m_store, u"r%1k%2"_s.arg(round).arg(i), bodyOf(4096, 100 * round + i)));
        }
        DiskStore other;
        QVERIFY(other.open(root()));
        for (int i = 0; i < inserts; ++i)
            QVERIFY2(other.find(u"r%1k%2"_s.arg(round).arg(i)),
                     qPrintable(u"r%1k%2"_s.arg(round).arg(i)));
    }
}

void tst_InsertQueue::closeWritesWhatIsQueued()
{
    for (int i = 0; i < 200; ++i)
        QVERIFY(store(*m_store, u"k%1"_s.arg(i), bodyOf(4096, i)));
    m_store.reset(); // no other call first
    DiskStore reopened;
    QVERIFY(reopened.open(root()));
    QCOMPARE(reopened.counts().entries, 200);
}

void tst_InsertQueue::failedQueuedInsertsAreLostAndSaid()
{
    // Files may not grow (EFBIG instead of SIGXFSZ): the COMMIT of the batch the queued
    // inserts went into fails on a thread of the cache, after insert() returned for them.
    // They are lost and the store says so; what was committed before is intact, no entry
    // is ever served wrong, and once files may grow again inserts are stored as before.
    for (int i = 0; i < 20; ++i)
        QVERIFY(store(*m_store, u"before%1"_s.arg(i), bodyOf(4096, i)));
    QVERIFY(m_store->commitBatch());
    const auto previous = std::signal(SIGXFSZ, SIG_IGN);
    rlimit old {};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
    rlimit small = old;
    small.rlim_cur = rlim_t(qMax(QFileInfo(root() + u"/catalogue.db"_s).size(),
                                 QFileInfo(root() + u"/catalogue.db-wal"_s).size()));
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
    constexpr int During = 200; // 200 x 16 KiB: several batches past the log's size
    int accepted = 0;
    for (int i = 0; i < During; ++i)
        accepted += store(*m_store, u"during%1"_s.arg(i), bodyOf(16 * 1024, 1000 + i));
    (void)m_store->counts(); // lets every queued insert through, under the limit
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, previous);
    QVERIFY2(!m_store->errorString().isEmpty(), "inserts were lost and nothing said so");
    qInfo("%d of %d inserts accepted; %s", accepted, During, qPrintable(m_store->errorString()));
    for (int i = 0; i < 20; ++i) {
        const auto e = m_store->findWithBody(u"before%1"_s.arg(i));
        QVERIFY(e);
        QCOMPARE(e->storedBytes, bodyOf(4096, i));
    }
    int lost = 0;
    for (int i = 0; i < During; ++i) {
        const auto e = m_store->findWithBody(u"during%1"_s.arg(i));
        if (!e) {
            ++lost;
            continue;
        }
        QCOMPARE(e->storedBytes, bodyOf(16 * 1024, 1000 + i)); // never someone else's bytes
    }
    QVERIFY2(lost > 0, "the limit failed nothing: no failure was tested");
    QVERIFY(store(*m_store, u"after"_s, bodyOf(4096, 5000)));
    QVERIFY(store(*m_store, u"after2"_s, bodyOf(4096, 5001)));
    QVERIFY(m_store->commitBatch());
    DiskStore reopened;
    QVERIFY(reopened.open(root()));
    QVERIFY(reopened.find(u"after2"_s));
    QCOMPARE(reopened.findWithBody(u"before7"_s)->storedBytes, bodyOf(4096, 7));
}

QTEST_GUILESS_MAIN(tst_InsertQueue)
#include "tst_insertqueue.moc"
