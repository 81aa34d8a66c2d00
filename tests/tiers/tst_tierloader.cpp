// SPDX-License-Identifier: MIT
// TierLoader with broken plugin fixtures (tests/tiers/broken) beside the good plugins.

#include <tiercache/tierloader.h>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QLibrary>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <sys/stat.h>

#ifndef BROKEN_PLUGIN_DIR
#    error "BROKEN_PLUGIN_DIR must name the directory of the broken plugin fixtures"
#endif
#ifndef PLUGIN_BUILD_DIR
#    error "PLUGIN_BUILD_DIR must name the build's tiercache-plugins directory"
#endif

using namespace tiercache;

namespace {

const QString goodDir = QStringLiteral(PLUGIN_BUILD_DIR);
const QString brokenDir = QStringLiteral(BROKEN_PLUGIN_DIR);

QString fixture(const char *name)
{
    return QStringLiteral("libtiercache_fixture_%1.so").arg(QLatin1String(name));
}

// The entry of plugins() for the file called \a fileName, or one with an empty fileName.
TierPluginInfo infoFor(const QList<TierPluginInfo> &plugins, const QString &fileName)
{
    for (const TierPluginInfo &info : plugins) {
        if (QFileInfo(info.fileName()).fileName() == fileName)
            return info;
    }
    return {};
}

QString dump(const QList<TierPluginInfo> &plugins)
{
    QStringList lines;
    for (const TierPluginInfo &info : plugins)
        lines << QStringLiteral("%1 [%2] %3").arg(info.fileName(), info.id(), info.errorString());
    return lines.join(QLatin1Char('\n'));
}

bool setMode(const QString &path, mode_t mode)
{
    return ::chmod(QFile::encodeName(path).constData(), mode) == 0;
}

// Restores TIERCACHE_PLUGIN_PATH whatever a test does to it.
class EnvironmentGuard
{
public:
    EnvironmentGuard() : m_set(qEnvironmentVariableIsSet(Name)), m_value(qgetenv(Name)) { }
    ~EnvironmentGuard()
    {
        if (m_set)
            qputenv(Name, m_value);
        else
            qunsetenv(Name);
    }

private:
    static constexpr const char *Name = "TIERCACHE_PLUGIN_PATH";
    bool m_set;
    QByteArray m_value;
};

} // namespace

class tst_TierLoader : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void pluginsReportEveryFile_data();
    void pluginsReportEveryFile();
    void everyLibraryIsListed();
    void goodPluginsStillCreateTiers();
    void standAloneDiskTierCompresses();
    void unloadableLibraryFailsOnCreate();
    void unusablePluginsCreateNothing_data();
    void unusablePluginsCreateNothing();
    void firstPluginWins();
    void unknownSchemeListsAvailableAndSearchPath();
    void badSpecsNameTheSpec_data();
    void badSpecsNameTheSpec();
    void defaultSearchPathHonoursEnvironment();
    void worldWritableDirectoryIsIgnored();
};

void tst_TierLoader::initTestCase()
{
    for (const QString &file :
         {QStringLiteral("libtiercache_memory.so"), QStringLiteral("libtiercache_example.so")})
        QVERIFY2(QFile::exists(goodDir + QLatin1Char('/') + file),
                 qPrintable(goodDir + QLatin1Char('/') + file));
    for (const char *name :
         {"wrongiid", "wrongapi", "futureapi", "apiv1", "badjson", "noid", "badid", "emptymeta",
          "duplicate", "diskid", "unloadable", "notaplugin", "garbage"})
        QVERIFY2(QFile::exists(brokenDir + QLatin1Char('/') + fixture(name)),
                 qPrintable(fixture(name)));
}

