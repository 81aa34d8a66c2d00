// SPDX-License-Identifier: MIT
// Several threads in ONE process, each with its own QNetworkAccessManager and NetworkCache
// (created in that thread, which runs its own event loops), all on one cache directory, against
// one loopback origin living in the main thread. The origin serves bodies derived from
// (path, version) with an ETag, bumps versions now and then, and mixes max-age=0 (always
// revalidated), max-age=1 and max-age=30, so that the threads produce inserts, fresh hits, 304s,
// replacements of each other's entries, removes and evictions (small maximumCacheSize) for a
// bounded time.
//
// Afterwards: every body any thread was served matched the version its headers named, the size
// cap held (sampled from every thread), in-run verify() found no damage, no insert was lost to a
// busy catalogue beyond a small tolerance, and a fresh cache finds every stored entry intact.
//
// Environment: TIERCACHE_CONCURRENCY_SECONDS (default 5) per scenario,
// TIERCACHE_CONCURRENCY_THREADS (default 4) for a longer or wider soak. Meant to run under
// ThreadSanitizer too (preset "tsan").

#include <loopbackserver.h>
#include <tiercache/networkcache.h>
#include <qnamfetch.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QRandomGenerator>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QTest>

#include <atomic>
#include <memory>

using namespace tiercache;
using tiercache::test::fetch;
using tiercache::test::Fetched;
using tiercache::test::headerOf;
using tiercache::test::LoopbackServer;
using tiercache::test::RecordedRequest;
using tiercache::test::Response;

