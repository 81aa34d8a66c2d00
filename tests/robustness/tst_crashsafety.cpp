// SPDX-License-Identifier: MIT
// kill -9 safety of a cache directory. The test binary re-executes itself as a writer child
// that hammers one directory through the public NetworkCache API; the parent SIGKILLs it at a
// random moment and checks, with a fresh NetworkCache, that whatever survived is intact: every
// entry's body is exactly the version its metadata names, nothing is damaged, the size budget
// holds, and garbage collection leaves no temporary files behind. Tagged inserts are killed
// at every step (after each public API call, and at each file-system call with the fault
// shim's kind=kill) and at random moments: an entry is there whole with its tags, or not at all.
// Batched commits (NoSync): a kill right after a run of inserts loses at most the last batch,
// never an earlier insert; an idle writer's batch reaches other processes without an event loop.

#include "robustutil.h"

#include <limits>
#include <QtCore/QFileInfo>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <csignal>
#include <dlfcn.h>

using namespace tiercache;
using namespace tiercache::robust;

namespace {

// Body files are unlinked inside the write transaction that drops their rows, before COMMIT
// (DiskStore::dropBlobIfUnreferencedLocked, DiskStore::clear). A kill -9 between the unlink and
// the COMMIT rolls the rows back onto files that are gone: the entry becomes a miss and verify()
// counts it as damaged. killMidTransactionKeepsCommittedBodies reproduces it deterministically
// and fails while it is there; the kill loop only reports such losses meanwhile (a few of its
// 40 kills land in that window). Set to false once fixed: the loop then demands zero losses.
constexpr bool KnownUnlinkBeforeCommitBug = false;

constexpr qint64 LoopMaximumSize = 4 * 1024 * 1024;
// What README promises of NoSync: a kill -9 loses at most the inserts not yet committed, those
// of the open batch (DiskStore::BatchInserts, 64) and those queued behind it
// (InsertQueue::MaxQueued, 16): at most this many.
constexpr int MaxUncommittedInserts = 64 + 16;
// The largest body bodySize() produces, plus its header and block rounding: one entry's slack.
constexpr qint64 LargestEntry = 1024 * 1024 + 1536 * 1024 + 64 * 1024;

QList<QUrl> crashUrlPool()
{
    QList<QUrl> urls;
    for (int i = 0; i < 24; ++i)
        urls.append(QUrl(QStringLiteral("http://crash.example/item/%1?q=%2").arg(i).arg(i * 7)));
    return urls;
}

// ---- children --------------------------------------------------------------------------------

// Runs until killed: inserts (several pieces per body), abandoned downloads, removes, metadata
// updates, reads, now and then a collectGarbage() or verify(). Prints one mark per operation.
int runCrashWriter()
{
    becomeChild(60);
    const QString dir = childParameter("DIR");
    QRandomGenerator rng(childParameter("SEED").toUInt());
    NetworkCache cache;
    cache.setCacheDirectory(dir);
    cache.setMaximumCacheSize(childParameter("MAX").toLongLong());
    if (childParameter("SYNC") == QLatin1String("1"))
        cache.setSyncMode(NetworkCache::SyncMode::SyncOnInsert);
    cache.cacheSize(); // opens the directory
    if (cache.error() != NetworkCache::Error::NoError) {
        fprintf(stderr, "crash-writer: cannot open %s: %s\n", qPrintable(dir),
                qPrintable(cache.errorString()));
        return 2;
    }
    mark('S');
    const QList<QUrl> pool = crashUrlPool();
    for (quint32 n = 0;; ++n) {
        const QUrl url = pool.at(int(rng.bounded(pool.size())));
        const int op = int(rng.bounded(100));
        if (op < 50) {
            const quint32 version = rng.generate();
            QIODevice *device =
                    spool(cache, versionedMetaData(url, version), body(url, version), rng);
            if (!device) {
                mark('p');
            } else if (rng.bounded(12) == 0) {
                cache.remove(url); // withdraws the pending body (and the old entry)
                mark('a');
            } else {
                cache.insert(device);
                mark('I');
            }
        } else if (op < 60) {
            cache.remove(url);
            mark('D');
        } else if (op < 70) {
            QNetworkCacheMetaData md = cache.metaData(url);
            if (md.isValid()) {
                auto headers = md.rawHeaders();
                headers.append(qMakePair(QByteArray("X-Touch"), QByteArray(QByteArray::number(n))));
                md.setRawHeaders(headers);
                cache.updateMetaData(md);
                mark('U');
            }
        } else if (op < 72) {
            cache.collectGarbage();
            mark('G');
        } else if (op < 73) {
            const VerifyReport report = cache.verify();
            if (report.damaged() != 0) {
                fprintf(stderr, "crash-writer: verify() found damage in a live directory: %s\n",
                        qPrintable(report.problems().join(QLatin1String("; "))));
                return 3;
            }
            mark('V');
        } else {
            QString detail;
            const EntryCheck c = checkEntry(cache, url, &detail);
            if (c == EntryCheck::WrongBody || c == EntryCheck::NoVersion
                || c == EntryCheck::NoDevice) {
                fprintf(stderr, "crash-writer: %s: %s\n", toString(c), qPrintable(detail));
                return 3;
            }
            mark('r');
        }
        QCoreApplication::processEvents();
    }
}

QUrl bulkUrl(int i)
{
    return QUrl(QStringLiteral("http://bulk.example/%1").arg(i));
}

// Stores a small body (at most 4 KiB) of a random version for \a url.
void insertSmall(NetworkCache &cache, const QUrl &url, QRandomGenerator &rng)
{
    quint32 version = rng.generate();
    while (bodySize(url, version) > 4096)
        ++version;
    cache.insert(spool(cache, versionedMetaData(url, version), body(url, version), rng, false));
}

// Inserts small entries bulkUrl(0), bulkUrl(1)... into \a cache, with no event loop, until its
// log file \a wal is past \a grown bytes (at most 50 000 of them); returns how many, and the
// largest size the file reached in \a largest.
int growLog(NetworkCache &cache, const QString &wal, qint64 grown, QRandomGenerator &rng,
            qint64 *largest)
{
    *largest = 0;
    int inserts = 0;
    for (; inserts < 50000 && *largest <= grown; ++inserts) {
        insertSmall(cache, bulkUrl(inserts), rng);
        *largest = qMax(*largest, QFileInfo(wal).size());
    }
    return inserts;
}

// "bulk-fill": stores COUNT small entries and exits.
int runBulkFill()
{
    becomeChild(60);
    const int count = childParameter("COUNT").toInt();
    QRandomGenerator rng(childParameter("SEED").toUInt());
    NetworkCache cache;
    cache.setCacheDirectory(childParameter("DIR"));
    cache.setMaximumCacheSize(qint64(1) << 32);
    for (int i = 0; i < count; ++i)
        insertSmall(cache, bulkUrl(i), rng);
    if (cache.summary().entryCount() != count) {
        fprintf(stderr, "bulk-fill: only %lld of %d entries stored\n", cache.summary().entryCount(),
                count);
        return 2;
    }
    return 0;
}

// "bulk-op": opens a filled directory, waits for a byte on stdin (so that the parent listens
// when it starts), marks the start of one bulk operation (upper case letter), runs it, marks its
// end (lower case) and waits to be killed.
int runBulkOperation()
{
    becomeChild(60);
    const QString mode = childParameter("MODE");
    QRandomGenerator rng(childParameter("SEED").toUInt());
    NetworkCache cache;
    cache.setCacheDirectory(childParameter("DIR"));
    cache.setMaximumCacheSize(qint64(1) << 32);
    const QList<CacheEntryInfo> entries = cache.entries();
    if (!markStartedAndWaitForGo())
        return 2;
    if (mode == QLatin1String("clear")) {
        mark('C');
        cache.clear();
        mark('c');
    } else if (mode == QLatin1String("evict")) {
        mark('E');
        cache.setMaximumCacheSize(64 * 1024); // trimmed from the event loop, 64 entries a step
        while (cache.cacheSize() > 64 * 1024 - 64 * 1024 / 10)
            QCoreApplication::processEvents();
        mark('e');
    } else if (mode == QLatin1String("replace")) {
        // Each insert over an existing entry drops the old body inside its own transaction.
        mark('P');
        for (const CacheEntryInfo &e : entries)
            insertSmall(cache, e.url(), rng);
        mark('p');
    }
    for (;;)
        ::pause();
}

/*
    "batch-inserter": stores COUNT small entries bulkUrl(0..COUNT-1) in a loop without an event
    loop, marking 'I' after each insert() returned, then, with END=kill, SIGKILLs itself at
    once; with END=idle, marks 'W' and waits to be killed without calling the cache again.
*/
int runBatchInserter()
{
    becomeChild(60);
    const int count = childParameter("COUNT").toInt();
    QRandomGenerator rng(childParameter("SEED").toUInt());
    NetworkCache cache;
    cache.setCacheDirectory(childParameter("DIR"));
    cache.setMaximumCacheSize(qint64(1) << 32);
    if (childParameter("SYNC") == QLatin1String("1"))
        cache.setSyncMode(NetworkCache::SyncMode::SyncOnInsert);
    cache.cacheSize();
    mark('S');
    for (int i = 0; i < count; ++i) {
        insertSmall(cache, bulkUrl(i), rng);
        mark('I');
    }
    if (childParameter("END") == QLatin1String("kill"))
        ::raise(SIGKILL);
    mark('W');
    for (;;)
        ::pause();
}

// ---- tagged inserts, killed at every step ----------------------------------------------------

QUrl taggedUrl(int i)
{
    return QUrl(QStringLiteral("http://tagged.example/item/%1").arg(i));
}

QList<QUrl> taggedUrlPool()
{
    QList<QUrl> urls;
    for (int i = 0; i < 12; ++i)
        urls.append(taggedUrl(i));
    return urls;
}

//! The cache tags of (url, version): one for every entry, one for the URL, one for the version.
QStringList tagsFor(const QUrl &url, qint64 version)
{
    QStringList tags {QStringLiteral("all"),
                      QStringLiteral("u-") + url.path().section(QLatin1Char('/'), -1),
                      QStringLiteral("v%1").arg(version)};
    tags.sort();
    return tags;
}

QNetworkCacheMetaData taggedMetaData(const QUrl &url, quint32 version)
{
    QNetworkCacheMetaData md = versionedMetaData(url, version);
    QNetworkCacheMetaData::RawHeaderList headers = md.rawHeaders();
    headers.append(qMakePair(QByteArray("Cache-Tag"),
                             tagsFor(url, version).join(QLatin1String(", ")).toLatin1()));
    md.setRawHeaders(headers);
    return md;
}

//! A version of \a url whose body is between \a minimum and \a maximum bytes.
quint32 versionSized(const QUrl &url, quint32 from, qint64 minimum, qint64 maximum)
{
    quint32 version = from;
    while (bodySize(url, version) < minimum || bodySize(url, version) > maximum)
        ++version;
    return version;
}

using FaultSetFn = int (*)(const char *);

/*
    "insert-steps": one tagged insert of NEW for taggedUrl(0), step by step through the public
    API, killed at a chosen step (after REPLACE=1 stored OLD first, whole):
      STEP=k  raise(SIGKILL) after API step k: 0 before prepare(), 1 after prepare() (the
              temporary file exists), 2 after the first half of the body is written, 3 after
              the whole body is written, 4 after insert() returned (renamed into blobs/, the
              catalogue transaction with the entry row, its metadata and its tags committed);
      AFTER=n with tiercache_faultshim preloaded: the shim's kind=kill SIGKILLs the process at
              its (n+1)-th file-system call under the cache directory from prepare() on: every
              step of the insert, one by one, inside insert() too. Exits 0 when the insert
              finished before the n-th call.
*/
int runInsertSteps()
{
    becomeChild(60);
    const QString dir = childParameter("DIR");
    const QUrl url = taggedUrl(0);
    const quint32 oldVersion = childParameter("OLD").toUInt();
    const quint32 newVersion = childParameter("NEW").toUInt();
    const int step = childParameter("STEP", QStringLiteral("-1")).toInt();
    const QString after = childParameter("AFTER");
    QRandomGenerator rng(7);
    NetworkCache cache;
    cache.setCacheDirectory(dir);
    cache.setMaximumCacheSize(qint64(1) << 32);
    if (childParameter("SYNC") == QLatin1String("1"))
        cache.setSyncMode(NetworkCache::SyncMode::SyncOnInsert);
    cache.cacheSize(); // opens the directory
    if (childParameter("REPLACE") == QLatin1String("1")) {
        cache.insert(
                spool(cache, taggedMetaData(url, oldVersion), body(url, oldVersion), rng, false));
        QStringList tags = cache.entryInfo(url).tags();
        tags.sort();
        if (tags != tagsFor(url, oldVersion)) {
            fprintf(stderr, "insert-steps: the old version was not stored with its tags\n");
            return 2;
        }
        // Without SyncOnInsert a small body is committed with its batch, a few milliseconds
        // later: OLD must be durable before the kills start. Another connection sees it then.
        NetworkCache other;
        other.setCacheDirectory(dir);
        QElapsedTimer waited;
        waited.start();
        while (!other.metaData(url).isValid()) {
            if (waited.hasExpired(10000)) {
                fprintf(stderr, "insert-steps: the old version never reached another cache\n");
                return 2;
            }
            ::usleep(1000); // no event loop: the flushing thread commits it
        }
    }
    FaultSetFn faultSet = nullptr;
    if (!after.isEmpty()) {
        faultSet = reinterpret_cast<FaultSetFn>(dlsym(RTLD_DEFAULT, "tiercache_fault_set"));
        if (!faultSet) {
            fprintf(stderr, "insert-steps: tiercache_faultshim is not preloaded\n");
            return 2;
        }
    }
    const auto stepDone = [step](int done) {
        if (done == step)
            ::raise(SIGKILL);
    };
    mark('S');
    stepDone(0);
    if (faultSet) {
        const QByteArray spec = "kind=kill;path=" + QFile::encodeName(QDir(dir).absolutePath())
                + "/;after=" + after.toLatin1();
        if (faultSet(spec.constData()) != 0) {
            fprintf(stderr, "insert-steps: invalid fault spec %s\n", spec.constData());
            return 2;
        }
    }
    const QByteArray newBody = body(url, newVersion);
    QIODevice *device = cache.prepare(taggedMetaData(url, newVersion));
    if (!device) {
        fprintf(stderr, "insert-steps: prepare() returned nullptr\n");
        return 2;
    }
    stepDone(1);
    const qint64 half = newBody.size() / 2;
    if (device->write(newBody.constData(), half) != half)
        return 2;
    stepDone(2);
    if (device->write(newBody.constData() + half, newBody.size() - half) != newBody.size() - half)
        return 2;
    stepDone(3);
    cache.insert(device);
    stepDone(4);
    if (faultSet)
        faultSet(nullptr);
    mark('F');
    return 0;
}

/*
    "tagged-inserter": runs until killed, storing tagged versions of taggedUrlPool() through
    the public API (the body in several pieces, the event loop running between them). Marks
    'i' just before insert() and 'I' after it.
*/
int runTaggedInserter()
{
    becomeChild(60);
    QRandomGenerator rng(childParameter("SEED").toUInt());
    NetworkCache cache;
    cache.setCacheDirectory(childParameter("DIR"));
    cache.setMaximumCacheSize(qint64(1) << 32);
    if (childParameter("SYNC") == QLatin1String("1"))
        cache.setSyncMode(NetworkCache::SyncMode::SyncOnInsert);
    cache.cacheSize();
    const QList<QUrl> pool = taggedUrlPool();
    mark('S');
    for (;;) {
        const QUrl url = pool.at(int(rng.bounded(pool.size())));
        // Mostly small and medium bodies: many inserts per run, so kills land in all steps.
        const quint32 version = versionSized(url, rng.generate(), 0, 256 * 1024);
        QIODevice *device = spool(cache, taggedMetaData(url, version), body(url, version), rng);
        if (!device) {
            mark('p');
            continue;
        }
        mark('i');
        cache.insert(device);
        mark('I');
        QCoreApplication::processEvents();
    }
}

} // namespace

