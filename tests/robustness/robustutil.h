// SPDX-License-Identifier: MIT
#pragma once

// Helpers shared by the robustness tests: bodies whose bytes follow from (url, version),
// reading a cache device to its end from the event loop, checking one cache entry, and
// running this very test binary as a child process in another role.

#include <cachefiles.h>
#include <loopbackserver.h>
#include <tiercache/networkcache.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFileInfo>
#include <QtCore/QHash>
#include <QtCore/QProcess>
#include <QtCore/QRandomGenerator>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkCacheMetaData>
#include <QtNetwork/QNetworkRequest>

#include <csignal>
#include <cstdio>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tiercache::robust {

// ---- child processes -------------------------------------------------------------------------

//! The environment variable that turns a test binary into a child in some role.
inline const char *roleVariable()
{
    return "TIERCACHE_ROBUST_ROLE";
}

inline QString childRole()
{
    return qEnvironmentVariable(roleVariable());
}

inline QString childParameter(const char *name, const QString &fallback = QString())
{
    const QString value = qEnvironmentVariable(QByteArray("TIERCACHE_ROBUST_") + name);
    return value.isEmpty() ? fallback : value;
}

//! Called first thing in a child: die with the parent (a test that crashes or times out must
//! not leave writer loops behind) and never outlive \a maxSeconds.
inline void becomeChild(int maxSeconds)
{
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::alarm(unsigned(maxSeconds)); // SIGALRM's default action terminates the process
}

//! A QProcess that runs this binary in \a role with \a parameters (TIERCACHE_ROBUST_<name>).
//! stderr is forwarded (library warnings stay visible), stdout is captured.
inline std::unique_ptr<QProcess> makeChild(const QString &role,
                                           const QHash<QByteArray, QString> &parameters)
{
    auto process = std::make_unique<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QString::fromLatin1(roleVariable()), role);
    for (auto it = parameters.cbegin(); it != parameters.cend(); ++it)
        env.insert(QLatin1String("TIERCACHE_ROBUST_") + QString::fromLatin1(it.key()), it.value());
    process->setProcessEnvironment(env);
    process->setProgram(QCoreApplication::applicationFilePath());
    process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    return process;
}

//! Unbuffered single-byte progress marks on stdout: they must reach the parent even when the
//! child is killed a microsecond later.
inline void mark(char c)
{
    [[maybe_unused]] const ssize_t n = ::write(STDOUT_FILENO, &c, 1);
}

//! A child's start: marks 'S' (set up, listening) and waits for the parent's go byte on stdin.
//! False when stdin closed first (the parent gave up).
inline bool markStartedAndWaitForGo()
{
    mark('S');
    char go;
    return ::read(STDIN_FILENO, &go, 1) == 1;
}

inline void printLine(const QByteArray &line)
{
    const QByteArray out = line + '\n';
    [[maybe_unused]] const ssize_t n = ::write(STDOUT_FILENO, out.constData(), size_t(out.size()));
}

//! Parses "STATS a=1 b=2" lines from a child's output.
inline QHash<QByteArray, qint64> parseStats(const QByteArray &output)
{
    QHash<QByteArray, qint64> stats;
    const QList<QByteArray> lines = output.split('\n');
    for (const QByteArray &line : lines) {
        const qsizetype at = line.indexOf("STATS "); // may follow single-byte marks
        if (at < 0)
            continue;
        const QList<QByteArray> fields = line.mid(at + 6).split(' ');
        for (const QByteArray &f : fields) {
            const qsizetype eq = f.indexOf('=');
            if (eq > 0)
                stats[f.left(eq)] += f.mid(eq + 1).toLongLong();
        }
    }
    return stats;
}

// ---- versioned bodies ------------------------------------------------------------------------

