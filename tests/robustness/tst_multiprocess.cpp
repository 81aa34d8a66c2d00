// SPDX-License-Identifier: MIT
// Several processes on one cache directory. The test binary re-executes itself as children:
// two workers hammer one directory through the public NetworkCache API (overlapping and
// distinct URLs, a budget that forces eviction) while the parent reads; then two processes with
// a QNetworkAccessManager each fetch from a loopback origin that lives in the parent.

#include "robustutil.h"

#include <QtCore/QSet>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace tiercache;
using namespace tiercache::robust;

namespace {

constexpr qint64 WorkerMaximumSize = 6 * 1024 * 1024;

// A tenth of the bodies are 1 - 2.5 MiB (bodySize()), more than the default 1/8 share of the
// budget one body may take: the caches here allow a half, so that large entries are shared too.
void allowLargeBodies(tiercache::NetworkCache *cache)
{
    tiercache::CachePolicy policy = cache->policy();
    policy.setBudgetShareDivisor(2);
    cache->setPolicy(policy);
}

constexpr qint64 LargestEntry = 1024 * 1024 + 1536 * 1024 + 64 * 1024;
constexpr int SharedUrls = 30;
constexpr int OwnUrls = 20;

QUrl sharedUrl(int i)
{
    return QUrl(QStringLiteral("http://mp.example/shared/%1").arg(i));
}

QUrl ownUrl(const QString &worker, int i)
{
    return QUrl(QStringLiteral("http://mp.example/%1/%2").arg(worker).arg(i));
}

QList<QUrl> allWorkerUrls()
{
    QList<QUrl> urls;
    for (int i = 0; i < SharedUrls; ++i)
        urls.append(sharedUrl(i));
    for (const QString &w : {QStringLiteral("A"), QStringLiteral("B")}) {
        for (int i = 0; i < OwnUrls; ++i)
            urls.append(ownUrl(w, i));
    }
    return urls;
}

// Bodies of the loopback origin for the QNAM test: path /n/<i> serves patternBody(seed(i)).
qint64 originBodySize(int i)
{
    return 1000 + qint64(mix64(quint64(i) + 77) % (700 * 1024));
}

quint32 originSeed(int i)
{
    return 5000 + quint32(i);
}

// ---- children --------------------------------------------------------------------------------

int runWorker()
{
    becomeChild(60);
    WarningCounter::install();
    const QString name = childParameter("NAME");
    const int durationMs = childParameter("DURATION").toInt();
    QRandomGenerator rng(childParameter("SEED").toUInt());
    NetworkCache cache;
    cache.setCacheDirectory(childParameter("DIR"));
    cache.setMaximumCacheSize(childParameter("MAX").toLongLong());
    allowLargeBodies(&cache);
    cache.cacheSize();
    if (!markStartedAndWaitForGo())
        return 2;

    const QList<QUrl> everyUrl = allWorkerUrls();
    QHash<QByteArray, qint64> stats;
    qint64 largestSize = 0;
    QElapsedTimer timer;
    timer.start();
    for (quint32 n = 0; !timer.hasExpired(durationMs); ++n) {
        const int op = int(rng.bounded(100));
        const bool own = rng.bounded(2) == 0;
        const QUrl url = own ? ownUrl(name, int(rng.bounded(OwnUrls)))
                             : sharedUrl(int(rng.bounded(SharedUrls)));
        if (op < 40) {
            const quint32 version = rng.generate();
            QIODevice *device =
                    spool(cache, versionedMetaData(url, version), body(url, version), rng);
            if (!device) {
                ++stats["prepareFailed"];
                continue;
            }
            cache.insert(device);
            ++stats["inserts"];
            if (own) {
                // Only this process writes its own URLs: the entry must be there, this version.
                ++stats["ownInserts"];
                const QNetworkCacheMetaData md = cache.metaData(url);
                if (versionOf(md) != qint64(version)) {
                    if (stats["lostInserts"]++ < 5) {
                        fprintf(stderr,
                                "worker %s: insert of %s version %u not visible (%s; error: %s)\n",
                                qPrintable(name), qPrintable(url.toString()), version,
                                md.isValid() ? "other version" : "miss",
                                qPrintable(cache.errorString()));
                    }
                }
            }
        } else if (op < 75) {
            QString detail;
            const EntryCheck c =
                    checkEntry(cache, everyUrl.at(int(rng.bounded(everyUrl.size()))), &detail);
            ++stats["reads"];
            switch (c) {
            case EntryCheck::Ok:
                ++stats["readOk"];
                break;
            case EntryCheck::Miss:
                ++stats["readMiss"];
                break;
            case EntryCheck::ReadFailed:
                ++stats["readFailed"];
                break;
            default:
                ++stats["readWrong"];
                fprintf(stderr, "worker %s: %s: %s\n", qPrintable(name), toString(c),
                        qPrintable(detail));
            }
        } else if (op < 85) {
            stats["removed"] += cache.remove(url);
            ++stats["removes"];
        } else if (op < 97) {
            // Metadata updates only on own URLs: an update carries the X-Version it read, and
            // another process may have replaced a shared entry in between (a lost-update race
            // inherent to QAbstractNetworkCache, not a cache bug).
            const QUrl mine = ownUrl(name, int(rng.bounded(OwnUrls)));
            QNetworkCacheMetaData md = cache.metaData(mine);
            if (md.isValid()) {
                auto headers = md.rawHeaders();
                headers.append(qMakePair(QByteArray("X-Touch"), QByteArray::number(n)));
                md.setRawHeaders(headers);
                cache.updateMetaData(md);
                ++stats["updates"];
            }
        } else {
            const VerifyReport report = cache.verify();
            ++stats["verifies"];
            stats["verifyDamaged"] += report.damaged();
            stats["verifyRemoved"] += report.removedEntries();
            if (report.damaged())
                fprintf(stderr, "worker %s: concurrent verify(): %s\n", qPrintable(name),
                        qPrintable(report.problems().join(QLatin1String("; "))));
        }
        largestSize = qMax(largestSize, cache.cacheSize());
        QCoreApplication::processEvents();
    }
    stats["largestSize"] = largestSize;
    stats["warnings"] = WarningCounter::warnings;
    stats["lockedErrors"] = WarningCounter::lockedErrors;
    stats["damageReports"] = WarningCounter::damageReports;
    QByteArray line = "STATS";
    for (auto it = stats.cbegin(); it != stats.cend(); ++it)
        line += ' ' + it.key() + '=' + QByteArray::number(it.value());
    printLine(line);
    return 0;
}

// "opener": constructs a cache on DIR, waits for the go byte, then opens it (first call) and
// stores and reads back one entry of its own.
int runOpener()
{
    becomeChild(60);
    const QString name = childParameter("NAME");
    NetworkCache cache;
    cache.setCacheDirectory(childParameter("DIR"));
    if (!markStartedAndWaitForGo())
        return 2;
    QRandomGenerator rng(childParameter("SEED").toUInt());
    ::usleep(useconds_t(rng.bounded(childParameter("STAGGER_US").toInt() + 1)));
    cache.cacheSize();
    const bool opened = cache.error() == NetworkCache::Error::NoError;
    const QString openError = cache.errorString();
    const QUrl url = ownUrl(name, 0);
    QIODevice *device = spool(cache, versionedMetaData(url, 1), body(url, 1), rng, false);
    if (device)
        cache.insert(device);
    const bool stored = checkEntry(cache, url) == EntryCheck::Ok;
    if (!opened || !stored)
        fprintf(stderr, "opener %s: opened %d (%s), stored %d\n", qPrintable(name), opened,
                qPrintable(openError), stored);
    printLine(QByteArray("STATS opened=") + (opened ? "1" : "0")
              + " stored=" + (stored ? "1" : "0"));
    return 0;
}

// "replacer": replaces the body of one URL with a new version, as fast as it can, for DURATION ms.
int runReplacer()
{
    becomeChild(60);
    QRandomGenerator rng(childParameter("SEED").toUInt());
    NetworkCache cache;
    cache.setCacheDirectory(childParameter("DIR"));
    const QUrl url(childParameter("URL"));
    cache.cacheSize();
    if (!markStartedAndWaitForGo())
        return 2;
    QElapsedTimer timer;
    timer.start();
    qint64 inserts = 0;
    while (!timer.hasExpired(childParameter("DURATION").toInt())) {
        quint32 version = rng.generate();
        while (bodySize(url, version) > 4096)
            ++version;
        if (QIODevice *device =
                    spool(cache, versionedMetaData(url, version), body(url, version), rng, false)) {
            cache.insert(device);
            ++inserts;
        }
        QCoreApplication::processEvents();
    }
    printLine("STATS inserts=" + QByteArray::number(inserts));
    return 0;
}

// "filler": stores distinct 16 KiB bodies (kept in the catalogue) under NAME, without an event
// loop, looking one of its earlier URLs up after each, for DURATION ms, into a cache of MAX.
int runFiller()
{
    becomeChild(60);
    const QString name = childParameter("NAME");
    QRandomGenerator rng(childParameter("SEED").toUInt());
    NetworkCache cache;
    cache.setCacheDirectory(childParameter("DIR"));
    cache.setMaximumCacheSize(childParameter("MAX").toLongLong());
    cache.cacheSize();
    if (!markStartedAndWaitForGo())
        return 2;
    QElapsedTimer timer;
    timer.start();
    int inserts = 0, failed = 0;
    while (!timer.hasExpired(childParameter("DURATION").toInt())) {
        const QUrl url = ownUrl(name, inserts);
        QNetworkCacheMetaData md = versionedMetaData(url, 1);
        const QByteArray bytes = test::LoopbackServer::patternBody(0, 16 * 1024, quint32(inserts));
        if (QIODevice *device = spool(cache, md, bytes, rng, false)) {
            cache.insert(device);
            failed += cache.error() == NetworkCache::Error::WriteError ? 1 : 0;
        }
        ++inserts;
        cache.metaData(ownUrl(name, int(rng.bounded(inserts)))); // a reader, too
    }
    printLine("STATS inserts=" + QByteArray::number(inserts)
              + " failed=" + QByteArray::number(failed));
    return 0;
}

struct FetchResult
{
    QByteArray body;
    bool fromCache = false;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    bool finished = false;
};

FetchResult fetchOnce(QNetworkAccessManager &nam, const QUrl &url)
{
    FetchResult r;
    QNetworkReply *reply = nam.get(QNetworkRequest(url));
    QObject::connect(reply, &QIODevice::readyRead, reply, [&] { r.body += reply->readAll(); });
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    r.finished = reply->isFinished();
    r.body += reply->readAll();
    r.fromCache = reply->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool();
    r.error = reply->error();
    delete reply;
    return r;
}

// "nam-fetch": fetches /n/<i> for the given indexes (PASSES times, each pass in its own random
// order) through a QNetworkAccessManager with a NetworkCache on DIR.
int runNamFetcher()
{
    becomeChild(60);
    const quint16 port = quint16(childParameter("PORT").toUInt());
    const int passes = childParameter("PASSES", QStringLiteral("1")).toInt();
    QRandomGenerator rng(childParameter("SEED").toUInt());
    QList<int> indexes;
    const QStringList list = childParameter("INDEXES").split(QLatin1Char(','));
    for (const QString &s : list)
        indexes.append(s.toInt());

    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    cache->setCacheDirectory(childParameter("DIR"));
    nam.setCache(cache);
    QHash<QByteArray, qint64> stats;
    for (int pass = 1; pass <= passes; ++pass) {
        std::shuffle(indexes.begin(), indexes.end(), rng);
        for (int i : std::as_const(indexes)) {
            const QUrl url(QStringLiteral("http://127.0.0.1:%1/n/%2").arg(port).arg(i));
            const FetchResult r = fetchOnce(nam, url);
            ++stats["fetched" + QByteArray::number(pass)];
            if (!r.finished || r.error != QNetworkReply::NoError) {
                ++stats["errors"];
                fprintf(stderr, "nam-fetch: %s: finished %d, error %d\n",
                        qPrintable(url.toString()), r.finished, int(r.error));
                continue;
            }
            if (r.body != test::LoopbackServer::patternBody(0, originBodySize(i), originSeed(i))) {
                ++stats["mismatches"];
                fprintf(stderr, "nam-fetch: %s: wrong body of %lld bytes (fromCache %d)\n",
                        qPrintable(url.toString()), qint64(r.body.size()), r.fromCache);
            }
            stats["fromCache" + QByteArray::number(pass)] += r.fromCache;
        }
    }
    QByteArray line = "STATS errors=0 mismatches=0";
    for (auto it = stats.cbegin(); it != stats.cend(); ++it)
        line += ' ' + it.key() + '=' + QByteArray::number(it.value());
    printLine(line);
    return 0;
}

// Counts the library's "damaged" warnings in the parent and passes everything on to QtTest.
struct ParentWarnings
{
    static inline int damageReports = 0;
    static inline QtMessageHandler previous = nullptr;
    static void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        if (context.category && qstrncmp(context.category, "tiercache", 9) == 0
            && message.contains(QLatin1String("damaged"))) {
            ++damageReports;
        }
        previous(type, context, message);
    }
};

} // namespace

