// SPDX-License-Identifier: MIT
//
// File-system faults under a live cache, end to end through a real QNetworkAccessManager.
//
// The binary re-executes itself with tiercache_faultshim preloaded (see main() and
// faultshim.cpp) and arms faults at run time through tiercache_fault_set(). For every fault:
//   - a request still succeeds from the network with exactly the origin's body;
//   - the cache reports the problem: error()/errorString(), and warnings in a "tiercache.*"
//     category, a bounded number of them (not one per chunk);
//   - nothing stored before the fault is lost or altered (20 entries, compared through
//     entries() and served from the cache afterwards without contacting the origin);
//   - once the fault clears the cache stores and serves again.
//
// Why not chmod for the read-only case: the tests run as root, and root ignores permission
// bits (CAP_DAC_OVERRIDE), so chmod 0500 changes nothing. The shim's "eacces" kind fails
// exactly the calls a 0500 directory fails for its non-root owner (creating, renaming and
// unlinking names; open descriptors keep working), and "erofs" models a file system that was
// remounted read-only (every write fails).

#include "cachetestutil.h"

#include <tiercache/networkcache.h>

#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFileInfo>
#include <QtCore/QMap>
#include <QtCore/QMutex>
#include <QtCore/QScopeGuard>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtTest/QTest>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

using namespace tiercache;
using namespace tiercache::test;

namespace {

using FaultSetFn = int (*)(const char *);
using FaultHitsFn = long (*)();
FaultSetFn g_faultSet = nullptr;
FaultHitsFn g_faultHits = nullptr;

bool armFault(const QString &spec)
{
    return g_faultSet && g_faultSet(spec.toUtf8().constData()) == 0;
}

void disarmFault()
{
    if (g_faultSet)
        g_faultSet(nullptr);
}

long faultHits()
{
    return g_faultHits ? g_faultHits() : 0;
}

// Disarms on scope exit, so a failed QVERIFY never leaves a fault armed for the next test.
struct FaultScope
{
    ~FaultScope() { disarmFault(); }
};

// ---- message capture -----------------------------------------------------------------------

struct Message
{
    QtMsgType type;
    QString category;
    QString text;
};

class MessageCapture
{
public:
    MessageCapture()
    {
        QMutexLocker lock(&s_mutex);
        s_messages.clear();
        s_previous = qInstallMessageHandler(&MessageCapture::handler);
    }
    ~MessageCapture() { qInstallMessageHandler(s_previous); }

    // Warnings and worse.
    QList<Message> warnings() const
    {
        QMutexLocker lock(&s_mutex);
        QList<Message> result;
        for (const Message &m : std::as_const(s_messages)) {
            if (m.type == QtWarningMsg || m.type == QtCriticalMsg || m.type == QtFatalMsg)
                result.append(m);
        }
        return result;
    }

    static QString describe(const QList<Message> &messages)
    {
        QStringList lines;
        for (const Message &m : messages)
            lines.append(QStringLiteral("  [%1] %2").arg(m.category, m.text));
        return lines.join(QLatin1Char('\n'));
    }

private:
    static void handler(QtMsgType type, const QMessageLogContext &context, const QString &text)
    {
        {
            QMutexLocker lock(&s_mutex);
            s_messages.append({type, QString::fromLatin1(context.category ? context.category : "default"), text});
        }
        if (s_previous)
            s_previous(type, context, text);
    }

    static QMutex s_mutex;
    static QList<Message> s_messages;
    static QtMessageHandler s_previous;
};

QMutex MessageCapture::s_mutex;
QList<Message> MessageCapture::s_messages;
QtMessageHandler MessageCapture::s_previous = nullptr;

// ---- the fixture -----------------------------------------------------------------------------

constexpr int PreCount = 20;
constexpr qint64 LargeBody = 5 * 1024 * 1024;
// Per faulted request: the tier's and the front's message, plus a catalogue message or two.
// A message per chunk would be 32 for the 2 MiB bodies used here.
constexpr int MaxWarnings = 8;

struct EntryState
{
    QByteArray digest;
    qint64 bodySize = -1;
    bool operator==(const EntryState &o) const { return digest == o.digest && bodySize == o.bodySize; }
};

class Fixture
{
public:
    Fixture()
    {
        cacheDir = tmp.path() + QStringLiteral("/cache");
        QDir().mkpath(cacheDir);
        cacheDir = QFileInfo(cacheDir).canonicalFilePath(); // what /proc/self/fd shows
        cache = new NetworkCache;
        cache->setCacheDirectory(cacheDir);
        cache->setMaximumCacheSize(512LL * 1024 * 1024);
        nam.setCache(cache); // the manager owns the cache
    }

