// SPDX-License-Identifier: MIT
// The Browser's window driven as a user would (offscreen): open a cache filled through a
// real QNAM, type a filter, select entries, invalidate a tag after leaving read-only mode;
// refuse a non-cache directory without touching it; refresh live while another process writes;
// open a tier chain; screenshots of each view. The views read on a worker thread: the test
// waits for their answers (MainWindow::waitUntilLoaded()), never for fixed times.

#include "browsertestutil.h"

#include <entriesmodel.h>
#include <entrydetails.h>
#include <mainwindow.h>
#include <pluginspane.h>
#include <statisticspane.h>
#include <tagspane.h>

#include <cachefiles.h>
#include <loopbackserver.h>

#include <QtCore/QBuffer>
#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QSet>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtGui/QImage>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QApplication>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QTableView>

using namespace tiercache;
using namespace tiercache::browser;
using namespace tiercache::test;

namespace {
QByteArray pngBytes()
{
    QImage image(40, 30, QImage::Format_RGB32);
    image.fill(Qt::darkCyan);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return bytes;
}

// 100 KiB of JSON: stored compressed by a disk:?compress=zstd tier, previewed whole.
QByteArray bigJson()
{
    QByteArray out = "[";
    for (int i = 0; out.size() < 100 * 1024; ++i)
        out += "{\"id\":" + QByteArray::number(i) + ",\"name\":\"entry\"},\n";
    out += "{}]";
    return out;
}

int rowOf(EntriesModel *model, const QString &path)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->entryAt(row).url.path() == path)
            return row;
    }
    return -1;
}

// Distinct colours in a sample of the image's pixels: a blank or single-colour grab has 1.
int colourCount(const QImage &image)
{
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7) {
        for (int x = 0; x < image.width(); x += 7)
            colours.insert(image.pixel(x, y));
    }
    return int(colours.size());
}
} // namespace

class tst_MainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void filtersSelectsAndInvalidates();
    void previewsACompressedDiskEntry();
    void refusesANonCacheDirectoryWithoutTouchingIt_data();
    void refusesANonCacheDirectoryWithoutTouchingIt();
    void refreshesWhileAnotherWriterWrites();
    void refreshesWhileAnotherProcessWrites();
    void tagBytesSharedBodiesAndOldest();
    void opensATierChain();
    void savesABodyAsItStreams();
    void screenshotsOfEveryView();
    void actionsRunOffTheGuiThread();

private:
    void fetch(QNetworkAccessManager &nam, const QString &path);
    void fill(const QString &dir, const QStringList &tiers = {}, const QStringList &extra = {});
    LoopbackServer m_server;
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_MainWindow::initTestCase()
{
    QApplication::setOrganizationName(QStringLiteral("tiercache-tests"));
    QApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
    QVERIFY(m_server.isListening());
    m_server.setRoute("/page.html",
                      Response::ok("<h1>Hello</h1>")
                              .header("Content-Type", "text/html")
                              .header("Cache-Tag", "news,site"));
    m_server.setRoute("/news/1.json",
                      Response::ok("{\"n\": 1}")
                              .header("Content-Type", "application/json")
                              .header("Cache-Tag", "news"));
    m_server.setRoute("/logo.png",
                      Response::ok(pngBytes())
                              .header("Content-Type", "image/png")
                              .header("Cache-Tag", "images,site"));
    m_server.setRoute("/blob.bin",
                      Response::ok(QByteArray(300, '\x01'))
                              .header("Content-Type", "application/octet-stream"));
    m_server.setRoute("/late.txt", Response::ok("late").header("Content-Type", "text/plain"));
    m_server.setRoute("/big.json",
                      Response::ok(bigJson()).header("Content-Type", "application/json"));
    m_server.setRoute("/copy.html",
                      Response::ok("<h1>Hello</h1>").header("Content-Type", "text/html"));
}

void tst_MainWindow::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_MainWindow::fetch(QNetworkAccessManager &nam, const QString &path)
{
    QNetworkReply *reply = nam.get(QNetworkRequest(m_server.url(path)));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(reply->isFinished() || finished.wait(10000));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    reply->readAll();
    delete reply;
}