class tst_MultiProcess : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void twoWritersOneDirectory();
    void secondProcessIsServedFromCache();
    void simultaneousFirstUse_data();
    void simultaneousFirstUse();
    void concurrentReaderKeepsFreshEntries();
    void concurrentVerifyReportsNoDamage();
    void threeWritersKeepTheDirectoryInsideItsCap();

private:
    std::unique_ptr<QProcess> startChild(const QString &role,
                                         const QHash<QByteArray, QString> &parameters,
                                         QByteArray *output);
    quint32 m_seed = 0;
};

void tst_MultiProcess::initTestCase()
{
    m_seed = qEnvironmentVariableIsSet("TIERCACHE_ROBUST_SEED")
            ? quint32(qEnvironmentVariableIntValue("TIERCACHE_ROBUST_SEED"))
            : QRandomGenerator::system()->generate();
    qInfo("seed %u (set TIERCACHE_ROBUST_SEED to repeat)", m_seed);
}

std::unique_ptr<QProcess> tst_MultiProcess::startChild(const QString &role,
                                                       const QHash<QByteArray, QString> &parameters,
                                                       QByteArray *output)
{
    auto child = makeChild(role, parameters);
    QProcess *p = child.get();
    QObject::connect(p, &QProcess::readyReadStandardOutput, p,
                     [p, output] { *output += p->readAllStandardOutput(); });
    child->start();
    return child;
}