    void route(const QString &path, qint64 size, quint32 seed)
    {
        Response r = Response::ok(QByteArray());
        r.generatedBodySize = size;
        r.seed = seed;
        server.setRoute(path.toLatin1(), r);
        expected.insert(path, LoopbackServer::patternBody(0, size, seed));
    }

    Fetched get(const QString &path) { return fetch(nam, server.url(path)); }

    QString prePath(int i) const { return QStringLiteral("/pre/%1").arg(i); }

    // 20 entries, from 100 bytes to ~1.4 MiB (several chunks, more than one read window).
    bool populate(QString *why)
    {
        for (int i = 0; i < PreCount; ++i) {
            const QString path = prePath(i);
            route(path, 100 + qint64(i) * i * 3700, quint32(1000 + i));
            const Fetched f = get(path);
            if (!f.finished || f.error != QNetworkReply::NoError || f.body != expected.value(path)) {
                *why = QStringLiteral("populating %1 failed (error %2)").arg(path).arg(int(f.error));
                return false;
            }
            if (!cache->entryInfo(server.url(path)).isValid()) {
                *why = QStringLiteral("%1 was not stored: %2").arg(path, cache->errorString());
                return false;
            }
        }
        return true;
    }

    QMap<QString, EntryState> snapshot() const
    {
        QMap<QString, EntryState> result;
        const auto list = cache->entries();
        for (const CacheEntryInfo &info : list) {
            if (info.url().path().startsWith(QLatin1String("/pre/")))
                result.insert(info.url().path(), EntryState {info.digest(), info.bodySize()});
        }
        return result;
    }

    QString prefix(const QString &scope) const
    {
        if (scope == QLatin1String("tmp"))
            return cacheDir + QStringLiteral("/tmp/");
        if (scope == QLatin1String("blobs"))
            return cacheDir + QStringLiteral("/blobs/");
        if (scope == QLatin1String("catalogue"))
            return cacheDir + QStringLiteral("/catalogue.db"); // and its -wal and -shm
        return cacheDir + QLatin1Char('/');
    }

    // Every pre-populated entry is served from the cache, unaltered, without the origin.
    QStringList checkPreserved(const QMap<QString, EntryState> &before)
    {
        QStringList problems;
        const QMap<QString, EntryState> after = snapshot();
        if (after.size() != before.size())
            problems.append(QStringLiteral("entries(): %1 pre-populated entries before the fault, %2 after")
                                    .arg(before.size()).arg(after.size()));
        for (auto it = before.cbegin(); it != before.cend(); ++it) {
            if (!after.contains(it.key()))
                problems.append(QStringLiteral("entries(): %1 is gone").arg(it.key()));
            else if (!(after.value(it.key()) == it.value()))
                problems.append(QStringLiteral("entries(): %1 changed digest or size").arg(it.key()));
        }
        const int requests = server.requestCount();
        for (int i = 0; i < PreCount; ++i) {
            const QString path = prePath(i);
            const Fetched f = get(path);
            if (f.error != QNetworkReply::NoError || f.body != expected.value(path))
                problems.append(QStringLiteral("%1: wrong body or error %2 after the fault").arg(path).arg(int(f.error)));
            else if (!f.fromCache)
                problems.append(QStringLiteral("%1 was not served from the cache after the fault").arg(path));
        }
        if (server.requestCount() != requests)
            problems.append(QStringLiteral("the origin was contacted %1 times for pre-populated entries")
                                    .arg(server.requestCount() - requests));
        return problems;
    }