namespace {

constexpr qint64 MaximumCacheSize = 4 * 1024 * 1024;
// Bodies go up to 1.3 MiB (sizeOf()), under the 4 MiB budget: more than the default 1/8 share
// one body may take, so the workers' caches allow a half.
constexpr int BudgetShareDivisor = 2;

void allowLargeBodies(NetworkCache *cache)
{
    CachePolicy policy = cache->policy();
    policy.setBudgetShareDivisor(BudgetShareDivisor);
    cache->setPolicy(policy);
}
constexpr int SharedPaths = 30;
constexpr int OwnPaths = 10;

int envInt(const char *name, int fallback)
{
    bool ok = false;
    const int v = qEnvironmentVariableIntValue(name, &ok);
    return ok && v > 0 ? v : fallback;
}

// ---- bodies of (path, version) -------------------------------------------------------------

quint64 mix64(quint64 x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

quint32 seedOf(const QByteArray &path, int version)
{
    quint64 h = 0xcbf29ce484222325ULL; // FNV-1a, stable everywhere
    for (char c : path) {
        h ^= quint8(c);
        h *= 0x100000001b3ULL;
    }
    return quint32(mix64(h ^ (quint64(version) << 20) ^ quint64(version)));
}

//! Mostly 1 - 160 KiB; one in twenty 1.05 - 1.3 MiB, larger than the disk tier's first verified
//! window (BodyDevice streams and verifies the rest) and than the memory tier's max_entry.
qint64 sizeOf(const QByteArray &path, int version)
{
    const quint64 r = mix64(seedOf(path, version) + 0x5151ULL);
    if (r % 20 == 0)
        return 1050 * 1024 + qint64((r >> 8) % (250 * 1024));
    return 1024 + qint64((r >> 8) % (159 * 1024));
}

QByteArray bodyOf(const QByteArray &path, int version)
{
    return LoopbackServer::patternBody(0, sizeOf(path, version), seedOf(path, version));
}

//! max-age class of a path: its last digit decides, so shared and own paths get all three.
QByteArray cacheControlOf(const QByteArray &path)
{
    switch (path.at(path.size() - 1) % 3) {
    case 0:
        return "max-age=0";
    case 1:
        return "max-age=1";
    default:
        return "max-age=30";
    }
}

QByteArray etagOf(const QByteArray &path, int version)
{
    return '"' + path.toHex() + '-' + QByteArray::number(version) + '"';
}

QByteArray bigBody()
{
    return LoopbackServer::patternBody(0, 1200 * 1024 + 17, 4242);
}

//! The races found by this test (revalidation against a replaced entry, a live catalogue
//! taken for a foreign one) are fixed: they fail the test unless TIERCACHE_CONCURRENCY_STRICT=0.
bool strict()
{
    return qEnvironmentVariableIsEmpty("TIERCACHE_CONCURRENCY_STRICT")
            || qEnvironmentVariableIntValue("TIERCACHE_CONCURRENCY_STRICT") != 0;
}

//! The version whose complete body \a body is, other than \a not, or 0.
int otherVersionOf(const QByteArray &path, const QByteArray &body, int not_, int upTo)
{
    for (int v = 1; v <= upTo; ++v) {
        if (v != not_ && sizeOf(path, v) == body.size() && bodyOf(path, v) == body)
            return v;
    }
    return 0;
}

// ---- the origin (main thread) ----------------------------------------------------------------

struct Origin
{
    QHash<QByteArray, int> versions;
    QRandomGenerator rng {20240611};
    int full = 0;
    int notModified = 0;
    int bumps = 0;

    Response handle(const RecordedRequest &request)
    {
        const QByteArray path = request.path;
        if (path == "/big") { // one fixed version, larger than the disk tier's first window
            Response r = Response::ok(bigBody(), "max-age=3600");
            r.header("X-Version", "1");
            return r;
        }
        int &version = versions[path];
        if (version == 0)
            version = 1;
        // A new version now and then: the threads replace each other's entries.
        if (rng.bounded(6) == 0) {
            ++version;
            ++bumps;
        }
        const QByteArray etag = etagOf(path, version);
        Response r;
        r.header("Cache-Control", cacheControlOf(path));
        r.header("ETag", etag);
        r.header("X-Version", QByteArray::number(version));
        if (request.header("If-None-Match") == etag) {
            r.status = 304;
            ++notModified;
            return r;
        }
        r.header("Content-Type", "application/octet-stream");
        r.body = bodyOf(path, version);
        ++full;
        return r;
    }
};

// ---- counting what the library reports ---------------------------------------------------------

struct MessageCounts
{
    std::atomic<int> tiercacheWarnings {0};
    std::atomic<int> busy {0};           // "database is locked", SQLITE_BUSY
    std::atomic<int> lostInserts {0};    // "cannot store", "cannot move body"
    std::atomic<int> damaged {0};        // "damaged": a body found broken while in use
    std::atomic<int> threadMisuse {0};   // Qt's complaints about objects used from another thread
    std::atomic<int> catalogueReset {0}; // known race D: a live catalogue taken for a foreign one
    std::atomic<int> printed {0};
};
MessageCounts g_messages;
QtMessageHandler g_previousHandler = nullptr;

void countingHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const bool ours = context.category && qstrncmp(context.category, "tiercache", 9) == 0;
    if (ours && type >= QtWarningMsg) {
        ++g_messages.tiercacheWarnings;
        if (message.contains(QLatin1String("locked")) || message.contains(QLatin1String("busy")))
            ++g_messages.busy;
        if (message.contains(QLatin1String("cannot store"))
            || message.contains(QLatin1String("cannot move body")))
            ++g_messages.lostInserts;
        if (message.contains(QLatin1String("damaged")))
            ++g_messages.damaged;
        if (message.contains(QLatin1String("is unusable"))
            || message.contains(QLatin1String("rebuilding it")))
            ++g_messages.catalogueReset;
    }
    if (!ours && type >= QtWarningMsg
        && (message.contains(QLatin1String("another thread"))
            || message.contains(QLatin1String("different thread"))
            || message.contains(QLatin1String("from another thread")))) {
        ++g_messages.threadMisuse;
    }
    if (type >= QtWarningMsg && g_messages.printed.fetch_add(1) < 40)
        g_previousHandler(type, context, message);
}

//! Counts what QNAM asks of the cache; the counters belong to the cache's thread.
class CountingCache : public NetworkCache
{
public:
    qint64 prepared = 0;
    qint64 refused = 0; // prepare() == nullptr for a response that must be stored
    qint64 inserted = 0;
    qint64 insertErrors = 0;

