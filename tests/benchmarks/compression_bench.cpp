// SPDX-License-Identifier: MIT
//
// compression_bench: stored size, insert cost and hit cost of the memory, sqlite and redis
// tiers and of the built-in disk tier with and without compression at rest (compress=zstd,
// compress=gzip), on text, JSON and already-compressed bodies, side by side in one run.
// Configurations are interleaved in rounds (their order reversed every round) on a shared,
// noisy machine, and every figure is a median over all rounds. It measures the tiers through
// the Tier API (what compression changes: the write through BodyEncoder, the read through
// DecodingBodyDevice), with no QNAM on top; the disk tier stand-alone (TierLoader,
// disk:?path=...), a directory of its own per codec. Its stored size is what the budget
// counts: the allocated blocks of the body file or the catalogue pages of an inline body,
// plus the entry's row.
//
//   compression_bench [--rounds N] [--keys N] [--tiers memory,sqlite,redis,disk]

#include <tiercache/tier.h>
#include <tiercache/tierloader.h>

#include <loopbackserver.h>
#include <redisserver.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QRandomGenerator>
#include <QtCore/QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <vector>

using namespace tiercache;

namespace {

using Clock = std::chrono::steady_clock;

double usSince(Clock::time_point t0)
{
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Body
{
    QString name;
    QByteArray contentType;
    QByteArray bytes;
};

QByteArray proseText(qint64 size)
{
    static const char *const words[] = {"cache",  "response",  "the",     "server", "client",
                                        "header", "freshness", "of",      "a",      "stored",
                                        "body",   "request",   "network", "and",    "is"};
    QByteArray out = "<html><body>\n";
    QRandomGenerator rng(3);
    while (out.size() < size) {
        out += "<p>";
        for (int i = 0; i < 40; ++i) {
            out += words[rng.bounded(int(std::size(words)))];
            out += ' ';
        }
        out += "</p>\n";
    }
    out.truncate(size);
    return out;
}

QByteArray apiJson(qint64 size)
{
    QByteArray out = "{\"items\":[";
    QRandomGenerator rng(5);
    for (int i = 0; out.size() < size; ++i) {
        out += "{\"id\":" + QByteArray::number(100000 + i) + ",\"sku\":\"SKU-"
                + QByteArray::number(rng.bounded(100000)) + "\",\"name\":\"Product "
                + QByteArray::number(rng.bounded(5000))
                + "\",\"price\":" + QByteArray::number(rng.bounded(100000) / 100.0, 'f', 2)
                + ",\"currency\":\"EUR\",\"inStock\":" + (rng.bounded(2) ? "true" : "false")
                + ",\"updated\":\"2026-12-0" + QByteArray::number(1 + rng.bounded(6))
                + "T12:00:00Z\"},";
    }
    out.truncate(size);
    return out;
}

QByteArray noise(qint64 size)
{
    QByteArray out(size, Qt::Uninitialized);
    QRandomGenerator rng(9);
    for (qint64 i = 0; i < size; ++i)
        out[i] = char(rng.generate());
    return out;
}

QNetworkCacheMetaData metaFor(const QString &key, const QByteArray &contentType)
{
    QNetworkCacheMetaData md;
    md.setUrl(QUrl(key));
    md.setRawHeaders({{"Content-Type", contentType}, {"Cache-Control", "max-age=3600"}});
    md.setExpirationDate(QDateTime::currentDateTimeUtc().addSecs(3600));
    md.setSaveToDisk(true);
    return md;
}

bool insert(Tier &tier, const QString &key, const Body &body)
{
    const QNetworkCacheMetaData md = metaFor(key, body.contentType);
    auto writer = tier.beginWrite(key, md, body.bytes.size());
    if (!writer)
        return false;
    constexpr qint64 Piece = 16 * 1024; // QNAM hands bodies over in pieces of about this size
    for (qint64 at = 0; at < body.bytes.size(); at += Piece) {
        if (!writer->write(body.bytes.constData() + at, qMin(Piece, body.bytes.size() - at)))
            return false;
    }
    return writer->commit(md, {});
}

// Reads the hit whole, in 64 KiB reads; returns the bytes read, -1 on a miss.
qint64 hit(Tier &tier, const QString &key, qint64 *storedSize)
{
    const auto entry = tier.lookup(key);
    if (!entry)
        return -1;
    *storedSize = entry->record().storedSize();
    std::unique_ptr<QIODevice> device(entry->openBody());
    if (!device)
        return -1;
    static char buffer[64 * 1024];
    qint64 total = 0;
    for (;;) {
        const qint64 n = device->read(buffer, sizeof buffer);
        if (n <= 0)
            break;
        total += n;
    }
    return total;
}

struct Figures
{
    std::vector<double> insertUs;
    std::vector<double> hitUs;
    qint64 storedSize = -1;
    bool failed = false;
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    QCommandLineOption roundsOption(QStringLiteral("rounds"), QStringLiteral("rounds (default 7)"),
                                    QStringLiteral("n"), QStringLiteral("7"));
    QCommandLineOption keysOption(
            QStringLiteral("keys"),
            QStringLiteral("entries per configuration and round (default 20)"), QStringLiteral("n"),
            QStringLiteral("20"));
    QCommandLineOption tiersOption(
            QStringLiteral("tiers"),
            QStringLiteral("tiers to measure (default memory,sqlite,redis,disk)"),
            QStringLiteral("list"), QStringLiteral("memory,sqlite,redis,disk"));
    parser.addOptions({roundsOption, keysOption, tiersOption});
    parser.process(app);
    const int rounds = qMax(1, parser.value(roundsOption).toInt());
    const int keys = qMax(1, parser.value(keysOption).toInt());
    if (qEnvironmentVariableIsEmpty("TIERCACHE_PLUGIN_PATH"))
        qputenv("TIERCACHE_PLUGIN_PATH", TIERCACHE_PLUGIN_BUILD_DIR);

    tiercache::test::RedisServer redis;
    if (!redis.start()) {
        std::fprintf(stderr, "cannot start redis-server: %s\n", qPrintable(redis.errorString()));
        return 1;
    }
    QTemporaryDir dir;
    TierLoader loader;

    const std::vector<Body> bodies = {
            {QStringLiteral("text 64 KiB (HTML prose)"), "text/html; charset=utf-8",
             proseText(64 * 1024)},
            {QStringLiteral("JSON 8 KiB"), "application/json", apiJson(8 * 1024)},
            {QStringLiteral("JSON 128 KiB"), "application/json", apiJson(128 * 1024)},
            {QStringLiteral("JSON 1 MiB"), "application/json", apiJson(1024 * 1024)},
            {QStringLiteral("JPEG 128 KiB (random)"), "image/jpeg", noise(128 * 1024)},
            {QStringLiteral("random 128 KiB as text"), "text/plain", noise(128 * 1024)},
    };
    const QStringList tiers = parser.value(tiersOption).split(QLatin1Char(','), Qt::SkipEmptyParts);
    const QStringList compressions = {QStringLiteral("none"), QStringLiteral("zstd:1"),
                                      QStringLiteral("zstd"), QStringLiteral("gzip")};
    auto specFor = [&](const QString &tier, const QString &compress, int instance) {
        if (tier == QLatin1String("memory"))
            return QStringLiteral("memory:?max=1GiB&max_entry=8MiB&compress=%1").arg(compress);
        if (tier == QLatin1String("disk"))
            return QStringLiteral("disk:?path=%1/d%2&max=4GiB&compress=%3")
                    .arg(dir.path())
                    .arg(instance)
                    .arg(compress);
        if (tier == QLatin1String("sqlite"))
            return QStringLiteral("sqlite:?path=%1/b%2.db&max=4GiB&max_entry=8MiB&compress=%3")
                    .arg(dir.path())
                    .arg(instance)
                    .arg(compress);
        return QStringLiteral("redis://127.0.0.1:%1/0?prefix=b%2:&timeout_ms=5000&max_entry=8MiB&"
                              "compress=%3")
                .arg(redis.port())
                .arg(instance)
                .arg(compress);
    };

    // One tier instance per (tier, compression), kept over the rounds.
    std::map<QString, std::unique_ptr<Tier>> instances;
    int instance = 0;
    for (const QString &tier : tiers) {
        for (const QString &c : compressions) {
            QString why;
            auto t = loader.create(specFor(tier, c, ++instance), &why);
            if (!t) {
                std::fprintf(stderr, "%s: %s\n", qPrintable(specFor(tier, c, instance)),
                             qPrintable(why));
                return 1;
            }
            instances[tier + QLatin1Char('/') + c] = std::move(t);
        }
    }

    std::map<QString, Figures> figures; // "tier/compression/body index"
    for (int round = 0; round < rounds; ++round) {
        for (size_t b = 0; b < bodies.size(); ++b) {
            for (const QString &tier : tiers) {
                QStringList order = compressions;
                if (round % 2)
                    std::reverse(order.begin(), order.end());
                for (const QString &c : order) {
                    Tier &t = *instances[tier + QLatin1Char('/') + c];
                    Figures &f = figures[QStringLiteral("%1/%2/%3").arg(tier, c).arg(b)];
                    QStringList keyList;
                    for (int k = 0; k < keys; ++k)
                        keyList << QStringLiteral("http://bench.example/%1/%2/%3/%4")
                                           .arg(c)
                                           .arg(b)
                                           .arg(round)
                                           .arg(k);
                    for (const QString &key : keyList) {
                        const auto t0 = Clock::now();
                        if (!insert(t, key, bodies[b]))
                            f.failed = true;
                        f.insertUs.push_back(usSince(t0));
                    }
                    for (const QString &key : keyList) {
                        qint64 stored = -1;
                        const auto t0 = Clock::now();
                        const qint64 n = hit(t, key, &stored);
                        f.hitUs.push_back(usSince(t0));
                        if (n != bodies[b].bytes.size())
                            f.failed = true;
                        f.storedSize = stored;
                    }
                    for (const QString &key : keyList)
                        t.remove(key);
                }
            }
        }
    }

    std::printf("compression_bench: %d rounds x %d entries per configuration, medians; "
                "Tier API (insert = beginWrite/write in 16 KiB pieces/commit, hit = lookup + "
                "openBody + read all)\n\n",
                rounds, keys);
    for (size_t b = 0; b < bodies.size(); ++b) {
        std::printf("%s, %lld bytes\n", qPrintable(bodies[b].name), qint64(bodies[b].bytes.size()));
        std::printf("  %-7s %-6s %10s %7s %11s %7s %11s %7s\n", "tier", "codec", "stored", "ratio",
                    "insert us", "x none", "hit us", "x none");
        for (const QString &tier : tiers) {
            const Figures &none = figures[QStringLiteral("%1/none/%2").arg(tier).arg(b)];
            const double noneInsert = median(none.insertUs);
            const double noneHit = median(none.hitUs);
            for (const QString &c : compressions) {
                const Figures &f = figures[QStringLiteral("%1/%2/%3").arg(tier, c).arg(b)];
                const double ins = median(f.insertUs);
                const double h = median(f.hitUs);
                std::printf("  %-7s %-6s %10lld %6.2fx %11.1f %6.2fx %11.1f %6.2fx%s\n",
                            qPrintable(tier), qPrintable(c), f.storedSize,
                            f.storedSize > 0 ? double(bodies[b].bytes.size()) / f.storedSize : 0.0,
                            ins, ins / noneInsert, h, h / noneHit,
                            f.failed ? "  FAILED (a write or a hit went wrong)" : "");
            }
        }
        std::printf("\n");
    }
    return 0;
}