void tst_MultiProcess::twoWritersOneDirectory()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QRandomGenerator rng(m_seed);
    const int durationMs = 5000;
    {
        // Create the catalogue first: two processes creating it at once is simultaneousFirstUse.
        NetworkCache creator;
        creator.setCacheDirectory(dir.path());
        QCOMPARE(creator.cacheSize(), qint64(0));
    }
    QByteArray outA, outB;
    auto a = startChild(QStringLiteral("mp-worker"),
                        {{"DIR", dir.path()},
                         {"NAME", QStringLiteral("A")},
                         {"SEED", QString::number(rng.generate())},
                         {"DURATION", QString::number(durationMs)},
                         {"MAX", QString::number(WorkerMaximumSize)}},
                        &outA);
    auto b = startChild(QStringLiteral("mp-worker"),
                        {{"DIR", dir.path()},
                         {"NAME", QStringLiteral("B")},
                         {"SEED", QString::number(rng.generate())},
                         {"DURATION", QString::number(durationMs)},
                         {"MAX", QString::number(WorkerMaximumSize)}},
                        &outB);
    QVERIFY(a->waitForStarted());
    QVERIFY(b->waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(outA.contains('S') && outB.contains('S'), 10000);
    a->write("g");
    b->write("g");

    // The parent reads along with its own instance until both workers are done.
    ParentWarnings::damageReports = 0;
    ParentWarnings::previous = qInstallMessageHandler(&ParentWarnings::handler);
    NetworkCache cache;
    cache.setCacheDirectory(dir.path());
    cache.setMaximumCacheSize(WorkerMaximumSize);
    allowLargeBodies(&cache);
    QHash<int, int> parentReads;
    qint64 parentLargestSize = 0;
    QStringList wrong;
    QElapsedTimer timer;
    timer.start();
    while ((a->state() != QProcess::NotRunning || b->state() != QProcess::NotRunning)
           && !timer.hasExpired(45000)) {
        const QList<CacheEntryInfo> entries = cache.entries();
        if (!entries.isEmpty()) {
            QString detail;
            const EntryCheck c =
                    checkEntry(cache, entries.at(int(rng.bounded(entries.size()))).url(), &detail);
            ++parentReads[int(c)];
            if (c != EntryCheck::Ok && c != EntryCheck::Miss && c != EntryCheck::ReadFailed)
                wrong.append(detail);
        }
        parentLargestSize = qMax(parentLargestSize, cache.cacheSize());
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    }
    qInstallMessageHandler(ParentWarnings::previous);
    QVERIFY(a->state() == QProcess::NotRunning || a->waitForFinished(15000));
    QVERIFY(b->state() == QProcess::NotRunning || b->waitForFinished(15000));
    QCOMPARE(a->exitStatus(), QProcess::NormalExit);
    QCOMPARE(a->exitCode(), 0);
    QCOMPARE(b->exitStatus(), QProcess::NormalExit);
    QCOMPARE(b->exitCode(), 0);
    outA += a->readAllStandardOutput();
    outB += b->readAllStandardOutput();
    const auto sa = parseStats(outA), sb = parseStats(outB);
    QVERIFY2(!sa.isEmpty() && !sb.isEmpty(), "a worker printed no statistics");
    auto both = [&](const char *k) { return sa.value(k) + sb.value(k); };

    qInfo("workers: %lld inserts (%lld on own URLs), %lld reads (%lld ok, %lld misses, %lld cut "
          "short), "
          "%lld removes (%lld removed something), %lld metadata updates, %lld concurrent verify() "
          "calls",
          both("inserts"), both("ownInserts"), both("reads"), both("readOk"), both("readMiss"),
          both("readFailed"), both("removes"), both("removed"), both("updates"), both("verifies"));
    qInfo("workers: lost inserts %lld, failed prepare() %lld, library warnings %lld "
          "(\"locked\"/\"busy\": %lld, "
          "\"damaged\": %lld), damage found by concurrent verify() %lld, largest cacheSize seen "
          "%lld / %lld",
          both("lostInserts"), both("prepareFailed"), both("warnings"), both("lockedErrors"),
          both("damageReports"), both("verifyDamaged"),
          qMax(sa.value("largestSize"), sb.value("largestSize")), parentLargestSize);
    qInfo("parent: %d reads ok, %d misses, %d cut short, %d wrong; entries dropped as \"damaged\" "
          "by "
          "the parent's lookups: %d",
          parentReads.value(int(EntryCheck::Ok)), parentReads.value(int(EntryCheck::Miss)),
          parentReads.value(int(EntryCheck::ReadFailed)), int(wrong.size()),
          ParentWarnings::damageReports);
    // Not asserted here, each has its own test: damage reported by a verify() running while
    // another process deletes bodies (concurrentVerifyReportsNoDamage), and entries a reader
    // drops because their old body vanished under it (concurrentReaderKeepsFreshEntries).

    // Nobody ever saw a wrong body.
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong.join(QLatin1String("\n"))));
    QCOMPARE(both("readWrong"), 0);
    QVERIFY(both("inserts") > 100);
    QVERIFY(parentReads.value(int(EntryCheck::Ok)) > 10);
    // SQLite contention must not turn into lost inserts (busy timeout 10 s, BEGIN IMMEDIATE).
    QCOMPARE(both("lockedErrors"), 0);
    QVERIFY2(both("lostInserts") <= qMax<qint64>(2, both("ownInserts") / 100),
             qPrintable(QStringLiteral("%1 of %2 inserts lost")
                                .arg(both("lostInserts"))
                                .arg(both("ownInserts"))));
    QCOMPARE(both("prepareFailed"), 0);
    // The hard cap is kept inside every insert's transaction, across processes.
    const qint64 largest =
            qMax(qMax(sa.value("largestSize"), sb.value("largestSize")), parentLargestSize);
    QVERIFY2(largest <= WorkerMaximumSize + LargestEntry, qPrintable(QString::number(largest)));

    // Afterwards: every entry reads back as the version it names, nothing is damaged.
    const QList<CacheEntryInfo> entries = cache.entries();
    QCOMPARE(cache.summary().entryCount(), qint64(entries.size()));
    qint64 bytes = 0;
    for (const CacheEntryInfo &e : entries) {
        QString detail;
        const EntryCheck c = checkEntry(cache, e.url(), &detail, &bytes);
        QVERIFY2(c == EntryCheck::Ok,
                 qPrintable(QStringLiteral("%1: %2 %3")
                                    .arg(e.url().toString(), QLatin1String(toString(c)), detail)));
    }
    const VerifyReport report = cache.verify();
    QCOMPARE(report.damaged(), 0);
    QCOMPARE(report.checked(), cache.summary().blobCount());

    const qint64 size = cache.cacheSize();
    QVERIFY2(size <= WorkerMaximumSize + LargestEntry, qPrintable(QString::number(size)));
    // What the catalogue accounts for agrees with the blob files on disk: each entry's share
    // beyond its body file is its row, a few hundred bytes.
    // Small bodies live in the catalogue: each such entry accounts for its body and its row.
    const QHash<QByteArray, qint64> files = blobAllocations(dir.path());
    const auto inlined = inlineBodies(dir.path());
    qint64 fileBytes = 0, rowBytes = 0, inlineBytes = 0;
    for (auto it = files.cbegin(); it != files.cend(); ++it)
        fileBytes += it.value();
    QSet<QByteArray> inlineSeen;
    for (const CacheEntryInfo &e : entries) {
        if (inlined.contains(e.digest())) {
            QVERIFY(!files.contains(e.digest()));
            QCOMPARE(inlined.value(e.digest()).size(), e.bodySize());
            const qint64 beyond = e.storedSize() - e.bodySize();
            QVERIFY2(beyond > 0 && beyond < 8192,
                     qPrintable(QStringLiteral("%1: stored %2 for a %3-byte inline body")
                                        .arg(e.url().toString())
                                        .arg(e.storedSize())
                                        .arg(e.bodySize())));
            QVERIFY2(!inlineSeen.contains(e.digest()), "inline bodies here are all distinct");
            inlineSeen.insert(e.digest());
            inlineBytes += e.storedSize();
            continue;
        }
        QVERIFY2(files.contains(e.digest()), e.digest().constData());
        const qint64 row = e.storedSize() - files.value(e.digest());
        // The row, and the share of its blobs/<aa> directory a file body is charged.
        QVERIFY2(row > 4096 && row < 8192,
                 qPrintable(QStringLiteral("%1: stored %2, file %3")
                                    .arg(e.url().toString())
                                    .arg(e.storedSize())
                                    .arg(files.value(e.digest()))));
        rowBytes += row;
    }
    qInfo("after: %lld entries (%lld body bytes read back), %lld blob files of %lld allocated "
          "bytes + "
          "%lld row bytes = %lld; cacheSize() %lld",
          qint64(entries.size()), bytes, qint64(files.size()), fileBytes, rowBytes,
          fileBytes + rowBytes, size);
    QCOMPARE(qint64(files.size() + inlined.size()), cache.summary().blobCount());
    QCOMPARE(size, fileBytes + rowBytes + inlineBytes);
    // The running total is what a recount gives.
    QCOMPARE(cache.collectGarbage(), qint64(0));
    QCOMPARE(cache.cacheSize(), size);
    QVERIFY(QDir(dir.path() + QLatin1String("/tmp"))
                    .entryList(QDir::Files | QDir::Hidden)
                    .isEmpty());
}