void tst_MainWindow::fill(const QString &dir, const QStringList &tiers, const QStringList &extra)
{
    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    if (!tiers.isEmpty())
        QVERIFY(cache->setTiers(tiers));
    if (!dir.isEmpty())
        cache->setCacheDirectory(dir);
    nam.setCache(cache);
    QStringList paths = {QStringLiteral("/page.html"), QStringLiteral("/news/1.json"),
                         QStringLiteral("/logo.png"), QStringLiteral("/blob.bin"),
                         QStringLiteral("/page.html")};
    paths += extra;
    for (const QString &path : std::as_const(paths))
        fetch(nam, path);
    EntryFilter all;
    if (dir.isEmpty())
        all.setTier(tiers.first().section(QLatin1Char(':'), 0, 0));
    QCOMPARE(cache->entryCount(all), 4 + extra.size());
}

void tst_MainWindow::filtersSelectsAndInvalidates()
{
    fill(m_dir->path());
    MainWindow window;
    window.show();
    QVERIFY(window.openCache(m_dir->path()));
    QVERIFY(window.errorText().isEmpty());
    EntriesModel *model = window.entriesModel();
    QVERIFY(window.waitUntilLoaded());
    QCOMPARE(model->rowCount(), 4);

    // Typing a filter narrows the list (after the typing pause).
    QTest::keyClicks(window.filterEdit(), QStringLiteral("news/"));
    QTRY_COMPARE(model->rowCount(), 1);
    QCOMPARE(model->entryAt(0).url.path(), QStringLiteral("/news/1.json"));
    window.filterEdit()->clear();
    QTRY_COMPARE(model->rowCount(), 4);

    // Selecting shows the details and a preview of the right kind.
    window.entriesView()->selectRow(rowOf(model, QStringLiteral("/page.html")));
    QCOMPARE(window.details()->currentUrl().path(), QStringLiteral("/page.html"));
    QVERIFY(window.waitUntilLoaded());
    QCOMPARE(window.details()->previewKind(), QStringLiteral("text"));
    window.entriesView()->selectRow(rowOf(model, QStringLiteral("/logo.png")));
    QVERIFY(window.waitUntilLoaded());
    QCOMPARE(window.details()->previewKind(), QStringLiteral("image"));
    window.entriesView()->selectRow(rowOf(model, QStringLiteral("/blob.bin")));
    QVERIFY(window.waitUntilLoaded());
    QCOMPARE(window.details()->previewKind(), QStringLiteral("hex"));

    // Tags: read-only refuses, leaving read-only mode allows, the catalogue changes.
    TagsPane *tags = window.tagsPane();
    QVERIFY(tags->tags().contains(QStringLiteral("news")));
    const auto before = snapshot(m_dir->path());
    QCOMPARE(tags->invalidate(QStringLiteral("news"), false), 0);
    QCOMPARE(snapshot(m_dir->path()), before);
    QVERIFY(!window.isWritable());
    QVERIFY(window.setWritable(true));
    QCOMPARE(tags->invalidate(QStringLiteral("news"), false), 2);
    QVERIFY(window.waitUntilLoaded());
    QCOMPARE(model->rowCount(), 2);
    QVERIFY(!tags->tags().contains(QStringLiteral("news")));

    NetworkCache check; // another reader sees the change in the catalogue
    check.setReadOnly(true);
    check.setCacheDirectory(m_dir->path());
    QVERIFY(check.open());
    QCOMPARE(check.entryCount(), 2);
    QVERIFY(!check.entryInfo(m_server.url(QStringLiteral("/page.html"))).isValid());
    QVERIFY(check.entryInfo(m_server.url(QStringLiteral("/logo.png"))).isValid());
}

