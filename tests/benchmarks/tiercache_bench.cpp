// SPDX-License-Identifier: MIT
//
// tiercache_bench: runs the same workloads on QNetworkDiskCache and on tiercache::NetworkCache
// in one process and prints a comparison table. The two implementations are interleaved in
// rounds (A,B then B,A, ...) because the machine is shared and noisy, and because file
// creation on some file systems slows down markedly right after mass deletes; a figure is
// only ever compared with one taken at about the same time.

#include <tiercache/networkcache.h>
#include <tiercache/tier.h>
#include <tiercache/tierloader.h>

#include <loopbackserver.h>
#include <redisserver.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QLocale>
#include <QtCore/QProcess>
#include <QtCore/QRandomGenerator>
#include <QtCore/QSysInfo>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkDiskCache>
#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtNetwork/QTcpSocket>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

#include <dirent.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>

using tiercache::NetworkCache;
using tiercache::PromotionPolicy;
using tiercache::TierLoader;
using tiercache::test::LoopbackServer;
using tiercache::test::RecordedRequest;
using tiercache::test::RedisServer;
using tiercache::test::Response;

namespace {

using Clock = std::chrono::steady_clock;

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * KiB;
constexpr qint64 GiB = 1024 * MiB;
// "Never evict": larger than anything a run stores.
constexpr qint64 HugeCacheSize = 256 * GiB;
constexpr qint64 BodySize = 4 * KiB;
constexpr qint64 FillBodySize = 512;
// Bodies of the multi-process workload: files for both implementations.
constexpr qint64 MidBodySize = 16 * KiB;
const double NaN = std::numeric_limits<double>::quiet_NaN();

double usSince(Clock::time_point t0)
{
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

// ---------------------------------------------------------------------------------------------
// The two implementations behind one small interface

enum Impl { Qndc = 0, Tier = 1 };
constexpr Impl BothImpls[2] = {Qndc, Tier};
const char *const ImplName[2] = {"QNetworkDiskCache", "Tiercache"};
const char *const ImplTag[2] = {"qndc", "tier"};

// Round r runs A,B when r is even and B,A when it is odd, so neither side always goes first.
std::vector<Impl> roundOrder(int round)
{
    return round % 2 == 0 ? std::vector<Impl> {Qndc, Tier} : std::vector<Impl> {Tier, Qndc};
}

QAbstractNetworkCache *newCache(Impl impl)
{
    if (impl == Qndc)
        return new QNetworkDiskCache;
    return new NetworkCache;
}

void setDirectory(QAbstractNetworkCache *cache, const QString &dir)
{
    if (auto *q = qobject_cast<QNetworkDiskCache *>(cache))
        q->setCacheDirectory(dir);
    else if (auto *t = qobject_cast<NetworkCache *>(cache))
        t->setCacheDirectory(dir);
}

void setMaximum(QAbstractNetworkCache *cache, qint64 size)
{
    if (auto *q = qobject_cast<QNetworkDiskCache *>(cache))
        q->setMaximumCacheSize(size);
    else if (auto *t = qobject_cast<NetworkCache *>(cache))
        t->setMaximumCacheSize(size);
}

std::unique_ptr<QAbstractNetworkCache> openCache(Impl impl, const QString &dir, qint64 maximum)
{
    std::unique_ptr<QAbstractNetworkCache> cache(newCache(impl));
    setDirectory(cache.get(), dir);
    setMaximum(cache.get(), maximum);
    return cache;
}

QUrl apiUrl(const char *tag, int i)
{
    return QUrl(QStringLiteral("http://bench.invalid/%1/%2").arg(QLatin1String(tag)).arg(i));
}

QByteArray httpDateNow()
{
    return QLocale::c()
            .toString(QDateTime::currentDateTimeUtc(),
                      QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
            .toLatin1();
}

// What QNAM would hand to prepare() for a fresh 200 response.
QNetworkCacheMetaData responseMeta(const QUrl &url, qint64 bodySize)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QNetworkCacheMetaData md;
    md.setUrl(url);
    md.setSaveToDisk(true);
    md.setRawHeaders({
            {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/octet-stream")},
            {QByteArrayLiteral("Content-Length"), QByteArray::number(bodySize)},
            {QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("max-age=3600")},
            {QByteArrayLiteral("Date"), httpDateNow()},
    });
    md.setLastModified(now.addSecs(-60));
    md.setExpirationDate(now.addSecs(3600));
    QNetworkCacheMetaData::AttributesMap attributes;
    attributes.insert(QNetworkRequest::HttpStatusCodeAttribute, 200);
    attributes.insert(QNetworkRequest::HttpReasonPhraseAttribute, QByteArrayLiteral("OK"));
    md.setAttributes(attributes);
    return md;
}

// Distinct bytes per seed, so content-addressed storage cannot share bodies between entries.
QByteArray bodyFor(quint32 seed, qint64 size = BodySize)
{
    return LoopbackServer::patternBody(0, size, seed);
}

bool storeEntry(QAbstractNetworkCache *cache, const QUrl &url, const QByteArray &body)
{
    QIODevice *device = cache->prepare(responseMeta(url, body.size()));
    if (!device)
        return false;
    const bool ok = device->write(body) == body.size();
    if (ok)
        cache->insert(device);
    else
        cache->remove(url);
    return ok;
}

// ---------------------------------------------------------------------------------------------
// Statistics and the report

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return NaN;
    std::sort(v.begin(), v.end());
    const double rank = std::ceil(p / 100.0 * double(v.size()));
    const size_t index = size_t(std::clamp<double>(rank - 1, 0, double(v.size() - 1)));
    return v[index];
}

double maxOf(const std::vector<double> &v)
{
    return v.empty() ? NaN : *std::max_element(v.begin(), v.end());
}

double sumOf(const std::vector<double> &v)
{
    double s = 0;
    for (double x : v)
        s += x;
    return s;
}

enum class Target { None, RatioAtMost, RatioAtLeast, AtMost, AtLeast, Exactly };

struct Row
{
    QString workload;
    QString metric;
    double qndc = NaN;
    double tier = NaN;
    QString unit;
    Target target = Target::None;
    double limit = 0;
    // Non-empty: the row was not measured, and this says why (printed instead of the figures).
    QString notRun;
    // Printed after a figure, e.g. "(off)" where a column holds something other than its title.
    QString qndcLabel;
    QString tierLabel;
};

class Report
{
public:
    void add(const Row &row) { m_rows.push_back(row); }
    void note(const QString &text) { m_notes.append(text); }
    void section(const QString &workload) { m_current = workload; }

    void add(const QString &metric, double qndc, double tier, const QString &unit,
             Target target = Target::None, double limit = 0)
    {
        m_rows.push_back({m_current, metric, qndc, tier, unit, target, limit, {}, {}, {}});
    }

    // A figure that could not be taken: printed with the reason, never left out.
    void addNotRun(const QString &metric, const QString &why)
    {
        Row row;
        row.workload = m_current;
        row.metric = metric;
        row.notRun = why;
        m_rows.push_back(row);
    }

    // Both columns hold Tiercache figures, told apart by the labels (e.g. "off" / "on").
    void addLabelled(const QString &metric, double left, const QString &leftLabel, double right,
                     const QString &rightLabel, const QString &unit, Target target = Target::None,
                     double limit = 0)
    {
        Row row {m_current, metric, left, right, unit, target, limit, {}, leftLabel, rightLabel};
        m_rows.push_back(row);
    }

    int failures() const
    {
        int n = 0;
        for (const Row &r : m_rows)
            n += result(r) == QLatin1String("FAIL");
        return n;
    }

    int notRun() const
    {
        int n = 0;
        for (const Row &r : m_rows)
            n += !r.notRun.isEmpty();
        return n;
    }

    void print() const
    {
        const char *fmt = "%-30s %-34s %16s %16s %9s %14s %6s\n";
        std::printf(fmt, "workload", "metric", "QNetworkDiskCache", "Tiercache", "ratio", "target",
                    "result");
        std::printf("%s\n", QByteArray(30 + 34 + 16 + 16 + 9 + 14 + 6 + 6, '-').constData());
        QString last;
        for (const Row &r : m_rows) {
            const QString workload = r.workload == last ? QString() : r.workload;
            last = r.workload;
            if (!r.notRun.isEmpty()) {
                std::printf("%-30s %-34s %s\n", workload.toUtf8().constData(),
                            r.metric.toUtf8().constData(), r.notRun.toUtf8().constData());
                continue;
            }
            std::printf(fmt, workload.toUtf8().constData(), r.metric.toUtf8().constData(),
                        value(r.qndc, r.unit, r.qndcLabel).toUtf8().constData(),
                        value(r.tier, r.unit, r.tierLabel).toUtf8().constData(),
                        ratio(r).toUtf8().constData(), targetText(r).toUtf8().constData(),
                        result(r).toUtf8().constData());
        }
        if (!m_notes.isEmpty()) {
            std::printf("\nNotes:\n");
            for (const QString &n : m_notes)
                std::printf("  - %s\n", n.toUtf8().constData());
        }
    }

private:
    static QString number(double v, const QString &unit)
    {
        int decimals = 1;
        if (unit == QLatin1String("x"))
            return QString::number(v, 'f', 2); // ratios to a size: 1.3 would hide 1.34
        if (unit == QLatin1String("MB/s") || unit == QLatin1String("entries/s")
            || unit == QLatin1String("MiB/s") || unit == QLatin1String("entries")
            || unit == QLatin1String("hits"))
            decimals = 0;
        else if (unit == QLatin1String("ms") && std::abs(v) < 10)
            decimals = 2;
        else if (std::abs(v) >= 1000)
            decimals = 0;
        return QString::number(v, 'f', decimals);
    }

    static QString value(double v, const QString &unit, const QString &label = {})
    {
        if (std::isnan(v))
            return QStringLiteral("n/a");
        return number(v, unit) + QLatin1Char(' ') + unit
                + (label.isEmpty() ? QString() : QLatin1Char(' ') + label);
    }

    static QString ratio(const Row &r)
    {
        if (std::isnan(r.qndc) || std::isnan(r.tier) || r.qndc == 0)
            return QStringLiteral("-");
        return QString::number(r.tier / r.qndc, 'f', r.tier / r.qndc < 10 ? 3 : 1)
                + QLatin1Char('x');
    }

    static QString targetText(const Row &r)
    {
        switch (r.target) {
        case Target::None:
            return QStringLiteral("-");
        case Target::RatioAtMost:
            return QStringLiteral("<= %1x").arg(r.limit);
        case Target::RatioAtLeast:
            return QStringLiteral(">= %1x").arg(r.limit);
        case Target::AtMost:
            return QStringLiteral("<= %1 %2").arg(number(r.limit, r.unit), r.unit);
        case Target::AtLeast:
            return QStringLiteral(">= %1 %2").arg(number(r.limit, r.unit), r.unit);
        case Target::Exactly:
            return QStringLiteral("= %1").arg(number(r.limit, r.unit));
        }
        return {};
    }

    static QString result(const Row &r)
    {
        if (r.target == Target::None)
            return QStringLiteral("info");
        if (std::isnan(r.tier))
            return QStringLiteral("FAIL");
        bool ok = false;
        switch (r.target) {
        case Target::None:
            break;
        case Target::RatioAtMost:
            ok = !std::isnan(r.qndc) && r.qndc > 0 && r.tier / r.qndc <= r.limit;
            break;
        case Target::RatioAtLeast:
            ok = !std::isnan(r.qndc) && r.qndc > 0 && r.tier / r.qndc >= r.limit;
            break;
        case Target::AtMost:
            ok = r.tier <= r.limit;
            break;
        case Target::AtLeast:
            ok = r.tier >= r.limit;
            break;
        case Target::Exactly:
            ok = r.tier == r.limit;
            break;
        }
        return ok ? QStringLiteral("pass") : QStringLiteral("FAIL");
    }

    std::vector<Row> m_rows;
    QStringList m_notes;
    QString m_current;
};

void progress(const char *format, ...) __attribute__((format(printf, 1, 2)));
void progress(const char *format, ...)
{
    static QElapsedTimer sinceStart;
    if (!sinceStart.isValid())
        sinceStart.start();
    std::fprintf(stderr, "[%7.1f s] ", double(sinceStart.elapsed()) / 1000.0);
    va_list args;
    va_start(args, format);
    std::vfprintf(stderr, format, args);
    va_end(args);
    std::fputc('\n', stderr);
    std::fflush(stderr);
}

// ---------------------------------------------------------------------------------------------
// Environment probes

QString fileSystemType(const QString &path, QString *magicHex)
{
    struct statfs st;
    if (::statfs(QFile::encodeName(path).constData(), &st) != 0)
        return QStringLiteral("unknown (statfs failed)");
    const auto magic = quint64(quint32(st.f_type));
    *magicHex = QStringLiteral("0x") + QString::number(magic, 16);
    switch (magic) {
    case 0x01021994:
        return QStringLiteral("tmpfs (RAM)");
    case 0xEF53:
        return QStringLiteral("ext2/ext3/ext4");
    case 0x58465342:
        return QStringLiteral("xfs");
    case 0x9123683E:
        return QStringLiteral("btrfs");
    case 0x794C7630:
        return QStringLiteral("overlayfs");
    case 0xF2F52010:
        return QStringLiteral("f2fs");
    case 0x2FC12FC1:
        return QStringLiteral("zfs");
    case 0x6969:
        return QStringLiteral("nfs");
    case 0x65735546:
        return QStringLiteral("fuse");
    case 0x858458F6:
        return QStringLiteral("ramfs (RAM)");
    default:
        return QStringLiteral("other");
    }
}

// Values of /proc/self/status in bytes; -1 when unavailable.
qint64 procStatus(const char *field)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray prefix = QByteArray(field) + ':';
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith(prefix)) {
            const QByteArray kb = line.mid(prefix.size()).trimmed().split(' ').value(0);
            return kb.toLongLong() * KiB;
        }
    }
    return -1;
}

