// SPDX-License-Identifier: MIT
// Tests of the tiercache command-line tool: the real binary, run with QProcess against the
// in-process loopback origin and a temporary cache directory.
//
// The origin lives in this process's event loop, so every run is waited for with a
// QSignalSpy (which spins the loop), never with QProcess::waitForFinished(), which would
// block the origin and deadlock the first fetch.

#include <loopbackserver.h>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
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

QStringList blobFiles(const QString &cacheDir)
{
    QStringList files;
    QDir blobs(cacheDir + QLatin1String("/blobs"));
    const auto subdirs = blobs.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &sub : subdirs) {
        const auto names = QDir(blobs.filePath(sub)).entryList(QDir::Files);
        for (const QString &name : names)
            files.append(blobs.filePath(sub + QLatin1Char('/') + name));
    }
    return files;
}

} // namespace

class tst_Cli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void fetchMissThenHit();
    void fetchFailureExitsOne();
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

private:
    Run run(const QStringList &args, const QProcessEnvironment &extra = {});
    Run cli(const QStringList &args) { return run(QStringList{QStringLiteral("--cache"), m_cacheDir} + args); }
    QString url(const char *path) const { return m_server->url(QString::fromLatin1(path)).toString(); }

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
    QVERIFY2(r.err.contains(QLatin1String("tiercache: error: 1 of 2 fetches failed")), r.describe());
}

void tst_Cli::lsListsEntries()
{
    m_server->setRoute("/listed", Response::ok("some body", "max-age=600").header("Content-Type", "text/x-test"));
    QCOMPARE(cli({QStringLiteral("fetch"), url("/listed")}).exitCode, 0);
    QCOMPARE(cli({QStringLiteral("fetch"), url("/listed")}).exitCode, 0); // one hit

    const Run r = cli({QStringLiteral("ls")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 2); // header + one entry
    QVERIFY2(lines.at(0).contains(QLatin1String("URL")), r.describe());
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
    const Run r = cli({QStringLiteral("ls"), QStringLiteral("--json"), QStringLiteral("--limit"), QStringLiteral("2")});
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
    const Run r = cli({QStringLiteral("--max-size"), QStringLiteral("1MiB"), QStringLiteral("stats")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("^entries:\\s+2$"), QRegularExpression::MultilineOption)),
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
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("^entries:\\s+1$"), QRegularExpression::MultilineOption)),
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

    const QStringList blobs = blobFiles(m_cacheDir);
    QCOMPARE(blobs.size(), 1);
    QFile f(blobs.first());
    QVERIFY(f.open(QIODevice::ReadWrite));
    const qint64 at = 32 + 2500; // the body starts after a 32-byte header
    QVERIFY(f.seek(at));
    char c = 0;
    QVERIFY(f.getChar(&c));
    QVERIFY(f.seek(at));
    QVERIFY(f.putChar(char(c ^ 0x01)));
    f.close();

    const Run damaged = cli({QStringLiteral("verify")});
    QVERIFY2(damaged.finished && damaged.exitCode == 1, damaged.describe());
    QVERIFY2(damaged.out.contains(QLatin1String("damaged: 1 bodies, 1 entries removed")), damaged.describe());
    QVERIFY2(damaged.err.contains(QLatin1String("tiercache: error: 1 damaged")), damaged.describe());

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
    QVERIFY2(again.err.contains(QLatin1String("tiercache: error: not cached: ") + url("/r1")), again.describe());
}