    QIODevice *prepare(const QNetworkCacheMetaData &metaData) override
    {
        QIODevice *device = NetworkCache::prepare(metaData);
        ++prepared;
        if (!device)
            ++refused; // every response of the origin is a cacheable 200
        return device;
    }
    void insert(QIODevice *device) override
    {
        const QString before = errorString();
        const Error errorBefore = error();
        NetworkCache::insert(device);
        ++inserted;
        if (error() != errorBefore || errorString() != before)
            ++insertErrors;
    }
};

// ---- one worker thread -----------------------------------------------------------------------

struct WorkerStats
{
    qint64 ops = 0;
    qint64 fetches = 0;
    qint64 ok = 0;
    qint64 fromCache = 0;
    qint64 bytes = 0;
    qint64 mismatches = 0;           // wrong bytes not explained by the known issues below
    qint64 passed304 = 0;            // known race A: a 304 handed to the application, empty body
    qint64 otherVersion = 0;         // known race B: the complete body of another version
    qint64 alwaysCacheTruncated = 0; // known bug C (not a race): AlwaysCache stops after 1 MiB
    qint64 noVersion = 0;
    qint64 networkErrors = 0;
    qint64 cacheOnlyMisses = 0; // AlwaysCache with nothing stored: expected
    qint64 removes = 0;
    qint64 removed = 0;
    qint64 verifies = 0;
    qint64 verifyDamaged = 0;
    qint64 maxCacheSize = 0;
    qint64 sizeSamples = 0;
    qint64 prepared = 0;
    qint64 refused = 0;
    qint64 inserted = 0;
    qint64 insertErrors = 0;
    QStringList problems;
};

// How long one request may take under load before the worker reports it.
constexpr int FetchTimeoutMs = 60000;

class Worker : public QThread
{
public:
    Worker(int index, QUrl base, QString directory, QStringList tiers, int durationMs, bool moveIn)
        : m_index(index),
          m_base(std::move(base)),
          m_directory(std::move(directory)),
          m_tiers(std::move(tiers)),
          m_durationMs(durationMs),
          m_moveIn(moveIn)
    {
    }

    //! For the moveToThread() scenario: the manager and its cache, made in the main thread.
    void adopt(std::unique_ptr<QNetworkAccessManager> nam, CountingCache *cache)
    {
        m_nam = std::move(nam);
        m_cache = cache;
        m_nam->moveToThread(this);
    }

    WorkerStats stats;

    //! Call after wait(): QThread::wait() synchronizes through Qt's futex-based mutex, which
    //! ThreadSanitizer cannot see; this release/acquire pair makes the hand-over of stats visible.
    void joined() const
    {
        while (!m_done.load(std::memory_order_acquire))
            QThread::yieldCurrentThread();
    }

protected:
    void run() override
    {
        if (!m_moveIn) {
            m_nam = std::make_unique<QNetworkAccessManager>();
            m_cache = new CountingCache;
            m_cache->setCacheDirectory(m_directory);
            m_cache->setMaximumCacheSize(MaximumCacheSize);
            allowLargeBodies(m_cache);
            if (!m_tiers.isEmpty() && !m_cache->setTiers(m_tiers))
                stats.problems.append(QStringLiteral("setTiers: ")
                                      + m_cache->tierErrors().join(QLatin1String("; ")));
            m_nam->setCache(m_cache); // the manager owns it
        }
        work();
        stats.prepared = m_cache->prepared;
        stats.refused = m_cache->refused;
        stats.inserted = m_cache->inserted;
        stats.insertErrors = m_cache->insertErrors;
        // The cache (and its catalogue connection) must go in the thread that used it.
        m_nam.reset();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        m_done.store(true, std::memory_order_release);
    }

private:
    QUrl urlFor(QRandomGenerator &rng) const
    {
        if (rng.bounded(10) < 6)
            return m_base.resolved(QUrl(QStringLiteral("/s/%1").arg(rng.bounded(SharedPaths))));
        return m_base.resolved(
                QUrl(QStringLiteral("/t%1/%2").arg(m_index).arg(rng.bounded(OwnPaths))));
    }

    void problem(const QString &text)
    {
        if (stats.problems.size() < 20)
            stats.problems.append(text);
    }