bool resetHighWaterMark()
{
    QFile f(QStringLiteral("/proc/self/clear_refs"));
    return f.open(QIODevice::WriteOnly) && f.write("5") == 1;
}

// Peak RSS growth over one phase: VmHWM after a reset of the high-water mark when the kernel
// allows it, and in any case the maximum of VmRSS sampled every 10 ms by a timer.
class MemoryProbe
{
public:
    MemoryProbe()
    {
        m_timer.setInterval(10);
        QObject::connect(&m_timer, &QTimer::timeout, [this] { sample(); });
    }

    void start()
    {
        ::malloc_trim(0); // what earlier phases freed must not be reused for free here
        m_hwmUsable = resetHighWaterMark();
        m_base = procStatus("VmRSS");
        m_peakSampled = m_base;
        m_timer.start();
    }

    void stop()
    {
        m_timer.stop();
        sample();
        m_growthSampled = m_peakSampled - m_base;
        m_growthHwm = m_hwmUsable ? procStatus("VmHWM") - m_base : -1;
    }

    // Bytes; the high-water mark when usable, else the sampled peak.
    qint64 growth() const
    {
        return m_hwmUsable ? qMax(m_growthHwm, m_growthSampled) : m_growthSampled;
    }
    bool usedHighWaterMark() const { return m_hwmUsable; }

private:
    void sample() { m_peakSampled = qMax(m_peakSampled, procStatus("VmRSS")); }

    QTimer m_timer;
    bool m_hwmUsable = false;
    qint64 m_base = 0;
    qint64 m_peakSampled = 0;
    qint64 m_growthSampled = 0;
    qint64 m_growthHwm = 0;
};

// ---------------------------------------------------------------------------------------------
// Fetching through QNAM

struct FetchResult
{
    bool finished = false;
    bool fromCache = false;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    qint64 bytes = 0;
    double us = 0;
    double firstByteUs = NaN; // streaming fetches: get() until the first bytes were read
};

QNetworkAccessManager *newManager(QAbstractNetworkCache *cache)
{
    auto *nam = new QNetworkAccessManager;
    nam->setProxy(QNetworkProxy::NoProxy); // an http_proxy in the environment must not interfere
    nam->setCache(cache);                  // takes ownership
    return nam;
}

// streaming == false: wait for finished(), then readAll() (small bodies).
// streaming == true: read and discard in readyRead in bounded pieces, as a streaming app does.
FetchResult fetch(QNetworkAccessManager &nam, const QUrl &url, bool streaming,
                  int timeoutMs = 300000)
{
    FetchResult r;
    static QByteArray sink(256 * KiB, Qt::Uninitialized);
    const auto t0 = Clock::now();
    QNetworkReply *reply = nam.get(QNetworkRequest(url));
    auto drain = [&] {
        for (;;) {
            const qint64 n = reply->read(sink.data(), sink.size());
            if (n <= 0)
                break;
            if (r.bytes == 0)
                r.firstByteUs = usSince(t0);
            r.bytes += n;
        }
    };
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    if (streaming)
        QObject::connect(reply, &QIODevice::readyRead, &loop, drain);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    r.finished = reply->isFinished();
    if (streaming)
        drain();
    else
        r.bytes = reply->readAll().size();
    r.us = usSince(t0);
    r.fromCache = reply->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool();
    r.error = reply->error();
    delete reply;
    return r;
}

// ---------------------------------------------------------------------------------------------

struct Config
{
    bool quick = false;
    QStringList only;
    int entries = 100000;
    qint64 largeBytes = 512 * MiB;
    QString base; // where the cache directories go

    bool wants(const char *name) const
    {
        return only.isEmpty() || only.contains(QLatin1String(name));
    }
    QString dir(const QString &name) const { return base + QLatin1Char('/') + name; }
};

// ---------------------------------------------------------------------------------------------
// 1. API hit cost

void benchHit(const Config &cfg, Report &report)
{
    const int prefill = 1000;
    const int hits = cfg.quick ? 3000 : 30000;
    const int chunk = 1000;
    progress("hit: pre-filling %d entries per implementation", prefill);

    std::unique_ptr<QAbstractNetworkCache> caches[2];
    for (Impl impl : BothImpls) {
        caches[impl] =
                openCache(impl, cfg.dir(QStringLiteral("hit-%1").arg(QLatin1String(ImplTag[impl]))),
                          HugeCacheSize);
        for (int i = 0; i < prefill; ++i) {
            if (!storeEntry(caches[impl].get(), apiUrl("hit", i), bodyFor(quint32(i))))
                qFatal("hit: could not pre-fill %s", ImplName[impl]);
        }
    }
    QCoreApplication::processEvents();

    std::vector<double> times[2];
    double deferredUs[2] = {0, 0};
    int failures[2] = {0, 0};
    QRandomGenerator rng[2] = {QRandomGenerator(7), QRandomGenerator(7)}; // the same URL sequence
    for (int round = 0; round * chunk < hits; ++round) {
        for (Impl impl : roundOrder(round)) {
            QAbstractNetworkCache *cache = caches[impl].get();
            for (int k = 0; k < chunk; ++k) {
                const QUrl url = apiUrl("hit", int(rng[impl].bounded(prefill)));
                const auto t0 = Clock::now();
                const QNetworkCacheMetaData md = cache->metaData(url);
                QIODevice *device = cache->data(url);
                const QByteArray body = device ? device->readAll() : QByteArray();
                delete device;
                times[impl].push_back(usSince(t0));
                if (!md.isValid() || body.size() != BodySize)
                    ++failures[impl];
            }
            // Deferred work (tiercache batches hit bookkeeping on a timer): timed apart.
            const auto t0 = Clock::now();
            QCoreApplication::processEvents();
            deferredUs[impl] += usSince(t0);
        }
    }
    // Let the 1 s hit-flush timer fire once, and count it.
    QElapsedTimer wait;
    wait.start();
    while (wait.elapsed() < 1100) {
        const auto t0 = Clock::now();
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        deferredUs[Tier] += usSince(t0);
        QThread::msleep(5);
    }

    // Absent lookups: metaData() of URLs never stored, the same sequence for both.
    std::vector<double> absent[2];
    for (int round = 0; round * chunk < hits / 10; ++round) {
        for (Impl impl : roundOrder(round)) {
            QAbstractNetworkCache *cache = caches[impl].get();
            for (int k = 0; k < chunk; ++k) {
                const QUrl url = apiUrl("absent", round * chunk + k);
                const auto t0 = Clock::now();
                const QNetworkCacheMetaData md = cache->metaData(url);
                absent[impl].push_back(usSince(t0));
                if (md.isValid())
                    ++failures[impl];
            }
        }
    }

    report.section(QStringLiteral("1. API hit (4 KiB)"));
    report.add(QStringLiteral("metaData+data+readAll p50"), percentile(times[Qndc], 50),
               percentile(times[Tier], 50), QStringLiteral("us"), Target::RatioAtMost, 0.5);
    report.add(QStringLiteral("metaData+data+readAll p99"), percentile(times[Qndc], 99),
               percentile(times[Tier], 99), QStringLiteral("us"));
    report.add(QStringLiteral("absent lookup (metaData) p50"), percentile(absent[Qndc], 50),
               percentile(absent[Tier], 50), QStringLiteral("us"), Target::RatioAtMost, 1.0);
    // QNDC defers nothing (its event-loop passes measured ~0); only tiercache's is shown. Its
    // hit counts are written by the cache's flushing thread: not in this figure.
    report.add(QStringLiteral("event-loop work per hit (amort.)"), NaN, deferredUs[Tier] / hits,
               QStringLiteral("us"));
    report.note(
            QStringLiteral(
                    "hit: %1 hits per implementation over %2 entries, random URLs, chunks of %3 "
                    "alternating; %4 / %5 failed hits (QNDC / tiercache)")
                    .arg(hits)
                    .arg(prefill)
                    .arg(chunk)
                    .arg(failures[Qndc])
                    .arg(failures[Tier]));
}

// ---------------------------------------------------------------------------------------------
// 2. API insert cost

void benchInsert(const Config &cfg, Report &report)
{
    const int inserts = cfg.quick ? 1000 : 4000;
    const int chunk = 250;
    progress("insert: %d inserts per implementation", inserts);
    std::unique_ptr<QAbstractNetworkCache> caches[2];
    for (Impl impl : BothImpls)
        caches[impl] = openCache(
                impl, cfg.dir(QStringLiteral("insert-%1").arg(QLatin1String(ImplTag[impl]))),
                HugeCacheSize);

    std::vector<double> times[2];
    int failures[2] = {0, 0};
    int next[2] = {0, 0};
    for (int round = 0; round * chunk < inserts; ++round) {
        for (Impl impl : roundOrder(round)) {
            for (int k = 0; k < chunk; ++k, ++next[impl]) {
                const QUrl url = apiUrl("insert", next[impl]);
                const QByteArray body = bodyFor(quint32(next[impl]) + 1000000);
                const auto t0 = Clock::now();
                const bool ok = storeEntry(caches[impl].get(), url, body);
                times[impl].push_back(usSince(t0));
                failures[impl] += !ok;
            }
            QCoreApplication::processEvents();
        }
    }
    report.section(QStringLiteral("2. API insert (4 KiB)"));
    report.add(QStringLiteral("prepare+write+insert p50"), percentile(times[Qndc], 50),
               percentile(times[Tier], 50), QStringLiteral("us"));
    report.add(QStringLiteral("prepare+write+insert p99"), percentile(times[Qndc], 99),
               percentile(times[Tier], 99), QStringLiteral("us"));
    report.add(QStringLiteral("prepare+write+insert max"), maxOf(times[Qndc]), maxOf(times[Tier]),
               QStringLiteral("us"));
    report.note(QStringLiteral(
                        "insert: %1 distinct 4 KiB bodies per implementation into an empty cache; "
                        "%2 / %3 failed")
                        .arg(inserts)
                        .arg(failures[Qndc])
                        .arg(failures[Tier]));
}

// ---------------------------------------------------------------------------------------------
// 2b. The write path: disk used, inserts into a small cap, the directory against the cap

// Bytes allocated (st_blocks) by everything under \a path: catalogue, log, blobs, temp files.
qint64 directoryBytes(const QByteArray &path)
{
    struct stat st;
    if (::lstat(path.constData(), &st) != 0)
        return 0;
    qint64 bytes = qint64(st.st_blocks) * 512;
    if (!S_ISDIR(st.st_mode))
        return bytes;
    DIR *dir = ::opendir(path.constData());
    if (!dir)
        return bytes;
    while (const dirent *e = ::readdir(dir)) {
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0)
            continue;
        bytes += directoryBytes(path + '/' + e->d_name);
    }
    ::closedir(dir);
    return bytes;
}

qint64 directoryBytes(const QString &path)
{
    return directoryBytes(QFile::encodeName(path));
}

