// SPDX-License-Identifier: MIT
// Tests of the tiercache command-line tool: the real binary, run with QProcess against the
// in-process loopback origin and a temporary cache directory.
//
// The origin lives in this process's event loop, so every run is waited for with a
// QSignalSpy (which spins the loop), never with QProcess::waitForFinished(), which would
// block the origin and deadlock the first fetch.

#include <cachefiles.h>
#include <loopbackserver.h>

#include <tiercache/accessmanager.h>
#include <tiercache/networkcache.h>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

using namespace tiercache::test;

namespace {

struct Run
{
    bool finished = false;
    int exitCode = -1;
    QString out;
    QString err;

    // For QVERIFY2 messages: what the tool said when it did not do what was expected.
    QByteArray describe() const
    {
        return QStringLiteral("exit code %1\n--- stdout:\n%2--- stderr:\n%3")
                .arg(exitCode)
                .arg(out, err)
                .toLocal8Bit();
    }
};

} // namespace

class tst_Cli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void fetchMissThenHit();
    void fetchFailureExitsOne();
    void catDecodesCompressedDiskEntry();
    void lsListsEntries();
    void lsJsonAndLimit();
    void statsShowsTotals();
    void cacheDirectoryFromEnvironment();
    void verifyFindsDamage();
    void rmRemovesEntry();
    void clearRemovesEverything();
    void gcReclaimsOrphans();
    void inspectingMissingCacheFails();
    void unusableDirectoryIsReported();
    void help();
    void version();
    void usageErrors_data();
    void usageErrors();
    void invalidUrl();
    void demo();
    void tagsAfterTaggedFetches();
    void invalidateTagRemovesExactlyThose();
    void softPurgeRevalidates();
    void statsCounters();
    void statsSeriesJsonAndReset();
    void statsShowsBackgroundRefreshes();
    void topBySize();
    void lsFiltersAndTotal();
    void tiers();
    void badTierFails_data();
    void badTierFails();
    void plugins();

private:
    Run run(const QStringList &args, const QProcessEnvironment &extra = {});
    Run cli(const QStringList &args)
    {
        return run(QStringList {QStringLiteral("--cache"), m_cacheDir} + args);
    }
    QString url(const char *path) const
    {
        return m_server->url(QString::fromLatin1(path)).toString();
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LoopbackServer> m_server;
    QString m_cacheDir;
};

void tst_Cli::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_cacheDir = m_dir->filePath(QStringLiteral("cache"));
    m_server = std::make_unique<LoopbackServer>();
    QVERIFY(m_server->isListening());
}

void tst_Cli::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

Run tst_Cli::run(const QStringList &args, const QProcessEnvironment &extra)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // Whatever the developer has configured must not leak in, and nothing may ever land in
    // the real ~/.cache: point the default location into the temporary directory.
    env.remove(QStringLiteral("TIERCACHE_DIR"));
    env.remove(QStringLiteral("TIERCACHE_MAX_SIZE"));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), m_dir->filePath(QStringLiteral("xdg-cache")));
    // ctest sets it; a run of the test binary by hand finds the plugins of this build anyway.
    if (!env.contains(QStringLiteral("TIERCACHE_PLUGIN_PATH")))
        env.insert(QStringLiteral("TIERCACHE_PLUGIN_PATH"), QStringLiteral(PLUGIN_BUILD_DIR));
    env.insert(extra);
    process.setProcessEnvironment(env);
    process.setProgram(QStringLiteral(TIERCACHE_CLI));
    process.setArguments(args);

    Run r;
    QSignalSpy finished(&process, &QProcess::finished);
    process.start();
    r.finished = finished.wait(60000);
    if (!r.finished) {
        process.kill();
        finished.wait(5000);
    }
    r.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    r.out = QString::fromLocal8Bit(process.readAllStandardOutput());
    r.err = QString::fromLocal8Bit(process.readAllStandardError());
    return r;
}

void tst_Cli::fetchMissThenHit()
{
    m_server->setRoute("/a", Response::ok("hello world"));
    const Run first = cli({QStringLiteral("fetch"), url("/a")});
    QVERIFY2(first.finished && first.exitCode == 0, first.describe());
    QVERIFY2(first.out.startsWith(QLatin1String("MISS 200")), first.describe());
    QVERIFY2(first.out.contains(QLatin1String(" 11 ")), first.describe());
    QVERIFY2(first.out.contains(url("/a")), first.describe());

    const Run second = cli({QStringLiteral("fetch"), url("/a")});
    QVERIFY2(second.finished && second.exitCode == 0, second.describe());
    QVERIFY2(second.out.startsWith(QLatin1String("HIT  200")), second.describe());
    QCOMPARE(m_server->requestCount("/a"), 1);
}

void tst_Cli::catDecodesCompressedDiskEntry()
{
    // Stored compressed by a writer with disk:?compress=zstd; the tool (any setting) reads the
    // body through the library: cat writes the decoded bytes, ls --json reports both sizes.
    QByteArray body;
    for (int i = 0; body.size() < 200 * 1024; ++i)
        body += "{\"id\":" + QByteArray::number(i) + ",\"name\":\"item\"},\n";
    m_server->setRoute(
            "/data.json",
            Response::ok(body, "max-age=600").header("Content-Type", "application/json"));
    Run r = run({QStringLiteral("--cache"), m_cacheDir, QStringLiteral("--tier"),
                 QStringLiteral("disk:?compress=zstd"), QStringLiteral("fetch"),
                 url("/data.json")});
    QVERIFY2(r.exitCode == 0, r.describe());
    for (const QStringList &tiers :
         {QStringList(),
          QStringList {QStringLiteral("--tier"), QStringLiteral("disk:?compress=gzip")}}) {
        r = cli(tiers + QStringList {QStringLiteral("cat"), url("/data.json")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(r.out.size(), body.size());
        QVERIFY(r.out.toLatin1() == body);
    }
    QCOMPARE(m_server->requestCount("/data.json"), 1);
    r = cli({QStringLiteral("ls"), QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, r.describe());
    const QJsonArray entries = QJsonDocument::fromJson(r.out.toUtf8()).array();
    QCOMPARE(entries.size(), 1);
    const QJsonObject e = entries.at(0).toObject();
    QCOMPARE(e.value(QLatin1String("bodySize")).toInteger(), qint64(body.size()));
    const qint64 stored = e.value(QLatin1String("storedSize")).toInteger();
    QVERIFY2(stored > 0 && stored * 3 < body.size(), qPrintable(QString::number(stored)));
}

void tst_Cli::fetchFailureExitsOne()
{
    Response missing = Response::ok("no such thing", QByteArray());
    missing.status = 404;
    m_server->setRoute("/gone", missing);
    m_server->setRoute("/ok", Response::ok("fine"));
    const Run r = cli({QStringLiteral("fetch"), url("/ok"), url("/gone")});
    QVERIFY2(r.finished && r.exitCode == 1, r.describe());
    // Both are attempted and reported; only the failing one carries an error text.
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("^MISS 200 .*/ok$"),
                                               QRegularExpression::MultilineOption)),
             r.describe());
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("^MISS 404 .*/gone  \\(.+\\)$"),
                                               QRegularExpression::MultilineOption)),
             r.describe());
    QVERIFY2(r.err.contains(QLatin1String("tiercache: error: 1 of 2 fetches failed")),
             r.describe());
}