    void check(const QUrl &url, const Fetched &f, QNetworkRequest::CacheLoadControl control)
    {
        const bool cacheOnly = control == QNetworkRequest::AlwaysCache;
        ++stats.fetches;
        if (!f.finished) {
            ++stats.networkErrors;
            problem(QStringLiteral("%1: no answer in 60 s").arg(url.toString()));
            return;
        }
        if (f.error != QNetworkReply::NoError) {
            if (cacheOnly && f.error == QNetworkReply::ContentNotFoundError) {
                ++stats.cacheOnlyMisses;
                return;
            }
            ++stats.networkErrors;
            problem(QStringLiteral("%1: error %2 (status %3)")
                            .arg(url.toString())
                            .arg(int(f.error))
                            .arg(f.status));
            return;
        }
        bool ok = false;
        const int version = headerOf(f, "X-Version").toInt(&ok);
        if (!ok && f.status == 304 && f.body.isEmpty()) {
            ++stats.passed304; // (only if the 304 had no X-Version; ours always has one)
            problem(QStringLiteral("%1: 304 passed to the application").arg(url.toString()));
            return;
        }
        if (!ok) {
            ++stats.noVersion;
            problem(QStringLiteral("%1: no X-Version (status %2, fromCache %3)")
                            .arg(url.toString())
                            .arg(f.status)
                            .arg(f.fromCache));
            return;
        }
        ++stats.ok;
        stats.fromCache += f.fromCache ? 1 : 0;
        stats.bytes += f.body.size();
        const QByteArray path = url.path(QUrl::FullyEncoded).toLatin1();
        const QByteArray expected = bodyOf(path, version);
        if (f.body != expected) {
            QString kind;
            if (f.status == 304 && f.body.isEmpty()) {
                ++stats.passed304;
                kind = QStringLiteral("[known race A: 304 passed through] ");
            } else if (control == QNetworkRequest::AlwaysCache && f.status == 200
                       && f.body.size() > 0 && f.body.size() % (1024 * 1024) == 0
                       && expected.startsWith(f.body)) {
                ++stats.alwaysCacheTruncated;
                kind = QStringLiteral("[known bug C: AlwaysCache truncation] ");
            } else if (const int other = otherVersionOf(path, f.body, version, version + 40)) {
                ++stats.otherVersion;
                kind = QStringLiteral("[known race B: body of version %1] ").arg(other);
            } else {
                ++stats.mismatches;
            }
            qsizetype at = 0;
            while (at < qMin(f.body.size(), expected.size()) && f.body.at(at) == expected.at(at))
                ++at;
            problem(kind
                    + QStringLiteral("%1 version %2 (status %7, fromCache %3, Content-Length %8): "
                                     "got %4 bytes, "
                                     "expected %5, first difference at %6")
                              .arg(url.toString())
                              .arg(version)
                              .arg(f.fromCache)
                              .arg(f.body.size())
                              .arg(expected.size())
                              .arg(at)
                              .arg(f.status)
                              .arg(QString::fromLatin1(headerOf(f, "Content-Length")))
                    + QStringLiteral(" [CacheLoadControl %1]").arg(int(control)));
        }
    }

    void sampleSize()
    {
        const qint64 size = m_cache->cacheSize();
        stats.maxCacheSize = qMax(stats.maxCacheSize, size);
        ++stats.sizeSamples;
    }

    void work()
    {
        QRandomGenerator rng(quint32(1000 + m_index * 7919));
        QElapsedTimer clock;
        clock.start();
        QElapsedTimer verifyClock;
        verifyClock.start();
        while (!clock.hasExpired(m_durationMs)) {
            ++stats.ops;
            const QUrl url = urlFor(rng);
            const int r = int(rng.bounded(100));
            if (r < 78) {
                check(url, fetch(*m_nam, url, QNetworkRequest::PreferNetwork, FetchTimeoutMs),
                      QNetworkRequest::PreferNetwork);
            } else if (r < 86) {
                ++stats.removes;
                stats.removed += m_cache->remove(url) ? 1 : 0;
            } else if (r < 93) {
                check(url, fetch(*m_nam, url, QNetworkRequest::PreferCache, FetchTimeoutMs),
                      QNetworkRequest::PreferCache);
            } else {
                check(url, fetch(*m_nam, url, QNetworkRequest::AlwaysCache, FetchTimeoutMs),
                      QNetworkRequest::AlwaysCache);
            }
            sampleSize();
            if (verifyClock.hasExpired(1000)) {
                verifyClock.restart();
                const VerifyReport report = m_cache->verify();
                ++stats.verifies;
                stats.verifyDamaged += report.damaged();
                for (const QString &p : report.problems())
                    problem(QStringLiteral("verify(): ") + p);
            }
            QCoreApplication::processEvents(); // the cache's trim and hit-flush timers
        }
    }