void tst_TierLoader::pluginsReportEveryFile_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QString>("id");
    QTest::addColumn<QStringList>("errorMentions"); // empty: usable

    QTest::newRow("memory") << QStringLiteral("libtiercache_memory.so") << QStringLiteral("memory")
                            << QStringList();
    QTest::newRow("example") << QStringLiteral("libtiercache_example.so")
                             << QStringLiteral("example") << QStringList();
    QTest::newRow("wrong IID") << fixture("wrongiid") << QString()
                               << QStringList {QStringLiteral("\"org.tiercache.TierFactory/999\""),
                                               QStringLiteral(
                                                       "expected \"org.tiercache.TierFactory/2\"")};
    // Plugins built for another tier API version are refused, saying which version they were
    // built for and which one this library provides: the old API...
    QTest::newRow("wrong API version (1, the old API)")
            << fixture("wrongapi") << QStringLiteral("wrongapi")
            << QStringList {QStringLiteral("built for tier API version 1"),
                            QStringLiteral("provides version 2")};
    // ... a later one...
    QTest::newRow("wrong API version (3, a later API)")
            << fixture("futureapi") << QStringLiteral("futureapi")
            << QStringList {QStringLiteral("built for tier API version 3"),
                            QStringLiteral("provides version 2")};
    // ... and a plugin really built against the version 1 headers, whose IID says so.
    QTest::newRow("built against the v1 headers")
            << fixture("apiv1") << QString()
            << QStringList {QStringLiteral("\"org.tiercache.TierFactory/1\""),
                            QStringLiteral("expected \"org.tiercache.TierFactory/2\"")};
    QTest::newRow("JSON without id")
            << fixture("noid") << QString() << QStringList {QStringLiteral("no valid \"id\"")};
    QTest::newRow("garbage id") << fixture("badid") << QStringLiteral("Not A Scheme!")
                                << QStringList {QStringLiteral("no valid \"id\"")};
    QTest::newRow("empty JSON object") << fixture("emptymeta") << QString()
                                       << QStringList {QStringLiteral("not a JSON object")};
    // moc drops a Q_PLUGIN_METADATA whose file is not JSON: no plugin at all is left.
    QTest::newRow("invalid JSON") << fixture("badjson") << QString()
                                  << QStringList {QStringLiteral("not a Qt plugin")};
    QTest::newRow("duplicate id") << fixture("duplicate") << QStringLiteral("memory")
                                  << QStringList {QStringLiteral("\"memory\""),
                                                  QStringLiteral("found first")};
    QTest::newRow("built-in id") << fixture("diskid") << QStringLiteral("disk")
                                 << QStringList {QStringLiteral("built in")};
    QTest::newRow("plain shared library") << fixture("notaplugin") << QString()
                                          << QStringList {QStringLiteral("not a Qt plugin")};
    QTest::newRow("garbage bytes")
            << fixture("garbage") << QString() << QStringList {QStringLiteral("not a Qt plugin")};
    // Its metadata is fine: only loading it fails (see unloadableLibraryFailsOnCreate).
    QTest::newRow("unloadable, before create()")
            << fixture("unloadable") << QStringLiteral("unloadable") << QStringList();
}

void tst_TierLoader::pluginsReportEveryFile()
{
    QFETCH(QString, fileName);
    QFETCH(QString, id);
    QFETCH(QStringList, errorMentions);

    TierLoader loader({goodDir, brokenDir});
    const QList<TierPluginInfo> plugins = loader.plugins();
    const TierPluginInfo info = infoFor(plugins, fileName);
    QVERIFY2(!info.fileName().isEmpty(),
             qPrintable(fileName + QStringLiteral(" not listed:\n") + dump(plugins)));
    QVERIFY(QFileInfo(info.fileName()).isAbsolute());
    QCOMPARE(info.id(), id);
    if (errorMentions.isEmpty()) {
        QVERIFY2(info.isUsable(), qPrintable(info.errorString()));
        QCOMPARE(info.apiVersion(), 2);
        QCOMPARE(info.apiVersion(), TierFactory::ApiVersion);
        QVERIFY(!info.name().isEmpty());
        return;
    }
    QVERIFY2(!info.isUsable(), qPrintable(fileName + QStringLiteral(" is listed as usable")));
    for (const QString &mention : std::as_const(errorMentions))
        QVERIFY2(info.errorString().contains(mention),
                 qPrintable(QStringLiteral("\"%1\" does not mention %2")
                                    .arg(info.errorString(), mention)));
}

