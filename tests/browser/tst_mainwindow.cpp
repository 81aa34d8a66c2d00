// SPDX-License-Identifier: MIT
// The Browser's window driven as a user would (offscreen): open a cache filled through a
// real QNAM, type a filter, select entries, invalidate a tag after leaving read-only mode;
// refuse a non-cache directory without touching it; refresh live; screenshots of each view.

#include "browsertestutil.h"

#include <entriesmodel.h>
#include <entrydetails.h>
#include <mainwindow.h>
#include <pluginspane.h>
#include <statisticspane.h>
#include <tagspane.h>

#include <loopbackserver.h>

#include <QtCore/QBuffer>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QSet>
#include <QtCore/QTemporaryDir>
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
    void refusesANonCacheDirectoryWithoutTouchingIt_data();
    void refusesANonCacheDirectoryWithoutTouchingIt();
    void refreshesWhileAnotherWriterWrites();
    void screenshotsOfEveryView();
    void actionsRunOffTheGuiThread();

private:
    void fetch(QNetworkAccessManager &nam, const QString &path);
    void fill(const QString &dir);
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

void tst_MainWindow::fill(const QString &dir)
{
    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    cache->setCacheDirectory(dir);
    nam.setCache(cache);
    for (const char *path : {"/page.html", "/news/1.json", "/logo.png", "/blob.bin", "/page.html"})
        fetch(nam, QLatin1String(path));
    QCOMPARE(cache->entryCount(), 4);
}

void tst_MainWindow::filtersSelectsAndInvalidates()
{
    fill(m_dir->path());
    MainWindow window;
    window.show();
    QVERIFY(window.openCache(m_dir->path()));
    QVERIFY(window.errorText().isEmpty());
    EntriesModel *model = window.entriesModel();
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
    QCOMPARE(window.details()->previewKind(), QStringLiteral("text"));
    window.entriesView()->selectRow(rowOf(model, QStringLiteral("/logo.png")));
    QCOMPARE(window.details()->previewKind(), QStringLiteral("image"));
    window.entriesView()->selectRow(rowOf(model, QStringLiteral("/blob.bin")));
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
    window.entriesView()->selectRow(rowOf(window.entriesModel(), QStringLiteral("/logo.png")));
    QVERIFY(window.pluginsPane()->pluginCount() >= 1); // the memory plugin, built beside
    QVERIFY(!window.statisticsPane()->counterText(QStringLiteral("hits")).isEmpty());
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
    QSignalSpy finished(&window, &MainWindow::jobFinished);
    const auto run = [&](CacheJob::Kind kind, const QList<QUrl> &urls = {},
                         const QString &path = {},
                         CacheJob::Format format = CacheJob::Format::Csv) -> QString {
        finished.clear();
        if (!window.startJob(kind, urls, path, format))
            return QStringLiteral("<not started>");
        if (!finished.wait(20000))
            return QStringLiteral("<timeout>");
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

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