    int m_index;
    QUrl m_base;
    QString m_directory;
    QStringList m_tiers;
    int m_durationMs;
    bool m_moveIn;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    CountingCache *m_cache = nullptr;
    std::atomic<bool> m_done {false};
};

// Reads a cache device to its end, running this thread's event loop while it refills.
bool readToEnd(QIODevice *device, QByteArray *out)
{
    QElapsedTimer timer;
    timer.start();
    QByteArray buffer(256 * 1024, Qt::Uninitialized);
    for (;;) {
        const qint64 n = device->read(buffer.data(), buffer.size());
        if (n > 0) {
            out->append(buffer.constData(), n);
            continue;
        }
        if (n < 0)
            return true;
        if (device->atEnd() || timer.hasExpired(20000))
            return false;
        QEventLoop loop;
        QObject::connect(device, &QIODevice::readyRead, &loop, &QEventLoop::quit);
        QTimer::singleShot(50, &loop, &QEventLoop::quit);
        loop.exec();
    }
}

} // namespace

class tst_Threads : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void sharedDirectory_data();
    void sharedDirectory();
    void cacheMovedToThread();
    void alwaysCacheLargeBody();

private:
    struct Totals
    {
        WorkerStats sum;
        QStringList problems;
    };
    Totals runWorkers(const QString &directory, const QStringList &tiers, int threads,
                      int durationMs);
    void checkDirectory(const QString &directory, bool damageExpected = false);

    LoopbackServer *m_server = nullptr;
    Origin m_origin;
};

void tst_Threads::initTestCase()
{
    g_previousHandler = qInstallMessageHandler(&countingHandler);
#ifdef TIERCACHE_TEST_PLUGIN_DIR
    if (qEnvironmentVariableIsEmpty("TIERCACHE_PLUGIN_PATH"))
        qputenv("TIERCACHE_PLUGIN_PATH", TIERCACHE_TEST_PLUGIN_DIR);
#endif
    // Finding (see the report): the first setTiers({"memory:..."}) of several threads at once
    // makes every TierLoader call QPluginLoader::instance() concurrently. Qt's
    // QLibraryPrivate::pluginInstance() calls the plugin's qt_plugin_instance() outside its
    // lock, and moc's Q_PLUGIN_INSTANCE keeps the root object in an unsynchronized static
    // QPointer; TSan reports the factory object built in one thread and used in another
    // (TierLoader::create, tierloader.cpp). Until the library serializes plugin loading, the
    // plugin is loaded once here, before any worker starts. TIERCACHE_CONCURRENCY_COLD_PLUGINS=1
    // skips this and reproduces the report.
    if (qEnvironmentVariableIntValue("TIERCACHE_CONCURRENCY_COLD_PLUGINS") != 1) {
        NetworkCache warm;
        QVERIFY2(warm.setTiers({QStringLiteral("memory:?max=1MiB")}),
                 qPrintable(warm.tierErrors().join(QLatin1Char('\n'))));
    }
    m_server = new LoopbackServer(this);
    QVERIFY(m_server->isListening());
    m_server->setHandler(
            [this](const RecordedRequest &request) { return m_origin.handle(request); });
    // The server records every request; the soak must not grow without bound.
    auto *forget = new QTimer(this);
    connect(forget, &QTimer::timeout, m_server, &LoopbackServer::clearRequests);
    forget->start(1000);
}

void tst_Threads::cleanupTestCase()
{
    qInstallMessageHandler(g_previousHandler);
}