void tst_TierLoader::everyLibraryIsListed()
{
    TierLoader loader({goodDir, brokenDir});
    const QList<TierPluginInfo> plugins = loader.plugins();
    int libraries = 0;
    for (const QString &dir : {goodDir, brokenDir}) {
        const auto files = QDir(dir).entryInfoList(QDir::Files);
        for (const QFileInfo &file : files) {
            if (!QLibrary::isLibrary(file.fileName()))
                continue;
            ++libraries;
            QVERIFY2(!infoFor(plugins, file.fileName()).fileName().isEmpty(),
                     qPrintable(file.filePath()));
        }
    }
    QCOMPARE(plugins.size(), libraries);
}

void tst_TierLoader::goodPluginsStillCreateTiers()
{
    TierLoader loader({goodDir, brokenDir});
    QTemporaryDir dir;
    for (const QString &spec : {QStringLiteral("memory:?max=1MiB"), QStringLiteral("example:"),
                                QStringLiteral("disk:?path=") + dir.path()}) {
        QString error;
        const std::unique_ptr<Tier> tier = loader.create(spec, &error);
        QVERIFY2(tier, qPrintable(spec + QStringLiteral(": ") + error));
        QCOMPARE(tier->name(), spec.section(QLatin1Char(':'), 0, 0));
        QVERIFY(!tier->lookup(QStringLiteral("https://example.com/")));
    }
}

void tst_TierLoader::standAloneDiskTierCompresses()
{
    // disk:?path=...&compress=zstd stores a JSON body compressed and reads it back decoded.
    TierLoader loader({goodDir, brokenDir});
    QTemporaryDir dir;
    QString error;
    const std::unique_ptr<Tier> tier =
            loader.create(QStringLiteral("disk:?path=%1&compress=zstd").arg(dir.path()), &error);
    QVERIFY2(tier, qPrintable(error));
    QByteArray body;
    for (int i = 0; body.size() < 100 * 1024; ++i)
        body += "{\"id\":" + QByteArray::number(i) + ",\"kind\":\"json\"},";
    const QString key = QStringLiteral("https://example.com/data.json");
    QNetworkCacheMetaData md;
    md.setUrl(QUrl(key));
    md.setRawHeaders({{"Content-Type", "application/json"}});
    md.setSaveToDisk(true);
    auto writer = tier->beginWrite(key, md, body.size());
    QVERIFY(writer);
    QVERIFY(writer->write(body.constData(), body.size()));
    QVERIFY2(writer->commit(md, {}), qPrintable(writer->errorString()));
    const auto entry = tier->lookup(key);
    QVERIFY(entry);
    QCOMPARE(entry->record().bodySize(), qint64(body.size()));
    QVERIFY2(entry->record().storedSize() * 3 < body.size(),
             qPrintable(QString::number(entry->record().storedSize())));
    std::unique_ptr<QIODevice> device(entry->openBody());
    QVERIFY(device);
    QByteArray read;
    for (QByteArray piece; !(piece = device->read(64 * 1024)).isEmpty();)
        read += piece;
    QVERIFY(read == body);
}

void tst_TierLoader::unloadableLibraryFailsOnCreate()
{
    TierLoader loader({goodDir, brokenDir});
    QVERIFY(infoFor(loader.plugins(), fixture("unloadable")).isUsable());
    QString error;
    QVERIFY(!loader.create(QStringLiteral("unloadable:"), &error));
    QVERIFY2(error.contains(QLatin1String("tier \"unloadable:\"")), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("cannot load")), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("tiercache_fixture_missing_symbol")),
             qPrintable(error)); // dlerror()
    // The failure sticks to the plugin, for plugins() and the Browser.
    const TierPluginInfo after = infoFor(loader.plugins(), fixture("unloadable"));
    QVERIFY(!after.isUsable());
    QVERIFY2(after.errorString().startsWith(QLatin1String("cannot load")),
             qPrintable(after.errorString()));
    // And the others are unaffected.
    QVERIFY2(loader.create(QStringLiteral("example:"), &error), qPrintable(error));
}