void tst_Cli::clearRemovesEverything()
{
    m_server->setRoute("/c1", Response::ok("first"));
    m_server->setRoute("/c2", Response::ok("second"));
    QCOMPARE(cli({QStringLiteral("fetch"), url("/c1"), url("/c2")}).exitCode, 0);
    QCOMPARE(blobFiles(m_cacheDir).size(), 2);

    const Run r = cli({QStringLiteral("clear")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    QVERIFY2(r.out.contains(QLatin1String("removed 2 entries")), r.describe());
    QCOMPARE(blobFiles(m_cacheDir).size(), 0);
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
    QFile orphan(orphanDir + QLatin1Char('/') + QString(64, QLatin1Char('a')).replace(0, 2, QStringLiteral("ab")));
    QVERIFY(orphan.open(QIODevice::WriteOnly));
    orphan.write(QByteArray(64 * 1024, 'x'));
    orphan.close();

    const Run r = cli({QStringLiteral("gc")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    const QRegularExpressionMatch m =
            QRegularExpression(QStringLiteral("^reclaimed .* \\((\\d+) bytes\\)$"), QRegularExpression::MultilineOption)
                    .match(r.out);
    QVERIFY2(m.hasMatch(), r.describe());
    QVERIFY2(m.captured(1).toLongLong() >= 64 * 1024, r.describe());
    QVERIFY(!orphan.exists());
    QCOMPARE(blobFiles(m_cacheDir).size(), 1);
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
    for (const char *command : {"fetch", "ls", "stats", "verify", "rm", "clear", "gc", "demo"})
        QVERIFY2(r.out.contains(QLatin1String("\n  ") + QLatin1String(command) + QLatin1Char(' ')), command);
    QVERIFY(r.err.isEmpty());

    const Run ls = run({QStringLiteral("ls"), QStringLiteral("--help")});
    QVERIFY2(ls.finished && ls.exitCode == 0, ls.describe());
    QVERIFY2(ls.out.startsWith(QLatin1String("Usage: tiercache ls [options]")), ls.describe());
    QVERIFY2(ls.out.contains(QLatin1String("--limit <N>")), ls.describe());
}

void tst_Cli::version()
{
    const Run r = run({QStringLiteral("--version")});
    QVERIFY2(r.finished && r.exitCode == 0, r.describe());
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("^tiercache \\d+\\.\\d+\\.\\d+\n$"))), r.describe());
}

void tst_Cli::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("no command") << QStringList() << QStringLiteral("no command given");
    QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")}
                                     << QStringLiteral("unknown command 'frobnicate'");
    QTest::newRow("fetch without URL") << QStringList{QStringLiteral("fetch")}
                                       << QStringLiteral("fetch needs at least one URL");
    QTest::newRow("rm without URL") << QStringList{QStringLiteral("rm")} << QStringLiteral("rm needs at least one URL");
    QTest::newRow("unknown option") << QStringList{QStringLiteral("ls"), QStringLiteral("--frob")}
                                    << QStringLiteral("Unknown option 'frob'");
    QTest::newRow("bad limit") << QStringList{QStringLiteral("ls"), QStringLiteral("--limit"), QStringLiteral("many")}
                               << QStringLiteral("--limit");
    QTest::newRow("bad size") << QStringList{QStringLiteral("--max-size"), QStringLiteral("12 parsecs"),
                                             QStringLiteral("stats")}
                              << QStringLiteral("invalid size '12 parsecs'");
    QTest::newRow("stray argument") << QStringList{QStringLiteral("stats"), QStringLiteral("extra")}
                                    << QStringLiteral("stats takes no arguments");
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
    for (const QString &bad : {QStringLiteral("not a url"), QStringLiteral("http://exa mple.org/"),
                               QStringLiteral("ftp://example.org/file"), QStringLiteral("/just/a/path")}) {
        const Run r = cli({QStringLiteral("fetch"), url("/fine"), bad});
        QVERIFY2(r.finished && r.exitCode == 1, r.describe());
        QVERIFY2(r.err.contains(QLatin1String("tiercache: error: invalid URL '") + bad + QLatin1Char('\'')),
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
    QVERIFY2(r.out.contains(QLatin1String("cache directory: ") + QDir(m_cacheDir).absolutePath()), r.describe());
    QCOMPARE(r.out.count(QRegularExpression(QStringLiteral("^pass 1 MISS 200\\s+40960  /item/\\d$"),
                                            QRegularExpression::MultilineOption)),
             5);
    QCOMPARE(r.out.count(QRegularExpression(QStringLiteral("^pass 2 HIT  200\\s+40960  /item/\\d$"),
                                            QRegularExpression::MultilineOption)),
             5);
    QVERIFY2(r.out.contains(QLatin1String("origin requests: 5, hit ratio: 50% (second pass 100%)")), r.describe());
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("^entries:\\s+5$"), QRegularExpression::MultilineOption)),
             r.describe());

    // The entries stay behind for the other commands to look at.
    const Run ls = cli({QStringLiteral("ls")});
    QCOMPARE(ls.out.count(QLatin1String("/item/")), 5);
    QCOMPARE(cli({QStringLiteral("verify")}).exitCode, 0);
}

QTEST_GUILESS_MAIN(tst_Cli)
#include "tst_cli.moc"