tst_Threads::Totals tst_Threads::runWorkers(const QString &directory, const QStringList &tiers,
                                            int threads, int durationMs)
{
    std::vector<std::unique_ptr<Worker>> workers;
    for (int i = 0; i < threads; ++i)
        workers.push_back(
                std::make_unique<Worker>(i, m_server->url(), directory, tiers, durationMs, false));
    QEventLoop loop;
    int running = threads;
    for (auto &w : workers) {
        connect(w.get(), &QThread::finished, &loop, [&] {
            if (--running == 0)
                loop.quit();
        });
    }
    for (auto &w : workers)
        w->start();
    loop.exec(); // the origin lives in this thread
    Totals t;
    for (auto &w : workers) {
        w->wait();
        w->joined();
        const WorkerStats &s = w->stats;
        t.sum.ops += s.ops;
        t.sum.fetches += s.fetches;
        t.sum.ok += s.ok;
        t.sum.fromCache += s.fromCache;
        t.sum.bytes += s.bytes;
        t.sum.mismatches += s.mismatches;
        t.sum.passed304 += s.passed304;
        t.sum.otherVersion += s.otherVersion;
        t.sum.alwaysCacheTruncated += s.alwaysCacheTruncated;
        t.sum.noVersion += s.noVersion;
        t.sum.networkErrors += s.networkErrors;
        t.sum.cacheOnlyMisses += s.cacheOnlyMisses;
        t.sum.removes += s.removes;
        t.sum.removed += s.removed;
        t.sum.verifies += s.verifies;
        t.sum.verifyDamaged += s.verifyDamaged;
        t.sum.maxCacheSize = qMax(t.sum.maxCacheSize, s.maxCacheSize);
        t.sum.sizeSamples += s.sizeSamples;
        t.sum.prepared += s.prepared;
        t.sum.refused += s.refused;
        t.sum.inserted += s.inserted;
        t.sum.insertErrors += s.insertErrors;
        t.problems += s.problems;
    }
    return t;
}

void tst_Threads::checkDirectory(const QString &directory, bool damageExpected)
{
    // A fresh instance in this thread: every stored entry verifies and serves the body its
    // metadata names.
    NetworkCache cache;
    cache.setCacheDirectory(directory);
    cache.setMaximumCacheSize(MaximumCacheSize);
    const VerifyReport report = cache.verify();
    if (damageExpected && report.damaged() > 0)
        qWarning("KNOWN RACE D persisted: %lld bodies missing in the final directory",
                 report.damaged());
    else
        QVERIFY2(report.damaged() == 0, qPrintable(report.problems().join(QLatin1Char('\n'))));
    const QList<CacheEntryInfo> entries = cache.entries();
    int checked = 0;
    int mixed = 0;
    QStringList wrong;
    for (const CacheEntryInfo &info : entries) {
        const QNetworkCacheMetaData md = cache.metaData(info.url());
        if (!md.isValid())
            continue; // an empty body is never offered; nothing else should get here
        QByteArray version;
        for (const auto &h : md.rawHeaders()) {
            if (h.first.compare("X-Version", Qt::CaseInsensitive) == 0)
                version = h.second;
        }
        std::unique_ptr<QIODevice> device(cache.data(info.url()));
        QByteArray got;
        if (!device || !readToEnd(device.get(), &got)) {
            wrong.append(QStringLiteral("%1: cannot read its body").arg(info.url().toString()));
            continue;
        }
        const QByteArray path = info.url().path(QUrl::FullyEncoded).toLatin1();
        if (got != bodyOf(path, version.toInt())) {
            const int other = otherVersionOf(path, got, version.toInt(), version.toInt() + 40);
            if (other && !strict()) {
                ++mixed;
                qWarning("KNOWN RACE B persisted: %s is stored with the headers of version %s and "
                         "the body of version %d",
                         qPrintable(info.url().toString()), version.constData(), other);
            } else {
                wrong.append(QStringLiteral("%1: stored body is not version %2")
                                     .arg(info.url().toString(), QString::fromLatin1(version)));
            }
        }
        ++checked;
    }
    const CacheSummary summary = cache.summary();
    qInfo("final directory: %lld entries (%d read back, %d with another version's body), %lld "
          "blobs, "
          "%lld bytes stored of %lld",
          summary.entryCount(), checked, mixed, summary.blobCount(), summary.storedBytes(),
          MaximumCacheSize);
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong.join(QLatin1Char('\n'))));
    QVERIFY(summary.storedBytes() <= MaximumCacheSize + MaximumCacheSize / 20);
}

void tst_Threads::sharedDirectory_data()
{
    QTest::addColumn<QStringList>("tiers");
    QTest::addColumn<bool>("fresh"); // no catalogue yet: the threads race to create it (race D)
    const QStringList memoryDisk {QStringLiteral("memory:?max=1MiB"), QStringLiteral("disk:")};
    QTest::newRow("disk") << QStringList() << false;
    QTest::newRow("memory+disk") << memoryDisk << false;
    QTest::newRow("disk, fresh directory") << QStringList() << true;
}