class tst_CrashSafety : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void killLoopKeepsEntriesIntact();
    void killMidTransactionKeepsCommittedBodies_data();
    void killMidTransactionKeepsCommittedBodies();
    void logIsCutBackOnceInsertsPause();
    void logIsCutBackWithoutAnEventLoop();
    void killAtEveryInsertStep_data();
    void killAtEveryInsertStep();
    void killLoopKeepsTaggedInsertsWhole();
    void killAfterInsertsLosesAtMostTheLastBatch_data();
    void killAfterInsertsLosesAtMostTheLastBatch();
    void idleWriterCommitsWithoutEventLoop();

private:
    struct Totals
    {
        int entriesChecked = 0;
        qint64 bytesChecked = 0;
        int missingBodies = 0;
        QStringList missingDetails;
        qint64 largestCacheSize = 0;
        int overBudget = 0;
        qint64 reclaimedByGc = 0;
        int youngEmptyTemps = 0;
        int iteration = 0;
    };
    void checkDirectory(const QString &dir, qint64 maximumSize, Totals *totals);
    //! Every URL of \a urls in \a dir is absent or whole: the full body of the version its
    //! metadata names, exactly that version's tags; and the tag index counts exactly the tags
    //! of the entries present. \a versions receives the version found per URL (-1: absent).
    void checkTaggedEntries(const QString &dir, const QList<QUrl> &urls,
                            QHash<QUrl, qint64> *versions);
    //! Invalidating the version tag of \a url's entry removes it, from the index too.
    void checkInvalidation(const QString &dir, const QUrl &url, qint64 version, const QString &tag);

    quint32 m_seed = 0;
};