    // A new URL is stored and then served from the cache, within \a timeoutMs (the disk tier
    // retries a failed directory after a second).
    bool recovers(int timeoutMs, qint64 *elapsedMs, QString *last)
    {
        QElapsedTimer clock;
        clock.start();
        for (int attempt = 0;; ++attempt) {
            const QString path = QStringLiteral("/recover/%1").arg(attempt);
            route(path, 200 * 1024 + attempt, quint32(5000 + attempt));
            const Fetched first = get(path);
            const Fetched second = get(path);
            if (first.error == QNetworkReply::NoError && first.body == expected.value(path)
                && second.fromCache && second.body == expected.value(path)) {
                *elapsedMs = clock.elapsed();
                return true;
            }
            *last = QStringLiteral("attempt %1: first error %2 (body ok: %3), second fromCache %4 (body ok: %5); errorString: %6")
                            .arg(attempt).arg(int(first.error)).arg(first.body == expected.value(path))
                            .arg(second.fromCache).arg(second.body == expected.value(path)).arg(cache->errorString());
            if (clock.elapsed() > timeoutMs)
                return false;
            QTest::qWait(200);
        }
    }

    QTemporaryDir tmp;
    QString cacheDir;
    LoopbackServer server;
    QNetworkAccessManager nam;
    NetworkCache *cache = nullptr;
    QHash<QString, QByteArray> expected;
};

QString errorName(NetworkCache::Error e)
{
    switch (e) {
    case NetworkCache::Error::NoError: return QStringLiteral("NoError");
    case NetworkCache::Error::DirectoryError: return QStringLiteral("DirectoryError");
    case NetworkCache::Error::WriteError: return QStringLiteral("WriteError");
    case NetworkCache::Error::ReadError: return QStringLiteral("ReadError");
    }
    return QString();
}

// fetch() without its final readAll(), which warns "device not open" on an aborted reply: the
// warnings of these tests must be the library's only.
Fetched fetchQuiet(QNetworkAccessManager &nam, const QUrl &url)
{
    QNetworkReply *reply = nam.get(QNetworkRequest(url));
    Fetched f;
    QObject::connect(reply, &QIODevice::readyRead, reply, [&] { f.body += reply->readAll(); });
    QSignalSpy finished(reply, &QNetworkReply::finished);
    f.finished = reply->isFinished() || finished.wait(30000);
    if (reply->isOpen())
        f.body += reply->readAll();
    f.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    f.fromCache = reply->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool();
    f.error = reply->error();
    delete reply;
    return f;
}

// Appends the warnings problems: at least one, all in a tiercache.* category, bounded.
void checkWarnings(const QList<Message> &warnings, QStringList *problems, bool expectSome = true)
{
    if (expectSome && warnings.isEmpty())
        problems->append(QStringLiteral("no warning was logged"));
    for (const Message &m : warnings) {
        if (!m.category.startsWith(QLatin1String("tiercache."))) {
            problems->append(QStringLiteral("warning outside a tiercache.* category: [%1] %2").arg(m.category, m.text));
            break;
        }
    }
    if (warnings.size() > MaxWarnings)
        problems->append(QStringLiteral("%1 warnings (more than %2) for one faulted request:\n%3")
                                 .arg(warnings.size()).arg(MaxWarnings).arg(MessageCapture::describe(warnings)));
}

} // namespace

class tst_Faults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void shimSelfTest();
    void faultWhileCaching_data();
    void faultWhileCaching();
    void blobUnlinkedUnderReader();
    void readErrorMidStream();
};

void tst_Faults::initTestCase()
{
    QVERIFY2(g_faultSet && g_faultHits, "tiercache_faultshim is not preloaded");
}

void tst_Faults::cleanup()
{
    disarmFault();
}