void tst_Threads::sharedDirectory()
{
    QFETCH(QStringList, tiers);
    QFETCH(bool, fresh);
    const int seconds = envInt("TIERCACHE_CONCURRENCY_SECONDS", 5);
    const int threads = envInt("TIERCACHE_CONCURRENCY_THREADS", 4);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    if (!fresh) { // create the catalogue before the threads start (see race D below)
        NetworkCache first;
        first.setCacheDirectory(dir.path());
        QCOMPARE(first.cacheSize(), 0);
    }
    g_messages.tiercacheWarnings = 0;
    g_messages.busy = 0;
    g_messages.lostInserts = 0;
    g_messages.damaged = 0;
    g_messages.threadMisuse = 0;
    g_messages.catalogueReset = 0;
    const int full0 = m_origin.full, notModified0 = m_origin.notModified, bumps0 = m_origin.bumps;

    const Totals t = runWorkers(dir.path(), tiers, threads, seconds * 1000);
    const WorkerStats &s = t.sum;
    qInfo("%d threads, %d s: %lld ops, %lld fetches (%lld ok, %lld from cache, %.1f MiB), %lld "
          "removes "
          "(%lld removed), %lld verify() runs",
          threads, seconds, s.ops, s.fetches, s.ok, s.fromCache, double(s.bytes) / (1024 * 1024),
          s.removes, s.removed, s.verifies);
    qInfo("origin: %d full responses, %d 304s, %d version bumps", m_origin.full - full0,
          m_origin.notModified - notModified0, m_origin.bumps - bumps0);
    qInfo("cache: %lld prepare() (%lld refused), %lld insert() (%lld with a new error); largest "
          "cacheSize() "
          "sampled %lld of %lld (%lld samples)",
          s.prepared, s.refused, s.inserted, s.insertErrors, s.maxCacheSize, MaximumCacheSize,
          s.sizeSamples);
    qInfo("known issues: %lld 304s passed through (race A), %lld bodies of another version (race "
          "B), "
          "%lld AlwaysCache truncations (bug C)",
          s.passed304, s.otherVersion, s.alwaysCacheTruncated);
    qInfo("problems: %lld wrong bodies, %lld without X-Version, %lld network errors, %lld "
          "cache-only misses, "
          "%lld damaged in verify(); warnings: %d tiercache (%d busy/locked, %d lost inserts, %d "
          "damaged), "
          "%d thread misuse",
          s.mismatches, s.noVersion, s.networkErrors, s.cacheOnlyMisses, s.verifyDamaged,
          g_messages.tiercacheWarnings.load(), g_messages.busy.load(),
          g_messages.lostInserts.load(), g_messages.damaged.load(), g_messages.threadMisuse.load());
    for (const QString &p : t.problems)
        qInfo().noquote() << "  " << p;

    QVERIFY2(s.ok > 0 && s.fromCache > 0, "the threads got nothing done");
    QVERIFY2(m_origin.notModified - notModified0 > 0, "no revalidation happened");
    QCOMPARE(s.mismatches, 0);
    if (s.passed304 + s.otherVersion > 0) {
        qWarning("KNOWN RACES (see the report in tests/concurrency): %lld 304s passed to the "
                 "application "
                 "with an empty body, %lld bodies served under another version's headers",
                 s.passed304, s.otherVersion);
        if (strict())
            QFAIL("known revalidation races happened (TIERCACHE_CONCURRENCY_STRICT=1)");
    }
    QCOMPARE(s.noVersion, 0);
    QCOMPARE(s.networkErrors, 0);
    if (g_messages.catalogueReset.load() > 0) {
        // Known race D: several instances opening a fresh directory at once.
        // Catalogue::createSchema() reads application_id, user_version and then counts
        // sqlite_master in three separate autocommit statements; another instance's schema COMMIT
        // between them makes a half-created catalogue look like "some other SQLite database": it is
        // moved aside, a new one started, and collectGarbage() deletes every body the other
        // instances' rows still point to.
        qWarning("KNOWN RACE D: %d catalogue resets while in use; %lld bodies found missing by "
                 "verify(), "
                 "%d entries dropped as damaged",
                 g_messages.catalogueReset.load(), s.verifyDamaged, g_messages.damaged.load());
        if (strict())
            QFAIL("a live catalogue was reset (TIERCACHE_CONCURRENCY_STRICT=1)");
    } else {
        QCOMPARE(s.verifyDamaged, 0);
        QCOMPARE(g_messages.damaged.load(), 0);
    }
    QCOMPARE(g_messages.threadMisuse.load(), 0);
    QVERIFY2(s.maxCacheSize <= MaximumCacheSize + MaximumCacheSize / 20,
             qPrintable(QStringLiteral("cacheSize() reached %1 of %2")
                                .arg(s.maxCacheSize)
                                .arg(MaximumCacheSize)));
    // SQLite's busy timeout (10 s) should make a lost insert all but impossible.
    const qint64 tolerance = qMax<qint64>(2, s.prepared / 100);
    QVERIFY2(s.refused + s.insertErrors + g_messages.lostInserts.load() <= tolerance,
             qPrintable(QStringLiteral(
                                "%1 refused prepare(), %2 failed insert(), %3 lost-insert warnings")
                                .arg(s.refused)
                                .arg(s.insertErrors)
                                .arg(g_messages.lostInserts.load())));
    checkDirectory(dir.path(), g_messages.catalogueReset.load() > 0 && !strict());
}