void tst_CrashSafety::initTestCase()
{
    m_seed = qEnvironmentVariableIsSet("TIERCACHE_ROBUST_SEED")
            ? quint32(qEnvironmentVariableIntValue("TIERCACHE_ROBUST_SEED"))
            : QRandomGenerator::system()->generate();
    qInfo("seed %u (set TIERCACHE_ROBUST_SEED to repeat)", m_seed);
}

// Opens \a dir with a fresh cache and checks everything the parent can check; accumulates.
void tst_CrashSafety::checkDirectory(const QString &dir, qint64 maximumSize, Totals *totals)
{
    NetworkCache cache;
    cache.setCacheDirectory(dir);
    // The checker must not evict while it checks (the cache trims from the event loop, which
    // reading bodies spins): an entry it evicted itself would look lost. The writer's budget
    // is checked against cacheSize() below.
    cache.setMaximumCacheSize(std::numeric_limits<qint64>::max() / 2);

    const QList<CacheEntryInfo> entries = cache.entries();
    const CacheSummary summary = cache.summary();
    QCOMPARE(cache.error(), NetworkCache::Error::NoError);
    // entries() joins the blob rows: an entry without its blob row would be missing from it.
    QCOMPARE(summary.entryCount(), qint64(entries.size()));

    for (const CacheEntryInfo &e : entries) {
        QString detail;
        const QString blobPath = dir + QLatin1String("/blobs/") + QLatin1String(e.digest().left(2))
                + QLatin1Char('/') + QLatin1String(e.digest());
        const qint64 fileSize = QFileInfo(blobPath).exists() ? QFileInfo(blobPath).size() : -1;
        const EntryCheck c = checkEntry(cache, e.url(), &detail, &totals->bytesChecked);
        ++totals->entriesChecked;
        if (c == EntryCheck::Miss || c == EntryCheck::ReadFailed) {
            // The row survived but its body did not: only a power cut may do that.
            ++totals->missingBodies;
            totals->missingDetails.append(
                    QStringLiteral("#%1 %2 (%3, body file %4)")
                            .arg(totals->iteration)
                            .arg(e.url().toString(), QLatin1String(toString(c)),
                                 fileSize < 0 ? QStringLiteral("absent")
                                              : QStringLiteral("of %1 bytes").arg(fileSize)));
            QVERIFY2(fileSize < 0, qPrintable(totals->missingDetails.last()));
            continue;
        }
        QVERIFY2(c == EntryCheck::Ok,
                 qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(toString(c)), detail)));
        QCOMPARE(e.bodySize(), bodySize(e.url(), quint32(versionOf(cache.metaData(e.url())))));
    }

    const qint64 size = cache.cacheSize();
    totals->largestCacheSize = qMax(totals->largestCacheSize, size);
    if (size > maximumSize)
        ++totals->overBudget;
    QVERIFY2(size <= maximumSize + LargestEntry,
             qPrintable(QStringLiteral("cacheSize() %1 > maximum %2 + one entry")
                                .arg(size)
                                .arg(maximumSize)));

    const VerifyReport report = cache.verify();
    QVERIFY(!report.cancelled());
    for (const QString &problem : report.problems()) {
        // A body file that is gone is the signature of the known unlink-before-commit problem
        // (see killMidTransactionKeepsCommittedBodies); anything else is wrong bytes on disk.
        QVERIFY2(problem.endsWith(QLatin1String(": missing")), qPrintable(problem));
    }
    totals->missingBodies += int(report.damaged());

    // The running total kept by the catalogue must equal what a full recount gives.
    const qint64 before = cache.cacheSize();
    totals->reclaimedByGc += cache.collectGarbage();
    QCOMPARE(cache.cacheSize(), before);
    // No blob file without a blob row, no blob row without its body (a file, or kept in the
    // catalogue when small).
    QCOMPARE(qint64(allFiles(dir + QLatin1String("/blobs")).size() + inlineBodies(dir).size()),
             cache.summary().blobCount());

    const QString tmp = dir + QLatin1String("/tmp");
    QStringList left = QDir(tmp).entryList(QDir::Files | QDir::Hidden);
    if (!left.isEmpty()) {
        // The sweep spares an empty temp file for 5 s (its writer may not have locked it yet);
        // a writer killed between open() and flock() leaves exactly that.
        for (const QString &f : std::as_const(left))
            QVERIFY2(QFileInfo(tmp + QLatin1Char('/') + f).size() == 0, qPrintable(f));
        // Age them instead of waiting 5 s: then the next collection must take them.
        ++totals->youngEmptyTemps;
        for (const QString &f : std::as_const(left)) {
            QFile file(tmp + QLatin1Char('/') + f);
            QVERIFY(file.open(QIODevice::ReadOnly));
            QVERIFY(file.setFileTime(QDateTime::currentDateTimeUtc().addSecs(-60),
                                     QFileDevice::FileModificationTime));
        }
        cache.collectGarbage();
        left = QDir(tmp).entryList(QDir::Files | QDir::Hidden);
        QVERIFY2(left.isEmpty(), qPrintable(left.join(QLatin1String(", "))));
    }
}