// The shim fails what is under its prefix and nothing else, and can be switched off.
void tst_Faults::shimSelfTest()
{
    QTemporaryDir tmp;
    const QString base = QFileInfo(tmp.path()).canonicalFilePath();
    QDir().mkpath(base + QStringLiteral("/in"));
    QDir().mkpath(base + QStringLiteral("/out"));
    const QByteArray inside = QFile::encodeName(base + QStringLiteral("/in/f"));
    const QByteArray outside = QFile::encodeName(base + QStringLiteral("/out/f"));
    const int in = ::open(inside.constData(), O_RDWR | O_CREAT, 0600);
    const int out = ::open(outside.constData(), O_RDWR | O_CREAT, 0600);
    QVERIFY(in >= 0 && out >= 0);
    auto closeBoth = qScopeGuard([&] { ::close(in); ::close(out); });
    FaultScope faultGuard;

    QVERIFY(!armFault(QStringLiteral("kind=enospc"))); // a prefix is required
    QVERIFY(!armFault(QStringLiteral("kind=bogus;path=/x")));
    QVERIFY(armFault(QStringLiteral("kind=enospc;path=%1/in/;after=1").arg(base)));
    QCOMPARE(::write(out, "abcd", 4), ssize_t(4));
    QCOMPARE(::write(in, "abcd", 4), ssize_t(4)); // after=1
    errno = 0;
    QCOMPARE(::write(in, "abcd", 4), ssize_t(-1));
    QCOMPARE(errno, ENOSPC);
    QCOMPARE(::pwrite(in, "abcd", 4, 0), ssize_t(-1));
    QCOMPARE(faultHits(), 2L);

    QVERIFY(armFault(QStringLiteral("kind=short-write;path=%1/in/").arg(base)));
    QCOMPARE(::write(in, "abcdefgh", 8), ssize_t(4));
    QCOMPARE(::write(out, "abcdefgh", 8), ssize_t(8));

    QVERIFY(armFault(QStringLiteral("kind=eio-read,eio-sync;path=%1/in/").arg(base)));
    char buffer[4];
    QCOMPARE(::pread(in, buffer, 4, 0), ssize_t(-1));
    QCOMPARE(errno, EIO);
    QCOMPARE(::fdatasync(in), -1);
    QCOMPARE(::pread(out, buffer, 4, 0), ssize_t(4));

    QVERIFY(armFault(QStringLiteral("kind=eacces;path=%1/in/").arg(base)));
    QCOMPARE(::open(QFile::encodeName(base + QStringLiteral("/in/new")).constData(), O_WRONLY | O_CREAT, 0600), -1);
    QCOMPARE(errno, EACCES);
    const int again = ::open(inside.constData(), O_RDWR | O_CREAT, 0600); // exists: allowed
    QVERIFY(again >= 0);
    ::close(again);
    QCOMPARE(::unlink(inside.constData()), -1);
    QCOMPARE(::write(in, "abcd", 4), ssize_t(4)); // open descriptors keep working

    QVERIFY(armFault(QStringLiteral("kind=erofs;path=%1/in/").arg(base)));
    QCOMPARE(::open(inside.constData(), O_RDWR), -1);
    QCOMPARE(errno, EROFS);
    QCOMPARE(::write(in, "abcd", 4), ssize_t(-1));
    const int ro = ::open(inside.constData(), O_RDONLY);
    QVERIFY(ro >= 0);
    ::close(ro);

    disarmFault();
    QCOMPARE(::write(in, "abcd", 4), ssize_t(4));
    QCOMPARE(faultHits(), 0L);
}

void tst_Faults::faultWhileCaching_data()
{
    QTest::addColumn<QString>("kind");       // the shim's fault kind; empty: none
    QTest::addColumn<QString>("scope");      // dir, tmp, blobs or catalogue: where it applies
    QTest::addColumn<int>("after");          // matching calls let through first
    QTest::addColumn<bool>("sync");          // SyncOnInsert
    QTest::addColumn<bool>("benign");        // the fault must not even be an error
    QTest::addColumn<bool>("readStored");    // request an entry stored before the fault
    QTest::addColumn<bool>("deleteDir");     // rm -rf the cache directory instead

    QTest::newRow("enospc, first write") << "enospc" << "dir" << 0 << false << false << false << false;
    QTest::newRow("enospc, mid-body") << "enospc" << "tmp" << 1 << false << false << false << false;
    QTest::newRow("eio on write") << "eio-write" << "dir" << 0 << false << false << false << false;
    QTest::newRow("eio on write, mid-body") << "eio-write" << "tmp" << 1 << false << false << false << false;
    QTest::newRow("enospc on the catalogue only") << "enospc" << "catalogue" << 0 << false << false << false << false;
    QTest::newRow("short writes") << "short-write" << "dir" << 0 << false << true << false << false;
    QTest::newRow("fdatasync fails (SyncOnInsert)") << "eio-sync" << "dir" << 0 << true << false << false << false;
    QTest::newRow("eio on read of a stored entry") << "eio-read" << "blobs" << 0 << false << false << true << false;
    QTest::newRow("read-only directory (eacces)") << "eacces" << "dir" << 0 << false << false << false << false;
    QTest::newRow("read-only file system (erofs)") << "erofs" << "dir" << 0 << false << false << false << false;
    QTest::newRow("cache directory deleted") << QString() << "dir" << 0 << false << false << false << true;
}

