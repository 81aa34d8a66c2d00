// SPDX-License-Identifier: MIT
//
// accessmanager_bench: tiercache::AccessManager side by side with plain QNAM + NetworkCache in
// one process, against the in-process loopback origin, and prints figures:
//  - hit latency (a fresh stored response, from get() to finished with the body read);
//  - 100 concurrent cold requests for one URL with coalescing on, off, and through plain QNAM:
//    origin requests, wall time, bytes the cache directory holds afterwards (st_blocks).
// Implementations are interleaved in rounds (the order alternates) and medians are reported,
// because the machine is shared and noisy. A program that prints figures, not a timed test.

#include <tiercache/accessmanager.h>
#include <tiercache/networkcache.h>
#include <tiercache/statistics.h>

#include <loopbackserver.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QDirIterator>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

using tiercache::AccessManager;
using tiercache::NetworkCache;
using tiercache::test::LoopbackServer;
using tiercache::test::RecordedRequest;
using tiercache::test::Response;

namespace {

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Bytes allocated on disk under \a dir (st_blocks * 512, every file).
qint64 allocatedBytes(const QString &dir)
{
    qint64 total = 0;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        struct stat st;
        if (::stat(QFile::encodeName(it.next()).constData(), &st) == 0)
            total += qint64(st.st_blocks) * 512;
    }
    return total;
}

// Bytes this process caused to be written to storage so far (/proc/self/io write_bytes): the
// loopback server writes only to sockets, so the difference over a run is what the cache
// wrote (bodies, catalogue, WAL), including copies replaced or deleted before the end.
qint64 storageWriteBytes()
{
    QFile io(QStringLiteral("/proc/self/io"));
    if (!io.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : io.readAll().split('\n')) {
        if (line.startsWith("write_bytes:"))
            return line.mid(12).trimmed().toLongLong();
    }
    return -1;
}

// One GET, body read as it streams; returns the body size (-1 on error or timeout).
qint64 getOnce(QNetworkAccessManager &nam, const QUrl &url)
{
    QNetworkReply *reply = nam.get(QNetworkRequest(url));
    qint64 size = 0;
    QEventLoop loop;
    QObject::connect(reply, &QIODevice::readyRead, &loop, [&] { size += reply->readAll().size(); });
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    size += reply->readAll().size();
    const bool ok = reply->isFinished() && reply->error() == QNetworkReply::NoError;
    delete reply;
    return ok ? size : -1;
}

struct Client
{
    QString name;
    std::unique_ptr<QTemporaryDir> dir;
    std::unique_ptr<QNetworkAccessManager> nam;
};

// kind: 0 AccessManager (coalescing on), 1 AccessManager without coalescing, 2 plain QNAM.
Client makeClient(int kind)
{
    Client c;
    c.dir = std::make_unique<QTemporaryDir>();
    auto *cache = new NetworkCache;
    cache->setCacheDirectory(c.dir->path());
    if (kind == 2) {
        c.name = QStringLiteral("plain QNAM + NetworkCache");
        c.nam = std::make_unique<QNetworkAccessManager>();
        c.nam->setCache(cache);
    } else {
        auto *access = new AccessManager(cache);
        access->setCoalescingEnabled(kind == 0);
        c.name = kind == 0 ? QStringLiteral("AccessManager, coalescing")
                           : QStringLiteral("AccessManager, no coalescing");
        c.nam.reset(access);
    }
    return c;
}

void hitLatency(LoopbackServer &server, int rounds, int perRound, qint64 bodySize)
{
    Response body = Response::ok(QByteArray(), "max-age=86400");
    body.generatedBodySize = bodySize;
    server.setRoute("/hit", body);
    const QUrl url = server.url(QStringLiteral("/hit"));
    Client clients[2] = {makeClient(0), makeClient(2)};
    for (Client &c : clients) {
        if (getOnce(*c.nam, url) != bodySize) {
            std::printf("hit: warm-up failed for %s\n", qPrintable(c.name));
            return;
        }
    }
    const int originBefore = server.requestCount("/hit");
    std::vector<double> medians[2];
    for (int round = 0; round < rounds; ++round) {
        for (int k = 0; k < 2; ++k) {
            const int i = round % 2 ? 1 - k : k;
            std::vector<double> us;
            us.reserve(perRound);
            for (int n = 0; n < perRound; ++n) {
                QElapsedTimer t;
                t.start();
                const qint64 got = getOnce(*clients[i].nam, url);
                us.push_back(t.nsecsElapsed() / 1000.0);
                if (got != bodySize) {
                    std::printf("hit: wrong body size %lld for %s\n", got,
                                qPrintable(clients[i].name));
                    return;
                }
            }
            medians[i].push_back(median(us));
        }
    }
    const double a = median(medians[0]);
    const double b = median(medians[1]);
    std::printf("\nHit latency, %lld-byte body, %d rounds x %d GETs (median of round medians)\n",
                bodySize, rounds, perRound);
    std::printf("  %-32s %9.1f us\n", qPrintable(clients[0].name), a);
    std::printf("  %-32s %9.1f us\n", qPrintable(clients[1].name), b);
    std::printf("  ratio AccessManager / plain       %9.2fx  (target <= 1.2x)\n",
                b > 0 ? a / b : 0);
    std::printf("  origin requests during the hits: %d\n",
                server.requestCount("/hit") - originBefore);
}