void tst_MainWindow::previewsACompressedDiskEntry()
{
    // Stored compressed by a writer with disk:?compress=zstd; the Browser opens the directory
    // read-only with no compress setting of its own, reads the body through the library and
    // shows the decoded text, with the stored size beside the body size.
    fill(m_dir->path(), {QStringLiteral("disk:?compress=zstd")}, {QStringLiteral("/big.json")});
    MainWindow window;
    window.show();
    QVERIFY(window.openCache(m_dir->path()));
    QVERIFY(window.waitUntilLoaded());
    const int row = rowOf(window.entriesModel(), QStringLiteral("/big.json"));
    QVERIFY(row >= 0);
    const EntryRow entry = window.entriesModel()->entryAt(row);
    QCOMPARE(entry.bodySize, qint64(bigJson().size()));
    QVERIFY2(entry.storedSize * 3 < entry.bodySize, qPrintable(QString::number(entry.storedSize)));
    window.entriesView()->selectRow(row);
    QVERIFY(window.waitUntilLoaded());
    QCOMPARE(window.details()->previewKind(), QStringLiteral("text"));
    QVERIFY(window.details()->previewText() == QString::fromUtf8(bigJson()));
}

void tst_MainWindow::refusesANonCacheDirectoryWithoutTouchingIt_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("message");
    QTest::newRow("home-like directory") << "plain"
                                         << "not a Tiercache cache directory";
    QTest::newRow("damaged catalogue") << "damaged"
                                       << "damaged or not a database";
}

void tst_MainWindow::refusesANonCacheDirectoryWithoutTouchingIt()
{
    QFETCH(QString, kind);
    QFETCH(QString, message);
    const QString dir = m_dir->path();
    if (kind == QLatin1String("plain")) {
        QFile notes(dir + QLatin1String("/notes.txt"));
        QVERIFY(notes.open(QIODevice::WriteOnly));
        notes.write("hello\n");
    } else {
        fill(dir);
        QFile catalogue(dir + QLatin1String("/catalogue.db"));
        QVERIFY(catalogue.open(QIODevice::ReadWrite));
        catalogue.write(QByteArray(64, '\x7f'));
    }
    const auto before = snapshot(dir);
    {
        MainWindow window;
        window.show();
        QVERIFY(!window.openCache(dir));
        QVERIFY2(window.errorText().contains(message), qPrintable(window.errorText()));
        QVERIFY(window.errorText().contains(QLatin1String("Nothing in it was changed")));
        QCOMPARE(window.entriesModel()->rowCount(), 0);
    }
    QCOMPARE(snapshot(dir), before);
}

void tst_MainWindow::refreshesWhileAnotherWriterWrites()
{
    fill(m_dir->path());
    MainWindow window;
    window.show();
    QVERIFY(window.openCache(m_dir->path()));
    QVERIFY(window.waitUntilLoaded());
    QCOMPARE(window.entriesModel()->totalCount(), 4);

    QNetworkAccessManager nam;
    auto *writer = new NetworkCache;
    writer->setCacheDirectory(m_dir->path());
    nam.setCache(writer);
    fetch(nam, QStringLiteral("/late.txt"));
    // The window's one-second timer notices the new data version.
    QTRY_COMPARE_WITH_TIMEOUT(window.entriesModel()->totalCount(), 5, 5000);
    QVERIFY(rowOf(window.entriesModel(), QStringLiteral("/late.txt")) >= 0);
}

void tst_MainWindow::screenshotsOfEveryView()
{
    fill(m_dir->path());
    MainWindow window;
    window.resize(1100, 700);
    window.show();
    QVERIFY(window.openCache(m_dir->path()));
    QVERIFY(window.waitUntilLoaded());
    window.entriesView()->selectRow(rowOf(window.entriesModel(), QStringLiteral("/logo.png")));
    QVERIFY(window.pluginsPane()->pluginCount() >= 1); // the memory plugin, built beside
    QVERIFY(!window.statisticsPane()->counterText(QStringLiteral("hits")).isEmpty());
    // The AccessManager's background refreshes (none here: the demo fills through plain QNAM;
    // tst_cli checks non-zero figures from the same Statistics).
    QCOMPARE(window.statisticsPane()->counterText(QStringLiteral("refreshes")),
             QStringLiteral("0 done, 0 skipped, 0 failed"));
    window.statisticsPane()->loadTopLists();
    const QString target = QDir::current().filePath(QStringLiteral("screenshots"));
    const QStringList written = window.saveScreenshots(target);
    QCOMPARE(written.size(), int(MainWindow::PageCount));
    for (const QString &path : written) {
        const QImage image(path);
        QVERIFY2(!image.isNull(), qPrintable(path));
        QCOMPARE(image.size(), window.size());
        QVERIFY2(colourCount(image) > 8, qPrintable(path + QLatin1String(" looks blank")));
        qInfo("screenshot %s", qPrintable(path));
    }
}