void tst_CrashSafety::killLoopKeepsEntriesIntact()
{
    const int iterations = qEnvironmentVariableIsSet("TIERCACHE_CRASH_ITERATIONS")
            ? qEnvironmentVariableIntValue("TIERCACHE_CRASH_ITERATIONS")
            : 40;
    QRandomGenerator rng(m_seed);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Totals totals;
    QHash<char, int> operations;
    int tempFilesAtKill = 0, iterationsWithTempFiles = 0;
    QElapsedTimer timer;
    timer.start();

    for (int i = 0; i < iterations; ++i) {
        auto child = makeChild(QStringLiteral("crash-writer"),
                               {{"DIR", dir.path()},
                                {"SEED", QString::number(rng.generate())},
                                {"MAX", QString::number(LoopMaximumSize)},
                                {"SYNC", QLatin1String(i % 4 == 3 ? "1" : "0")}});
        QByteArray output;
        QObject::connect(child.get(), &QProcess::readyReadStandardOutput, child.get(),
                         [&] { output += child->readAllStandardOutput(); });
        child->start();
        QVERIFY(child->waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(output.contains('S') || child->state() != QProcess::Running,
                                 10000);
        QVERIFY2(output.contains('S'), "the writer did not start");

        const int runMs = 20 + int(rng.bounded(281));
        QTest::qWait(runMs); // the random lifetime of this writer, not a synchronisation
        QVERIFY2(child->state() == QProcess::Running,
                 qPrintable(QStringLiteral("writer %1 exited on its own with code %2")
                                    .arg(i)
                                    .arg(child->exitCode())));
        child->kill(); // SIGKILL
        QVERIFY(child->waitForFinished(10000));
        QCOMPARE(child->exitStatus(), QProcess::CrashExit);
        output += child->readAllStandardOutput();
        for (char c : std::as_const(output))
            ++operations[c];

        const int temps = QDir(dir.path() + QLatin1String("/tmp")).entryList(QDir::Files).size();
        tempFilesAtKill += temps;
        iterationsWithTempFiles += temps > 0;

        totals.iteration = i;
        checkDirectory(dir.path(), LoopMaximumSize, &totals);
        if (QTest::currentTestFailed()) {
            qWarning("failed after iteration %d (writer ran %d ms)", i, runMs);
            return;
        }
    }

    qInfo("%d kills in %lld ms; writer operations: %d inserts, %d abandoned, %d removes, "
          "%d metadata updates, %d reads, %d collectGarbage, %d verify",
          iterations, timer.elapsed(), operations.value('I'), operations.value('a'),
          operations.value('D'), operations.value('U'), operations.value('r'),
          operations.value('G'), operations.value('V'));
    qInfo("checked %d entries (%lld body bytes); bodies lost: %d; largest cacheSize %lld of %lld "
          "(over the budget %d times); temp files left by kills: %d in %d iterations; "
          "collectGarbage reclaimed %lld bytes; young empty temp files %d",
          totals.entriesChecked, totals.bytesChecked, totals.missingBodies, totals.largestCacheSize,
          LoopMaximumSize, totals.overBudget, tempFilesAtKill, iterationsWithTempFiles,
          totals.reclaimedByGc, totals.youngEmptyTemps);
    if (totals.missingBodies) {
        qWarning("entries whose body was lost (body file gone, row rolled back): %s",
                 qPrintable(totals.missingDetails.join(QLatin1String(", "))));
    }
    if (!KnownUnlinkBeforeCommitBug)
        QCOMPARE(totals.missingBodies, 0);
    QVERIFY(totals.entriesChecked > 0);
    QVERIFY(operations.value('I') > iterations);
}

void tst_CrashSafety::killMidTransactionKeepsCommittedBodies_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<char>("trigger");
    QTest::addColumn<int>("attempts");
    QTest::addColumn<int>("maxDelayMs");
    // clear() and a trim step delete many files in one transaction: a kill right after the
    // operation starts lands inside it. An insert replacing an entry deletes one old body just
    // before its COMMIT, a window of tens of microseconds: many short kills, one filled dir.
    QTest::newRow("clear") << QStringLiteral("clear") << 'C' << 3 << 2;
    QTest::newRow("eviction") << QStringLiteral("evict") << 'E' << 3 << 2;
    QTest::newRow("replacement") << QStringLiteral("replace") << 'P' << 30 << 60;
}