void tst_Cli::lsListsEntries()
{
    m_server->setRoute(
            "/listed",
            Response::ok("some body", "max-age=600").header("Content-Type", "text/x-test"));
    QCOMPARE(cli({QStringLiteral("fetch"), url("/listed")}).exitCode, 0);
    QCOMPARE(cli({QStringLiteral("fetch"), url("/listed")}).exitCode, 0); // one hit

    const Run r = cli({QStringLiteral("ls")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3); // header + one entry + total
    QVERIFY2(lines.at(0).contains(QLatin1String("TAGS")), r.describe());
    QVERIFY2(lines.at(0).contains(QLatin1String("URL")), r.describe());
    QCOMPARE(lines.at(2), QStringLiteral("1 of 1 entries"));
    const QString &entry = lines.at(1);
    QVERIFY2(entry.endsWith(url("/listed")), r.describe());
    QVERIFY2(entry.contains(QLatin1String("9 B")), r.describe());
    QVERIFY2(entry.contains(QLatin1String("text/x-test")), r.describe());
    QVERIFY2(entry.contains(QLatin1String("in 10m")), r.describe());
    QVERIFY2(entry.contains(QRegularExpression(QStringLiteral("\\s1\\s"))), r.describe()); // hits
}

void tst_Cli::lsJsonAndLimit()
{
    for (const char *path : {"/j1", "/j2", "/j3"}) {
        m_server->setRoute(path, Response::ok(QByteArray("body of ") + path));
        QCOMPARE(cli({QStringLiteral("fetch"), url(path)}).exitCode, 0);
        QTest::qWait(5); // distinct access times, so "most recent first" is well defined
    }
    const Run r = cli({QStringLiteral("ls"), QStringLiteral("--json"), QStringLiteral("--limit"),
                       QStringLiteral("2")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(r.out.toUtf8(), &error);
    QVERIFY2(doc.isArray(), qPrintable(error.errorString()));
    const QJsonArray array = doc.array();
    QCOMPARE(array.size(), 2);
    QCOMPARE(array.at(0).toObject().value(QStringLiteral("url")).toString(), url("/j3"));
    QCOMPARE(array.at(1).toObject().value(QStringLiteral("url")).toString(), url("/j2"));
    QCOMPARE(array.at(0).toObject().value(QStringLiteral("bodySize")).toInt(), 11);
    QCOMPARE(array.at(0).toObject().value(QStringLiteral("status")).toInt(), 200);
}

void tst_Cli::statsShowsTotals()
{
    m_server->setRoute("/s1", Response::ok("shared bytes"));
    m_server->setRoute("/s2", Response::ok("shared bytes"));
    QCOMPARE(cli({QStringLiteral("fetch"), url("/s1"), url("/s2")}).exitCode, 0);
    const Run r =
            cli({QStringLiteral("--max-size"), QStringLiteral("1MiB"), QStringLiteral("stats")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("^entries:\\s+2$"),
                                               QRegularExpression::MultilineOption)),
             r.describe());
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("^distinct bodies:\\s+1$"),
                                               QRegularExpression::MultilineOption)),
             r.describe());
    QVERIFY2(r.out.contains(QLatin1String("of 1.0 MiB maximum")), r.describe());
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("^dedup savings:\\s+12 B \\(50\\.0%"),
                                               QRegularExpression::MultilineOption)),
             r.describe());
}

void tst_Cli::cacheDirectoryFromEnvironment()
{
    m_server->setRoute("/env", Response::ok("env"));
    QProcessEnvironment env;
    env.insert(QStringLiteral("TIERCACHE_DIR"), m_cacheDir);
    QCOMPARE(run({QStringLiteral("fetch"), url("/env")}, env).exitCode, 0);
    const Run r = run({QStringLiteral("stats")}, env);
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("^entries:\\s+1$"),
                                               QRegularExpression::MultilineOption)),
             r.describe());
    QVERIFY2(r.out.contains(QDir(m_cacheDir).absolutePath()), r.describe());
    QVERIFY(!QFileInfo::exists(m_dir->filePath(QStringLiteral("xdg-cache"))));
}

void tst_Cli::verifyFindsDamage()
{
    const QByteArray body = LoopbackServer::patternBody(0, 5000, 11);
    m_server->setRoute("/v", Response::ok(body));
    QCOMPARE(cli({QStringLiteral("fetch"), url("/v")}).exitCode, 0);

    const Run clean = cli({QStringLiteral("verify")});
    QVERIFY2(clean.finished && clean.exitCode == 0, clean.describe());
    QVERIFY2(clean.out.contains(QLatin1String("checked: 1 bodies")), clean.describe());
    QVERIFY2(clean.out.contains(QLatin1String("damaged: 0")), clean.describe());
    // stderr is not a terminal here: plain progress lines, no carriage returns.
    QVERIFY2(clean.err.contains(QLatin1String("verifying: 100%")), clean.describe());
    QVERIFY2(!clean.err.contains(QLatin1Char('\r')), clean.describe());

    // A small body lives in the catalogue, a larger one in a file: damage wherever it is.
    const QStringList blobs = blobFiles(m_cacheDir);
    const auto inlined = inlineBodies(m_cacheDir);
    QCOMPARE(blobs.size() + inlined.size(), 1);
    if (!inlined.isEmpty()) {
        QByteArray bytes = inlined.first();
        bytes[2500] = char(bytes[2500] ^ 0x01);
        QVERIFY(setInlineBody(m_cacheDir, inlined.firstKey(), bytes));
    } else {
        QFile f(blobs.first());
        QVERIFY(f.open(QIODevice::ReadWrite));
        const qint64 at = 32 + 2500; // the body starts after a 32-byte header
        QVERIFY(f.seek(at));
        char c = 0;
        QVERIFY(f.getChar(&c));
        QVERIFY(f.seek(at));
        QVERIFY(f.putChar(char(c ^ 0x01)));
        f.close();
    }

    // Without --repair verify only looks: the damage is reported, every file stays as it is.
    const QMap<QString, QByteArray> before = snapshot(m_cacheDir);
    const Run looked = cli({QStringLiteral("verify")});
    QVERIFY2(looked.finished && looked.exitCode == 1, looked.describe());
    QVERIFY2(looked.out.contains(QLatin1String("damaged: 1 bodies, 0 entries removed")),
             looked.describe());
    QVERIFY2(looked.err.contains(QLatin1String("nothing was changed")), looked.describe());
    QVERIFY(snapshot(m_cacheDir) == before);

    const Run damaged = cli({QStringLiteral("verify"), QStringLiteral("--repair")});
    QVERIFY2(damaged.finished && damaged.exitCode == 1, damaged.describe());
    QVERIFY2(damaged.out.contains(QLatin1String("damaged: 1 bodies, 1 entries removed")),
             damaged.describe());
    QVERIFY2(damaged.err.contains(QLatin1String("tiercache: error: 1 damaged")),
             damaged.describe());

    const Run ls = cli({QStringLiteral("ls")});
    QCOMPARE(ls.exitCode, 0);
    QVERIFY2(!ls.out.contains(url("/v")), ls.describe());

    // Damage is dealt with: the next verify is clean, and the next fetch goes to the origin.
    QCOMPARE(cli({QStringLiteral("verify")}).exitCode, 0);
    const Run refetch = cli({QStringLiteral("fetch"), url("/v")});
    QVERIFY2(refetch.out.startsWith(QLatin1String("MISS")), refetch.describe());
    QCOMPARE(m_server->requestCount("/v"), 2);
}