void tst_MultiProcess::secondProcessIsServedFromCache()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    test::LoopbackServer origin;
    QVERIFY(origin.isListening());
    const int setSize = 24;
    QStringList first, second;
    for (int i = 0; i < 2 * setSize; ++i) {
        test::Response r;
        r.generatedBodySize = originBodySize(i);
        r.seed = originSeed(i);
        r.header("Cache-Control", "max-age=3600");
        origin.setRoute("/n/" + QByteArray::number(i), r);
        (i < setSize ? first : second).append(QString::number(i));
    }
    auto requestsFor = [&](int from, int to) {
        int n = 0;
        for (int i = from; i < to; ++i)
            n += origin.requestCount("/n/" + QByteArray::number(i));
        return n;
    };
    auto run = [&](const QStringList &indexes, int passes, int count) {
        QList<QByteArray> outputs(count);
        std::vector<std::unique_ptr<QProcess>> children;
        for (int c = 0; c < count; ++c) {
            children.push_back(startChild(QStringLiteral("nam-fetch"),
                                          {{"DIR", dir.path()},
                                           {"PORT", QString::number(origin.port())},
                                           {"INDEXES", indexes.join(QLatin1Char(','))},
                                           {"PASSES", QString::number(passes)},
                                           {"SEED", QString::number(m_seed + quint32(c))}},
                                          &outputs[c]));
        }
        QList<QHash<QByteArray, qint64>> stats;
        for (int c = 0; c < count; ++c) {
            QProcess *p = children[size_t(c)].get();
            if (p->state() != QProcess::NotRunning) {
                QSignalSpy finished(p, &QProcess::finished);
                finished.wait(60000); // the event loop serves the children's requests meanwhile
            }
            outputs[c] += p->readAllStandardOutput();
            stats.append(p->exitStatus() == QProcess::NormalExit && p->exitCode() == 0
                                 ? parseStats(outputs[c])
                                 : QHash<QByteArray, qint64>());
        }
        return stats;
    };

    // Process A fills the cache, process B finds everything there.
    auto a = run(first, 1, 1).value(0);
    QCOMPARE(a.value("fetched1"), setSize);
    QCOMPARE(a.value("errors"), 0);
    QCOMPARE(a.value("mismatches"), 0);
    QCOMPARE(a.value("fromCache1"), 0);
    QCOMPARE(requestsFor(0, setSize), setSize);
    auto b = run(first, 1, 1).value(0);
    QCOMPARE(b.value("fetched1"), setSize);
    QCOMPARE(b.value("errors"), 0);
    QCOMPARE(b.value("mismatches"), 0);
    QCOMPARE(b.value("fromCache1"), setSize);
    QCOMPARE(requestsFor(0, setSize), setSize);

    // Both at once on a second set, each in its own order, twice: the second passes are all hits
    // whoever stored the entry, and the origin saw each URL at most once per process.
    const auto both = run(second, 2, 2);
    QCOMPARE(both.size(), 2);
    for (const auto &s : both) {
        QCOMPARE(s.value("fetched1"), setSize);
        QCOMPARE(s.value("fetched2"), setSize);
        QCOMPARE(s.value("errors"), 0);
        QCOMPARE(s.value("mismatches"), 0);
        QCOMPARE(s.value("fromCache2"), setSize);
    }
    const int concurrentRequests = requestsFor(setSize, 2 * setSize);
    QVERIFY(concurrentRequests >= setSize && concurrentRequests <= 2 * setSize);
    qInfo("sequential: %d origin requests for %d URLs fetched twice; concurrent: %d origin "
          "requests for "
          "%d URLs fetched twice by two processes (first-pass hits %lld and %lld)",
          requestsFor(0, setSize), setSize, concurrentRequests, setSize,
          both[0].value("fromCache1"), both[1].value("fromCache1"));

    NetworkCache cache;
    cache.setCacheDirectory(dir.path());
    QCOMPARE(cache.summary().entryCount(), qint64(2 * setSize));
    QCOMPARE(cache.verify().damaged(), 0);
}