void tst_Faults::faultWhileCaching()
{
    QFETCH(QString, kind);
    QFETCH(QString, scope);
    QFETCH(int, after);
    QFETCH(bool, sync);
    QFETCH(bool, benign);
    QFETCH(bool, readStored);
    QFETCH(bool, deleteDir);

    Fixture fx;
    QVERIFY(fx.server.isListening());
    fx.cache->setSyncMode(sync ? NetworkCache::SyncMode::SyncOnInsert : NetworkCache::SyncMode::NoSync);
    QString why;
    QVERIFY2(fx.populate(&why), qPrintable(why));
    const QString target = readStored ? QStringLiteral("/victim") : QStringLiteral("/during");
    fx.route(target, 2 * 1024 * 1024, 777);
    if (readStored) {
        const Fetched f = fx.get(target);
        QVERIFY(f.error == QNetworkReply::NoError && f.body == fx.expected.value(target));
        QVERIFY(fx.cache->entryInfo(fx.server.url(target)).isValid());
    }
    const CacheEntryInfo victimBefore = readStored ? fx.cache->entryInfo(fx.server.url(target)) : CacheEntryInfo();
    const QMap<QString, EntryState> before = fx.snapshot();
    QCOMPARE(before.size(), PreCount);
    QCOMPARE(fx.cache->error(), NetworkCache::Error::NoError);
    QVERIFY(fx.cache->errorString().isEmpty());

    QStringList problems;
    {
        FaultScope faultGuard;
        MessageCapture capture;
        if (deleteDir) {
            QVERIFY(QDir(fx.cacheDir).removeRecursively());
        } else {
            QVERIFY(armFault(QStringLiteral("kind=%1;path=%2;after=%3").arg(kind, fx.prefix(scope)).arg(after)));
        }
        const int requests = fx.server.requestCount();
        const Fetched f = fx.get(target);
        const long hits = faultHits();
        disarmFault();

        // The application sees the origin's response, exactly.
        QVERIFY(f.finished);
        QCOMPARE(f.error, QNetworkReply::NoError);
        QCOMPARE(f.status, 200);
        QCOMPARE(f.body.size(), fx.expected.value(target).size());
        QVERIFY(f.body == fx.expected.value(target));
        QVERIFY2(!f.fromCache, "a faulted read was served from the cache");
        QCOMPARE(fx.server.requestCount(), requests + 1);
        if (!deleteDir)
            QVERIFY2(hits > 0, "the fault never fired: the test would prove nothing");

        const QList<Message> warnings = capture.warnings();
        if (benign) {
            if (fx.cache->error() != NetworkCache::Error::NoError)
                problems.append(QStringLiteral("a short write is not an error, yet error() is %1: %2")
                                        .arg(errorName(fx.cache->error()), fx.cache->errorString()));
            if (!warnings.isEmpty())
                problems.append(QStringLiteral("warnings for short writes:\n%1").arg(MessageCapture::describe(warnings)));
            const Fetched again = fx.get(target);
            if (!again.fromCache || again.body != fx.expected.value(target))
                problems.append(QStringLiteral("a body written with short writes was not stored and served (fromCache %1, body ok %2); errorString: %3")
                                        .arg(again.fromCache).arg(again.body == fx.expected.value(target)).arg(fx.cache->errorString()));
        } else {
            if (fx.cache->error() == NetworkCache::Error::NoError)
                problems.append(QStringLiteral("error() is NoError after the fault"));
            if (fx.cache->errorString().isEmpty())
                problems.append(QStringLiteral("errorString() is empty after the fault"));
            checkWarnings(warnings, &problems);
        }
        qInfo().noquote() << "fault" << QTest::currentDataTag() << ": error()" << errorName(fx.cache->error())
                          << "errorString()" << fx.cache->errorString() << "; shim hits" << hits
                          << "; warnings" << warnings.size();
    }

    if (!deleteDir)
        problems += fx.checkPreserved(before);
    if (readStored) {
        // The stored entry that could not be read must survive a transient error. The request
        // that met the error was a miss, so QNAM fetched the body and stored it again: a newer
        // copy of the same entry is fine, its absence is not (it would have been dropped as
        // damaged, and an origin that is down then would have nothing to serve).
        const CacheEntryInfo victimAfter = fx.cache->entryInfo(fx.server.url(target));
        if (!victimAfter.isValid())
            problems.append(QStringLiteral("%1, stored before the fault, is gone after a transient read error").arg(target));
        else if (victimAfter.digest() != victimBefore.digest())
            problems.append(QStringLiteral("%1 holds another body after a transient read error").arg(target));
    }

    qint64 elapsed = 0;
    QString last;
    if (!fx.recovers(5000, &elapsed, &last))
        problems.append(QStringLiteral("the cache did not recover within 5 s after the fault cleared; %1").arg(last));
    else
        qInfo().noquote() << "recovered after" << elapsed << "ms";

    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
}