void coldConcurrent(LoopbackServer &server, int rounds, int concurrent, qint64 bodySize)
{
    std::printf("\n%d concurrent cold GETs of one URL, %lld-byte body, origin delay 50 ms, "
                "%d rounds (medians)\n",
                concurrent, bodySize, rounds);
    std::vector<double> wall[3], origin[3], bytes[3], written[3], inserts[3];
    QString names[3];
    int failures = 0;
    for (int round = 0; round < rounds; ++round) {
        for (int k = 0; k < 3; ++k) {
            const int kind = (k + round) % 3;
            Client c = makeClient(kind);
            names[kind] = c.name;
            const QByteArray path =
                    "/cold/" + QByteArray::number(round) + "/" + QByteArray::number(kind);
            Response body = Response::ok(QByteArray(), "max-age=86400");
            body.generatedBodySize = bodySize;
            body.delayMs = 50;
            server.setRoute(path, body);
            const QUrl url = server.url(QString::fromLatin1(path));
            const qint64 writtenBefore = storageWriteBytes();
            QElapsedTimer t;
            t.start();
            std::vector<QNetworkReply *> replies;
            std::vector<qint64> sizes(concurrent, 0);
            int finished = 0;
            QEventLoop loop;
            for (int i = 0; i < concurrent; ++i) {
                QNetworkReply *r = c.nam->get(QNetworkRequest(url));
                replies.push_back(r);
                QObject::connect(r, &QIODevice::readyRead, &loop,
                                 [&sizes, r, i] { sizes[i] += r->readAll().size(); });
                QObject::connect(r, &QNetworkReply::finished, &loop, [&] {
                    if (++finished == concurrent)
                        loop.quit();
                });
            }
            QTimer::singleShot(120000, &loop, &QEventLoop::quit);
            loop.exec();
            const double ms = t.nsecsElapsed() / 1e6;
            for (int i = 0; i < concurrent; ++i) {
                sizes[i] += replies[i]->readAll().size();
                if (!replies[i]->isFinished() || replies[i]->error() != QNetworkReply::NoError
                    || sizes[i] != bodySize)
                    ++failures;
                delete replies[i];
            }
            NetworkCache *cache = qobject_cast<NetworkCache *>(c.nam->cache());
            if (auto *access = qobject_cast<AccessManager *>(c.nam.get()))
                cache = access->networkCache();
            inserts[kind].push_back(cache ? double(cache->statistics().inserts()) : -1);
            c.nam.reset(); // closes the cache: what it wrote is on disk
            ::sync();
            written[kind].push_back(double(storageWriteBytes() - writtenBefore));
            wall[kind].push_back(ms);
            origin[kind].push_back(server.requestCount(path));
            bytes[kind].push_back(double(allocatedBytes(c.dir->path())));
        }
    }
    std::printf("  %-30s %7s %9s %8s %14s %14s\n", "", "origin", "wall ms", "inserts",
                "bytes written", "dir (st_blocks)");
    for (int kind = 0; kind < 3; ++kind)
        std::printf("  %-30s %7.0f %9.1f %8.0f %14.0f %14.0f\n", qPrintable(names[kind]),
                    median(origin[kind]), median(wall[kind]), median(inserts[kind]),
                    median(written[kind]), median(bytes[kind]));
    std::printf("  (bytes written: /proc/self/io write_bytes over the run, all copies; dir: "
                "st_blocks * 512 of what the cache directory holds afterwards)\n");
    if (failures)
        std::printf("  FAILED replies (error or wrong body size): %d\n", failures);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
            "tiercache::AccessManager vs plain QNAM + NetworkCache: hit latency and 100 "
            "concurrent cold requests with and without coalescing."));
    parser.addHelpOption();
    const QCommandLineOption quick(QStringLiteral("quick"),
                                   QStringLiteral("Few rounds: a smoke run of seconds."));
    parser.addOption(quick);
    parser.process(app);
    const bool q = parser.isSet(quick);

    LoopbackServer server;
    if (!server.isListening()) {
        std::printf("loopback server: listen failed\n");
        return 1;
    }
    hitLatency(server, q ? 3 : 9, q ? 50 : 300, 16 * 1024);
    coldConcurrent(server, q ? 1 : 5, 100, 256 * 1024);
    return 0;
}