void tst_MultiProcess::simultaneousFirstUse_data()
{
    QTest::addColumn<bool>("precreated");
    QTest::newRow("fresh directory") << false;
    QTest::newRow("existing catalogue") << true;
}

// Several processes starting at once on one directory must all get a working cache. A process
// whose first open fails with "database is locked" keeps the cache off for 5 s
// (NetworkCachePrivate::ensureOpen, ReopenIntervalMs).
void tst_MultiProcess::simultaneousFirstUse()
{
    QFETCH(bool, precreated);
    const int rounds = qEnvironmentVariableIsSet("TIERCACHE_OPEN_ROUNDS")
            ? qEnvironmentVariableIntValue("TIERCACHE_OPEN_ROUNDS")
            : 8;
    const int processes = 4;
    QRandomGenerator rng(m_seed ^ 0x77);
    int opened = 0, stored = 0;
    for (int round = 0; round < rounds; ++round) {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        if (precreated) {
            NetworkCache cache;
            cache.setCacheDirectory(dir.path());
            QCOMPARE(cache.cacheSize(), qint64(0));
            QCOMPARE(cache.error(), NetworkCache::Error::NoError);
        }
        QList<QByteArray> outputs(processes);
        std::vector<std::unique_ptr<QProcess>> children;
        for (int c = 0; c < processes; ++c) {
            children.push_back(startChild(QStringLiteral("opener"),
                                          {{"DIR", dir.path()},
                                           {"NAME", QString::number(c)},
                                           {"SEED", QString::number(rng.generate())},
                                           {"STAGGER_US", QString::number((round % 4) * 1000)}},
                                          &outputs[c]));
        }
        auto allReady = [&] {
            for (const QByteArray &o : std::as_const(outputs)) {
                if (!o.contains('S'))
                    return false;
            }
            return true;
        };
        QTRY_VERIFY_WITH_TIMEOUT(allReady(), 10000);
        for (auto &child : children)
            child->write("g");
        for (int c = 0; c < processes; ++c) {
            QProcess *p = children[size_t(c)].get();
            QVERIFY(p->state() == QProcess::NotRunning || p->waitForFinished(20000));
            outputs[c] += p->readAllStandardOutput();
            const auto stats = parseStats(outputs[c]);
            opened += int(stats.value("opened"));
            stored += int(stats.value("stored"));
        }
    }
    qInfo("%d processes x %d rounds: %d opened the directory, %d stored and read back an entry",
          processes, rounds, opened, stored);
    QCOMPARE(opened, rounds * processes);
    QCOMPARE(stored, rounds * processes);
}