void tst_TierLoader::unusablePluginsCreateNothing_data()
{
    QTest::addColumn<QString>("spec");
    QTest::newRow("wrong API version (1)") << QStringLiteral("wrongapi:");
    QTest::newRow("wrong API version (3)") << QStringLiteral("futureapi:");
    QTest::newRow("built against the v1 headers") << QStringLiteral("apiv1:");
    QTest::newRow("wrong IID") << QStringLiteral("wrongiid:");
    QTest::newRow("invalid JSON") << QStringLiteral("badjson:");
}

void tst_TierLoader::unusablePluginsCreateNothing()
{
    QFETCH(QString, spec);
    TierLoader loader({goodDir, brokenDir});
    QString error;
    QVERIFY(!loader.create(spec, &error));
    QVERIFY2(error.contains(spec), qPrintable(error));
}

void tst_TierLoader::firstPluginWins()
{
    // Broken directory first: its "memory" fixture is found first and the real one is the
    // duplicate.
    TierLoader loader({brokenDir, goodDir});
    const QList<TierPluginInfo> plugins = loader.plugins();
    QVERIFY(infoFor(plugins, fixture("duplicate")).isUsable());
    QVERIFY2(infoFor(plugins, QStringLiteral("libtiercache_memory.so"))
                     .errorString()
                     .contains(QLatin1String("found first")),
             qPrintable(dump(plugins)));
    QString error;
    QVERIFY(!loader.create(QStringLiteral("memory:"), &error));
    QVERIFY2(error.contains(QLatin1String("broken plugin fixture")), qPrintable(error));
}

void tst_TierLoader::unknownSchemeListsAvailableAndSearchPath()
{
    TierLoader loader({goodDir, brokenDir});
    QString error;
    QVERIFY(!loader.create(QStringLiteral("nosuch:"), &error));
    for (const QString &mention :
         {QStringLiteral("tier \"nosuch:\""), QStringLiteral("no plugin for \"nosuch:\""),
          QStringLiteral("available: disk"), QStringLiteral("memory"), QStringLiteral("example"),
          goodDir, brokenDir})
        QVERIFY2(error.contains(mention),
                 qPrintable(QStringLiteral("\"%1\" does not mention %2").arg(error, mention)));
    // Unusable plugins are not offered.
    for (const char *unusable : {"wrongapi", "futureapi", "apiv1"})
        QVERIFY2(!error.contains(QLatin1String(unusable)), qPrintable(error));
}

void tst_TierLoader::badSpecsNameTheSpec_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("mention");
    QTest::newRow("bad size") << QStringLiteral("memory:?max=huh")
                              << QStringLiteral("max=\"huh\" is not a size");
    QTest::newRow("unknown option")
            << QStringLiteral("memory:?colour=blue") << QStringLiteral("unknown option \"colour\"");
    QTest::newRow("example option")
            << QStringLiteral("example:?x=1") << QStringLiteral("unknown option \"x\"");
    QTest::newRow("no scheme") << QStringLiteral("memory") << QStringLiteral("has no scheme");
    QTest::newRow("disk without path") << QStringLiteral("disk:") << QStringLiteral("needs path=");
    QTest::newRow("disk bad size")
            << QStringLiteral("disk:?path=/tmp/x&max=big") << QStringLiteral("max=\"big\"");
    QTest::newRow("disk bad compression") << QStringLiteral("disk:?path=/tmp/x&compress=brotli")
                                          << QStringLiteral("compress=\"brotli\"");
}