// A blob unlinked while a reader streams it: the open descriptor keeps serving the exact body.
void tst_Faults::blobUnlinkedUnderReader()
{
    Fixture fx;
    const QString path = QStringLiteral("/big");
    fx.route(path, LargeBody, 5);
    const QByteArray &body = fx.expected[path];
    QVERIFY(fx.get(path).body == body);
    const CacheEntryInfo info = fx.cache->entryInfo(fx.server.url(path));
    QVERIFY(info.isValid());
    const QString blob = fx.cacheDir + QStringLiteral("/blobs/")
            + QLatin1String(info.digest().left(2)) + QLatin1Char('/')
            + QLatin1String(info.digest());
    QVERIFY2(QFile::exists(blob), qPrintable(blob));

    MessageCapture capture;
    QNetworkRequest request(fx.server.url(path));
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::PreferCache);
    QNetworkReply *reply = fx.nam.get(request);
    QByteArray received;
    qint64 unlinkedAt = -1;
    QObject::connect(reply, &QIODevice::readyRead, reply, [&] {
        // Slowly: 64 KiB per signal, the rest waits for the next one.
        received += reply->read(64 * 1024);
        if (unlinkedAt < 0 && !received.isEmpty()) {
            unlinkedAt = received.size();
            QVERIFY(QFile::remove(blob));
        }
    });
    QTimer drip;
    drip.setInterval(1);
    QObject::connect(&drip, &QTimer::timeout, reply, [&] {
        if (reply->bytesAvailable() > 0)
            received += reply->read(64 * 1024);
    });
    drip.start();
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(30000));
    while (reply->bytesAvailable() > 0)
        received += reply->readAll();
    drip.stop();
    const bool fromCache = reply->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool();
    const QNetworkReply::NetworkError error = reply->error();
    delete reply;

    QVERIFY(fromCache);
    QCOMPARE(error, QNetworkReply::NoError);
    QVERIFY2(unlinkedAt > 0 && unlinkedAt < LargeBody, "the blob was not unlinked mid-stream");
    QCOMPARE(received.size(), body.size());
    QVERIFY(received == body);
    QVERIFY(!QFile::exists(blob));

    // The next request finds the body missing: a miss, refetched, stored again.
    const int requests = fx.server.requestCount();
    const Fetched again = fx.get(path);
    QCOMPARE(again.error, QNetworkReply::NoError);
    QVERIFY(!again.fromCache);
    QVERIFY(again.body == body);
    QCOMPARE(fx.server.requestCount(), requests + 1);
    const Fetched third = fx.get(path);
    QVERIFY(third.fromCache);
    QVERIFY(third.body == body);

    QStringList problems;
    checkWarnings(capture.warnings(), &problems, false);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
}