void tst_MainWindow::actionsRunOffTheGuiThread()
{
    fill(m_dir->path());
    MainWindow window;
    window.show();
    QVERIFY(window.openCache(m_dir->path()));
    QVERIFY(window.waitUntilLoaded());
    QSignalSpy finished(&window, &MainWindow::jobFinished);
    const auto run = [&](CacheJob::Kind kind, const QList<QUrl> &urls = {},
                         const QString &path = {},
                         CacheJob::Format format = CacheJob::Format::Csv) -> QString {
        finished.clear();
        if (!window.startJob(kind, urls, path, format))
            return QStringLiteral("<not started>");
        if (!finished.wait(20000))
            return QStringLiteral("<timeout>");
        window.waitUntilLoaded(); // the refresh that follows every job
        return finished.first().at(1).toString();
    };

    // Read-only: export and verify run, writes do not start.
    QTemporaryDir out;
    const QString csv = out.filePath(QStringLiteral("entries.csv"));
    QVERIFY(run(CacheJob::Kind::Export, {}, csv).contains(QLatin1String("4 entries exported")));
    QFile csvFile(csv);
    QVERIFY(csvFile.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csvFile.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 5);
    QVERIFY(lines.first().startsWith("url,status,content_type"));
    const QString json = out.filePath(QStringLiteral("entries.json"));
    run(CacheJob::Kind::Export, {}, json, CacheJob::Format::Json);
    QFile jsonFile(json);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(jsonFile.readAll(), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(doc.array().size(), 4);
    QVERIFY(doc.array().first().toObject().contains(QLatin1String("digest")));
    const QString verified = run(CacheJob::Kind::Verify);
    QVERIFY2(verified.contains(QLatin1String("4 bodies verified")), qPrintable(verified));
    QCOMPARE(run(CacheJob::Kind::Clear), QStringLiteral("<not started>"));
    QCOMPARE(window.entriesModel()->totalCount(), 4);

    // Out of read-only mode: delete the selection, collect garbage, clear.
    QVERIFY(window.setWritable(true));
    window.entriesView()->selectRow(0);
    window.entriesView()->selectionModel()->select(window.entriesModel()->index(1, 0),
                                                   QItemSelectionModel::Select
                                                           | QItemSelectionModel::Rows);
    const QList<QUrl> selected = window.selectedUrls();
    QCOMPARE(selected.size(), 2);
    QVERIFY(run(CacheJob::Kind::Delete, selected).contains(QLatin1String("2 entries deleted")));
    QCOMPARE(window.entriesModel()->totalCount(), 2);
    QVERIFY(run(CacheJob::Kind::CollectGarbage).contains(QLatin1String("reclaimed")));
    QVERIFY(run(CacheJob::Kind::Clear).contains(QLatin1String("2 entries removed")));
    QCOMPARE(window.entriesModel()->totalCount(), 0);

    NetworkCache check;
    check.setReadOnly(true);
    check.setCacheDirectory(m_dir->path());
    QVERIFY(check.open());
    QCOMPARE(check.entryCount(), 0);
}

void tst_MainWindow::refreshesWhileAnotherProcessWrites()
{
    fill(m_dir->path());
    MainWindow window;
    window.show();
    QVERIFY(window.openCache(m_dir->path()));
    QVERIFY(window.waitUntilLoaded());
    QCOMPARE(window.entriesModel()->totalCount(), 4);

    // 30 items, one every 100 ms: about three seconds of writing by another process.
    QProcess writer;
    writer.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    writer.start(QStringLiteral(BROWSER_WRITER),
                 {m_dir->path(), QStringLiteral("0"), QStringLiteral("30"), QStringLiteral("100")});
    QVERIFY2(writer.waitForStarted(), qPrintable(writer.errorString()));
    // How long the event loop went without running, while the writer wrote (printed, not
    // judged: no timed tests; browser_bench has the figures that count).
    QElapsedTimer sinceTick;
    sinceTick.start();
    qint64 longestGap = 0;
    QTimer tick;
    tick.setInterval(5);
    tick.callOnTimeout([&] { longestGap = qMax(longestGap, sinceTick.restart()); });
    tick.start();
    // Live: new entries show while the writer still runs, not only once it is done.
    bool seenWhileWriting = false;
    while (writer.state() != QProcess::NotRunning) {
        QTest::qWait(20);
        const qint64 shown = window.entriesModel()->totalCount();
        if (shown > 4 && shown < 34 && writer.state() != QProcess::NotRunning)
            seenWhileWriting = true;
    }
    tick.stop();
    QCOMPARE(writer.exitStatus(), QProcess::NormalExit);
    QCOMPARE(writer.exitCode(), 0);
    QVERIFY(seenWhileWriting);
    QTRY_COMPARE_WITH_TIMEOUT(window.entriesModel()->totalCount(), 34, 10000);
    QVERIFY(window.waitUntilLoaded());
    QTRY_VERIFY(rowOf(window.entriesModel(), QStringLiteral("/item/0029")) >= 0);
    QVERIFY(window.tagsPane()->tags().contains(QStringLiteral("third")));
    qInfo("longest event-loop gap while another process wrote: %lld ms", longestGap);
}

void tst_MainWindow::tagBytesSharedBodiesAndOldest()
{
    // /copy.html has the body of /page.html: stored once, shared by two entries.
    fill(m_dir->path(), {}, {QStringLiteral("/copy.html")});
    MainWindow window;
    window.show();
    QVERIFY(window.openCache(m_dir->path()));
    QVERIFY(window.waitUntilLoaded());
    TagsPane *tags = window.tagsPane();
    QCOMPARE(tags->bytesOf(QStringLiteral("news")), qint64(14 + 8)); // page.html + 1.json
    QCOMPARE(tags->bytesOf(QStringLiteral("images")), qint64(pngBytes().size()));
    QCOMPARE(tags->bytesOf(QStringLiteral("nosuchtag")), -1);

    window.entriesView()->selectRow(rowOf(window.entriesModel(), QStringLiteral("/copy.html")));
    QVERIFY(window.waitUntilLoaded());
    QVERIFY2(window.details()->infoHtml().contains(QLatin1String("2 entries (this one included)")),
             qPrintable(window.details()->infoHtml()));
    window.entriesView()->selectRow(rowOf(window.entriesModel(), QStringLiteral("/logo.png")));
    QVERIFY(window.waitUntilLoaded());
    QVERIFY(window.details()->infoHtml().contains(QLatin1String("Only this entry uses this body")));

    // The status filter of the bar: everything here is 200.
    EntryQuery q = window.entriesModel()->query();
    q.status = 203;
    window.entriesModel()->setQuery(q);
    QVERIFY(window.waitUntilLoaded());
    QCOMPARE(window.entriesModel()->totalCount(), 0);

    StatisticsPane *stats = window.statisticsPane();
    QCOMPARE(stats->topText(0, 4), QString());
    stats->loadTopLists();
    QVERIFY(window.waitUntilLoaded());
    // The oldest entry is the first one fetched.
    QCOMPARE(QUrl(stats->topText(0, 4)).path(), QStringLiteral("/page.html"));
    QVERIFY(!stats->topText(0, 5).isEmpty());
    QVERIFY(!stats->topText(0, 0).isEmpty()); // hottest
    QVERIFY(!stats->topText(0, 2).isEmpty()); // largest
}

void tst_MainWindow::opensATierChain()
{
    // A SQLite tier alone (no cache directory), filled through QNAM.
    const QString spec = QStringLiteral("sqlite:?path=%1/tier.db").arg(m_dir->path());
    fill(QString(), {spec});
    const auto before = snapshot(m_dir->path());
    {
        MainWindow window;
        window.show();
        QVERIFY2(window.openTierChain({spec}), qPrintable(window.errorText()));
        QVERIFY(window.waitUntilLoaded());
        QCOMPARE(window.entriesModel()->query().tier, QStringLiteral("sqlite"));
        QCOMPARE(window.entriesModel()->totalCount(), 4);
        const int row = rowOf(window.entriesModel(), QStringLiteral("/logo.png"));
        QVERIFY(row >= 0);
        QCOMPARE(window.entriesModel()->entryAt(row).contentType, QStringLiteral("image/png"));
        window.entriesView()->selectRow(row);
        QVERIFY(window.waitUntilLoaded());
        QVERIFY(window.details()->infoHtml().contains(QLatin1String("image/png")));
        // The body comes from the read-only sqlite tier: the image is shown, and the snapshot
        // below proves the read wrote nothing.
        QCOMPARE(window.details()->previewKind(), QStringLiteral("image"));
        QVERIFY(!window.isWritable());

        MainWindow bad;
        QVERIFY(!bad.openTierChain({QStringLiteral("nosuchscheme://x")}));
        QVERIFY2(bad.errorText().contains(QLatin1String("Nothing in it was changed")),
                 qPrintable(bad.errorText()));
    }
    // Listing and previewing read the tier without writing it.
    QCOMPARE(snapshot(m_dir->path()), before);
}

void tst_MainWindow::savesABodyAsItStreams()
{
    // 3 MiB: a body file, read and written a piece at a time by the Browser's "Save body…".
    QByteArray big;
    for (int i = 0; big.size() < 3 * 1024 * 1024; ++i)
        big += QByteArray::number(i) + ' ';
    m_server.setRoute("/big.txt", Response::ok(big).header("Content-Type", "text/plain"));
    fill(m_dir->path(), {}, {QStringLiteral("/big.txt")});
    const QUrl url = m_server.url(QStringLiteral("/big.txt"));
    QTemporaryDir out;
    QVERIFY(out.isValid());
    const QString saved = out.filePath(QStringLiteral("big.txt"));
    const auto readerCache = [this] {
        auto cache = std::make_unique<NetworkCache>();
        cache->setReadOnly(true);
        cache->setCacheDirectory(m_dir->path());
        return cache;
    };
    const auto before = snapshot(m_dir->path());
    {
        const auto cache = readerCache();
        QCOMPARE(EntryDetails::saveBody(cache.get(), url, saved), QString());
        QFile file(saved);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll() == big);
        QVERIFY(!EntryDetails::saveBody(cache.get(), m_server.url(QStringLiteral("/nothing")),
                                        out.filePath(QStringLiteral("none")))
                         .isEmpty());
        QVERIFY(!QFile::exists(out.filePath(QStringLiteral("none"))));
    }
    QCOMPARE(snapshot(m_dir->path()), before); // saving read the cache without writing it

    // Damage in the middle of the body file: an error, and no file left behind.
    const QStringList blobs = blobFiles(m_dir->path());
    QCOMPARE(blobs.size(), 1);
    {
        QFile blob(blobs.first());
        QVERIFY(blob.open(QIODevice::ReadWrite));
        QVERIFY(blob.seek(blob.size() / 2));
        char c = 0;
        QVERIFY(blob.getChar(&c));
        QVERIFY(blob.seek(blob.size() / 2));
        QVERIFY(blob.putChar(char(c ^ 0x5a)));
    }
    const QString damaged = out.filePath(QStringLiteral("damaged.txt"));
    const auto cache = readerCache();
    const QString error = EntryDetails::saveBody(cache.get(), url, damaged);
    QVERIFY2(error.contains(QLatin1String("damaged")), qPrintable(error));
    QVERIFY(!QFile::exists(damaged));
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