void tst_TierLoader::badSpecsNameTheSpec()
{
    QFETCH(QString, spec);
    QFETCH(QString, mention);
    TierLoader loader({goodDir, brokenDir});
    QString error;
    QVERIFY(!loader.create(spec, &error));
    QVERIFY2(error.contains(QLatin1Char('"') + spec + QLatin1Char('"')), qPrintable(error));
    QVERIFY2(error.contains(mention), qPrintable(error));
}

void tst_TierLoader::defaultSearchPathHonoursEnvironment()
{
    EnvironmentGuard guard;
    const QString appDirPlugins =
            QCoreApplication::applicationDirPath() + QLatin1String("/tiercache-plugins");

    qputenv("TIERCACHE_PLUGIN_PATH", "/opt/first::/opt/second");
    QStringList path = TierLoader::defaultSearchPath();
    QCOMPARE(path.mid(0, 2),
             (QStringList {QStringLiteral("/opt/first"), QStringLiteral("/opt/second")}));
    QVERIFY2(path.contains(appDirPlugins), qPrintable(path.join(QLatin1Char(':'))));
    QVERIFY(path.indexOf(appDirPlugins) > path.indexOf(QStringLiteral("/opt/second")));
    QCOMPARE(TierLoader().searchPath(), path);

    qunsetenv("TIERCACHE_PLUGIN_PATH");
    path = TierLoader::defaultSearchPath();
    QVERIFY(!path.contains(QStringLiteral("/opt/first")));
    QVERIFY(path.contains(appDirPlugins));

    // And it is what the default loader searches.
    qputenv("TIERCACHE_PLUGIN_PATH", QFile::encodeName(brokenDir + QLatin1Char(':') + goodDir));
    TierLoader loader;
    QVERIFY(infoFor(loader.plugins(), fixture("wrongapi"))
                    .fileName()
                    .endsWith(fixture("wrongapi")));
    QString error;
    QVERIFY2(loader.create(QStringLiteral("example:"), &error), qPrintable(error));
}

void tst_TierLoader::worldWritableDirectoryIsIgnored()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dir = tmp.filePath(QStringLiteral("plugins"));
    QVERIFY(QDir().mkpath(dir));
    QVERIFY(QFile::copy(goodDir + QLatin1String("/libtiercache_example.so"),
                        dir + QLatin1String("/libtiercache_example.so")));
    QVERIFY(setMode(dir, 0777));

    const QRegularExpression warning(QStringLiteral("world-writable.*")
                                     + QRegularExpression::escape(dir));
    {
        QTest::ignoreMessage(QtWarningMsg, warning);
        TierLoader loader({dir});
        QVERIFY2(loader.plugins().isEmpty(), qPrintable(dump(loader.plugins())));
        QString error;
        QVERIFY(!loader.create(QStringLiteral("example:"), &error));
        QVERIFY2(error.contains(QLatin1String("no plugin for \"example:\"")), qPrintable(error));
    }
    {
        // Only that directory is skipped.
        QTest::ignoreMessage(QtWarningMsg, warning);
        TierLoader loader({dir, goodDir});
        const TierPluginInfo example =
                infoFor(loader.plugins(), QStringLiteral("libtiercache_example.so"));
        QVERIFY(example.isUsable());
        QVERIFY2(example.fileName().startsWith(goodDir), qPrintable(example.fileName()));
    }
    {
        // The same copy, once the directory is safe: the copy itself is fine.
        QVERIFY(setMode(dir, 0755));
        TierLoader loader({dir});
        QCOMPARE(loader.plugins().size(), 1);
        QVERIFY2(loader.plugins().first().isUsable(),
                 qPrintable(loader.plugins().first().errorString()));
        QString error;
        QVERIFY2(loader.create(QStringLiteral("example:"), &error), qPrintable(error));
    }
}

QTEST_GUILESS_MAIN(tst_TierLoader)
#include "tst_tierloader.moc"