inline quint64 mix64(quint64 x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

//! A seed for the pattern of (url, version): stable across processes (FNV-1a, not qHash).
inline quint32 bodySeed(const QUrl &url, quint32 version)
{
    quint64 h = 0xcbf29ce484222325ULL;
    const QByteArray bytes = url.toEncoded();
    for (char c : bytes) {
        h ^= quint8(c);
        h *= 0x100000001b3ULL;
    }
    return quint32(mix64(h ^ (quint64(version) << 17) ^ version));
}

//! Body size of (url, version): mostly 0.1 KiB - 600 KiB, a tenth of them 1 - 2.5 MiB.
inline qint64 bodySize(const QUrl &url, quint32 version)
{
    const quint64 r = mix64(bodySeed(url, version) + 0x1234567ULL);
    const int bucket = int(r % 100);
    const quint64 r2 = r >> 8;
    if (bucket < 10)
        return 1024 * 1024 + qint64(r2 % (1536 * 1024));
    if (bucket < 25)
        return 100 + qint64(r2 % 1948);
    return 2048 + qint64(r2 % (598 * 1024));
}

inline QByteArray body(const QUrl &url, quint32 version)
{
    return test::LoopbackServer::patternBody(0, bodySize(url, version), bodySeed(url, version));
}

inline QNetworkCacheMetaData versionedMetaData(const QUrl &url, quint32 version)
{
    QNetworkCacheMetaData md;
    md.setUrl(url);
    md.setSaveToDisk(true);
    md.setLastModified(QDateTime::currentDateTimeUtc().addSecs(-3600));
    QNetworkCacheMetaData::RawHeaderList headers;
    headers.append(qMakePair(QByteArray("Cache-Control"), QByteArray("max-age=3600")));
    headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/octet-stream")));
    headers.append(qMakePair(QByteArray("X-Version"), QByteArray(QByteArray::number(version))));
    headers.append(qMakePair(QByteArray("X-Size"),
                             QByteArray(QByteArray::number(bodySize(url, version)))));
    md.setRawHeaders(headers);
    QNetworkCacheMetaData::AttributesMap attributes;
    attributes.insert(QNetworkRequest::HttpStatusCodeAttribute, 200);
    attributes.insert(QNetworkRequest::HttpReasonPhraseAttribute, QByteArray("OK"));
    md.setAttributes(attributes);
    return md;
}

inline QByteArray rawHeaderOf(const QNetworkCacheMetaData &md, const QByteArray &name)
{
    const auto headers = md.rawHeaders();
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

//! The X-Version of \a md, or -1.
inline qint64 versionOf(const QNetworkCacheMetaData &md)
{
    bool ok = false;
    const qint64 v = rawHeaderOf(md, "X-Version").toLongLong(&ok);
    return ok ? v : -1;
}

//! prepare()s and writes \a body in random pieces, optionally running the event loop between
//! pieces (timers of the cache: trim, hit flush). Returns the prepared device or nullptr.
inline QIODevice *spool(NetworkCache &cache, const QNetworkCacheMetaData &md,
                        const QByteArray &body, QRandomGenerator &rng, bool processEvents = true)
{
    QIODevice *device = cache.prepare(md);
    if (!device)
        return nullptr;
    const int pieces = 1 + int(rng.bounded(6));
    qint64 done = 0;
    for (int i = 0; i < pieces && done < body.size(); ++i) {
        const qint64 left = body.size() - done;
        const qint64 n =
                i == pieces - 1 ? left : qMin<qint64>(left, 1 + rng.bounded(qMax<qint64>(1, left)));
        if (device->write(body.constData() + done, n) != n)
            return device; // the caller inserts anyway: the cache must cope
        done += n;
        if (processEvents)
            QCoreApplication::processEvents();
    }
    if (done < body.size())
        device->write(body.constData() + done, body.size() - done);
    return device;
}

// ---- reading ---------------------------------------------------------------------------------

enum class ReadResult { Complete, Failed, TimedOut };

//! Reads \a device to its end. The cache's devices refill from the event loop and say
//! "nothing yet" (read() == 0) in between, end of body is read() == -1, damage is atEnd() with
//! nothing more to read.
inline ReadResult readToEnd(QIODevice *device, QByteArray *out, int timeoutMs = 20000)
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
            return ReadResult::Complete;
        if (device->atEnd())
            return ReadResult::Failed;
        if (timer.hasExpired(timeoutMs))
            return ReadResult::TimedOut;
        QEventLoop loop;
        QObject::connect(device, &QIODevice::readyRead, &loop, &QEventLoop::quit);
        QTimer::singleShot(50, &loop, &QEventLoop::quit);
        loop.exec();
    }
}