void tst_Cli::rmRemovesEntry()
{
    m_server->setRoute("/r1", Response::ok("one"));
    m_server->setRoute("/r2", Response::ok("two"));
    QCOMPARE(cli({QStringLiteral("fetch"), url("/r1"), url("/r2")}).exitCode, 0);

    const Run r = cli({QStringLiteral("rm"), url("/r1")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    QVERIFY2(r.out.contains(QLatin1String("removed ") + url("/r1")), r.describe());
    const Run ls = cli({QStringLiteral("ls")});
    QVERIFY2(!ls.out.contains(url("/r1")), ls.describe());
    QVERIFY2(ls.out.contains(url("/r2")), ls.describe());

    const Run again = cli({QStringLiteral("rm"), url("/r1")});
    QVERIFY2(again.finished && again.exitCode == 1, again.describe());
    QVERIFY2(again.err.contains(QLatin1String("tiercache: error: not cached: ") + url("/r1")),
             again.describe());
}

void tst_Cli::clearRemovesEverything()
{
    m_server->setRoute("/c1", Response::ok("first"));
    m_server->setRoute("/c2", Response::ok("second"));
    QCOMPARE(cli({QStringLiteral("fetch"), url("/c1"), url("/c2")}).exitCode, 0);
    QCOMPARE(storedBodyCount(m_cacheDir), 2);

    const Run r = cli({QStringLiteral("clear")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    QVERIFY2(r.out.contains(QLatin1String("removed 2 entries")), r.describe());
    QCOMPARE(storedBodyCount(m_cacheDir), 0);
    const Run stats = cli({QStringLiteral("stats")});
    QVERIFY2(stats.out.contains(QRegularExpression(QStringLiteral("^entries:\\s+0$"),
                                                   QRegularExpression::MultilineOption)),
             stats.describe());
}

void tst_Cli::gcReclaimsOrphans()
{
    m_server->setRoute("/kept", Response::ok("kept"));
    QCOMPARE(cli({QStringLiteral("fetch"), url("/kept")}).exitCode, 0);
    // A body file with no catalogue row, as a crash between rename and commit leaves.
    const QString orphanDir = m_cacheDir + QLatin1String("/blobs/ab");
    QVERIFY(QDir().mkpath(orphanDir));
    QFile orphan(orphanDir + QLatin1Char('/')
                 + QString(64, QLatin1Char('a')).replace(0, 2, QStringLiteral("ab")));
    QVERIFY(orphan.open(QIODevice::WriteOnly));
    orphan.write(QByteArray(64 * 1024, 'x'));
    orphan.close();

    const Run r = cli({QStringLiteral("gc")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    const QRegularExpressionMatch m =
            QRegularExpression(QStringLiteral("^reclaimed .* \\((\\d+) bytes\\)$"),
                               QRegularExpression::MultilineOption)
                    .match(r.out);
    QVERIFY2(m.hasMatch(), r.describe());
    QVERIFY2(m.captured(1).toLongLong() >= 64 * 1024, r.describe());
    QVERIFY(!orphan.exists());
    QCOMPARE(storedBodyCount(m_cacheDir), 1);
    QVERIFY(cli({QStringLiteral("fetch"), url("/kept")}).out.startsWith(QLatin1String("HIT")));
}

void tst_Cli::inspectingMissingCacheFails()
{
    // A mistyped --cache must not be turned into a new, empty cache by merely looking at it.
    for (const char *command : {"ls", "stats", "verify", "gc", "clear"}) {
        const Run r = cli({QString::fromLatin1(command)});
        QVERIFY2(r.finished && r.exitCode == 1, r.describe());
        QVERIFY2(r.err.contains(QLatin1String("tiercache: error: no cache in")), r.describe());
    }
    QVERIFY(!QFileInfo::exists(m_cacheDir));
}

void tst_Cli::unusableDirectoryIsReported()
{
    // Below a regular file: cannot be created, even by root (which ignores permissions).
    QFile file(m_dir->filePath(QStringLiteral("a-file")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    m_server->setRoute("/u", Response::ok("u"));
    const Run r = run({QStringLiteral("--cache"), file.fileName() + QLatin1String("/cache"),
                       QStringLiteral("fetch"), url("/u")});
    QVERIFY2(r.finished && r.exitCode == 1, r.describe());
    QVERIFY2(r.err.startsWith(QLatin1String("tiercache: error: ")), r.describe());
    QVERIFY2(r.err.contains(file.fileName()), r.describe());
    QCOMPARE(m_server->requestCount(), 0);
}

void tst_Cli::help()
{
    const Run r = run({QStringLiteral("--help")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    QVERIFY2(r.out.startsWith(QLatin1String("Usage: tiercache [options] COMMAND")), r.describe());
    for (const char *command : {"fetch", "ls", "stats", "verify", "rm", "clear", "gc", "demo",
                                "tags", "invalidate-tag", "soft-purge", "top", "plugins"})
        QVERIFY2(r.out.contains(QLatin1String("\n  ") + QLatin1String(command) + QLatin1Char(' ')),
                 command);
    QVERIFY(r.err.isEmpty());

    const Run ls = run({QStringLiteral("ls"), QStringLiteral("--help")});
    QVERIFY2(ls.finished && ls.exitCode == 0, ls.describe());
    QVERIFY2(ls.out.startsWith(QLatin1String("Usage: tiercache ls [options]")), ls.describe());
    QVERIFY2(ls.out.contains(QLatin1String("--limit <N>")), ls.describe());
    QVERIFY2(ls.out.contains(QLatin1String("--tag <TAG>")), ls.describe());
    QVERIFY2(ls.out.contains(QLatin1String("--tier <SPEC>")), ls.describe());
}

void tst_Cli::version()
{
    const Run r = run({QStringLiteral("--version")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("^tiercache \\d+\\.\\d+\\.\\d+\n$"))),
             r.describe());
}

void tst_Cli::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("no command") << QStringList() << QStringLiteral("no command given");
    QTest::newRow("unknown command") << QStringList {QStringLiteral("frobnicate")}
                                     << QStringLiteral("unknown command 'frobnicate'");
    QTest::newRow("fetch without URL") << QStringList {QStringLiteral("fetch")}
                                       << QStringLiteral("fetch needs at least one URL");
    QTest::newRow("rm without URL")
            << QStringList {QStringLiteral("rm")} << QStringLiteral("rm needs at least one URL");
    QTest::newRow("unknown option") << QStringList {QStringLiteral("ls"), QStringLiteral("--frob")}
                                    << QStringLiteral("Unknown option 'frob'");
    QTest::newRow("bad limit") << QStringList {QStringLiteral("ls"), QStringLiteral("--limit"),
                                               QStringLiteral("many")}
                               << QStringLiteral("--limit");
    QTest::newRow("bad size") << QStringList {QStringLiteral("--max-size"),
                                              QStringLiteral("12 parsecs"), QStringLiteral("stats")}
                              << QStringLiteral("invalid size '12 parsecs'");
    QTest::newRow("stray argument")
            << QStringList {QStringLiteral("stats"), QStringLiteral("extra")}
            << QStringLiteral("stats takes no arguments");
    QTest::newRow("invalidate-tag without tag")
            << QStringList {QStringLiteral("invalidate-tag")}
            << QStringLiteral("invalidate-tag needs at least one tag");
    QTest::newRow("soft-purge without tag") << QStringList {QStringLiteral("soft-purge")}
                                            << QStringLiteral("soft-purge needs at least one tag");
    QTest::newRow("bad top order")
            << QStringList {QStringLiteral("top"), QStringLiteral("--by"), QStringLiteral("colour")}
            << QStringLiteral("--by needs hits, size or age, not 'colour'");
    QTest::newRow("expired and fresh")
            << QStringList {QStringLiteral("ls"), QStringLiteral("--expired"),
                            QStringLiteral("--fresh")}
            << QStringLiteral("--expired and --fresh exclude each other");
    QTest::newRow("reset and json")
            << QStringList {QStringLiteral("stats"), QStringLiteral("--reset"),
                            QStringLiteral("--json")}
            << QStringLiteral("--reset shows nothing");
    QTest::newRow("bad minutes") << QStringList {QStringLiteral("stats"),
                                                 QStringLiteral("--minutes"), QStringLiteral("0")}
                                 << QStringLiteral("--minutes needs");
    QTest::newRow("empty tier") << QStringList {QStringLiteral("--tier"), QString(),
                                                QStringLiteral("stats")}
                                << QStringLiteral("--tier needs a spec");
}

void tst_Cli::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const Run r = cli(args);
    QVERIFY2(r.finished && r.exitCode == 2, r.describe());
    QVERIFY2(r.err.startsWith(QLatin1String("tiercache: error: ") + message), r.describe());
    QVERIFY2(r.err.contains(QLatin1String("Usage: tiercache")), r.describe());
    QVERIFY2(r.out.isEmpty(), r.describe());
    QVERIFY(!QFileInfo::exists(m_cacheDir)); // nothing was touched
}

void tst_Cli::invalidUrl()
{
    m_server->setRoute("/fine", Response::ok("fine"));
    for (const QString &bad :
         {QStringLiteral("not a url"), QStringLiteral("http://exa mple.org/"),
          QStringLiteral("ftp://example.org/file"), QStringLiteral("/just/a/path")}) {
        const Run r = cli({QStringLiteral("fetch"), url("/fine"), bad});
        QVERIFY2(r.finished && r.exitCode == 2, r.describe());
        QVERIFY2(r.err.contains(QLatin1String("tiercache: error: invalid URL '") + bad
                                + QLatin1Char('\'')),
                 r.describe());
        // Every URL is checked before the first is fetched.
        QVERIFY2(r.out.isEmpty(), r.describe());
    }
    QCOMPARE(m_server->requestCount(), 0);
}

void tst_Cli::demo()
{
    const Run r = cli({QStringLiteral("demo"), QStringLiteral("--count"), QStringLiteral("5"),
                       QStringLiteral("--size"), QStringLiteral("40KiB")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    QVERIFY2(r.out.contains(QLatin1String("cache directory: ") + QDir(m_cacheDir).absolutePath()),
             r.describe());
    QCOMPARE(r.out.count(QRegularExpression(QStringLiteral("^pass 1 MISS 200\\s+40960  /item/\\d$"),
                                            QRegularExpression::MultilineOption)),
             5);
    QCOMPARE(r.out.count(QRegularExpression(QStringLiteral("^pass 2 HIT  200\\s+40960  /item/\\d$"),
                                            QRegularExpression::MultilineOption)),
             5);
    QVERIFY2(r.out.contains(QLatin1String("origin requests: 5, hit ratio: 50% (second pass 100%)")),
             r.describe());
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("^entries:\\s+5$"),
                                               QRegularExpression::MultilineOption)),
             r.describe());

    // The entries stay behind for the other commands to look at.
    const Run ls = cli({QStringLiteral("ls")});
    QCOMPARE(ls.out.count(QLatin1String("/item/")), 5);
    QCOMPARE(cli({QStringLiteral("verify")}).exitCode, 0);
    // The demo origin tags every item "demo" and "item-<n % 3>".
    const Run tags = cli({QStringLiteral("tags")});
    QVERIFY2(tags.finished && tags.exitCode == 0, tags.describe());
    QCOMPARE(tags.out,
             QStringLiteral("ENTRIES  TAG\n"
                            "      5  demo\n"
                            "      2  item-0\n"
                            "      2  item-1\n"
                            "      1  item-2\n"));
}

namespace {
//! The value of the "label:   value" line of stats output, or an empty string.
QString statsField(const QString &out, const QString &label)
{
    const QRegularExpressionMatch m =
            QRegularExpression(QStringLiteral("^") + QRegularExpression::escape(label)
                                       + QStringLiteral(":\\s+(.*)$"),
                               QRegularExpression::MultilineOption)
                    .match(out);
    return m.captured(1);
}
} // namespace

void tst_Cli::tagsAfterTaggedFetches()
{
    m_server->setRoute("/t1", Response::ok("one").header("Cache-Tag", "red, blue"));
    m_server->setRoute("/t2", Response::ok("two").header("Cache-Tag", "red"));
    m_server->setRoute("/t3", Response::ok("three").header("Surrogate-Key", "green"));
    m_server->setRoute("/t4", Response::ok("four"));
    QCOMPARE(cli({QStringLiteral("fetch"), url("/t1"), url("/t2"), url("/t3")}).exitCode, 0);
    QCOMPARE(cli({QStringLiteral("fetch"), QStringLiteral("--tag"), QStringLiteral("extra"),
                  url("/t4")})
                     .exitCode,
             0);

    const Run r = cli({QStringLiteral("tags")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    // Most used first, then by name.
    QCOMPARE(r.out,
             QStringLiteral("ENTRIES  TAG\n"
                            "      2  red\n"
                            "      1  blue\n"
                            "      1  extra\n"
                            "      1  green\n"));

    const Run json = cli({QStringLiteral("tags"), QStringLiteral("--json")});
    QVERIFY2(json.finished && json.exitCode == 0, json.describe());
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json.out.toUtf8(), &error);
    QVERIFY2(doc.isArray(), qPrintable(error.errorString()));
    QCOMPARE(doc.array().size(), 4);
    const QJsonObject first = doc.array().at(0).toObject();
    QCOMPARE(first.value(QStringLiteral("tag")).toString(), QStringLiteral("red"));
    QCOMPARE(first.value(QStringLiteral("entries")).toInt(), 2);

    // ls shows them per entry.
    const Run ls = cli({QStringLiteral("ls"), QStringLiteral("--url"), QStringLiteral("/t1")});
    QVERIFY2(ls.out.contains(QRegularExpression(QStringLiteral("\\s(red,blue|blue,red)\\s+")
                                                + QRegularExpression::escape(url("/t1")))),
             ls.describe());

    // An empty cache has no tags, and says so on stderr only.
    QCOMPARE(cli({QStringLiteral("clear")}).exitCode, 0);
    const Run none = cli({QStringLiteral("tags")});
    QVERIFY2(none.finished && none.exitCode == 0 && none.out.isEmpty(), none.describe());
    QVERIFY2(none.err.contains(QLatin1String("no tags")), none.describe());
}

void tst_Cli::invalidateTagRemovesExactlyThose()
{
    m_server->setRoute("/i1", Response::ok("i1").header("Cache-Tag", "a"));
    m_server->setRoute("/i2", Response::ok("i2").header("Cache-Tag", "a,b"));
    m_server->setRoute("/i3", Response::ok("i3").header("Cache-Tag", "b"));
    m_server->setRoute("/i4", Response::ok("i4").header("Cache-Tag", "c"));
    QCOMPARE(
            cli({QStringLiteral("fetch"), url("/i1"), url("/i2"), url("/i3"), url("/i4")}).exitCode,
            0);

    const Run r = cli(
            {QStringLiteral("invalidate-tag"), QStringLiteral("a"), QStringLiteral("no-such-tag")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    QCOMPARE(r.out, QStringLiteral("removed 2 entries (tags: a, no-such-tag)\n"));

    const Run ls = cli({QStringLiteral("ls")});
    QVERIFY2(!ls.out.contains(url("/i1")) && !ls.out.contains(url("/i2")), ls.describe());
    QVERIFY2(ls.out.contains(url("/i3")) && ls.out.contains(url("/i4")), ls.describe());
    QVERIFY2(ls.out.contains(QLatin1String("2 of 2 entries")), ls.describe());
    const Run tags = cli({QStringLiteral("tags")});
    QVERIFY2(!tags.out.contains(QRegularExpression(QStringLiteral("\\sa$"),
                                                   QRegularExpression::MultilineOption)),
             tags.describe());

    // The removed ones come from the origin again; the others are still hits.
    const Run refetch = cli({QStringLiteral("fetch"), url("/i1"), url("/i3")});
    QVERIFY2(refetch.exitCode == 0, refetch.describe());
    QVERIFY2(refetch.out.contains(QRegularExpression(QStringLiteral("^MISS 200 .*/i1$"),
                                                     QRegularExpression::MultilineOption)),
             refetch.describe());
    QVERIFY2(refetch.out.contains(QRegularExpression(QStringLiteral("^HIT  200 .*/i3$"),
                                                     QRegularExpression::MultilineOption)),
             refetch.describe());
    QCOMPARE(m_server->requestCount("/i1"), 2);
    QCOMPARE(m_server->requestCount("/i3"), 1);

    const Run stats = cli({QStringLiteral("stats")});
    QCOMPARE(statsField(stats.out, QStringLiteral("invalidations")), QStringLiteral("2"));
}

void tst_Cli::softPurgeRevalidates()
{
    m_server->setHandler([](const RecordedRequest &request) {
        if (request.path != "/news") {
            Response missing;
            missing.status = 404;
            return missing;
        }
        Response r = request.header("If-None-Match") == "\"v1\"" ? Response::notModified()
                                                                 : Response::ok("the news");
        r.header("Cache-Control", "max-age=3600")
                .header("ETag", "\"v1\"")
                .header("Cache-Tag", "news");
        return r;
    });
    QCOMPARE(cli({QStringLiteral("fetch"), url("/news")}).exitCode, 0);
    const Run hit = cli({QStringLiteral("fetch"), url("/news")});
    QVERIFY2(hit.out.startsWith(QLatin1String("HIT  200"))
                     && !hit.out.contains(QLatin1String("revalidated")),
             hit.describe());
    QCOMPARE(m_server->requestCount(), 1);

    const Run purge = cli({QStringLiteral("soft-purge"), QStringLiteral("news")});
    QVERIFY2(purge.finished && purge.exitCode == 0, purge.describe());
    QCOMPARE(purge.out, QStringLiteral("marked 1 entries stale (tags: news)\n"));
    // Still there, but expired; nothing was deleted.
    const Run expired = cli({QStringLiteral("ls"), QStringLiteral("--expired")});
    QVERIFY2(expired.out.contains(url("/news")), expired.describe());
    QVERIFY2(expired.out.contains(QRegularExpression(QStringLiteral("\\sexpired\\s"))),
             expired.describe());

    const Run revalidated = cli({QStringLiteral("fetch"), url("/news")});
    QVERIFY2(revalidated.finished && revalidated.exitCode == 0, revalidated.describe());
    QVERIFY2(revalidated.out.startsWith(QLatin1String("HIT  200")), revalidated.describe());
    QVERIFY2(revalidated.out.contains(QLatin1String("8  ") + url("/news")
                                      + QLatin1String("  (revalidated)")),
             revalidated.describe());
    const QList<RecordedRequest> requests = m_server->requests();
    QCOMPARE(requests.size(), 2);
    QCOMPARE(requests.last().header("If-None-Match"), QByteArray("\"v1\""));

    // Fresh again: the next one is a plain hit.
    const Run after = cli({QStringLiteral("fetch"), url("/news")});
    QVERIFY2(after.out.startsWith(QLatin1String("HIT  200"))
                     && !after.out.contains(QLatin1String("revalidated")),
             after.describe());
    QCOMPARE(m_server->requestCount(), 2);
    const Run stats = cli({QStringLiteral("stats")});
    QCOMPARE(statsField(stats.out, QStringLiteral("revalidations")), QStringLiteral("1"));
    QCOMPARE(statsField(stats.out, QStringLiteral("stale hits")), QStringLiteral("1"));
    QCOMPARE(statsField(stats.out, QStringLiteral("invalidations")), QStringLiteral("1"));
}

void tst_Cli::statsCounters()
{
    m_server->setRoute("/x", Response::ok("xxxxxxxxxx"));                       // 10 bytes
    m_server->setRoute("/y", Response::ok("yyyyyyyyyyyyyyy"));                  // 15 bytes
    QCOMPARE(cli({QStringLiteral("fetch"), url("/x")}).exitCode, 0);            // miss
    QCOMPARE(cli({QStringLiteral("fetch"), url("/x")}).exitCode, 0);            // hit
    QCOMPARE(cli({QStringLiteral("fetch"), url("/y")}).exitCode, 0);            // miss
    QCOMPARE(cli({QStringLiteral("fetch"), url("/x"), url("/y")}).exitCode, 0); // hit, hit

    const Run r = cli({QStringLiteral("stats")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    QCOMPARE(statsField(r.out, QStringLiteral("lookups")), QStringLiteral("5"));
    QCOMPARE(statsField(r.out, QStringLiteral("hits")), QStringLiteral("3"));
    QCOMPARE(statsField(r.out, QStringLiteral("stale hits")), QStringLiteral("0"));
    QCOMPARE(statsField(r.out, QStringLiteral("misses")), QStringLiteral("2"));
    QCOMPARE(statsField(r.out, QStringLiteral("hit ratio")), QStringLiteral("60.0%"));
    QCOMPARE(statsField(r.out, QStringLiteral("revalidations")), QStringLiteral("0"));
    QCOMPARE(statsField(r.out, QStringLiteral("bytes from cache")),
             QStringLiteral("35 B (35 bytes)"));
    QCOMPARE(statsField(r.out, QStringLiteral("bytes from network")),
             QStringLiteral("25 B (25 bytes)"));
    QCOMPARE(statsField(r.out, QStringLiteral("inserts")), QStringLiteral("2"));
    QCOMPARE(statsField(r.out, QStringLiteral("evictions")), QStringLiteral("0"));
    QCOMPARE(statsField(r.out, QStringLiteral("promotions")), QStringLiteral("0"));
    QCOMPARE(statsField(r.out, QStringLiteral("invalidations")), QStringLiteral("0"));
    // One tier: no per-tier table.
    QVERIFY2(!r.out.contains(QLatin1String("TIER")), r.describe());

    // A miss and then a hit on the same URL within one process are two lookups too.
    m_server->setRoute("/z", Response::ok("zz"));
    QCOMPARE(cli({QStringLiteral("fetch"), url("/z"), url("/z")}).exitCode, 0);
    const Run again = cli({QStringLiteral("stats")});
    QCOMPARE(statsField(again.out, QStringLiteral("lookups")), QStringLiteral("7"));
    QCOMPARE(statsField(again.out, QStringLiteral("hits")), QStringLiteral("4"));
    QCOMPARE(statsField(again.out, QStringLiteral("misses")), QStringLiteral("3"));
}

void tst_Cli::statsShowsBackgroundRefreshes()
{
    // An application's AccessManager refreshes an entry in the background (refresh before
    // expiry); the CLI, another process, reports it from the directory's shared statistics.
    {
        auto *cache = new tiercache::NetworkCache;
        cache->setCacheDirectory(m_cacheDir);
        tiercache::AccessManager access(cache);
        access.setRefreshBeforeExpiry(3600); // max-age=60: every request is inside the window
        m_server->setRoute("/r", Response::ok("refreshed", "max-age=60"));
        const QUrl u(url("/r"));
        for (int i = 0; i < 2; ++i) {
            QNetworkReply *reply = access.get(QNetworkRequest(u));
            QSignalSpy done(reply, &QNetworkReply::finished);
            QVERIFY(done.wait(5000));
            QCOMPARE(reply->readAll(), QByteArray("refreshed"));
            delete reply;
        }
        QTRY_COMPARE(access.refreshCounters().done, qint64(1));
        QCOMPARE(m_server->requestCount("/r"), 2); // the first fetch and the one refresh
        QCOMPARE(cache->statistics().refreshesDone(), qint64(1)); // handed to the catalogue
    }
    const Run r = cli({QStringLiteral("stats")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    QCOMPARE(statsField(r.out, QStringLiteral("refreshes")),
             QStringLiteral("1 done, 0 skipped, 0 failed"));
    const Run json = cli({QStringLiteral("stats"), QStringLiteral("--json")});
    QVERIFY2(json.finished && json.exitCode == 0, json.describe());
    const QJsonObject counters = QJsonDocument::fromJson(json.out.toUtf8())
                                         .object()
                                         .value(QLatin1String("statistics"))
                                         .toObject();
    QCOMPARE(counters.value(QLatin1String("refreshesDone")).toInteger(), 1);
    QCOMPARE(counters.value(QLatin1String("refreshesSkipped")).toInteger(), 0);
    QCOMPARE(counters.value(QLatin1String("refreshesFailed")).toInteger(), 0);
}

void tst_Cli::statsSeriesJsonAndReset()
{
    m_server->setRoute("/s", Response::ok("series"));
    QCOMPARE(cli({QStringLiteral("fetch"), url("/s")}).exitCode, 0);
    QCOMPARE(cli({QStringLiteral("fetch"), url("/s"), url("/s")}).exitCode, 0);

    const Run series = cli({QStringLiteral("stats"), QStringLiteral("--series")});
    QVERIFY2(series.finished && series.exitCode == 0, series.describe());
    QVERIFY2(series.out.contains(QRegularExpression(
                     QStringLiteral("^MINUTE \\(UTC\\)\\s+LOOKUPS\\s+HITS\\s+STALE\\s+MISSES"),
                     QRegularExpression::MultilineOption)),
             series.describe());
    // The fetches may straddle a minute boundary: add the rows up.
    const QRegularExpression row(
            QStringLiteral("^\\d{4}-\\d\\d-\\d\\d "
                           "\\d\\d:\\d\\d\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s"),
            QRegularExpression::MultilineOption);
    int rows = 0, lookups = 0, hits = 0, misses = 0;
    for (auto it = row.globalMatch(series.out); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        ++rows;
        lookups += m.captured(1).toInt();
        hits += m.captured(2).toInt();
        misses += m.captured(4).toInt();
    }
    QVERIFY2(rows >= 1 && rows <= 2, series.describe());
    QCOMPARE(lookups, 3);
    QCOMPARE(hits, 2);
    QCOMPARE(misses, 1);

    const Run json = cli({QStringLiteral("stats"), QStringLiteral("--json"),
                          QStringLiteral("--minutes"), QStringLiteral("5")});
    QVERIFY2(json.finished && json.exitCode == 0, json.describe());
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json.out.toUtf8(), &error);
    QVERIFY2(doc.isObject(), qPrintable(error.errorString()));
    const QJsonObject o = doc.object();
    QCOMPARE(o.value(QStringLiteral("entries")).toInt(), 1);
    const QJsonObject counters = o.value(QStringLiteral("statistics")).toObject();
    QCOMPARE(counters.value(QStringLiteral("lookups")).toInt(), 3);
    QCOMPARE(counters.value(QStringLiteral("hits")).toInt(), 2);
    QCOMPARE(counters.value(QStringLiteral("misses")).toInt(), 1);
    QCOMPARE(counters.value(QStringLiteral("bytesFromNetwork")).toInt(), 6);
    QVERIFY(qAbs(counters.value(QStringLiteral("hitRatio")).toDouble() - 2.0 / 3.0) < 1e-9);
    QCOMPARE(o.value(QStringLiteral("tiers")).toArray().size(), 1);
    const QJsonArray minutes = o.value(QStringLiteral("series")).toArray();
    QVERIFY(!minutes.isEmpty());
    QVERIFY(QDateTime::fromString(
                    minutes.at(0).toObject().value(QStringLiteral("start")).toString(), Qt::ISODate)
                    .isValid());
    // Without --series there is no series.
    const Run plain = cli({QStringLiteral("stats"), QStringLiteral("--json")});
    QVERIFY(!QJsonDocument::fromJson(plain.out.toUtf8())
                     .object()
                     .contains(QStringLiteral("series")));

    const Run reset = cli({QStringLiteral("stats"), QStringLiteral("--reset")});
    QVERIFY2(reset.finished && reset.exitCode == 0, reset.describe());
    QCOMPARE(reset.out, QStringLiteral("statistics reset\n"));
    const Run after = cli({QStringLiteral("stats"), QStringLiteral("--series")});
    QCOMPARE(statsField(after.out, QStringLiteral("lookups")), QStringLiteral("0"));
    QCOMPARE(statsField(after.out, QStringLiteral("entries")),
             QStringLiteral("1")); // the entries stay
    QVERIFY2(after.out.contains(QLatin1String("no lookups or inserts in the last 60 minutes")),
             after.describe());
}

void tst_Cli::topBySize()
{
    m_server->setRoute("/small", Response::ok(QByteArray(10, 's')));
    m_server->setRoute("/big", Response::ok(QByteArray(3000, 'b')));
    m_server->setRoute("/mid", Response::ok(QByteArray(200, 'm')));
    QCOMPARE(cli({QStringLiteral("fetch"), url("/small"), url("/big"), url("/mid")}).exitCode, 0);
    QCOMPARE(cli({QStringLiteral("fetch"), url("/small"), url("/small")}).exitCode, 0);

    const Run r = cli({QStringLiteral("top"), QStringLiteral("--by"), QStringLiteral("size")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);
    QVERIFY2(lines.at(1).endsWith(url("/big")), r.describe());
    QVERIFY2(lines.at(2).endsWith(url("/mid")), r.describe());
    QVERIFY2(lines.at(3).endsWith(url("/small")), r.describe());

    const Run hits = cli({QStringLiteral("top"), QStringLiteral("--json"),
                          QStringLiteral("--limit"), QStringLiteral("1")});
    QVERIFY2(hits.finished && hits.exitCode == 0, hits.describe());
    const QJsonArray array = QJsonDocument::fromJson(hits.out.toUtf8()).array();
    QCOMPARE(array.size(), 1);
    QCOMPARE(array.at(0).toObject().value(QStringLiteral("url")).toString(), url("/small"));
    QCOMPARE(array.at(0).toObject().value(QStringLiteral("hits")).toInt(), 2);

    const Run age = cli({QStringLiteral("top"), QStringLiteral("--by"), QStringLiteral("age"),
                         QStringLiteral("--limit"), QStringLiteral("1")});
    QVERIFY2(age.finished && age.exitCode == 0, age.describe());
    QVERIFY2(age.out.trimmed().endsWith(url("/small")), age.describe());
}

void tst_Cli::lsFiltersAndTotal()
{
    m_server->setRoute(
            "/f/one",
            Response::ok("one").header("Content-Type", "text/plain").header("Cache-Tag", "t1"));
    m_server->setRoute(
            "/f/two",
            Response::ok("two").header("Content-Type", "image/png").header("Cache-Tag", "t2"));
    m_server->setRoute(
            "/g/three",
            Response::ok("three").header("Content-Type", "image/gif").header("Cache-Tag", "t1"));
    m_server->setRoute(
            "/g/four",
            Response::ok("four").header("Content-Type", "text/html").header("Cache-Tag", "t3"));
    QCOMPARE(cli({QStringLiteral("fetch"), url("/f/one"), url("/f/two"), url("/g/three"),
                  url("/g/four")})
                     .exitCode,
             0);
    QCOMPARE(cli({QStringLiteral("soft-purge"), QStringLiteral("t3")}).exitCode, 0);

    const auto urls = [this](const Run &r) {
        QStringList found;
        for (const char *path : {"/f/one", "/f/two", "/g/three", "/g/four"}) {
            if (r.out.contains(url(path)))
                found.append(QString::fromLatin1(path));
        }
        return found;
    };
    const auto lastLine = [](const Run &r) {
        return r.out.trimmed().section(QLatin1Char('\n'), -1);
    };

    const Run tag = cli({QStringLiteral("ls"), QStringLiteral("--tag"), QStringLiteral("t1")});
    QVERIFY2(tag.finished && tag.exitCode == 0, tag.describe());
    QCOMPARE(urls(tag), QStringList({QStringLiteral("/f/one"), QStringLiteral("/g/three")}));
    QCOMPARE(lastLine(tag), QStringLiteral("2 of 4 entries"));

    const Run byUrl = cli({QStringLiteral("ls"), QStringLiteral("--url"), QStringLiteral("/f/")});
    QCOMPARE(urls(byUrl), QStringList({QStringLiteral("/f/one"), QStringLiteral("/f/two")}));
    QCOMPARE(lastLine(byUrl), QStringLiteral("2 of 4 entries"));

    const Run type =
            cli({QStringLiteral("ls"), QStringLiteral("--type"), QStringLiteral("image/")});
    QCOMPARE(urls(type), QStringList({QStringLiteral("/f/two"), QStringLiteral("/g/three")}));

    const Run both = cli({QStringLiteral("ls"), QStringLiteral("--type"), QStringLiteral("image/"),
                          QStringLiteral("--tag"), QStringLiteral("t1")});
    QCOMPARE(urls(both), QStringList({QStringLiteral("/g/three")}));
    QCOMPARE(lastLine(both), QStringLiteral("1 of 4 entries"));

    const Run expired = cli({QStringLiteral("ls"), QStringLiteral("--expired")});
    QCOMPARE(urls(expired), QStringList({QStringLiteral("/g/four")}));
    const Run fresh = cli({QStringLiteral("ls"), QStringLiteral("--fresh")});
    QCOMPARE(urls(fresh),
             QStringList({QStringLiteral("/f/one"), QStringLiteral("/f/two"),
                          QStringLiteral("/g/three")}));
    QCOMPARE(lastLine(fresh), QStringLiteral("3 of 4 entries"));

    // --limit cuts what is shown; the total line still says how many match.
    const Run limited = cli({QStringLiteral("ls"), QStringLiteral("--url"), QStringLiteral("/f/"),
                             QStringLiteral("--limit"), QStringLiteral("1")});
    QCOMPARE(urls(limited).size(), 1);
    QCOMPARE(lastLine(limited), QStringLiteral("1 of 4 entries (2 match)"));

    const Run json = cli({QStringLiteral("ls"), QStringLiteral("--json"), QStringLiteral("--tag"),
                          QStringLiteral("t2")});
    const QJsonArray array = QJsonDocument::fromJson(json.out.toUtf8()).array();
    QCOMPARE(array.size(), 1);
    QCOMPARE(array.at(0).toObject().value(QStringLiteral("tags")).toArray(),
             QJsonArray({QStringLiteral("t2")}));

    const Run none =
            cli({QStringLiteral("ls"), QStringLiteral("--tag"), QStringLiteral("nothing")});
    QVERIFY2(none.finished && none.exitCode == 0 && none.out.isEmpty(), none.describe());
    QVERIFY2(none.err.contains(QLatin1String("no entries match (4 in all)")), none.describe());
}

void tst_Cli::tiers()
{
    m_server->setRoute("/tiered", Response::ok(QByteArray(5000, 't')));
    const QStringList tiers = {QStringLiteral("--tier"), QStringLiteral("memory:?max=1MiB"),
                               QStringLiteral("--tier"), QStringLiteral("disk:")};
    const Run first = cli(tiers + QStringList {QStringLiteral("fetch"), url("/tiered")});
    QVERIFY2(first.finished && first.exitCode == 0, first.describe());
    QVERIFY2(first.out.startsWith(QLatin1String("MISS 200")), first.describe());
    // A new process: the memory tier is empty, the disk tier has it.
    const Run second = cli({QStringLiteral("fetch"), url("/tiered"), QStringLiteral("--tier"),
                            QStringLiteral("memory:?max=1MiB"), QStringLiteral("--tier"),
                            QStringLiteral("disk:")});
    QVERIFY2(second.finished && second.exitCode == 0, second.describe());
    QVERIFY2(second.out.startsWith(QLatin1String("HIT  200")), second.describe());
    QCOMPARE(m_server->requestCount("/tiered"), 1);

    const Run stats = cli(tiers + QStringList {QStringLiteral("stats")});
    QVERIFY2(stats.finished && stats.exitCode == 0, stats.describe());
    QVERIFY2(stats.out.contains(QRegularExpression(
                     QStringLiteral("^TIER\\s+LOOKUPS\\s+HITS\\s+MISSES\\s+PROMOTIONS"),
                     QRegularExpression::MultilineOption)),
             stats.describe());
    QVERIFY2(stats.out.contains(QRegularExpression(QStringLiteral("^memory:\\?max=1MiB\\s+\\d"),
                                                   QRegularExpression::MultilineOption)),
             stats.describe());
    QVERIFY2(stats.out.contains(QRegularExpression(QStringLiteral("^disk:\\s+\\d"),
                                                   QRegularExpression::MultilineOption)),
             stats.describe());

    // Memory alone: one process fetching twice hits the second time.
    const QString other = m_dir->filePath(QStringLiteral("memory-only"));
    const Run memory = run({QStringLiteral("--cache"), other, QStringLiteral("--tier"),
                            QStringLiteral("memory:"), QStringLiteral("fetch"), url("/tiered"),
                            url("/tiered")});
    QVERIFY2(memory.finished && memory.exitCode == 0, memory.describe());
    QVERIFY2(memory.out.contains(QRegularExpression(QStringLiteral("^MISS 200.*\\n^HIT  200"),
                                                    QRegularExpression::MultilineOption)),
             memory.describe());
    QVERIFY(!QFileInfo::exists(other + QLatin1String("/catalogue.db")));
}

void tst_Cli::badTierFails_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown scheme")
            << QStringLiteral("bogus:") << QStringLiteral("no plugin for \"bogus:\"");
    QTest::newRow("bad option") << QStringLiteral("memory:?max=lots")
                                << QStringLiteral("max=\"lots\"");
    QTest::newRow("disk with options")
            << QStringLiteral("disk:?max=1MiB") << QStringLiteral("takes no options");
    QTest::newRow("no scheme") << QStringLiteral("memory") << QStringLiteral("has no scheme");
}

void tst_Cli::badTierFails()
{
    QFETCH(QString, spec);
    QFETCH(QString, message);
    m_server->setRoute("/never", Response::ok("never"));
    const Run r = cli({QStringLiteral("--tier"), spec, QStringLiteral("--tier"),
                       QStringLiteral("disk:"), QStringLiteral("fetch"), url("/never")});
    QVERIFY2(r.finished && r.exitCode == 1, r.describe());
    QVERIFY2(r.err.startsWith(QLatin1String("tiercache: error: ")), r.describe());
    QVERIFY2(r.err.contains(QLatin1Char('"') + spec + QLatin1Char('"')), r.describe());
    QVERIFY2(r.err.contains(message), r.describe());
    QVERIFY2(r.out.isEmpty(), r.describe());
    QCOMPARE(m_server->requestCount(), 0);
    QVERIFY(!QFileInfo::exists(m_cacheDir));
}

void tst_Cli::plugins()
{
    const Run r = run({QStringLiteral("plugins")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("^ID\\s+NAME\\s+FILE$"),
                                               QRegularExpression::MultilineOption)),
             r.describe());
    QVERIFY2(r.out.contains(QRegularExpression(
                     QStringLiteral("^memory\\s+\\S.*\\s/\\S*tiercache_memory\\S*$"),
                     QRegularExpression::MultilineOption)),
             r.describe());

    // A file that is no plugin is listed with the reason, and is no failure.
    const QString pluginDir = m_dir->filePath(QStringLiteral("plugins"));
    QVERIFY(QDir().mkpath(pluginDir));
    QFile broken(pluginDir + QLatin1String("/libtiercache_broken.so"));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write("not a shared library");
    broken.close();
    QProcessEnvironment env;
    env.insert(QStringLiteral("TIERCACHE_PLUGIN_PATH"), pluginDir);
    const Run withBroken = run({QStringLiteral("plugins")}, env);
    QVERIFY2(withBroken.finished && withBroken.exitCode == 0, withBroken.describe());
    QVERIFY2(withBroken.out.contains(broken.fileName()), withBroken.describe());
    QVERIFY2(withBroken.out.contains(QRegularExpression(QStringLiteral("^    unusable: \\S"),
                                                        QRegularExpression::MultilineOption)),
             withBroken.describe());

    const Run json = run({QStringLiteral("plugins"), QStringLiteral("--json")});
    QVERIFY2(json.finished && json.exitCode == 0, json.describe());
    bool memory = false;
    for (const QJsonValue &v : QJsonDocument::fromJson(json.out.toUtf8()).array())
        memory = memory
                || (v.toObject().value(QStringLiteral("id")).toString() == QLatin1String("memory")
                    && v.toObject().value(QStringLiteral("usable")).toBool());
    QVERIFY2(memory, json.describe());
}

QTEST_GUILESS_MAIN(tst_Cli)
#include "tst_cli.moc"