// A reader racing with a writer that replaces an entry must at worst miss; it must not take the
// vanished old body file for damage and remove the entry, which by then is the writer's new one
// (NetworkCachePrivate::lookup -> DiskStore::openBody -> removeDamaged -> remove(key)).
void tst_MultiProcess::concurrentReaderKeepsFreshEntries()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QUrl url(QStringLiteral("http://mp.example/hot"));
    QByteArray output;
    auto child = startChild(QStringLiteral("replacer"),
                            {{"DIR", dir.path()},
                             {"URL", url.toString()},
                             {"DURATION", QStringLiteral("3000")},
                             {"SEED", QString::number(m_seed)}},
                            &output);
    QTRY_VERIFY_WITH_TIMEOUT(output.contains('S'), 10000);
    child->write("g");
    ParentWarnings::damageReports = 0;
    ParentWarnings::previous = qInstallMessageHandler(&ParentWarnings::handler);
    NetworkCache cache;
    cache.setCacheDirectory(dir.path());
    QHash<int, int> reads;
    int missesWithEntry = 0;
    while (child->state() != QProcess::NotRunning) {
        QString detail;
        const EntryCheck c = checkEntry(cache, url, &detail);
        ++reads[int(c)];
        if (c == EntryCheck::WrongBody || c == EntryCheck::NoVersion)
            QFAIL(qPrintable(detail));
        if (c == EntryCheck::Miss && cache.entryInfo(url).isValid())
            ++missesWithEntry;
        QCoreApplication::processEvents();
    }
    qInstallMessageHandler(ParentWarnings::previous);
    output += child->readAllStandardOutput();
    qInfo("writer: %lld replacements; reader: %d reads ok, %d misses (%d with an entry there right "
          "after), %d cut short; entries the reader dropped as damaged: %d",
          parseStats(output).value("inserts"), reads.value(int(EntryCheck::Ok)),
          reads.value(int(EntryCheck::Miss)), missesWithEntry,
          reads.value(int(EntryCheck::ReadFailed)), ParentWarnings::damageReports);
    QVERIFY(reads.value(int(EntryCheck::Ok)) > 0);
    QCOMPARE(ParentWarnings::damageReports, 0);
}