enum class EntryCheck { Ok, Miss, NoVersion, NoDevice, ReadFailed, WrongBody };

inline const char *toString(EntryCheck c)
{
    switch (c) {
    case EntryCheck::Ok:
        return "ok";
    case EntryCheck::Miss:
        return "miss";
    case EntryCheck::NoVersion:
        return "no X-Version";
    case EntryCheck::NoDevice:
        return "metaData but no data()";
    case EntryCheck::ReadFailed:
        return "body read failed";
    case EntryCheck::WrongBody:
        return "WRONG BODY";
    }
    return "?";
}

//! Reads the entry of \a url through the public API and checks that its body is exactly the
//! body of the version its metadata names.
inline EntryCheck checkEntry(NetworkCache &cache, const QUrl &url, QString *detail = nullptr,
                             qint64 *bytes = nullptr)
{
    const QNetworkCacheMetaData md = cache.metaData(url);
    if (!md.isValid())
        return EntryCheck::Miss;
    const qint64 version = versionOf(md);
    if (version < 0)
        return EntryCheck::NoVersion;
    std::unique_ptr<QIODevice> device(cache.data(url));
    if (!device)
        return EntryCheck::NoDevice;
    QByteArray got;
    const ReadResult r = readToEnd(device.get(), &got);
    if (bytes)
        *bytes += got.size();
    const QByteArray expected = body(url, quint32(version));
    if (r != ReadResult::Complete) {
        if (detail)
            *detail = QStringLiteral("%1: read stopped after %2 of %3 bytes (%4)")
                              .arg(url.toString())
                              .arg(got.size())
                              .arg(expected.size())
                              .arg(device->errorString());
        // Whatever was handed out must still be a prefix of the right body.
        return expected.startsWith(got) ? EntryCheck::ReadFailed : EntryCheck::WrongBody;
    }
    if (got != expected) {
        if (detail) {
            qsizetype firstDiff = 0;
            while (firstDiff < qMin(got.size(), expected.size())
                   && got[firstDiff] == expected[firstDiff])
                ++firstDiff;
            *detail = QStringLiteral(
                              "%1 version %2: got %3 bytes, expected %4, first difference at %5")
                              .arg(url.toString())
                              .arg(version)
                              .arg(got.size())
                              .arg(expected.size())
                              .arg(firstDiff);
        }
        return EntryCheck::WrongBody;
    }
    return EntryCheck::Ok;
}

// ---- directory inspection --------------------------------------------------------------------

inline qint64 allocatedSize(const QString &path)
{
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return qint64(st.st_blocks) * 512;
}

using test::allFiles;
using test::inlineBodies;
using test::storedBodyCount;

//! digest -> allocated bytes of every file under blobs/.
inline QHash<QByteArray, qint64> blobAllocations(const QString &cacheDir)
{
    QHash<QByteArray, qint64> result;
    const QStringList files = allFiles(cacheDir + QLatin1String("/blobs"));
    for (const QString &f : files)
        result.insert(QFileInfo(f).fileName().toLatin1(), allocatedSize(f));
    return result;
}

//! Per-message counting of the library's warnings (categories tiercache.*), installed in
//! children; the previous handler still prints them.
struct WarningCounter
{
    static inline int warnings = 0;
    static inline int lockedErrors = 0;
    static inline int damageReports = 0;
    static inline QtMessageHandler previous = nullptr;
    static inline int printed = 0;

    static void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        const bool ours = context.category && qstrncmp(context.category, "tiercache", 9) == 0;
        if (ours && type >= QtWarningMsg) {
            ++warnings;
            if (message.contains(QLatin1String("locked"))
                || message.contains(QLatin1String("busy")))
                ++lockedErrors;
            if (message.contains(QLatin1String("damaged")))
                ++damageReports;
        }
        if (!ours || printed++ < 20)
            previous(type, context, message);
    }
    static void install() { previous = qInstallMessageHandler(&handler); }
};

} // namespace tiercache::robust