// A kill -9 must not lose a committed body. Rows are deleted and body files unlinked inside
// one write transaction; if the files are unlinked before COMMIT and the process dies before
// COMMIT, SQLite rolls the rows back and they point to files that no longer exist.
void tst_CrashSafety::killMidTransactionKeepsCommittedBodies()
{
    QFETCH(QString, mode);
    QFETCH(char, trigger);
    QFETCH(int, attempts);
    QFETCH(int, maxDelayMs);
    const int count = 1000;
    const bool refill = mode != QLatin1String("replace");
    QRandomGenerator rng(m_seed ^ 0x5a5a);
    std::unique_ptr<QTemporaryDir> dir;
    int landedInside = 0, entriesChecked = 0;
    QElapsedTimer timer;
    timer.start();
    for (int attempt = 0; attempt < attempts; ++attempt) {
        if (!dir || refill) {
            dir = std::make_unique<QTemporaryDir>();
            QVERIFY(dir->isValid());
            auto fill = makeChild(QStringLiteral("bulk-fill"),
                                  {{"DIR", dir->path()},
                                   {"COUNT", QString::number(count)},
                                   {"SEED", QString::number(rng.generate())}});
            fill->start();
            QVERIFY(fill->waitForFinished(30000));
            QCOMPARE(fill->exitStatus(), QProcess::NormalExit);
            QCOMPARE(fill->exitCode(), 0);
        }
        auto child = makeChild(
                QStringLiteral("bulk-op"),
                {{"DIR", dir->path()}, {"MODE", mode}, {"SEED", QString::number(rng.generate())}});
        QByteArray output;
        const int delayMs = attempt == 0 ? 0 : int(rng.bounded(maxDelayMs + 1));
        bool killed = false;
        QProcess *p = child.get();
        QObject::connect(p, &QProcess::readyReadStandardOutput, p, [&, p] {
            output += p->readAllStandardOutput();
            if (!killed && output.contains(trigger)) {
                killed = true;
                if (delayMs == 0)
                    ::kill(pid_t(p->processId()), SIGKILL);
                else
                    QTimer::singleShot(delayMs, p, [p] { ::kill(pid_t(p->processId()), SIGKILL); });
            }
        });
        child->start();
        QVERIFY(child->waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(output.contains('S') || child->state() != QProcess::Running,
                                 10000);
        QVERIFY2(output.contains('S'), "the bulk operation child did not start");
        child->write("g");
        QTRY_VERIFY_WITH_TIMEOUT(child->state() == QProcess::NotRunning, 30000);
        QCOMPARE(child->exitStatus(), QProcess::CrashExit);
        const bool inside = !output.contains(char(trigger + ('a' - 'A')));
        landedInside += inside;

        NetworkCache cache;
        cache.setCacheDirectory(dir->path());
        const QList<CacheEntryInfo> entries = cache.entries();
        int lost = 0;
        QStringList lostUrls;
        for (const CacheEntryInfo &e : entries) {
            const EntryCheck c = checkEntry(cache, e.url());
            QVERIFY2(c == EntryCheck::Ok || c == EntryCheck::Miss || c == EntryCheck::ReadFailed,
                     toString(c));
            ++entriesChecked;
            if (c != EntryCheck::Ok) {
                ++lost;
                if (lostUrls.size() < 3)
                    lostUrls.append(e.url().toString());
            }
        }
        if (lost || attempt == attempts - 1) {
            qInfo("attempt %d: killed %d ms after '%c' (operation %s); %lld entries left, %d "
                  "without a body",
                  attempt, delayMs, trigger, inside ? "unfinished" : "finished",
                  qint64(entries.size()), lost);
        }
        QVERIFY2(lost == 0,
                 qPrintable(
                         QStringLiteral(
                                 "%1 committed entries lost their body file to a kill -9 during %2 "
                                 "(e.g. %3): body files are unlinked before the transaction that "
                                 "drops their rows commits")
                                 .arg(lost)
                                 .arg(mode, lostUrls.join(QLatin1String(", ")))));
        QCOMPARE(cache.verify().damaged(), 0);
    }
    qInfo("%d kills (%d inside the operation), %d entries checked, no body lost, %lld ms", attempts,
          landedInside, entriesChecked, timer.elapsed());
}

void tst_CrashSafety::checkTaggedEntries(const QString &dir, const QList<QUrl> &urls,
                                         QHash<QUrl, qint64> *versions)
{
    NetworkCache cache;
    cache.setCacheDirectory(dir);
    cache.setMaximumCacheSize(std::numeric_limits<qint64>::max() / 2);
    QMap<QString, qint64> expectedCounts;
    for (const QUrl &url : urls) {
        const QNetworkCacheMetaData md = cache.metaData(url);
        const CacheEntryInfo info = cache.entryInfo(url);
        if (!md.isValid()) {
            QVERIFY2(!info.isValid(),
                     qPrintable(url.toString() + QStringLiteral(": a row without a served entry")));
            versions->insert(url, -1);
            continue;
        }
        const qint64 version = versionOf(md);
        QString detail;
        const EntryCheck c = checkEntry(cache, url, &detail);
        QVERIFY2(c == EntryCheck::Ok,
                 qPrintable(QStringLiteral("%1: %2 %3")
                                    .arg(url.toString(), QLatin1String(toString(c)), detail)));
        QVERIFY2(info.isValid(), qPrintable(url.toString()));
        QCOMPARE(info.bodySize(), bodySize(url, quint32(version)));
        QStringList tags = info.tags();
        tags.sort();
        QCOMPARE(tags, tagsFor(url, version));
        for (const QString &tag : tags)
            ++expectedCounts[tag];
        versions->insert(url, version);
    }
    // No tag rows without their entry, none missing: the whole tagged entry or nothing.
    QMap<QString, qint64> counts;
    const QList<QPair<QString, qint64>> index = cache.tags();
    for (const auto &tag : index)
        counts.insert(tag.first, tag.second);
    QCOMPARE(counts, expectedCounts);
}

void tst_CrashSafety::checkInvalidation(const QString &dir, const QUrl &url, qint64 version,
                                        const QString &tag)
{
    NetworkCache cache;
    cache.setCacheDirectory(dir);
    cache.setMaximumCacheSize(std::numeric_limits<qint64>::max() / 2);
    QVERIFY(versionOf(cache.metaData(url)) == version);
    const qint64 before = cache.cacheSize();
    QCOMPARE(cache.invalidateTag(tag), 1);
    QVERIFY2(!cache.metaData(url).isValid(),
             qPrintable(url.toString() + QStringLiteral(" survived its invalidation")));
    QVERIFY(!cache.entryInfo(url).isValid());
    for (const auto &t : cache.tags())
        QVERIFY2(t.first != tag, qPrintable(tag + QStringLiteral(" still listed")));
    // Its space is reclaimed from the event loop, as in a running application (until then
    // cacheSize() still counts it, and collectGarbage() would reclaim it at once).
    QTRY_VERIFY_WITH_TIMEOUT(cache.cacheSize() <= before - bodySize(url, quint32(version)), 5000);
}

void tst_CrashSafety::killAtEveryInsertStep_data()
{
    QTest::addColumn<bool>("replace");
    QTest::addColumn<bool>("sync");
    QTest::newRow("new entry") << false << false;
    QTest::newRow("new entry, SyncOnInsert") << false << true;
    QTest::newRow("replacement") << true << false;
    QTest::newRow("replacement, SyncOnInsert") << true << true;
}

// Issue 9, item 2: a kill -9 at every step of an insert finds either the whole tagged entry or
// nothing (for a replacement: the whole old entry with its tags, or the whole new one with
// its tags). The steps are taken one by one through the public API, and, with the fault shim
// preloaded, at every file-system call of the insert (inside insert() too).
void tst_CrashSafety::killAtEveryInsertStep()
{
    QFETCH(bool, replace);
    QFETCH(bool, sync);
    const QUrl url = taggedUrl(0);
    // A body of several spool chunks (several writes before the rename).
    const quint32 oldVersion = versionSized(url, 1000, 2048, 64 * 1024);
    const quint32 newVersion = versionSized(url, 5000, 300 * 1024, 600 * 1024);
    const qint64 oldState = replace ? qint64(oldVersion) : -1;
    Totals totals;

    // Runs one child; returns true when it was killed, false when it finished the insert.
    const auto runChild = [&](const QTemporaryDir &dir, const QHash<QByteArray, QString> &extra,
                              bool preload, bool *killed) {
        QHash<QByteArray, QString> parameters {{"DIR", dir.path()},
                                               {"OLD", QString::number(oldVersion)},
                                               {"NEW", QString::number(newVersion)},
                                               {"REPLACE", QLatin1String(replace ? "1" : "0")},
                                               {"SYNC", QLatin1String(sync ? "1" : "0")}};
        parameters.insert(extra);
        auto child = makeChild(QStringLiteral("insert-steps"), parameters);
        if (preload) {
#ifdef TIERCACHE_FAULTSHIM_PATH
            QProcessEnvironment env = child->processEnvironment();
            const QString current = env.value(QStringLiteral("LD_PRELOAD"));
            // A sanitizer runtime in LD_PRELOAD must stay first.
            env.insert(QStringLiteral("LD_PRELOAD"),
                       current.isEmpty() ? QStringLiteral(TIERCACHE_FAULTSHIM_PATH)
                                         : current + QLatin1Char(':')
                                       + QStringLiteral(TIERCACHE_FAULTSHIM_PATH));
            child->setProcessEnvironment(env);
#endif
        }
        child->start();
        QVERIFY(child->waitForStarted());
        QVERIFY(child->waitForFinished(30000));
        const QByteArray output = child->readAllStandardOutput();
        QVERIFY2(output.contains('S'), "the child did not get to the insert");
        *killed = child->exitStatus() == QProcess::CrashExit;
        if (!*killed) {
            QCOMPARE(child->exitCode(), 0);
            QVERIFY(output.contains('F'));
        }
    };
    // What a fresh cache finds after the child; the state is old or new, whole and tagged.
    const auto inspect = [&](const QTemporaryDir &dir, qint64 *state) {
        QHash<QUrl, qint64> versions;
        checkTaggedEntries(dir.path(), {url}, &versions);
        if (QTest::currentTestFailed())
            return;
        *state = versions.value(url);
        QVERIFY2(*state == oldState || *state == qint64(newVersion),
                 qPrintable(QStringLiteral("found version %1, neither the old %2 nor the new %3")
                                    .arg(*state)
                                    .arg(oldState)
                                    .arg(newVersion)));
        // The directory is consistent, and garbage collection takes what the kill left.
        checkDirectory(dir.path(), std::numeric_limits<qint64>::max() / 4, &totals);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(totals.missingBodies, 0);
        // And the tags work: invalidating the version tag removes the entry.
        if (*state >= 0)
            checkInvalidation(dir.path(), url, *state, QStringLiteral("v%1").arg(*state));
    };

    // 1. After each step of the public API.
    for (int step = 0; step <= 4; ++step) {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        bool killed = false;
        runChild(dir, {{"STEP", QString::number(step)}}, false, &killed);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(killed, qPrintable(QStringLiteral("step %1: the child was not killed").arg(step)));
        qint64 state = -2;
        inspect(dir, &state);
        if (QTest::currentTestFailed()) {
            qWarning("killed after API step %d", step);
            return;
        }
        // Before insert() returned: the old state; after: the new entry, whole and tagged.
        QCOMPARE(state, step < 4 ? oldState : qint64(newVersion));
    }

    // 2. At every file-system call from prepare() to the end of insert().
#ifndef TIERCACHE_FAULTSHIM_PATH
    QSKIP("tiercache_faultshim is not built (the faults suite is skipped): API steps only");
#else
    int kills = 0, oldSeen = 0, firstNew = -1;
    for (int n = 0;; ++n) {
        QVERIFY2(n < 2000, "the insert did not finish within 2000 file-system calls");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        bool killed = false;
        runChild(dir, {{"AFTER", QString::number(n)}}, true, &killed);
        if (QTest::currentTestFailed())
            return;
        qint64 state = -2;
        inspect(dir, &state);
        if (QTest::currentTestFailed()) {
            qWarning("killed at file-system call %d of the insert", n + 1);
            return;
        }
        if (!killed) {
            QCOMPARE(state, qint64(newVersion)); // finished: stored
            break;
        }
        ++kills;
        if (state == qint64(newVersion)) {
            if (firstNew < 0)
                firstNew = n;
        } else {
            // Once the new entry was durable, no later kill may take it back.
            QVERIFY2(firstNew < 0,
                     qPrintable(QStringLiteral("call %1: the new entry was there after a kill at "
                                               "call %2, and is gone after a kill at call %3")
                                        .arg(n + 1)
                                        .arg(firstNew + 1)
                                        .arg(n + 1)));
            ++oldSeen;
        }
    }
    qInfo("%d kills, one at each file-system call of the insert: %d found the old state, %d the "
          "new "
          "entry; the insert finished after call %d; %lld body bytes checked",
          kills, oldSeen, kills - oldSeen, kills, totals.bytesChecked);
    QVERIFY(kills > 4);
    QVERIFY(oldSeen > 0);
#endif
}

// Issue 9, item 2, at random moments: a child stores tagged entries in a loop and is killed
// many times, at random or just as it calls insert(); every entry is absent or whole and
// tagged, the tag index holds exactly the tags of the entries present, and invalidating a
// tag removes what carries it.
void tst_CrashSafety::killLoopKeepsTaggedInsertsWhole()
{
    const int iterations = qEnvironmentVariableIsSet("TIERCACHE_CRASH_ITERATIONS")
            ? qEnvironmentVariableIntValue("TIERCACHE_CRASH_ITERATIONS")
            : 40;
    QRandomGenerator rng(m_seed ^ 0x7a6);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QList<QUrl> pool = taggedUrlPool();
    int inserts = 0, insideInsert = 0, present = 0, invalidations = 0;
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < iterations; ++i) {
        auto child = makeChild(QStringLiteral("tagged-inserter"),
                               {{"DIR", dir.path()},
                                {"SEED", QString::number(rng.generate())},
                                {"SYNC", QLatin1String(i % 4 == 3 ? "1" : "0")}});
        QByteArray output;
        // Odd iterations: killed at a random moment; even ones: just as the k-th insert() starts,
        // after a few hundred microseconds at most (the rename and the catalogue transaction).
        const bool atInsert = i % 2 == 0;
        const int kthInsert = 1 + int(rng.bounded(8));
        const int delayUs = int(rng.bounded(1500));
        bool killed = false;
        QProcess *p = child.get();
        QObject::connect(p, &QProcess::readyReadStandardOutput, p, [&, p] {
            output += p->readAllStandardOutput();
            if (atInsert && !killed && output.count('i') >= kthInsert) {
                killed = true;
                ::usleep(useconds_t(delayUs));
                ::kill(pid_t(p->processId()), SIGKILL);
            }
        });
        child->start();
        QVERIFY(child->waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(output.contains('S') || child->state() != QProcess::Running,
                                 10000);
        QVERIFY2(output.contains('S'), "the inserter did not start");
        if (!atInsert) {
            QTest::qWait(10 + int(rng.bounded(240)));
            child->kill();
        }
        QTRY_VERIFY_WITH_TIMEOUT(child->state() == QProcess::NotRunning, 20000);
        QCOMPARE(child->exitStatus(), QProcess::CrashExit);
        output += child->readAllStandardOutput();
        inserts += int(output.count('I'));
        insideInsert += output.endsWith('i');

        QHash<QUrl, qint64> versions;
        checkTaggedEntries(dir.path(), pool, &versions);
        if (QTest::currentTestFailed()) {
            qWarning("failed after kill %d (%s)", i,
                     atInsert ? "at an insert" : "at a random moment");
            return;
        }
        QList<QUrl> held;
        for (const QUrl &url : pool) {
            if (versions.value(url) >= 0)
                held.append(url);
        }
        present += int(held.size());
        // Now and then, the tags at work: by version, and by URL.
        if (i % 5 == 4 && !held.isEmpty()) {
            const QUrl url = held.at(int(rng.bounded(held.size())));
            const bool byVersion = rng.bounded(2) == 0;
            checkInvalidation(dir.path(), url, versions.value(url),
                              byVersion ? QStringLiteral("v%1").arg(versions.value(url))
                                        : QStringLiteral("u-")
                                              + url.path().section(QLatin1Char('/'), -1));
            if (QTest::currentTestFailed())
                return;
            ++invalidations;
        }
    }
    Totals totals;
    checkDirectory(dir.path(), std::numeric_limits<qint64>::max() / 4, &totals);
    QCOMPARE(totals.missingBodies, 0);
    qInfo("%d kills in %lld ms: %d inserts finished, %d kills inside insert(); %d entries found "
          "whole "
          "and tagged; %d invalidations",
          iterations, timer.elapsed(), inserts, insideInsert, present, invalidations);
    QVERIFY(inserts > iterations);
    QVERIFY(present > 0);
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QString role = childRole();
    if (role == QLatin1String("insert-steps"))
        return runInsertSteps();
    if (role == QLatin1String("tagged-inserter"))
        return runTaggedInserter();
    if (role == QLatin1String("crash-writer"))
        return runCrashWriter();
    if (role == QLatin1String("bulk-fill"))
        return runBulkFill();
    if (role == QLatin1String("bulk-op"))
        return runBulkOperation();
    if (role == QLatin1String("batch-inserter"))
        return runBatchInserter();
    tst_CrashSafety test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

void tst_CrashSafety::logIsCutBackOnceInsertsPause()
{
    // A steady stream of inserts grows the catalogue's write-ahead log (passive checkpoints
    // never catch up, so it never restarts by itself) until the writer restarts it, at a share
    // of what the cache holds. Once inserts pause, the file must not stay at its high-water
    // size; no insert may have paid for cutting it back either (no COMMIT does).
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    NetworkCache cache;
    cache.setCacheDirectory(dir.path());
    cache.setMaximumCacheSize(qint64(1) << 32);
    QRandomGenerator rng(m_seed);
    const QString wal = dir.path() + QLatin1String("/catalogue.db-wal");
    constexpr qint64 Grown = 4 * 1024 * 1024;
    qint64 largest = 0;
    const int inserts = growLog(cache, wal, Grown, rng, &largest);
    qInfo("%d inserts grew the log to %lld bytes", inserts, largest);
    QVERIFY2(largest > Grown, "the log never grew: nothing to check");
    QTRY_VERIFY2_WITH_TIMEOUT(
            QFileInfo(wal).size() < 1024 * 1024,
            qPrintable(QStringLiteral("log still %1 bytes").arg(QFileInfo(wal).size())), 15000);
    QCOMPARE(cache.entryCount(), qint64(inserts));
}

void tst_CrashSafety::logIsCutBackWithoutAnEventLoop()
{
    // The same for a tool that never returns to an event loop: the cache's own thread cuts
    // the file back once writes pause (it kept its high-water size until close()).
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    NetworkCache cache;
    cache.setCacheDirectory(dir.path());
    cache.setMaximumCacheSize(qint64(1) << 32);
    QRandomGenerator rng(m_seed ^ 0x10c);
    const QString wal = dir.path() + QLatin1String("/catalogue.db-wal");
    constexpr qint64 Grown = 2 * 1024 * 1024;
    qint64 largest = 0;
    const int inserts = growLog(cache, wal, Grown, rng, &largest);
    QVERIFY2(largest > Grown, "the log never grew: nothing to check");
    QElapsedTimer clock;
    clock.start();
    while (QFileInfo(wal).size() >= 1024 * 1024 && !clock.hasExpired(15000))
        QTest::qSleep(50); // no event loop
    qInfo("%d inserts grew the log to %lld bytes; %lld bytes %lld ms later", inserts, largest,
          QFileInfo(wal).size(), clock.elapsed());
    QVERIFY2(QFileInfo(wal).size() < 1024 * 1024,
             qPrintable(QStringLiteral("log still %1 bytes").arg(QFileInfo(wal).size())));
    QCOMPARE(cache.entryCount(), qint64(inserts));
}

void tst_CrashSafety::killAfterInsertsLosesAtMostTheLastBatch_data()
{
    QTest::addColumn<bool>("sync");
    QTest::newRow("NoSync") << false;
    QTest::newRow("SyncOnInsert") << true;
}

// A writer SIGKILLs itself right after its last insert() returned. SyncOnInsert: every entry
// is there. NoSync: the entries present are exactly the first k inserted (batches commit in
// order), each whole, and only the inserts not yet committed (at most MaxUncommittedInserts) may be
// missing.
void tst_CrashSafety::killAfterInsertsLosesAtMostTheLastBatch()
{
    QFETCH(bool, sync);
    constexpr int Count = 300;
    constexpr int Runs = 5;
    QRandomGenerator rng(m_seed ^ 0xba7c);
    int lostInAll = 0, runsWithLoss = 0;
    for (int run = 0; run < Runs; ++run) {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto child = makeChild(QStringLiteral("batch-inserter"),
                               {{"DIR", dir.path()},
                                {"COUNT", QString::number(Count)},
                                {"SEED", QString::number(rng.generate())},
                                {"SYNC", QLatin1String(sync ? "1" : "0")},
                                {"END", QStringLiteral("kill")}});
        child->start();
        QVERIFY(child->waitForStarted());
        QVERIFY(child->waitForFinished(60000));
        QCOMPARE(child->exitStatus(), QProcess::CrashExit);
        const QByteArray output = child->readAllStandardOutput();
        QCOMPARE(int(output.count('I')), Count); // every insert() returned before the kill

        NetworkCache cache;
        cache.setCacheDirectory(dir.path());
        cache.setMaximumCacheSize(std::numeric_limits<qint64>::max() / 2);
        int present = 0;
        for (int i = 0; i < Count; ++i) {
            QString detail;
            const EntryCheck c = checkEntry(cache, bulkUrl(i), &detail);
            if (c == EntryCheck::Miss)
                continue;
            QVERIFY2(c == EntryCheck::Ok,
                     qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(toString(c)), detail)));
            QVERIFY2(present == i,
                     qPrintable(QStringLiteral("insert %1 is there, insert %2 before it is not")
                                        .arg(i)
                                        .arg(present)));
            ++present;
        }
        const int lost = Count - present;
        if (sync)
            QCOMPARE(lost, 0);
        QVERIFY2(lost <= MaxUncommittedInserts,
                 qPrintable(QStringLiteral("%1 inserts lost, more than a batch and the queue")
                                    .arg(lost)));
        QCOMPARE(cache.entryCount(), qint64(present));
        QCOMPARE(cache.verify().damaged(), 0);
        lostInAll += lost;
        runsWithLoss += lost > 0;
    }
    qInfo("%d runs of %d inserts killed after the last one: %d inserts lost in all, in %d runs",
          Runs, Count, lostInAll, runsWithLoss);
}