void benchWrite(const Config &cfg, Report &report)
{
    // A: 5 000 x 4 KiB into an empty cache, no event loop: insert cost and disk used.
    {
        const int inserts = cfg.quick ? 1000 : 5000;
        const int chunk = 250;
        progress("write: %d x 4 KiB inserts per implementation, no event loop", inserts);
        std::unique_ptr<QAbstractNetworkCache> caches[2];
        QString dirs[2];
        for (Impl impl : BothImpls) {
            dirs[impl] = cfg.dir(QStringLiteral("write4k-%1").arg(QLatin1String(ImplTag[impl])));
            caches[impl] = openCache(impl, dirs[impl], HugeCacheSize);
        }
        std::vector<double> times[2];
        int failures[2] = {0, 0};
        int next[2] = {0, 0};
        for (int round = 0; round * chunk < inserts; ++round) {
            for (Impl impl : roundOrder(round)) {
                for (int k = 0; k < chunk; ++k, ++next[impl]) {
                    const QUrl url = apiUrl("write", next[impl]);
                    const QByteArray body = bodyFor(quint32(next[impl]) + 3000000);
                    const auto t0 = Clock::now();
                    failures[impl] += !storeEntry(caches[impl].get(), url, body);
                    times[impl].push_back(usSince(t0));
                }
            }
        }
        const double bodyBytes = double(inserts) * BodySize;
        double open[2], closed[2];
        for (Impl impl : BothImpls) {
            open[impl] = double(directoryBytes(dirs[impl])) / bodyBytes;
            caches[impl].reset();
            closed[impl] = double(directoryBytes(dirs[impl])) / bodyBytes;
        }
        report.section(QStringLiteral("2b. API insert, %1 x 4 KiB").arg(inserts));
        report.add(QStringLiteral("prepare+write+insert p50"), percentile(times[Qndc], 50),
                   percentile(times[Tier], 50), QStringLiteral("us"), Target::RatioAtMost, 1.0);
        report.add(QStringLiteral("prepare+write+insert p99"), percentile(times[Qndc], 99),
                   percentile(times[Tier], 99), QStringLiteral("us"));
        report.add(QStringLiteral("prepare+write+insert max"), maxOf(times[Qndc]),
                   maxOf(times[Tier]), QStringLiteral("us"));
        report.add(QStringLiteral("disk used / body bytes (open)"), open[Qndc], open[Tier],
                   QStringLiteral("x"), Target::AtMost, 1.3);
        report.add(QStringLiteral("disk used / body bytes (closed)"), closed[Qndc], closed[Tier],
                   QStringLiteral("x"), Target::AtMost, 1.3);
        report.note(QStringLiteral("write 4 KiB: %1 distinct bodies per implementation, chunks of "
                                   "%2 alternating, no event loop; disk used = st_blocks of "
                                   "every file and directory under the cache directory; %3 / %4 "
                                   "failed")
                            .arg(inserts)
                            .arg(chunk)
                            .arg(failures[Qndc])
                            .arg(failures[Tier]));
    }

    // B: 20 000 x 16 KiB into a 64 MiB cap, no event loop: evicting inserts and the directory.
    {
        const int inserts = cfg.quick ? 4000 : 20000;
        const int chunk = 500;
        const qint64 bodySize = 16 * KiB;
        const qint64 cap = 64 * MiB;
        progress("write: %d x 16 KiB inserts per implementation into a %lld MiB cap", inserts,
                 cap / MiB);
        std::unique_ptr<QAbstractNetworkCache> caches[2];
        QString dirs[2];
        for (Impl impl : BothImpls) {
            dirs[impl] = cfg.dir(QStringLiteral("write16k-%1").arg(QLatin1String(ImplTag[impl])));
            caches[impl] = openCache(impl, dirs[impl], cap);
        }
        std::vector<double> times[2];
        double peak[2] = {0, 0};
        int failures[2] = {0, 0};
        int next[2] = {0, 0};
        for (int round = 0; round * chunk < inserts; ++round) {
            for (Impl impl : roundOrder(round)) {
                for (int k = 0; k < chunk; ++k, ++next[impl]) {
                    const QUrl url = apiUrl("cap", next[impl]);
                    const QByteArray body = bodyFor(quint32(next[impl]) + 4000000, bodySize);
                    const auto t0 = Clock::now();
                    failures[impl] += !storeEntry(caches[impl].get(), url, body);
                    times[impl].push_back(usSince(t0));
                    if (k % 50 == 49) // sampled: a walk of the directory is not free
                        peak[impl] = qMax(peak[impl], double(directoryBytes(dirs[impl])) / cap);
                }
            }
        }
        double closed[2], mbs[2];
        for (Impl impl : BothImpls) {
            mbs[impl] = double(inserts) * bodySize / 1e6 / (sumOf(times[impl]) / 1e6);
            caches[impl].reset();
            closed[impl] = double(directoryBytes(dirs[impl])) / cap;
        }
        report.section(QStringLiteral("2c. %1 x 16 KiB into a 64 MiB cap").arg(inserts));
        report.add(QStringLiteral("insert p50"), percentile(times[Qndc], 50),
                   percentile(times[Tier], 50), QStringLiteral("us"), Target::RatioAtMost, 1.0);
        report.add(QStringLiteral("insert p99"), percentile(times[Qndc], 99),
                   percentile(times[Tier], 99), QStringLiteral("us"));
        report.add(QStringLiteral("insert max"), maxOf(times[Qndc]) / 1000,
                   maxOf(times[Tier]) / 1000, QStringLiteral("ms"), Target::AtMost, 5);
        report.add(QStringLiteral("throughput (API time only)"), mbs[Qndc], mbs[Tier],
                   QStringLiteral("MB/s"));
        report.add(QStringLiteral("directory / cap, peak sampled"), peak[Qndc], peak[Tier],
                   QStringLiteral("x"), Target::AtMost, 1.05);
        report.add(QStringLiteral("directory / cap, after close"), closed[Qndc], closed[Tier],
                   QStringLiteral("x"), Target::AtMost, 1.05);
        report.note(QStringLiteral("write 16 KiB: %1 distinct bodies per implementation, chunks "
                                   "of %2 alternating, no event loop; directory sampled (st_blocks "
                                   "of everything under it) every 50 inserts; %3 / %4 failed")
                            .arg(inserts)
                            .arg(chunk)
                            .arg(failures[Qndc])
                            .arg(failures[Tier]));
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Through QNAM, small bodies; 4. through QNAM, one large body

struct Origin
{
    LoopbackServer server;
    qint64 largeBytes = 0;

    Origin()
    {
        server.setHandler([this](const RecordedRequest &request) {
            const quint32 seed = qHash(request.path);
            Response r = Response::ok(QByteArray(), "max-age=3600");
            r.header("Content-Type", "application/octet-stream");
            if (request.path.startsWith("/large/"))
                r.generatedBodySize = largeBytes;
            else if (request.path.startsWith("/mid/"))
                r.body = bodyFor(seed, MidBodySize);
            else
                r.body = bodyFor(seed);
            r.seed = seed;
            return r;
        });
        // The origin writes head and body separately and does not disable Nagle's algorithm,
        // so every small response would wait for the client's delayed ACK (~40 ms on Linux)
        // and both caches would measure that. Its sockets are children of the server and this
        // signal comes before the response is written.
        QObject::connect(&server, &LoopbackServer::requestReceived, &server, [this] {
            const auto sockets = server.findChildren<QTcpSocket *>();
            for (QTcpSocket *socket : sockets)
                socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        });
    }
    QUrl url(const QString &path) const { return server.url(path); }
};

void benchQnam(const Config &cfg, Report &report)
{
    const int urls = cfg.quick ? 200 : 1000;
    const int chunk = 50;
    progress("qnam: %d misses then %d hits per implementation", urls, urls);
    Origin origin;
    if (!origin.server.isListening())
        qFatal("qnam: loopback server is not listening");
    std::unique_ptr<QNetworkAccessManager> nams[2];
    for (Impl impl : BothImpls) {
        nams[impl].reset(newManager(
                openCache(impl,
                          cfg.dir(QStringLiteral("qnam-%1").arg(QLatin1String(ImplTag[impl]))),
                          HugeCacheSize)
                        .release()));
    }
    auto path = [](Impl impl, int i) {
        return QStringLiteral("/small/%1/%2").arg(QLatin1String(ImplTag[impl])).arg(i);
    };

    // One warm-up request each: connection set-up, cache directory creation, SQLite open.
    for (Impl impl : BothImpls)
        fetch(*nams[impl],
              origin.url(QStringLiteral("/warmup/%1").arg(QLatin1String(ImplTag[impl]))), false);

    std::vector<double> miss[2], hit[2];
    int wrong[2] = {0, 0};
    for (int pass = 0; pass < 2; ++pass) {
        for (int round = 0; round * chunk < urls; ++round) {
            for (Impl impl : roundOrder(round)) {
                for (int k = round * chunk; k < qMin(urls, (round + 1) * chunk); ++k) {
                    const FetchResult f = fetch(*nams[impl], origin.url(path(impl, k)), false);
                    const bool expectCache = pass == 1;
                    if (!f.finished || f.error != QNetworkReply::NoError || f.bytes != BodySize
                        || f.fromCache != expectCache) {
                        ++wrong[impl];
                    }
                    (pass == 0 ? miss : hit)[impl].push_back(f.us);
                }
            }
            origin.server.clearRequests();
        }
    }
    report.section(QStringLiteral("3. QNAM GET (4 KiB)"));
    report.add(QStringLiteral("hit p50 (GET..finished+readAll)"), percentile(hit[Qndc], 50),
               percentile(hit[Tier], 50), QStringLiteral("us"));
    report.add(QStringLiteral("hit p99"), percentile(hit[Qndc], 99), percentile(hit[Tier], 99),
               QStringLiteral("us"));
    report.add(QStringLiteral("miss+store p50"), percentile(miss[Qndc], 50),
               percentile(miss[Tier], 50), QStringLiteral("us"));
    report.add(QStringLiteral("miss+store p99"), percentile(miss[Qndc], 99),
               percentile(miss[Tier], 99), QStringLiteral("us"));
    report.note(
            QStringLiteral(
                    "qnam: %1 URLs per implementation, loopback origin in-process (its cost is in "
                    "the miss figures of both); %2 / %3 replies had a wrong status, size or "
                    "source (QNDC / tiercache)")
                    .arg(urls)
                    .arg(wrong[Qndc])
                    .arg(wrong[Tier]));
}

double processCpuUs()
{
    struct rusage ru;
    if (::getrusage(RUSAGE_SELF, &ru) != 0)
        return NaN;
    auto us = [](const timeval &tv) { return double(tv.tv_sec) * 1e6 + double(tv.tv_usec); };
    return us(ru.ru_utime) + us(ru.ru_stime);
}

void benchLarge(const Config &cfg, Report &report)
{
    const int rounds = cfg.quick ? 2 : 3;
    progress("large: %lld MiB body, %d rounds of miss then hit per implementation, default read "
             "buffer",
             cfg.largeBytes / MiB, rounds);
    Origin origin;
    origin.largeBytes = cfg.largeBytes;
    // QNDC refuses bodies above 3/4 of its maximum; tiercache passes bodies above 1/8 of it
    // through unstored (CachePolicy::budgetShareDivisor()) and trims to 90 % of it.
    const qint64 maximum = qMax<qint64>(9 * cfg.largeBytes, 1 * GiB);
    std::unique_ptr<QNetworkAccessManager> nams[2];
    for (Impl impl : BothImpls) {
        nams[impl].reset(newManager(
                openCache(impl,
                          cfg.dir(QStringLiteral("large-%1").arg(QLatin1String(ImplTag[impl]))),
                          maximum)
                        .release()));
        fetch(*nams[impl],
              origin.url(QStringLiteral("/warmup/%1").arg(QLatin1String(ImplTag[impl]))), false);
    }

    // Per round: MiB/s, first byte (ms) and RSS growth (MiB) of the miss; MiB/s and RSS of the hit.
    std::vector<double> missMiBs[2], missFirstMs[2], missRss[2], hitMiBs[2], hitRss[2];
    std::vector<double> missCores[2]; // process CPU time of the miss / its wall time
    int wrong[2] = {0, 0};
    bool hwm = true;
    MemoryProbe probe;
    const double mib = double(cfg.largeBytes) / MiB;
    for (int round = 0; round < rounds; ++round) {
        const auto order = roundOrder(round);
        for (int phase = 0; phase < 2; ++phase) {
            for (Impl impl : order) {
                const QUrl url = origin.url(QStringLiteral("/large/%1/%2")
                                                    .arg(QLatin1String(ImplTag[impl]))
                                                    .arg(round));
                probe.start();
                const double cpu0 = processCpuUs();
                // The reply's read buffer is left at QNAM's default (0: unlimited).
                const FetchResult f = fetch(*nams[impl], url, true);
                const double cores = (processCpuUs() - cpu0) / f.us;
                probe.stop();
                hwm = hwm && probe.usedHighWaterMark();
                const bool expectCache = phase == 1;
                if (!f.finished || f.error != QNetworkReply::NoError || f.bytes != cfg.largeBytes
                    || f.fromCache != expectCache) {
                    ++wrong[impl];
                    progress("large: %s %s round %d: finished=%d error=%d bytes=%lld fromCache=%d",
                             ImplName[impl], phase ? "hit" : "miss", round, f.finished,
                             int(f.error), f.bytes, f.fromCache);
                }
                const double rate = mib / (f.us / 1e6);
                const double rss = double(probe.growth()) / MiB;
                progress("large: %-17s %s round %d: %7.0f MiB/s, first byte %.1f ms, RSS +%.1f "
                         "MiB, %.2f cores",
                         ImplName[impl], phase ? "hit " : "miss", round, rate,
                         f.firstByteUs / 1000.0, rss, cores);
                if (phase == 0) {
                    missMiBs[impl].push_back(rate);
                    missFirstMs[impl].push_back(f.firstByteUs / 1000.0);
                    missRss[impl].push_back(rss);
                    missCores[impl].push_back(cores);
                } else {
                    hitMiBs[impl].push_back(rate);
                    hitRss[impl].push_back(rss);
                }
            }
        }
        // Give the disk space back before the next round (and keep the next miss a real store).
        for (Impl impl : order)
            nams[impl]->cache()->remove(origin.url(
                    QStringLiteral("/large/%1/%2").arg(QLatin1String(ImplTag[impl])).arg(round)));
    }
    report.section(QStringLiteral("4. QNAM %1 MiB, default buffer").arg(cfg.largeBytes / MiB));
    report.add(QStringLiteral("miss+store throughput (median)"), percentile(missMiBs[Qndc], 50),
               percentile(missMiBs[Tier], 50), QStringLiteral("MiB/s"), Target::RatioAtLeast, 1.0);
    report.add(QStringLiteral("miss first byte (median)"), percentile(missFirstMs[Qndc], 50),
               percentile(missFirstMs[Tier], 50), QStringLiteral("ms"), Target::AtMost, 20);
    report.add(QStringLiteral("miss first byte (worst)"), maxOf(missFirstMs[Qndc]),
               maxOf(missFirstMs[Tier]), QStringLiteral("ms"));
    report.add(QStringLiteral("miss peak RSS growth (max)"), maxOf(missRss[Qndc]),
               maxOf(missRss[Tier]), QStringLiteral("MiB"), Target::AtMost, 64);
    report.add(QStringLiteral("miss CPU: cores busy (median)"), percentile(missCores[Qndc], 50),
               percentile(missCores[Tier], 50), QStringLiteral("cores"));
    report.add(QStringLiteral("hit throughput (median)"), percentile(hitMiBs[Qndc], 50),
               percentile(hitMiBs[Tier], 50), QStringLiteral("MiB/s"), Target::AtLeast, 1000);
    report.add(QStringLiteral("hit peak RSS growth (max)"), maxOf(hitRss[Qndc]),
               maxOf(hitRss[Tier]), QStringLiteral("MiB"), Target::AtMost, 16);
    report.note(
            QStringLiteral(
                    "large: %1 rounds (median = the lower middle with an even count), QNAM's "
                    "default read buffer (unlimited), the app reads 256 KiB pieces in readyRead "
                    "and discards them; first byte = get() until the first read returned bytes; "
                    "origin generates the body on the fly in-process (its cost is in both miss "
                    "figures); RSS growth = %2 minus VmRSS at start; %3 / %4 replies wrong "
                    "(QNDC / tiercache)")
                    .arg(rounds)
                    .arg(hwm ? QStringLiteral(
                                 "max(VmHWM after clear_refs reset, 10 ms VmRSS samples)")
                             : QStringLiteral("peak of VmRSS sampled every 10 ms (clear_refs not "
                                              "permitted)"))
                    .arg(wrong[Qndc])
                    .arg(wrong[Tier]));
}

// ---------------------------------------------------------------------------------------------
// 3b. Through QNAM under load: six misses in flight, then hits one at a time

// User + system CPU time of the whole process so far (the in-process origin included).

// Fetches \a urls with up to \a parallel requests in flight (QNAM opens six connections per
// host); each latency runs from get() to finished() plus readAll().
void fetchInFlight(QNetworkAccessManager &nam, const std::vector<QUrl> &urls, int parallel,
                   bool expectCache, std::vector<double> *latencyUs, int *wrong)
{
    QEventLoop loop;
    size_t next = 0;
    int active = 0;
    std::function<void()> startOne = [&] {
        const auto t0 = Clock::now();
        QNetworkReply *reply = nam.get(QNetworkRequest(urls[next++]));
        ++active;
        QObject::connect(reply, &QNetworkReply::finished, &loop, [&, reply, t0] {
            const qint64 bytes = reply->readAll().size();
            latencyUs->push_back(usSince(t0));
            const bool fromCache =
                    reply->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool();
            if (reply->error() != QNetworkReply::NoError || bytes != BodySize
                || fromCache != expectCache) {
                ++*wrong;
            }
            reply->deleteLater();
            --active;
            if (next < urls.size())
                startOne();
            else if (active == 0)
                loop.quit();
        });
    };
    while (active < parallel && next < urls.size())
        startOne();
    if (active > 0)
        loop.exec();
}

void benchQnamLoad(const Config &cfg, Report &report)
{
    const int urls = cfg.quick ? 600 : 5000;
    const int chunk = cfg.quick ? 100 : 500;
    const int parallel = 6;
    progress("qnamload: %d misses (%d in flight), then %d hits one at a time, per implementation",
             urls, parallel, urls);
    Origin origin;
    if (!origin.server.isListening())
        qFatal("qnamload: loopback server is not listening");
    std::unique_ptr<QNetworkAccessManager> nams[2];
    for (Impl impl : BothImpls) {
        nams[impl].reset(newManager(
                openCache(impl,
                          cfg.dir(QStringLiteral("qnamload-%1").arg(QLatin1String(ImplTag[impl]))),
                          HugeCacheSize)
                        .release()));
    }
    auto url = [&origin](Impl impl, int i) {
        return origin.url(QStringLiteral("/load/%1/%2").arg(QLatin1String(ImplTag[impl])).arg(i));
    };
    // Warm-up: six connections each, the cache directory, the catalogue.
    for (Impl impl : BothImpls) {
        std::vector<QUrl> warm;
        for (int i = 0; i < parallel; ++i)
            warm.push_back(origin.url(
                    QStringLiteral("/warmup/%1/%2").arg(QLatin1String(ImplTag[impl])).arg(i)));
        std::vector<double> ignored;
        int ignoredWrong = 0;
        fetchInFlight(*nams[impl], warm, parallel, false, &ignored, &ignoredWrong);
    }

    std::vector<double> miss[2], hit[2];
    double missCpuUs[2] = {0, 0};
    int wrong[2] = {0, 0};
    for (int pass = 0; pass < 2; ++pass) {
        for (int round = 0; round * chunk < urls; ++round) {
            for (Impl impl : roundOrder(round)) {
                if (pass == 0) {
                    std::vector<QUrl> batch;
                    for (int k = round * chunk; k < qMin(urls, (round + 1) * chunk); ++k)
                        batch.push_back(url(impl, k));
                    const double cpu0 = processCpuUs();
                    fetchInFlight(*nams[impl], batch, parallel, false, &miss[impl], &wrong[impl]);
                    missCpuUs[impl] += processCpuUs() - cpu0;
                } else {
                    for (int k = round * chunk; k < qMin(urls, (round + 1) * chunk); ++k) {
                        const FetchResult f = fetch(*nams[impl], url(impl, k), false);
                        if (!f.finished || f.error != QNetworkReply::NoError || f.bytes != BodySize
                            || !f.fromCache) {
                            ++wrong[impl];
                        }
                        hit[impl].push_back(f.us);
                    }
                }
            }
            origin.server.clearRequests();
        }
    }
    report.section(QStringLiteral("3b. QNAM %1 x 4 KiB, %2 in flight").arg(urls).arg(parallel));
    report.add(QStringLiteral("miss+store p50"), percentile(miss[Qndc], 50),
               percentile(miss[Tier], 50), QStringLiteral("us"), Target::RatioAtMost, 1.0);
    report.add(QStringLiteral("miss+store p99"), percentile(miss[Qndc], 99),
               percentile(miss[Tier], 99), QStringLiteral("us"));
    report.add(QStringLiteral("CPU per miss (process)"), missCpuUs[Qndc] / urls,
               missCpuUs[Tier] / urls, QStringLiteral("us"), Target::RatioAtMost, 1.0);
    report.add(QStringLiteral("hit p50 (one at a time)"), percentile(hit[Qndc], 50),
               percentile(hit[Tier], 50), QStringLiteral("us"), Target::RatioAtMost, 0.8);
    report.add(QStringLiteral("hit max"), maxOf(hit[Qndc]) / 1000, maxOf(hit[Tier]) / 1000,
               QStringLiteral("ms"), Target::AtMost, 2);
    report.note(
            QStringLiteral(
                    "qnamload: %1 URLs per implementation in chunks of %2 alternating; misses "
                    "with %3 in flight (latency get()..finished+readAll), CPU = getrusage() user "
                    "+ system of the whole process over the miss chunks / misses (the in-process "
                    "origin and QNAM are in both); then each URL once more, one at a time, as a "
                    "hit; %4 / %5 replies had a wrong status, size or source (QNDC / tiercache)")
                    .arg(urls)
                    .arg(chunk)
                    .arg(parallel)
                    .arg(wrong[Qndc])
                    .arg(wrong[Tier]));
}

// ---------------------------------------------------------------------------------------------
// 3c. Three processes through QNAM on one directory with a small cap

constexpr qint64 SharedCap = 8 * MiB;

// The child side: `tiercache_bench --child IMPL DIR BASEURL COUNT` fetches COUNT distinct
// 16 KiB URLs under BASEURL through QNAM and a cache of IMPL on DIR (cap SharedCap). Exit code
// 0 when every reply was right.
int runChild(const QStringList &args)
{
    if (args.size() != 4) {
        std::fprintf(stderr, "--child IMPL DIR BASEURL COUNT\n");
        return 2;
    }
    const Impl impl = args[0] == QLatin1String(ImplTag[Qndc]) ? Qndc : Tier;
    const QUrl base(args[2]);
    const int count = args[3].toInt();
    std::unique_ptr<QNetworkAccessManager> nam(
            newManager(openCache(impl, args[1], SharedCap).release()));
    int wrong = 0;
    for (int i = 0; i < count; ++i) {
        QUrl url = base;
        url.setPath(base.path() + QLatin1Char('/') + QString::number(i));
        const FetchResult f = fetch(*nam, url, false, 30000);
        if (!f.finished || f.error != QNetworkReply::NoError || f.bytes != MidBodySize)
            ++wrong;
    }
    nam.reset(); // closes the cache
    std::printf("%d\n", wrong);
    return wrong == 0 ? 0 : 1;
}

void benchProcesses(const Config &cfg, Report &report)
{
    const int children = 3;
    const int count = cfg.quick ? 300 : 1500;
    const int rounds = cfg.quick ? 1 : 3;
    progress("procs: %d processes x %d x 16 KiB through QNAM on one directory, cap %lld MiB, %d "
             "rounds per implementation",
             children, count, SharedCap / MiB, rounds);
    Origin origin;
    if (!origin.server.isListening())
        qFatal("procs: loopback server is not listening");
    std::vector<double> peak[2], closed[2];
    int failed[2] = {0, 0};
    for (int round = 0; round < rounds; ++round) {
        for (Impl impl : roundOrder(round)) {
            const QString dir = cfg.dir(
                    QStringLiteral("procs-%1-%2").arg(QLatin1String(ImplTag[impl])).arg(round));
            QDir().mkpath(dir);
            const QByteArray dirPath = QFile::encodeName(dir);
            double peakBytes = 0;
            QTimer sampler;
            sampler.setInterval(10);
            QObject::connect(&sampler, &QTimer::timeout,
                             [&] { peakBytes = qMax(peakBytes, double(directoryBytes(dirPath))); });
            QEventLoop loop;
            int running = 0;
            std::vector<std::unique_ptr<QProcess>> procs;
            for (int c = 0; c < children; ++c) {
                auto proc = std::make_unique<QProcess>();
                proc->setProcessChannelMode(QProcess::ForwardedErrorChannel);
                QObject::connect(proc.get(), &QProcess::finished, &loop, [&] {
                    if (--running == 0)
                        loop.quit();
                });
                const QString base = origin.url(QStringLiteral("/mid/%1/%2/%3")
                                                        .arg(QLatin1String(ImplTag[impl]))
                                                        .arg(round)
                                                        .arg(c))
                                             .toString();
                proc->start(QCoreApplication::applicationFilePath(),
                            {QStringLiteral("--child"), QLatin1String(ImplTag[impl]), dir, base,
                             QString::number(count)});
                ++running;
                procs.push_back(std::move(proc));
            }
            sampler.start();
            QTimer::singleShot(600000, &loop, &QEventLoop::quit);
            loop.exec();
            sampler.stop();
            peakBytes = qMax(peakBytes, double(directoryBytes(dirPath)));
            for (auto &proc : procs) {
                if (proc->state() != QProcess::NotRunning) {
                    proc->kill();
                    proc->waitForFinished();
                }
                if (proc->exitStatus() != QProcess::NormalExit || proc->exitCode() != 0)
                    ++failed[impl];
            }
            peak[impl].push_back(peakBytes / SharedCap);
            closed[impl].push_back(double(directoryBytes(dirPath)) / SharedCap);
            progress("procs: %-17s round %d: peak %.2fx, after exit %.2fx the cap", ImplName[impl],
                     round, peak[impl].back(), closed[impl].back());
            origin.server.clearRequests();
        }
    }
    report.section(
            QStringLiteral("3c. %1 processes, one %2 MiB dir").arg(children).arg(SharedCap / MiB));
    report.add(QStringLiteral("directory / cap, peak sampled"), percentile(peak[Qndc], 50),
               percentile(peak[Tier], 50), QStringLiteral("x"), Target::AtMost, 1.05);
    report.add(QStringLiteral("... worst of rounds"), maxOf(peak[Qndc]), maxOf(peak[Tier]),
               QStringLiteral("x"), Target::AtMost, 1.05);
    report.add(QStringLiteral("directory / cap, after exit"), percentile(closed[Qndc], 50),
               percentile(closed[Tier], 50), QStringLiteral("x"), Target::AtMost, 1.05);
    report.note(QStringLiteral("procs: %1 rounds; each round %2 child processes (this binary, "
                               "--child) each fetch %3 distinct 16 KiB URLs one at a time "
                               "through their own QNAM and cache on one directory with a %4 MiB "
                               "maximum, from this process's loopback origin; the parent samples "
                               "st_blocks of everything under the directory every 10 ms; "
                               "figures are the median over rounds; %5 / %6 children failed "
                               "(QNDC / tiercache)")
                        .arg(rounds)
                        .arg(children)
                        .arg(count)
                        .arg(SharedCap / MiB)
                        .arg(failed[Qndc])
                        .arg(failed[Tier]));
}

// ---------------------------------------------------------------------------------------------
// 5. Start-up to first hit, 6. insert latency while evicting: both on one filled directory

struct FilledDirs
{
    bool done = false;
    int count = 0;
    QString dir[2];
    double fillUs[2] = {0, 0};
};

void fill(const Config &cfg, FilledDirs &filled, Report &report)
{
    if (filled.done)
        return;
    const int n = cfg.entries;
    const int batch = qMax(1000, n / 20);
    progress("fill: %d entries of %lld B per implementation, batches of %d alternating", n,
             FillBodySize, batch);
    std::unique_ptr<QAbstractNetworkCache> caches[2];
    for (Impl impl : BothImpls) {
        filled.dir[impl] = cfg.dir(QStringLiteral("filled-%1").arg(QLatin1String(ImplTag[impl])));
        caches[impl] = openCache(impl, filled.dir[impl], HugeCacheSize);
    }
    int next[2] = {0, 0};
    for (int round = 0; next[Qndc] < n || next[Tier] < n; ++round) {
        for (Impl impl : roundOrder(round)) {
            const int end = qMin(n, next[impl] + batch);
            const auto t0 = Clock::now();
            for (; next[impl] < end; ++next[impl]) {
                if (!storeEntry(caches[impl].get(), apiUrl("fill", next[impl]),
                                bodyFor(quint32(next[impl]) + 5000000, FillBodySize))) {
                    qFatal("fill: %s failed at entry %d", ImplName[impl], next[impl]);
                }
            }
            filled.fillUs[impl] += usSince(t0);
            QCoreApplication::processEvents();
        }
        progress("fill: %d / %d", qMin(next[Qndc], next[Tier]), n);
    }
    caches[Qndc].reset();
    caches[Tier].reset();
    filled.count = n;
    filled.done = true;
    report.section(QStringLiteral("   fill (%1 x %2 B, API)").arg(n).arg(FillBodySize));
    report.add(QStringLiteral("fill rate"), n / (filled.fillUs[Qndc] / 1e6),
               n / (filled.fillUs[Tier] / 1e6), QStringLiteral("entries/s"));
}

void benchStartup(const Config &cfg, FilledDirs &filled, Report &report)
{
    fill(cfg, filled, report);
    const int rounds = 4;
    progress("startup: %d rounds per implementation on %d entries", rounds, filled.count);
    std::vector<double> firstHit[2], firstInsert[2];
    int wrong[2] = {0, 0};
    QRandomGenerator rng(11);
    for (int round = 0; round < rounds; ++round) {
        const int probe = int(rng.bounded(filled.count));
        for (Impl impl : roundOrder(round)) {
            const QUrl url = apiUrl("fill", probe);
            const auto t0 = Clock::now();
            // What an application does at start-up, then its first cache lookup.
            std::unique_ptr<QAbstractNetworkCache> cache(newCache(impl));
            setDirectory(cache.get(), filled.dir[impl]);
            setMaximum(cache.get(), HugeCacheSize);
            const QNetworkCacheMetaData md = cache->metaData(url);
            QIODevice *device = cache->data(url);
            const QByteArray body = device ? device->readAll() : QByteArray();
            delete device;
            firstHit[impl].push_back(usSince(t0) / 1000.0);
            if (!md.isValid() || body.size() != FillBodySize)
                ++wrong[impl];

            const QUrl fresh = apiUrl("startup-insert", round);
            const QByteArray freshBody = bodyFor(quint32(round) + 9000000);
            const auto t1 = Clock::now();
            if (!storeEntry(cache.get(), fresh, freshBody))
                ++wrong[impl];
            firstInsert[impl].push_back(usSince(t1) / 1000.0);
            progress("startup: %-17s round %d: first hit %.2f ms, first insert %.2f ms",
                     ImplName[impl], round, firstHit[impl].back(), firstInsert[impl].back());
            QCoreApplication::processEvents();
        }
    }
    report.section(QStringLiteral("5. start-up (%1 entries)").arg(filled.count));
    report.add(QStringLiteral("new+setDir+setMax+1st hit (p50)"), percentile(firstHit[Qndc], 50),
               percentile(firstHit[Tier], 50), QStringLiteral("ms"), Target::AtMost, 20);
    report.add(QStringLiteral("... worst of rounds"), maxOf(firstHit[Qndc]), maxOf(firstHit[Tier]),
               QStringLiteral("ms"), Target::AtMost, 20);
    report.add(QStringLiteral("first insert after start (p50)"), percentile(firstInsert[Qndc], 50),
               percentile(firstInsert[Tier], 50), QStringLiteral("ms"));
    report.note(QStringLiteral(
                        "startup: %1 rounds per implementation, fresh cache object on the filled "
                        "directory each time (page cache warm, nothing dropped), maximum %2 GiB so "
                        "nothing is evicted; %3 / %4 lookups or inserts failed")
                        .arg(rounds)
                        .arg(HugeCacheSize / GiB)
                        .arg(wrong[Qndc])
                        .arg(wrong[Tier]));
}

void benchEvict(const Config &cfg, FilledDirs &filled, Report &report)
{
    fill(cfg, filled, report);
    const int inserts = cfg.quick ? 500 : 2000;
    const int chunk = 100;
    progress("evict: %d inserts per implementation into a full cache of %d entries", inserts,
             filled.count);

    // Set both caches to exactly "full": the maximum is what the filled entries take in each
    // implementation's own accounting (plus one byte, so that setting it evicts nothing).
    std::unique_ptr<QAbstractNetworkCache> caches[2];
    qint64 maximum[2] = {0, 0};
    {
        // QNDC: with a huge maximum, cacheSize() walks the directory once (as a long-running
        // application has done long ago) and setMaximumCacheSize(size + 1) keeps everything.
        auto *q = new QNetworkDiskCache;
        q->setCacheDirectory(filled.dir[Qndc]);
        q->setMaximumCacheSize(HugeCacheSize);
        maximum[Qndc] = q->cacheSize() + 1;
        q->setMaximumCacheSize(maximum[Qndc]);
        caches[Qndc].reset(q);
        // Tiercache: read the size with another instance, so that setting the maximum on the
        // one measured (not open yet) does not already start a trim.
        {
            NetworkCache sizer;
            sizer.setCacheDirectory(filled.dir[Tier]);
            maximum[Tier] = sizer.cacheSize() + 1;
        }
        auto *t = new NetworkCache;
        t->setCacheDirectory(filled.dir[Tier]);
        t->setMaximumCacheSize(maximum[Tier]);
        t->metaData(apiUrl("evict-open", 0)); // opens the catalogue; a miss
        caches[Tier].reset(t);
    }

    std::vector<double> insertMs[2];
    std::vector<double> eventsMs;   // tiercache: every processEvents() after an insert
    std::vector<double> trimStepMs; // ... those during which the total went down
    int failures[2] = {0, 0};
    int next[2] = {0, 0};
    for (int round = 0; round * chunk < inserts; ++round) {
        for (Impl impl : roundOrder(round)) {
            QAbstractNetworkCache *cache = caches[impl].get();
            for (int k = 0; k < chunk; ++k, ++next[impl]) {
                const QUrl url = apiUrl("evict", next[impl]);
                const QByteArray body = bodyFor(quint32(next[impl]) + 7000000);
                const auto t0 = Clock::now();
                failures[impl] += !storeEntry(cache, url, body);
                insertMs[impl].push_back(usSince(t0) / 1000.0);
                if (impl == Tier) {
                    // The trim runs on a 0 ms timer: one step per event-loop pass, as in an app.
                    const qint64 before = cache->cacheSize();
                    const auto t1 = Clock::now();
                    QCoreApplication::processEvents();
                    const double ms = usSince(t1) / 1000.0;
                    eventsMs.push_back(ms);
                    if (cache->cacheSize() < before)
                        trimStepMs.push_back(ms);
                }
                // QNDC has no deferred work: expire() runs inside insert(). Its chunks do not
                // spin the event loop, so tiercache's pending trim steps are not charged to it.
            }
        }
    }
    const qint64 sizes[2] = {caches[Qndc]->cacheSize(), caches[Tier]->cacheSize()};

    report.section(QStringLiteral("6. insert while evicting (%1)").arg(filled.count));
    report.add(QStringLiteral("insert p50"), percentile(insertMs[Qndc], 50),
               percentile(insertMs[Tier], 50), QStringLiteral("ms"));
    report.add(QStringLiteral("insert p99"), percentile(insertMs[Qndc], 99),
               percentile(insertMs[Tier], 99), QStringLiteral("ms"));
    report.add(QStringLiteral("insert max"), maxOf(insertMs[Qndc]), maxOf(insertMs[Tier]),
               QStringLiteral("ms"), Target::AtMost, 5);
    report.add(QStringLiteral("background trim step p50"), NaN, percentile(trimStepMs, 50),
               QStringLiteral("ms"));
    report.add(QStringLiteral("background trim step max"), NaN, maxOf(trimStepMs),
               QStringLiteral("ms"));
    report.add(QStringLiteral("background total (all passes)"), NaN, sumOf(eventsMs),
               QStringLiteral("ms"));
    report.note(
            QStringLiteral(
                    "evict: %1 x 4 KiB inserts per implementation into a cache filled to its "
                    "maximum (QNDC %2 MiB, tiercache %3 MiB in their own accounting); insert = "
                    "prepare+write+insert; tiercache's event-loop pass after each insert is timed "
                    "apart (%4 passes, %5 of them trimmed); sizes at the end %6 / %7 MiB; %8 / %9 "
                    "inserts failed")
                    .arg(inserts)
                    .arg(double(maximum[Qndc]) / MiB, 0, 'f', 1)
                    .arg(double(maximum[Tier]) / MiB, 0, 'f', 1)
                    .arg(eventsMs.size())
                    .arg(trimStepMs.size())
                    .arg(double(sizes[Qndc]) / MiB, 0, 'f', 1)
                    .arg(double(sizes[Tier]) / MiB, 0, 'f', 1)
                    .arg(failures[Qndc])
                    .arg(failures[Tier]));
}

// ---------------------------------------------------------------------------------------------
// Helpers for the tier workloads

// Reads a body to its end. A sequential device (the redis tier's) may deliver it in pieces
// and answer 0 while it waits; it returns -1 only after the last byte.
QByteArray readBody(QIODevice *device, qint64 expected, int timeoutMs = 5000)
{
    QByteArray all = device->readAll();
    if (all.size() >= expected || !device->isSequential())
        return all;
    QElapsedTimer clock;
    clock.start();
    char buffer[16384];
    while (all.size() < expected && clock.elapsed() < timeoutMs) {
        const qint64 n = device->read(buffer, sizeof buffer);
        if (n < 0)
            break;
        if (n > 0)
            all.append(buffer, n);
        else
            QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
    }
    return all;
}

// One body through the Tier API, as NetworkCache would write it (key = normalized URL).
bool putTier(tiercache::Tier &tier, const QUrl &url, const QByteArray &body)
{
    const QString key = NetworkCache::cacheKey(url);
    QNetworkCacheMetaData md = responseMeta(url, body.size());
    md.setUrl(QUrl(key, QUrl::StrictMode));
    auto writer = tier.beginWrite(key, md, body.size());
    return writer && writer->write(body.constData(), body.size()) && writer->commit(md, {});
}

// A private redis-server for the tier workloads, or the reason there is none.
struct RedisFixture
{
    std::unique_ptr<RedisServer> server;
    QString notRun; // empty when running

    RedisFixture()
    {
        if (RedisServer::executable().isEmpty()) {
            notRun = QStringLiteral("not run: redis-server not installed");
            return;
        }
        server = std::make_unique<RedisServer>();
        if (!server->start()) {
            notRun = QStringLiteral("not run: redis-server did not start: %1")
                             .arg(server->errorString());
            server.reset();
        }
    }
    QString spec(const char *prefix) const
    {
        return QStringLiteral("redis://127.0.0.1:%1/0?prefix=%2")
                .arg(server->port())
                .arg(QLatin1String(prefix));
    }
};

// One way of serving a 4 KiB hit, measured interleaved with the others.
struct HitContender
{
    QString label;
    QString notRun;                     // non-empty: could not be set up, and why
    std::function<QByteArray(int)> hit; // the timed part: entry i's body, empty on a miss
    std::function<void()> cleanup;      // untimed, after the last hit
    std::vector<double> us;
    int failures = 0;
};

// ---------------------------------------------------------------------------------------------
// 7. Hit cost per tier: through the Tier API and through NetworkCache

void benchTiers(const Config &cfg, Report &report)
{
    const int prefill = 1000;
    const int hits = cfg.quick ? 2000 : 20000;
    const int chunk = 250;
    const int bodyTag = 20000000;
    std::vector<QByteArray> bodies;
    std::vector<QString> keys;
    std::vector<QUrl> urls;
    for (int i = 0; i < prefill; ++i) {
        bodies.push_back(bodyFor(quint32(bodyTag + i)));
        urls.push_back(apiUrl("tiers", i));
        keys.push_back(NetworkCache::cacheKey(urls.back()));
    }
    progress("tiers: setting up (plugins from %s)",
             qPrintable(TierLoader::defaultSearchPath().join(QLatin1Char(':'))));
    RedisFixture redis;
    if (!redis.notRun.isEmpty())
        progress("tiers: %s", qPrintable(redis.notRun));

    std::vector<HitContender> contenders;
    std::vector<std::unique_ptr<tiercache::Tier>> tierHolders;
    std::vector<std::unique_ptr<QAbstractNetworkCache>> cacheHolders;
    TierLoader loader;

    // The reference: QNetworkDiskCache, metaData+data+readAll.
    {
        HitContender c;
        c.label = QStringLiteral("QNDC reference");
        auto cache = openCache(Qndc, cfg.dir(QStringLiteral("tiers-qndc")), HugeCacheSize);
        for (int i = 0; i < prefill; ++i) {
            if (!storeEntry(cache.get(), urls[size_t(i)], bodies[size_t(i)]))
                qFatal("tiers: could not pre-fill QNetworkDiskCache");
        }
        QAbstractNetworkCache *q = cache.get();
        c.hit = [q, &urls](int i) {
            const QUrl &url = urls[size_t(i)];
            const QNetworkCacheMetaData md = q->metaData(url);
            QIODevice *device = q->data(url);
            QByteArray body = device && md.isValid() ? device->readAll() : QByteArray();
            delete device;
            return body;
        };
        cacheHolders.push_back(std::move(cache));
        contenders.push_back(std::move(c));
    }

    // (a) The Tier API directly: lookup + TierEntry::openBody + readAll.
    const struct
    {
        const char *label;
        QString spec;
    } tierSpecs[] = {
            {"Tier memory", QStringLiteral("memory:?max=64MiB")},
            {"Tier disk",
             QStringLiteral("disk:?path=%1").arg(cfg.dir(QStringLiteral("tiers-disk")))},
            {"Tier sqlite",
             QStringLiteral("sqlite:?path=%1/c.db").arg(cfg.dir(QStringLiteral("tiers-sqlite")))},
            {"Tier redis", redis.server ? redis.spec("b:") : QString()},
    };
    for (const auto &t : tierSpecs) {
        HitContender c;
        c.label = QLatin1String(t.label);
        if (t.spec.isEmpty()) {
            c.notRun = redis.notRun;
            contenders.push_back(std::move(c));
            continue;
        }
        QString why;
        std::unique_ptr<tiercache::Tier> tier = loader.create(t.spec, &why);
        if (!tier) {
            c.notRun = QStringLiteral("not run: %1").arg(why);
            progress("tiers: %s: %s", t.label, qPrintable(why));
            contenders.push_back(std::move(c));
            continue;
        }
        for (int i = 0; i < prefill; ++i) {
            if (!putTier(*tier, urls[size_t(i)], bodies[size_t(i)])) {
                c.notRun = QStringLiteral("not run: pre-fill failed: %1").arg(tier->errorString());
                break;
            }
        }
        tiercache::Tier *raw = tier.get();
        c.hit = [raw, &keys](int i) {
            const QString &key = keys[size_t(i)];
            const std::unique_ptr<tiercache::TierEntry> entry = raw->lookup(key);
            if (!entry)
                return QByteArray();
            std::unique_ptr<QIODevice> device(entry->openBody());
            return device ? readBody(device.get(), entry->record().bodySize()) : QByteArray();
        };
        c.cleanup = [raw] { raw->clear(); };
        tierHolders.push_back(std::move(tier));
        contenders.push_back(std::move(c));
    }

    // (b) NetworkCache's QAbstractNetworkCache API: metaData + data + readAll.
    const struct
    {
        const char *label;
        QStringList specs;
        bool needsRedis;
    } chains[] = {
            {"NC memory", {QStringLiteral("memory:?max=64MiB")}, false},
            {"NC disk", {QStringLiteral("disk:")}, false},
            {"NC memory+disk (L1 hit)",
             {QStringLiteral("memory:?max=64MiB"), QStringLiteral("disk:")},
             false},
            {"NC sqlite",
             {QStringLiteral("sqlite:?path=%1/c.db")
                      .arg(cfg.dir(QStringLiteral("tiers-nc-sqlite")))},
             false},
            {"NC redis", {redis.server ? redis.spec("n:") : QString()}, true},
    };
    NetworkCache *layered = nullptr; // memory+disk: its L1 share is reported
    for (const auto &ch : chains) {
        HitContender c;
        c.label = QLatin1String(ch.label);
        if (ch.needsRedis && !redis.server) {
            c.notRun = redis.notRun;
            contenders.push_back(std::move(c));
            continue;
        }
        auto cache = std::make_unique<NetworkCache>();
        cache->setCacheDirectory(cfg.dir(QStringLiteral("tiers-nc-%1").arg(contenders.size())));
        cache->setMaximumCacheSize(HugeCacheSize);
        if (!cache->setTiers(ch.specs)) {
            c.notRun = QStringLiteral("not run: %1")
                               .arg(cache->tierErrors().join(QLatin1String("; ")));
            progress("tiers: %s: %s", ch.label, qPrintable(c.notRun));
            contenders.push_back(std::move(c));
            continue;
        }
        for (int i = 0; i < prefill; ++i) {
            if (!storeEntry(cache.get(), urls[size_t(i)], bodies[size_t(i)])) {
                c.notRun = QStringLiteral("not run: pre-fill failed: %1").arg(cache->errorString());
                break;
            }
        }
        if (ch.specs.size() == 2)
            layered = cache.get();
        NetworkCache *nc = cache.get();
        c.hit = [nc, &urls](int i) {
            const QUrl &url = urls[size_t(i)];
            const QNetworkCacheMetaData md = nc->metaData(url);
            QIODevice *device = nc->data(url);
            QByteArray body = device && md.isValid() ? readBody(device, BodySize) : QByteArray();
            delete device;
            return body;
        };
        c.cleanup = [nc] { nc->clear(); };
        cacheHolders.push_back(std::move(cache));
        contenders.push_back(std::move(c));
    }
    QCoreApplication::processEvents();

    // Warm-up, untimed: every entry once through every contender (page cache, SQLite row
    // caches, connections; for memory+disk it checks that hits come from L1).
    for (HitContender &c : contenders) {
        if (!c.notRun.isEmpty())
            continue;
        for (int i = 0; i < prefill; ++i) {
            if (c.hit(i) != bodies[size_t(i)]) {
                c.notRun = QStringLiteral("not run: entry %1 missing or wrong after the pre-fill")
                                   .arg(i);
                progress("tiers: %s: %s", qPrintable(c.label), qPrintable(c.notRun));
                break;
            }
        }
    }
    QCoreApplication::processEvents();
    QList<tiercache::TierStatistics> layeredBefore;
    if (layered)
        layeredBefore = layered->tierStatistics();

    std::vector<size_t> running;
    for (size_t k = 0; k < contenders.size(); ++k) {
        if (contenders[k].notRun.isEmpty())
            running.push_back(k);
    }
    progress("tiers: %d hits per contender, %zu contenders, chunks of %d in rotating order", hits,
             running.size(), chunk);
    std::vector<QRandomGenerator> rng(contenders.size(), QRandomGenerator(13)); // same URL sequence
    for (int round = 0; round * chunk < hits; ++round) {
        // Rotate the order every round and reverse it every other round, so that no contender
        // always runs right after the same one or always first.
        std::vector<size_t> order = running;
        if (!order.empty())
            std::rotate(order.begin(), order.begin() + (round % int(order.size())), order.end());
        if (round % 2)
            std::reverse(order.begin(), order.end());
        for (size_t k : order) {
            HitContender &c = contenders[k];
            for (int n = 0; n < chunk; ++n) {
                const int i = int(rng[k].bounded(prefill));
                const auto t0 = Clock::now();
                const QByteArray body = c.hit(i);
                c.us.push_back(usSince(t0));
                if (body != bodies[size_t(i)])
                    ++c.failures;
            }
            QCoreApplication::processEvents(); // deferred work, untimed (see "hit" for its cost)
        }
        if (round % 20 == 19)
            progress("tiers: %d / %d hits", (round + 1) * chunk, hits);
    }

    QString layeredNote;
    if (layered) {
        const QList<tiercache::TierStatistics> after = layered->tierStatistics();
        if (after.size() == 2 && layeredBefore.size() == 2) {
            layeredNote =
                    QStringLiteral(
                            "memory+disk: %1 of %2 timed lookups hit L1, %3 reached the disk tier")
                            .arg(after[0].hits() - layeredBefore[0].hits())
                            .arg(after[0].lookups() - layeredBefore[0].lookups())
                            .arg(after[1].lookups() - layeredBefore[1].lookups());
        }
    }

    // The promotion run: memory over disk, new bodies only into disk, promoted on the 2nd hit.
    const int promoEntries = cfg.quick ? 100 : 500;
    const int promoPasses = 5;
    std::vector<double> promoUs[promoPasses];
    std::vector<int> landedAt;   // per entry: the hit (1-based) first served from L1
    std::vector<int> promotedOn; // per entry: the hit during which it was copied into L1
    QString promoNotRun;
    qint64 promoL1Promotions = 0;
    int promoWrong = 0;
    {
        NetworkCache cache;
        cache.setCacheDirectory(cfg.dir(QStringLiteral("tiers-promo")));
        cache.setMaximumCacheSize(HugeCacheSize);
        if (!cache.setTiers({QStringLiteral("memory:?max=64MiB"), QStringLiteral("disk:")})) {
            promoNotRun =
                    QStringLiteral("not run: %1").arg(cache.tierErrors().join(QLatin1String("; ")));
        } else {
            cache.setWriteMode(NetworkCache::WriteMode::LowestTierOnly);
            cache.setPromotionPolicy(PromotionPolicy::hitCount(2));
            progress("tiers: promotion run, %d entries x %d passes", promoEntries, promoPasses);
            std::vector<QByteArray> promoBodies;
            for (int i = 0; i < promoEntries; ++i) {
                promoBodies.push_back(bodyFor(quint32(bodyTag + 100000 + i)));
                if (!storeEntry(&cache, apiUrl("promo", i), promoBodies.back()))
                    qFatal("tiers: promotion pre-fill failed");
            }
            QCoreApplication::processEvents();
            if (cache.tierStatistics().value(0).size() != 0)
                promoNotRun = QStringLiteral("not run: LowestTierOnly wrote into the memory tier");
            landedAt.assign(size_t(promoEntries), 0);
            promotedOn.assign(size_t(promoEntries), 0);
            // Passes over all entries, so that an entry's hits are spread out as in an app.
            for (int pass = 0; pass < promoPasses && promoNotRun.isEmpty(); ++pass) {
                for (int i = 0; i < promoEntries; ++i) {
                    const QUrl url = apiUrl("promo", i);
                    const auto before = cache.tierStatistics();
                    const auto t0 = Clock::now();
                    const QNetworkCacheMetaData md = cache.metaData(url);
                    QIODevice *device = cache.data(url);
                    const QByteArray body =
                            device && md.isValid() ? device->readAll() : QByteArray();
                    delete device;
                    promoUs[pass].push_back(usSince(t0));
                    const auto after = cache.tierStatistics();
                    promoWrong += body != promoBodies[size_t(i)];
                    if (landedAt[size_t(i)] == 0 && after[0].hits() > before[0].hits())
                        landedAt[size_t(i)] = pass + 1;
                    if (promotedOn[size_t(i)] == 0
                        && after[0].promotions() > before[0].promotions())
                        promotedOn[size_t(i)] = pass + 1;
                }
                QCoreApplication::processEvents();
            }
            promoL1Promotions = cache.tierStatistics().value(0).promotions();
        }
    }

    for (HitContender &c : contenders) {
        if (c.cleanup)
            c.cleanup();
    }

    const HitContender &ref = contenders.front();
    const double ref50 = percentile(ref.us, 50), ref99 = percentile(ref.us, 99);
    report.section(QStringLiteral("7. tiers (4 KiB hit)"));
    report.add(QStringLiteral("QNDC metaData+data+readAll p50"), ref50, NaN, QStringLiteral("us"));
    report.add(QStringLiteral("QNDC metaData+data+readAll p99"), ref99, NaN, QStringLiteral("us"));
    QStringList failureText;
    for (size_t k = 1; k < contenders.size(); ++k) {
        const HitContender &c = contenders[k];
        const bool memoryApi = c.label == QLatin1String("NC memory");
        const bool redisTier = c.label == QLatin1String("Tier redis");
        if (!c.notRun.isEmpty()) {
            report.addNotRun(c.label + QStringLiteral(" p50"), c.notRun);
            continue;
        }
        report.add(c.label + QStringLiteral(" p50"), ref50, percentile(c.us, 50),
                   QStringLiteral("us"), memoryApi || redisTier ? Target::AtMost : Target::None,
                   memoryApi           ? 2
                           : redisTier ? 150
                                       : 0);
        report.add(c.label + QStringLiteral(" p99"), ref99, percentile(c.us, 99),
                   QStringLiteral("us"));
        failureText.append(QStringLiteral("%1 %2").arg(c.label).arg(c.failures));
    }
    if (!promoNotRun.isEmpty()) {
        report.addNotRun(QStringLiteral("NC promotion (memory over disk)"), promoNotRun);
    } else {
        std::vector<double> landed(landedAt.begin(), landedAt.end());
        std::vector<double> promoted(promotedOn.begin(), promotedOn.end());
        const int never = int(std::count(landedAt.begin(), landedAt.end(), 0));
        report.add(QStringLiteral("NC promo: 1st hit (disk) p50"), ref50,
                   percentile(promoUs[0], 50), QStringLiteral("us"));
        report.add(QStringLiteral("NC promo: 2nd hit (disk+copy) p50"), ref50,
                   percentile(promoUs[1], 50), QStringLiteral("us"));
        report.add(QStringLiteral("NC promo: later hits (L1) p50"), ref50,
                   percentile(promoUs[promoPasses - 1], 50), QStringLiteral("us"));
        report.add(QStringLiteral("NC promo: hits until served by L1"), NaN,
                   never ? NaN : maxOf(landed), QStringLiteral("hits"));
        report.note(
                QStringLiteral(
                        "tiers promotion: memory:?max=64MiB over disk:, WriteMode::LowestTierOnly, "
                        "PromotionPolicy::hitCount(2); %1 entries hit once per pass, %2 passes; "
                        "copied "
                        "into memory during hit #%3 (p50; max #%4), first served by memory on hit "
                        "#%5 "
                        "(p50; max #%6); %7 entries never reached memory; memory-tier promotions "
                        "%8; "
                        "%9 wrong bodies")
                        .arg(promoEntries)
                        .arg(promoPasses)
                        .arg(percentile(promoted, 50))
                        .arg(maxOf(promoted))
                        .arg(percentile(landed, 50))
                        .arg(maxOf(landed))
                        .arg(never)
                        .arg(promoL1Promotions)
                        .arg(promoWrong));
    }
    report.note(
            QStringLiteral(
                    "tiers: %1 hits per contender over %2 entries of 4 KiB, random URLs (the same "
                    "sequence for all), chunks of %3 in rotating order; the QNDC column repeats "
                    "the "
                    "QNDC reference (metaData+data+readAll, measured in the same rounds) so the "
                    "ratio "
                    "is \"x of QNDC\"; Tier rows = Tier::lookup+TierEntry::openBody+readAll by the "
                    "normalized key, "
                    "NC rows = NetworkCache metaData+data+readAll by URL; wrong or missing bodies: "
                    "QNDC %4, %5")
                    .arg(hits)
                    .arg(prefill)
                    .arg(chunk)
                    .arg(ref.failures)
                    .arg(failureText.join(QLatin1String(", "))));
    if (!layeredNote.isEmpty())
        report.note(QStringLiteral("tiers: ") + layeredNote);
}

// ---------------------------------------------------------------------------------------------
// 8. Statistics on vs off

void benchStats(const Config &cfg, Report &report)
{
    const int prefill = 1000;
    const int hits = cfg.quick ? 4000 : 40000;
    const int chunk = 1000;
    const struct
    {
        const char *label;
        QStringList specs;
    } configs[] = {
            {"disk:", {QStringLiteral("disk:")}},
            {"memory:", {QStringLiteral("memory:?max=64MiB")}},
    };
    report.section(QStringLiteral("8. stats on vs off (4 KiB hit)"));
    QStringList notes;
    for (const auto &conf : configs) {
        NetworkCache cache;
        cache.setCacheDirectory(
                cfg.dir(QStringLiteral("stats-%1").arg(QLatin1String(conf.label).chopped(1))));
        cache.setMaximumCacheSize(HugeCacheSize);
        const QString label = QLatin1String(conf.label);
        if (!cache.setTiers(conf.specs)) {
            report.addNotRun(label + QStringLiteral(" hit p50"),
                             QStringLiteral("not run: %1")
                                     .arg(cache.tierErrors().join(QLatin1String("; "))));
            continue;
        }
        progress("stats: %s %d hits with statistics off and on, one cache, toggled every %d",
                 conf.label, hits, chunk);
        std::vector<QByteArray> bodies;
        for (int i = 0; i < prefill; ++i) {
            bodies.push_back(bodyFor(quint32(30000000 + i)));
            if (!storeEntry(&cache, apiUrl("stats", i), bodies.back()))
                qFatal("stats: pre-fill failed");
        }
        QCoreApplication::processEvents();
        // 0 = off, 1 = on; the same instance, so the same catalogue, row cache and page cache.
        std::vector<double> times[2];
        double deferredUs[2] = {0, 0};
        int wrong[2] = {0, 0};
        QRandomGenerator rng[2] = {QRandomGenerator(17), QRandomGenerator(17)};
        for (int round = 0; round * chunk < hits; ++round) {
            for (int mode : round % 2 == 0 ? std::vector<int> {0, 1} : std::vector<int> {1, 0}) {
                cache.setStatisticsEnabled(mode == 1);
                for (int k = 0; k < chunk; ++k) {
                    const int i = int(rng[mode].bounded(prefill));
                    const QUrl url = apiUrl("stats", i);
                    const auto t0 = Clock::now();
                    const QNetworkCacheMetaData md = cache.metaData(url);
                    QIODevice *device = cache.data(url);
                    const QByteArray body = device ? device->readAll() : QByteArray();
                    delete device;
                    times[mode].push_back(usSince(t0));
                    wrong[mode] += !md.isValid() || body != bodies[size_t(i)];
                }
                const auto t0 = Clock::now();
                QCoreApplication::processEvents();
                deferredUs[mode] += usSince(t0);
            }
        }
        // The counters are flushed on a timer: let it fire and charge it to "on".
        cache.setStatisticsEnabled(true);
        QElapsedTimer wait;
        wait.start();
        while (wait.elapsed() < 1100) {
            const auto t0 = Clock::now();
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
            deferredUs[1] += usSince(t0);
            QThread::msleep(5);
        }
        const tiercache::Statistics st = cache.statistics(0);
        report.addLabelled(label + QStringLiteral(" hit p50"), percentile(times[0], 50),
                           QStringLiteral("off"), percentile(times[1], 50), QStringLiteral("on"),
                           QStringLiteral("us"), Target::RatioAtMost, 1.10);
        report.addLabelled(label + QStringLiteral(" hit p99"), percentile(times[0], 99),
                           QStringLiteral("off"), percentile(times[1], 99), QStringLiteral("on"),
                           QStringLiteral("us"));
        // With statistics off there is next to nothing deferred (in the note): no ratio to show.
        report.addLabelled(label + QStringLiteral(" deferred per hit (amort.)"), NaN, QString(),
                           deferredUs[1] / hits, QStringLiteral("on"), QStringLiteral("us"));
        notes.append(
                QStringLiteral(
                        "%1 %2 / %3 wrong hits (off / on), hits counted %4 (expected %5), deferred "
                        "per hit with statistics off %6 us")
                        .arg(label)
                        .arg(wrong[0])
                        .arg(wrong[1])
                        .arg(st.hits())
                        .arg(hits)
                        .arg(deferredUs[0] / hits, 0, 'f', 2));
    }
    report.note(
            QStringLiteral(
                    "stats: both columns are Tiercache (NetworkCache API metaData+data+readAll), "
                    "one cache per tier configuration with setStatisticsEnabled() toggled every %1 "
                    "hits (off,on then on,off), %2 hits each over %3 entries; the ratio is on/off; "
                    "deferred = event-loop passes after each chunk plus a final 1.1 s (charged to "
                    "on); %4")
                    .arg(chunk)
                    .arg(hits)
                    .arg(prefill)
                    .arg(notes.join(QLatin1String("; "))));
}

// ---------------------------------------------------------------------------------------------
// 9. invalidateTag on a large disk cache

void benchInvalidate(const Config &cfg, Report &report)
{
    const int n = cfg.quick ? 20000 : 200000;
    const int every = 20;
    const int expected = (n + every - 1) / every;
    const QString hot = QStringLiteral("hot");
    progress("invalidate: filling %d entries of %lld B, every %dth tagged \"hot\"", n, FillBodySize,
             every);

    NetworkCache cache;
    cache.setCacheDirectory(cfg.dir(QStringLiteral("invalidate")));
    const QString walPath =
            cfg.dir(QStringLiteral("invalidate")) + QLatin1String("/catalogue.db-wal");
    qint64 walHighWater = 0;
    cache.setMaximumCacheSize(HugeCacheSize);
    cache.setTagCallback([&hot, every](const QUrl &url, const QNetworkCacheMetaData &) {
        const int i = url.path().section(QLatin1Char('/'), -1).toInt();
        return i % every == 0 ? QStringList {hot} : QStringList();
    });
    QElapsedTimer fillTimer;
    fillTimer.start();
    double apiUs = 0;
    for (int i = 0; i < n; ++i) {
        const auto t0 = Clock::now();
        if (!storeEntry(&cache, apiUrl("inv", i), bodyFor(quint32(40000000 + i), FillBodySize)))
            qFatal("invalidate: insert %d failed: %s", i, qPrintable(cache.errorString()));
        apiUs += usSince(t0);
        if (i % 1000 == 999) {
            QCoreApplication::processEvents(); // deferred work, as an application's event loop runs
                                               // it
            walHighWater = qMax(walHighWater, QFileInfo(walPath).size());
        }
        if (i % (n / 10) == n / 10 - 1)
            progress("invalidate: %d / %d (%.0f entries/s so far)", i + 1, n,
                     (i + 1) / (double(fillTimer.elapsed()) / 1000.0));
    }
    // Let deferred work (hit flushes, WAL checkpoints) settle before the timed call.
    QElapsedTimer settle;
    settle.start();
    while (settle.elapsed() < 1500) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        QThread::msleep(5);
    }
    const double fillS = double(fillTimer.elapsed()) / 1000.0;

    tiercache::EntryFilter tagged;
    tagged.setTag(hot);
    const qint64 entriesBefore = cache.entryCount();
    const qint64 taggedBefore = cache.entryCount(tagged);

    progress("invalidate: invalidateTag(\"hot\") on %lld entries, %lld tagged", entriesBefore,
             taggedBefore);
    const auto t0 = Clock::now();
    const int removed = cache.invalidateTag(hot);
    const double ms = usSince(t0) / 1000.0;

    // The call only marks the entries; their rows and bodies are deleted afterwards in short
    // event-loop steps. Time those apart: their sum, the longest one (what a GUI would feel),
    // and how long until every body is gone.
    double afterUs = 0, longestStepUs = 0;
    QElapsedTimer wait;
    wait.start();
    qint64 reclaimedMs = -1, nextCheckMs = 0;
    while (wait.elapsed() < 60000) {
        const auto t1 = Clock::now();
        QCoreApplication::processEvents();
        const double stepUs = usSince(t1);
        afterUs += stepUs;
        longestStepUs = qMax(longestStepUs, stepUs);
        // summary() counts over the whole catalogue (~0.1 s here): ask once a second, outside
        // the timed steps, so that it does not starve the deletion it waits for.
        if (reclaimedMs < 0 && wait.elapsed() >= nextCheckMs) {
            nextCheckMs = wait.elapsed() + 1000;
            if (cache.summary().blobCount() == n - expected)
                reclaimedMs = wait.elapsed();
        }
        if (reclaimedMs >= 0 && wait.elapsed() > reclaimedMs + 500)
            break; // and half a second for the last tombstones to be unlinked
        QThread::usleep(200);
    }
    const qint64 entriesAfter = cache.entryCount();
    const qint64 taggedAfter = cache.entryCount(tagged);
    const bool goneOk = !cache.metaData(apiUrl("inv", 0)).isValid()
            && !cache.metaData(apiUrl("inv", every)).isValid()
            && cache.metaData(apiUrl("inv", 1)).isValid()
            && cache.metaData(apiUrl("inv", n - 1)).isValid();
    progress("invalidate: removed %d in %.1f ms; entries %lld -> %lld, tagged %lld -> %lld",
             removed, ms, entriesBefore, entriesAfter, taggedBefore, taggedAfter);

    report.section(QStringLiteral("9. invalidate (%1, disk)").arg(n));
    report.add(QStringLiteral("fill (API, 512 B, 1 in %1 tagged)").arg(every), NaN, fillS,
               QStringLiteral("s"));
    report.add(QStringLiteral("fill rate (API calls only)"), NaN, n / (apiUs / 1e6),
               QStringLiteral("entries/s"));
    report.add(QStringLiteral("catalogue WAL file, largest seen in the fill"), NaN,
               double(walHighWater) / MiB, QStringLiteral("MiB"));
    report.add(QStringLiteral("invalidateTag(\"hot\")"), NaN, ms, QStringLiteral("ms"),
               Target::AtMost, 200);
    report.add(QStringLiteral("... entries removed"), NaN, removed, QStringLiteral("entries"),
               Target::Exactly, expected);
    report.add(QStringLiteral("... entries left (all - tagged)"), NaN, double(entriesAfter),
               QStringLiteral("entries"), Target::Exactly, n - expected);
    report.add(QStringLiteral("deferred deletion: event-loop time"), NaN, afterUs / 1000.0,
               QStringLiteral("ms"));
    report.add(QStringLiteral("... longest event-loop step"), NaN, longestStepUs / 1000.0,
               QStringLiteral("ms"));
    report.add(QStringLiteral("... bodies gone after (polled each s)"), NaN, double(reclaimedMs),
               QStringLiteral("ms"));
    report.note(
            QStringLiteral(
                    "invalidate: one NetworkCache (disk tier) filled through prepare/write/insert "
                    "with "
                    "a setTagCallback() tagging every %1th URL \"hot\" (event loop run every 1000 "
                    "inserts; fill time includes a 1.5 s settle); invalidateTag() makes the "
                    "entries "
                    "unreachable in one transaction, their rows and bodies are deleted by later "
                    "event-loop steps (timed apart, until the catalogue holds no body of theirs); "
                    "before: %2 entries, %3 tagged; "
                    "after: %4 entries, %5 tagged; spot checks of removed/kept URLs %6; QNDC has "
                    "no "
                    "tags (n/a)")
                    .arg(every)
                    .arg(entriesBefore)
                    .arg(taggedBefore)
                    .arg(entriesAfter)
                    .arg(taggedAfter)
                    .arg(goneOk ? QStringLiteral("ok") : QStringLiteral("FAILED")));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("tiercache_bench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
            QStringLiteral("Runs the same workloads on QNetworkDiskCache and "
                           "tiercache::NetworkCache, interleaved, "
                           "and prints a comparison table.\nWorkloads: hit, insert, write, qnam, "
                           "qnamload, procs, large, startup, evict, tiers, stats, invalidate.\nThe "
                           "tier workloads load the memory, sqlite and redis "
                           "plugins (set TIERCACHE_PLUGIN_PATH) "
                           "and start a private redis-server when one is installed."));
    parser.addHelpOption();
    const QCommandLineOption quickOption(
            QStringLiteral("quick"),
            QStringLiteral("Small sizes: a smoke run of well under a minute."));
    const QCommandLineOption onlyOption(
            QStringLiteral("only"), QStringLiteral("Run only these workloads (comma-separated)."),
            QStringLiteral("names"));
    const QCommandLineOption entriesOption(
            QStringLiteral("entries"),
            QStringLiteral("Entries for start-up and eviction (default 100000; "
                           "2000 with --quick)."),
            QStringLiteral("n"));
    const QCommandLineOption largeOption(
            QStringLiteral("large-mib"),
            QStringLiteral("Size of the large body in MiB (default 512; 32 with --quick)."),
            QStringLiteral("mib"));
    const QCommandLineOption dirOption(
            QStringLiteral("dir"),
            QStringLiteral("Where to create the cache directories (default: a "
                           "temporary directory under %1).")
                    .arg(QDir::tempPath()),
            QStringLiteral("path"));
    QCommandLineOption childOption(
            QStringLiteral("child"),
            QStringLiteral("Internal: one process of the 'procs' workload (IMPL DIR BASEURL "
                           "COUNT)."));
    childOption.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOptions(
            {quickOption, onlyOption, entriesOption, largeOption, dirOption, childOption});
    parser.process(app);
    if (parser.isSet(childOption))
        return runChild(parser.positionalArguments());

    Config cfg;
    cfg.quick = parser.isSet(quickOption);
    cfg.entries = cfg.quick ? 2000 : 100000;
    cfg.largeBytes = (cfg.quick ? 32 : 512) * MiB;
    if (parser.isSet(entriesOption)) {
        bool ok = false;
        cfg.entries = parser.value(entriesOption).toInt(&ok);
        if (!ok || cfg.entries < 100) {
            std::fprintf(stderr, "--entries must be an integer >= 100\n");
            return 2;
        }
    }
    if (parser.isSet(largeOption)) {
        bool ok = false;
        const qint64 mib = parser.value(largeOption).toLongLong(&ok);
        if (!ok || mib < 1) {
            std::fprintf(stderr, "--large-mib must be a positive integer\n");
            return 2;
        }
        cfg.largeBytes = mib * MiB;
    }
    const QStringList known = {
            QStringLiteral("hit"),   QStringLiteral("insert"),   QStringLiteral("write"),
            QStringLiteral("qnam"),  QStringLiteral("qnamload"), QStringLiteral("procs"),
            QStringLiteral("large"), QStringLiteral("startup"),  QStringLiteral("evict"),
            QStringLiteral("tiers"), QStringLiteral("stats"),    QStringLiteral("invalidate")};
    for (const QString &name : parser.values(onlyOption)) {
        for (const QString &part : name.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            if (!known.contains(part.trimmed())) {
                std::fprintf(stderr, "unknown workload '%s'; known: %s\n", qPrintable(part),
                             qPrintable(known.join(QStringLiteral(", "))));
                return 2;
            }
            cfg.only.append(part.trimmed());
        }
    }

    const QString parent = parser.isSet(dirOption) ? QDir(parser.value(dirOption)).absolutePath()
                                                   : QDir::tempPath();
    if (!QDir().mkpath(parent)) {
        std::fprintf(stderr, "cannot create %s\n", qPrintable(parent));
        return 2;
    }
    QTemporaryDir tempDir(parent + QStringLiteral("/tiercache-bench-XXXXXX"));
    if (!tempDir.isValid()) {
        std::fprintf(stderr, "cannot create a directory under %s: %s\n", qPrintable(parent),
                     qPrintable(tempDir.errorString()));
        return 2;
    }
    cfg.base = tempDir.path();

    QString magic;
    const QString fsType = fileSystemType(cfg.base, &magic);
    std::printf("tiercache_bench: QNetworkDiskCache vs tiercache::NetworkCache%s\n",
                cfg.quick ? " (--quick)" : "");
    std::printf("  Qt %s, %s, %s, %d CPUs, %s\n", qVersion(),
                qPrintable(QSysInfo::prettyProductName()), qPrintable(QSysInfo::kernelVersion()),
                QThread::idealThreadCount(),
                qPrintable(QDateTime::currentDateTime().toString(Qt::ISODate)));
    std::printf("  cache directories under %s: file system %s (statfs f_type %s)\n",
                qPrintable(cfg.base), qPrintable(fsType), qPrintable(magic));
    std::printf("  entries %d, large body %lld MiB, workloads: %s\n\n", cfg.entries,
                cfg.largeBytes / MiB,
                cfg.only.isEmpty() ? "all" : qPrintable(cfg.only.join(QLatin1Char(','))));
    std::fflush(stdout);

    QElapsedTimer total;
    total.start();
    Report report;
    FilledDirs filled;
    if (cfg.wants("hit"))
        benchHit(cfg, report);
    if (cfg.wants("insert"))
        benchInsert(cfg, report);
    if (cfg.wants("write"))
        benchWrite(cfg, report);
    if (cfg.wants("qnam"))
        benchQnam(cfg, report);
    if (cfg.wants("qnamload"))
        benchQnamLoad(cfg, report);
    if (cfg.wants("procs"))
        benchProcesses(cfg, report);
    if (cfg.wants("large"))
        benchLarge(cfg, report);
    if (cfg.wants("startup"))
        benchStartup(cfg, filled, report);
    if (cfg.wants("evict"))
        benchEvict(cfg, filled, report);
    if (cfg.wants("tiers"))
        benchTiers(cfg, report);
    if (cfg.wants("stats"))
        benchStats(cfg, report);
    if (cfg.wants("invalidate"))
        benchInvalidate(cfg, report);
    const double seconds = double(total.elapsed()) / 1000.0;

    std::printf("\n");
    report.print();
    std::printf("\n%d target(s) missed, %d row(s) not run; measured in %.1f s.\n",
                report.failures(), report.notRun(), seconds);
    QStringList args = QCoreApplication::arguments();
    args.removeFirst();
    std::printf(
            "How to reproduce (tiers needs the Debian package redis-server): "
            "cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release && "
            "cmake --build build/bench --target tiercache_bench tiercache_memory tiercache_sqlite "
            "tiercache_redis && TIERCACHE_PLUGIN_PATH=build/bench/tiercache-plugins "
            "build/bench/tests/benchmarks/tiercache_bench%s%s\n",
            args.isEmpty() ? "" : " ", qPrintable(args.join(QLatin1Char(' '))));
    std::fflush(stdout);
    // Deleting hundreds of thousands of files takes a while on some file systems (and slows
    // file creation there for a while afterwards); say so rather than appear to hang.
    progress("removing %s", qPrintable(cfg.base));
    QElapsedTimer removal;
    removal.start();
    tempDir.remove();
    progress("removed in %.1f s", double(removal.elapsed()) / 1000.0);
    return 0;
}