// verify() while another process replaces and evicts entries: bodies deleted legitimately after
// verify() listed them must not be reported as damaged (DiskStore::verify reads the blob list
// once, outside any transaction, and calls every listed file that is gone "missing").
void tst_MultiProcess::concurrentVerifyReportsNoDamage()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QUrl url(QStringLiteral("http://mp.example/hot"));
    QByteArray output;
    auto child = startChild(QStringLiteral("replacer"),
                            {{"DIR", dir.path()},
                             {"URL", url.toString()},
                             {"DURATION", QStringLiteral("2000")},
                             {"SEED", QString::number(m_seed)}},
                            &output);
    QTRY_VERIFY_WITH_TIMEOUT(output.contains('S'), 10000);
    child->write("g");
    NetworkCache cache;
    cache.setCacheDirectory(dir.path());
    int calls = 0;
    qint64 damaged = 0, removed = 0;
    QStringList problems;
    while (child->state() != QProcess::NotRunning) {
        const VerifyReport report = cache.verify();
        ++calls;
        damaged += report.damaged();
        removed += report.removedEntries();
        if (problems.size() < 3)
            problems += report.problems();
        QCoreApplication::processEvents();
    }
    qInfo("%d verify() calls during %lld replacements: %lld bodies reported damaged, %lld entries "
          "removed",
          calls, parseStats(output + child->readAllStandardOutput()).value("inserts"), damaged,
          removed);
    QVERIFY2(damaged == 0, qPrintable(problems.join(QLatin1String("; "))));
    QCOMPARE(cache.verify().damaged(), 0);
}

