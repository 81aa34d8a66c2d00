// SPDX-License-Identifier: MIT
// tiercache-browser [--tiers SPECS] [CACHE_DIR] | --demo [--demo-dir DIR] [--screenshots DIR]

#include "demofiller.h"
#include "entriesmodel.h"
#include "mainwindow.h"
#include "statisticspane.h"
#include "tagspane.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QDir>
#include <QtCore/QLibraryInfo>
#include <QtCore/QLocale>
#include <QtCore/QTextStream>
#include <QtCore/QTranslator>
#include <QtWidgets/QApplication>
#include <QtWidgets/QTableView>

#include <cstdio>

using namespace tiercache::browser;

namespace {
// Without a display there is nothing to show a window on: run offscreen (screenshots).
bool ensurePlatform()
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY")
        && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    return qgetenv("QT_QPA_PLATFORM") == "offscreen";
}

void selectEntry(MainWindow &window, const QString &path)
{
    EntriesModel *model = window.entriesModel();
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->entryAt(row).url.path() == path) {
            window.entriesView()->selectRow(row);
            return;
        }
    }
}
} // namespace

int main(int argc, char *argv[])
{
    const bool headless = ensurePlatform();
#ifdef TIERCACHE_BUILD_PLUGIN_DIR
    // Run from the build tree: find the tier plugins built beside it.
    if (qEnvironmentVariableIsEmpty("TIERCACHE_PLUGIN_PATH")
        && QDir(QStringLiteral(TIERCACHE_BUILD_PLUGIN_DIR)).exists())
        qputenv("TIERCACHE_PLUGIN_PATH", TIERCACHE_BUILD_PLUGIN_DIR);
#endif
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Tiercache"));
    QApplication::setApplicationName(QStringLiteral("tiercache-browser"));
    QApplication::setApplicationDisplayName(QStringLiteral("Tiercache Browser"));
    QApplication::setApplicationVersion(QStringLiteral(TIERCACHE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("tiercache-browser"));

    QTranslator qtTranslator;
    if (qtTranslator.load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(&qtTranslator);
    QTranslator translator;
    if (translator.load(QLocale(), QStringLiteral("tiercache-browser"), QStringLiteral("_"),
                        QStringLiteral(":/i18n")))
        QApplication::installTranslator(&translator);

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate(
            "main", "Browse the entries, tags and statistics of a Tiercache cache directory."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("cache-dir"),
                                 QApplication::translate("main", "The cache directory to open."));
    const QCommandLineOption demo(
            QStringLiteral("demo"),
            QApplication::translate("main",
                                    "Fill a demo cache from a loopback site, then open it."));
    const QCommandLineOption demoDir(
            QStringLiteral("demo-dir"),
            QApplication::translate("main", "Where the demo cache is made (emptied first)."),
            QStringLiteral("dir"), QDir::temp().filePath(QStringLiteral("tiercache-browser-demo")));
    const QCommandLineOption screenshots(
            QStringLiteral("screenshots"),
            QApplication::translate("main",
                                    "Write a PNG of each view into dir and exit (the "
                                    "default without a display)."),
            QStringLiteral("dir"));
    const QCommandLineOption tiers(
            QStringList {QStringLiteral("t"), QStringLiteral("tiers")},
            QApplication::translate("main",
                                    "Open this tier chain read-only (specs separated by "
                                    "commas, first tier first, e.g. redis://127.0.0.1:6379/0); "
                                    "with disk: it uses cache-dir."),
            QStringLiteral("specs"));
    parser.addOptions({demo, demoDir, screenshots, tiers});
    parser.process(app);

    QTextStream out(stdout);
    QString directory = parser.positionalArguments().value(0);
    if (parser.isSet(demo)) {
        directory = QDir(parser.value(demoDir)).absolutePath();
        DemoFiller filler;
        if (!filler.fill(directory)) {
            QTextStream(stderr) << "demo: " << filler.errorString() << Qt::endl;
            return 1;
        }
        for (const QString &line : filler.log())
            out << "demo: " << line << Qt::endl;
        out << "demo: cache in " << directory << Qt::endl;
    }

    MainWindow window;
    const QStringList specs = parser.value(tiers).split(QLatin1Char(','), Qt::SkipEmptyParts);
    if (!directory.isEmpty() || !specs.isEmpty())
        window.openCache(directory, specs);
    const bool shoot = parser.isSet(screenshots) || headless;
    if (!shoot) {
        window.show();
        return app.exec();
    }
    // Offscreen: the views at a fixed size, an image entry selected, one PNG per view.
    window.resize(1280, 800);
    window.show();
    window.waitUntilLoaded();
    selectEntry(window, QStringLiteral("/images/logo.png"));
    window.tagsPane()->selectTag(QStringLiteral("static"));
    window.statisticsPane()->loadTopLists();
    const QString target = parser.isSet(screenshots)
            ? parser.value(screenshots)
            : QDir::current().filePath(QStringLiteral("tiercache-browser-screenshots"));
    const QStringList written = window.saveScreenshots(QDir(target).absolutePath());
    for (const QString &path : written)
        out << "screenshot: " << path << Qt::endl;
    if (!window.errorText().isEmpty())
        out << "message: " << window.errorText() << Qt::endl;
    return written.size() == MainWindow::PageCount ? 0 : 1;
}