// A NoSync writer that inserts and then neither returns to an event loop nor calls the cache
// again: its batch is committed by the flushing thread, so another process sees every entry,
// and a kill -9 after that loses none.
void tst_CrashSafety::idleWriterCommitsWithoutEventLoop()
{
    constexpr int Count = 40; // fewer than a batch: nothing commits but the flushing thread
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto child = makeChild(QStringLiteral("batch-inserter"),
                           {{"DIR", dir.path()},
                            {"COUNT", QString::number(Count)},
                            {"SEED", QString::number(m_seed)},
                            {"SYNC", QStringLiteral("0")},
                            {"END", QStringLiteral("idle")}});
    QByteArray output;
    QObject::connect(child.get(), &QProcess::readyReadStandardOutput, child.get(),
                     [&] { output += child->readAllStandardOutput(); });
    child->start();
    QVERIFY(child->waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(output.contains('W') || child->state() != QProcess::Running, 30000);
    QVERIFY2(output.contains('W'), "the inserter did not finish its inserts");
    {
        NetworkCache cache;
        cache.setCacheDirectory(dir.path());
        QTRY_COMPARE_WITH_TIMEOUT(cache.entryCount(), qint64(Count), 10000);
    }
    QVERIFY(child->state() == QProcess::Running); // still idle, holding nothing
    child->kill();
    QVERIFY(child->waitForFinished(10000));
    NetworkCache cache;
    cache.setCacheDirectory(dir.path());
    for (int i = 0; i < Count; ++i) {
        QString detail;
        const EntryCheck c = checkEntry(cache, bulkUrl(i), &detail);
        QVERIFY2(c == EntryCheck::Ok,
                 qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(toString(c)), detail)));
    }
}

#include "tst_crashsafety.moc"