// EIO in the middle of streaming a stored body: that reply fails (never a short 200), the
// next request refetches, and the cache reports the read error.
void tst_Faults::readErrorMidStream()
{
    Fixture fx;
    QString why;
    QVERIFY2(fx.populate(&why), qPrintable(why));
    const QMap<QString, EntryState> before = fx.snapshot();
    const QString path = QStringLiteral("/big");
    fx.route(path, LargeBody, 9);
    const QByteArray &body = fx.expected[path];
    QVERIFY(fx.get(path).body == body);
    QVERIFY(fx.cache->entryInfo(fx.server.url(path)).isValid());
    QCOMPARE(fx.cache->error(), NetworkCache::Error::NoError);

    QStringList problems;
    {
        FaultScope faultGuard;
        MessageCapture capture;
        // The first pread (the verified first window, read at lookup) succeeds; the refills fail.
        QVERIFY(armFault(QStringLiteral("kind=eio-read;path=%1;after=1").arg(fx.prefix(QStringLiteral("blobs")))));
        const int requests = fx.server.requestCount();
        const Fetched f = fetchQuiet(fx.nam, fx.server.url(path));
        const long hits = faultHits();
        disarmFault();
        QVERIFY(f.finished);
        QVERIFY2(hits > 0, "the fault never fired");
        QVERIFY2(f.fromCache, "the faulted request did not come from the cache");
        QCOMPARE(fx.server.requestCount(), requests);
        QVERIFY2(f.error != QNetworkReply::NoError,
                 qPrintable(QStringLiteral("a body cut by a read error was delivered as a complete %1 (%2 of %3 bytes)")
                                    .arg(f.status).arg(f.body.size()).arg(body.size())));
        QVERIFY2(f.body.size() < body.size() && body.startsWith(f.body), "the bytes delivered are not a prefix of the body");
        if (fx.cache->error() == NetworkCache::Error::NoError || fx.cache->errorString().isEmpty())
            problems.append(QStringLiteral("the read error is not reported: error() %1, errorString() \"%2\"")
                                    .arg(errorName(fx.cache->error()), fx.cache->errorString()));
        checkWarnings(capture.warnings(), &problems);
        qInfo().noquote() << "mid-stream EIO: reply error" << f.error << "after" << f.body.size()
                          << "bytes; error()" << errorName(fx.cache->error()) << fx.cache->errorString();
    }

    const int requests = fx.server.requestCount();
    const Fetched again = fx.get(path);
    QCOMPARE(again.error, QNetworkReply::NoError);
    QVERIFY(again.body == body);
    QVERIFY2(!again.fromCache, "the damaged entry was served again");
    QCOMPARE(fx.server.requestCount(), requests + 1);
    const Fetched third = fx.get(path);
    QVERIFY(third.fromCache);
    QVERIFY(third.body == body);

    problems += fx.checkPreserved(before);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
}

int main(int argc, char **argv)
{
    // Re-execute with the shim preloaded: it must interpose libc before Qt and SQLite bind.
    g_faultSet = reinterpret_cast<FaultSetFn>(dlsym(RTLD_DEFAULT, "tiercache_fault_set"));
    g_faultHits = reinterpret_cast<FaultHitsFn>(dlsym(RTLD_DEFAULT, "tiercache_fault_hits"));
    if (!g_faultSet) {
        if (qEnvironmentVariableIsSet("TIERCACHE_FAULTSHIM_REEXEC")) {
            std::fprintf(stderr, "tst_faults: %s is not preloaded after re-executing\n", TIERCACHE_FAULTSHIM_PATH);
            return 1;
        }
        QByteArray preload = qgetenv("LD_PRELOAD");
        // A sanitizer runtime in LD_PRELOAD must stay first.
        preload = preload.isEmpty() ? QByteArray(TIERCACHE_FAULTSHIM_PATH) : preload + ':' + TIERCACHE_FAULTSHIM_PATH;
        qputenv("LD_PRELOAD", preload);
        qputenv("TIERCACHE_FAULTSHIM_REEXEC", "1");
        ::execv("/proc/self/exe", argv);
        std::perror("tst_faults: execv");
        return 1;
    }
    QCoreApplication app(argc, argv);
    tst_Faults tc;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&tc, argc, argv);
}

#include "tst_faults.moc"