void tst_MultiProcess::threeWritersKeepTheDirectoryInsideItsCap()
{
    // The cap is for the whole directory (catalogue, its write-ahead log, everything) at every
    // moment, while three processes insert without pause and read as they go: the log must
    // be cut back even though one of them is always reading or writing.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    constexpr qint64 Cap = 8 * 1024 * 1024;
    constexpr int Writers = 3, DurationMs = 4000;
    {
        NetworkCache creator;
        creator.setCacheDirectory(dir.path());
        QCOMPARE(creator.cacheSize(), qint64(0));
    }
    QRandomGenerator rng(m_seed);
    QByteArray outputs[Writers];
    std::vector<std::unique_ptr<QProcess>> children;
    for (int i = 0; i < Writers; ++i) {
        children.push_back(startChild(QStringLiteral("filler"),
                                      {{"DIR", dir.path()},
                                       {"NAME", QStringLiteral("w%1").arg(i)},
                                       {"SEED", QString::number(rng.generate())},
                                       {"DURATION", QString::number(DurationMs)},
                                       {"MAX", QString::number(Cap)}},
                                      &outputs[i]));
    }
    for (int i = 0; i < Writers; ++i)
        QTRY_VERIFY_WITH_TIMEOUT(outputs[i].contains('S'), 10000);
    for (auto &child : children)
        child->write("g");
    qint64 peak = 0;
    int samples = 0;
    auto running = [&] {
        for (auto &child : children) {
            if (child->state() != QProcess::NotRunning)
                return true;
        }
        return false;
    };
    while (running()) {
        qint64 bytes = 0;
        for (const QString &file : allFiles(dir.path()))
            bytes += qMax<qint64>(0, allocatedSize(file));
        peak = qMax(peak, bytes);
        ++samples;
        QTest::qWait(5);
    }
    qint64 inserts = 0, failed = 0;
    for (int i = 0; i < Writers; ++i) {
        QCOMPARE(children[size_t(i)]->exitCode(), 0);
        const QHash<QByteArray, qint64> stats = parseStats(outputs[i]);
        inserts += stats.value("inserts");
        failed += stats.value("failed");
    }
    qInfo("%lld inserts (%lld not stored), %d samples, directory peak %.3f x the cap", inserts,
          failed, samples, double(peak) / Cap);
    QVERIFY(inserts > 3 * Writers * 50); // they did fill it several times over
    // The benchmark holds this to 1.05x (README); sampled here while sanitizer builds may share
    // the machine, a tenth over still tells a held cap from the 1.5x of a log left to grow.
    QVERIFY2(peak <= Cap + Cap / 10, qPrintable(QString::number(peak)));
    QVERIFY2(failed <= inserts / 20, "a cap held by refusing most inserts is no cap");
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QString role = childRole();
    if (role == QLatin1String("mp-worker"))
        return runWorker();
    if (role == QLatin1String("nam-fetch"))
        return runNamFetcher();
    if (role == QLatin1String("opener"))
        return runOpener();
    if (role == QLatin1String("replacer"))
        return runReplacer();
    if (role == QLatin1String("filler"))
        return runFiller();
    tst_MultiProcess test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_multiprocess.moc"