void tst_Threads::cacheMovedToThread()
{
    // Qt's usual pattern: make the manager (and its cache) in one thread, moveToThread() it to
    // the worker. The cache must then work from the worker thread like one made there.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    g_messages.threadMisuse = 0;
    Worker worker(0, m_server->url(), dir.path(), {}, 1500, true);
    auto nam = std::make_unique<QNetworkAccessManager>();
    auto *cache = new CountingCache;
    cache->setCacheDirectory(dir.path());
    cache->setMaximumCacheSize(MaximumCacheSize);
    allowLargeBodies(cache);
    nam->setCache(cache);
    worker.adopt(std::move(nam), cache);
    QEventLoop loop;
    connect(&worker, &QThread::finished, &loop, &QEventLoop::quit);
    worker.start();
    loop.exec();
    worker.wait();
    worker.joined();
    const WorkerStats &s = worker.stats;
    qInfo("moved: %lld fetches, %lld ok, %lld from cache, %lld wrong bodies, %d thread-misuse "
          "warnings",
          s.fetches, s.ok, s.fromCache, s.mismatches, g_messages.threadMisuse.load());
    QCOMPARE(s.mismatches, 0);
    QVERIFY(s.ok > 0);
    QCOMPARE(g_messages.threadMisuse.load(), 0);
    checkDirectory(dir.path());
}

void tst_Threads::alwaysCacheLargeBody()
{
    // Not a race; found by the soak above and kept here, deterministic, in one thread: a body
    // larger than the disk tier's first verified window (1 MiB), served with
    // CacheLoadControl AlwaysCache (QNAM's QNetworkAccessCacheBackend, not the HTTP reply),
    // must arrive whole, as with PreferCache (QNetworkReplyHttpImpl).
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    cache->setCacheDirectory(dir.path());
    nam.setCache(cache);
    const QUrl url = m_server->url(QStringLiteral("/big"));
    const QByteArray expected = bigBody();
    const Fetched stored = fetch(nam, url, QNetworkRequest::PreferNetwork, FetchTimeoutMs);
    QCOMPARE(stored.error, QNetworkReply::NoError);
    QCOMPARE(stored.body.size(), expected.size());
    const Fetched preferCache = fetch(nam, url, QNetworkRequest::PreferCache, FetchTimeoutMs);
    QVERIFY(preferCache.fromCache);
    QCOMPARE(preferCache.body.size(), expected.size());
    const Fetched alwaysCache = fetch(nam, url, QNetworkRequest::AlwaysCache, FetchTimeoutMs);
    QCOMPARE(alwaysCache.error, QNetworkReply::NoError);
    QVERIFY(alwaysCache.fromCache);
    QCOMPARE(alwaysCache.body.size(), expected.size());
    QVERIFY(alwaysCache.body == expected);
}

QTEST_GUILESS_MAIN(tst_Threads)
#include "tst_threads.moc"
