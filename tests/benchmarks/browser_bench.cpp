// SPDX-License-Identifier: MIT
// browser_bench [--entries N] [--dir DIR]: what the Browser costs on a large cache. Fills DIR-N
// (kept between runs) to N entries through the public API, then opens it read-only as the
// Browser does (the entries model reading through its CatalogueReader worker) and prints the
// time to the first rows, to filtered results, to scroll ten pages, and the memory. After a
// fill it measures in a fresh process of its own, so that the fill's memory is not counted.
// A program that prints figures, not a timed test.

#include <cataloguereader.h>
#include <entriesmodel.h>

#include <tiercache/networkcache.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QTextStream>
#include <QtGui/QGuiApplication>
#include <QtNetwork/QNetworkCacheMetaData>
#include <QtNetwork/QNetworkRequest>

using namespace tiercache;
using namespace tiercache::browser;

namespace {
qint64 statusKiB(const char *field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray name = QByteArray(field) + ':';
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(name))
            return line.mid(name.size()).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

// Runs the event loop until the model's pending answer is applied.
void waitLoaded(EntriesModel &model)
{
    while (model.isLoading())
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
}

bool fill(const QString &dir, qint64 wanted, QTextStream &out)
{
    NetworkCache cache;
    cache.setCacheDirectory(dir);
    cache.setMaximumCacheSize(qint64(64) * 1024 * 1024 * 1024);
    const qint64 have = cache.entryCount();
    if (have >= wanted)
        return false;
    QElapsedTimer clock;
    clock.start();
    for (qint64 n = have; n < wanted; ++n) {
        QNetworkCacheMetaData md;
        md.setUrl(QUrl(QStringLiteral("https://bench.example/item/%1?page=%2")
                               .arg(n, 7, 10, QLatin1Char('0'))
                               .arg(n % 97)));
        md.setSaveToDisk(true);
        QNetworkCacheMetaData::RawHeaderList headers = {
                {"Content-Type", n % 4 ? "text/html" : "image/png"},
                {"Cache-Control", n % 5 ? "max-age=86400" : "max-age=0"}};
        if (n % 10 == 0)
            headers.append(qMakePair(QByteArray("Cache-Tag"), QByteArray("tenth")));
        md.setRawHeaders(headers);
        md.setAttributes({{QNetworkRequest::HttpStatusCodeAttribute, 200}});
        QIODevice *device = cache.prepare(md);
        if (!device)
            qFatal("prepare failed: %s", qPrintable(cache.errorString()));
        if (n % 50000 == 0 && n > have)
            out << "  " << n << " entries, " << clock.elapsed() << " ms" << Qt::endl;
        device->write(QByteArray("body ") + QByteArray::number(n));
        cache.insert(device);
    }
    out << "filled " << (wanted - have) << " entries in " << clock.elapsed() << " ms" << Qt::endl;
    return true;
}
} // namespace

int main(int argc, char *argv[])
{
    QGuiApplication app(argc, argv);
    QCommandLineParser parser;
    const QCommandLineOption entries(QStringLiteral("entries"), QStringLiteral("entries"),
                                     QStringLiteral("n"), QStringLiteral("200000"));
    const QCommandLineOption dirOption(
            QStringLiteral("dir"), QStringLiteral("cache directory"), QStringLiteral("dir"),
            QDir::temp().filePath(QStringLiteral("tiercache-browser-bench")));
    parser.addOptions({entries, dirOption});
    parser.process(app);
    const qint64 wanted = parser.value(entries).toLongLong();
    const QString dir = parser.value(dirOption) + QLatin1Char('-') + QString::number(wanted);
    QTextStream out(stdout);
    if (fill(dir, wanted, out)) {
        // Measure in a process that did not fill: its memory is the Browser's alone.
        return QProcess::execute(QCoreApplication::applicationFilePath(),
                                 QCoreApplication::arguments().mid(1));
    }
    const qint64 rssBefore = statusKiB("VmRSS");

    QElapsedTimer clock;
    clock.start();
    CatalogueReader reader;
    reader.open(dir);
    EntriesModel model;
    model.setReader(&reader);
    const qint64 asked = clock.elapsed();
    waitLoaded(model);
    out << "entries " << model.totalCount() << ": first " << model.rowCount()
        << " rows (and the total) in " << clock.elapsed() << " ms (the GUI thread spent " << asked
        << " ms asking)" << Qt::endl;

    clock.restart();
    for (int page = 0; page < 10 && model.canFetchMore({}); ++page) {
        model.fetchMore({});
        waitLoaded(model);
    }
    out << "ten more pages in " << clock.elapsed() << " ms" << Qt::endl;

    const QList<QPair<const char *, EntryQuery>> filters = [] {
        EntryQuery text;
        text.text = QStringLiteral("item/00123");
        EntryQuery tag;
        tag.tag = QStringLiteral("tenth");
        EntryQuery type;
        type.contentType = QStringLiteral("image/");
        type.expiry = EntryQuery::Expiry::Stale;
        EntryQuery none;
        none.text = QStringLiteral("no such entry");
        return QList<QPair<const char *, EntryQuery>> {{"URL substring", text},
                                                       {"tag", tag},
                                                       {"image and stale", type},
                                                       {"no match", none}};
    }();
    for (const auto &[name, query] : filters) {
        clock.restart();
        model.setQuery(query);
        waitLoaded(model);
        out << "filter " << name << ": " << model.totalCount() << " matches, first "
            << model.rowCount() << " rows in " << clock.elapsed() << " ms" << Qt::endl;
    }
    // What the live refresh costs (on the worker thread).
    NetworkCache cache;
    cache.setReadOnly(true);
    cache.setCacheDirectory(dir);
    if (!cache.open())
        qFatal("%s", qPrintable(cache.errorString()));
    clock.restart();
    const int tagCount = int(tags(cache).size());
    out << "tag counts and bytes (" << tagCount << " tags) in " << clock.elapsed() << " ms"
        << Qt::endl;
    clock.restart();
    const StatisticsRow stats = statistics(cache, 10);
    out << "statistics with top 10 lists in " << clock.elapsed() << " ms (" << stats.lookups
        << " lookups)" << Qt::endl;
    clock.restart();
    model.refresh();
    waitLoaded(model);
    out << "refresh of " << model.rowCount() << " loaded rows in " << clock.elapsed() << " ms"
        << Qt::endl;
    out << "memory: RSS " << statusKiB("VmRSS") / 1024 << " MiB (" << rssBefore / 1024
        << " MiB before opening), peak RSS " << statusKiB("VmHWM") / 1024 << " MiB" << Qt::endl;
    return 0;
}
