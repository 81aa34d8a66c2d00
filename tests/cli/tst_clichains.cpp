// SPDX-License-Identifier: MIT
// The tiercache tool on every kind of chain: a disk-only cache and memory + sqlite + redis (a
// real redis-server on a free port). Each test runs the real binary against the in-process
// loopback origin and checks the output, the exit code and the state afterwards, including
// that read-only commands leave every file byte for byte as it was.
//
// As in tst_cli, runs are waited for with a QSignalSpy (the origin lives in this event loop).

#include <cachefiles.h>
#include <loopbackserver.h>
#include <redisserver.h>

#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtNetwork/QTcpServer>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <sys/stat.h>

#include <memory>

using namespace tiercache::test;

namespace {

struct Run
{
    bool finished = false;
    int exitCode = -1;
    QString out;
    QString err;
    QByteArray describe() const
    {
        return QStringLiteral("exit code %1\n--- stdout:\n%2--- stderr:\n%3")
                .arg(exitCode)
                .arg(out, err)
                .toLocal8Bit();
    }
};

//! Allocated bytes of every file under \a dir (what the budget counts).
qint64 allocatedBytes(const QString &dir)
{
    qint64 total = 0;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        struct stat st;
        if (::stat(QFile::encodeName(it.next()).constData(), &st) == 0)
            total += qint64(st.st_blocks) * 512;
    }
    return total;
}

} // namespace

class tst_CliChains : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void wholeChain_data();
    void wholeChain();
    void readOnlyCommandsChangeNothing_data();
    void readOnlyCommandsChangeNothing();
    void readOnlyCommandsNeedAnExistingSqliteFile();
    void urlsRoundTrip_data();
    void urlsRoundTrip();
    void oneHitTotalAndPersistentTierFigures();
    void unusableCatalogueIsLeftAlone_data();
    void unusableCatalogueIsLeftAlone();
    void writerKeepsEveryDamagedCopy();
    void budgetIsRecordedAndKept();
    void budgetHoldsAtEveryMoment();
    void unreachableTierIsReported();
    void pluginsShowTheirOptions();

private:
    Run run(const QStringList &args, const std::function<void()> &whileRunning = {});
    //! The tool on the chain of the current data row.
    Run cli(const QStringList &args) { return run(m_chainArgs + args); }
    QString url(const char *path) const
    {
        return m_server->url(QString::fromLatin1(path)).toString();
    }
    void addChains();
    //! Every file of the cache directory and of the sqlite tier, by content.
    QMap<QString, QByteArray> state() const;
    QString sqlitePath() const { return m_dir->filePath(QStringLiteral("tier.db")); }

    RedisServer m_redis;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LoopbackServer> m_server;
    QString m_cacheDir;
    QStringList m_chainArgs;
};

void tst_CliChains::initTestCase()
{
    TIERCACHE_START_REDIS(m_redis);
}

void tst_CliChains::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_cacheDir = m_dir->filePath(QStringLiteral("cache"));
    m_server = std::make_unique<LoopbackServer>();
    QVERIFY(m_server->isListening());
    QVERIFY(m_redis.command({"FLUSHALL"}).isValid());
    m_chainArgs = {QStringLiteral("--cache"), m_cacheDir};
    if (QTest::currentDataTag() && QByteArray(QTest::currentDataTag()).contains("redis")) {
        m_chainArgs << QStringLiteral("--tier") << QStringLiteral("memory:")
                    << QStringLiteral("--tier")
                    << QStringLiteral("sqlite:?path=%1").arg(sqlitePath())
                    << QStringLiteral("--tier")
                    << QStringLiteral("redis://127.0.0.1:%1/0").arg(m_redis.port());
    }
}

void tst_CliChains::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

void tst_CliChains::addChains()
{
    QTest::addColumn<bool>("disk");
    QTest::newRow("disk") << true;
    QTest::newRow("memory+sqlite+redis") << false;
}

QMap<QString, QByteArray> tst_CliChains::state() const
{
    QMap<QString, QByteArray> files = snapshot(m_dir->path());
    const QMap<QByteArray, QByteArray> redis = m_redis.dataSnapshot();
    for (auto it = redis.cbegin(); it != redis.cend(); ++it)
        files.insert(QStringLiteral("redis:") + QString::fromUtf8(it.key()), it.value());
    return files;
}

//! What differs between two state() maps, for a failure message.
static QByteArray stateDifference(const QMap<QString, QByteArray> &before,
                                  const QMap<QString, QByteArray> &after)
{
    QStringList changed;
    for (auto it = before.cbegin(); it != before.cend(); ++it) {
        if (!after.contains(it.key()))
            changed.append(QStringLiteral("gone: ") + it.key());
        else if (after.value(it.key()) != it.value())
            changed.append(QStringLiteral("changed: ") + it.key());
    }
    for (auto it = after.cbegin(); it != after.cend(); ++it) {
        if (!before.contains(it.key()))
            changed.append(QStringLiteral("new: ") + it.key());
    }
    return changed.join(QLatin1String("; ")).toUtf8();
}

Run tst_CliChains::run(const QStringList &args, const std::function<void()> &whileRunning)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("TIERCACHE_DIR"));
    env.remove(QStringLiteral("TIERCACHE_MAX_SIZE"));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), m_dir->filePath(QStringLiteral("xdg-cache")));
    if (!env.contains(QStringLiteral("TIERCACHE_PLUGIN_PATH")))
        env.insert(QStringLiteral("TIERCACHE_PLUGIN_PATH"), QStringLiteral(PLUGIN_BUILD_DIR));
    process.setProcessEnvironment(env);
    process.setProgram(QStringLiteral(TIERCACHE_CLI));
    process.setArguments(args);
    Run r;
    QSignalSpy finished(&process, &QProcess::finished);
    QTimer sampler;
    if (whileRunning) {
        sampler.setInterval(2);
        QObject::connect(&sampler, &QTimer::timeout, whileRunning);
        sampler.start();
    }
    process.start();
    r.finished = finished.wait(120000);
    sampler.stop();
    if (!r.finished) {
        process.kill();
        finished.wait(5000);
    }
    r.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    r.out = QString::fromLocal8Bit(process.readAllStandardOutput());
    r.err = QString::fromLocal8Bit(process.readAllStandardError());
    return r;
}

void tst_CliChains::wholeChain_data()
{
    addChains();
}

// rm, ls, tags, invalidate-tag, soft-purge, clear: what they say is what the chain then does.
void tst_CliChains::wholeChain()
{
    for (const char *path : {"/a", "/b", "/c"})
        m_server->setRoute(path, Response::ok(QByteArray("body of ") + path));
    Run r = cli({QStringLiteral("fetch"), QStringLiteral("--tag"), QStringLiteral("t1"), url("/a"),
                 url("/b")});
    QVERIFY2(r.exitCode == 0, r.describe());
    r = cli({QStringLiteral("fetch"), QStringLiteral("--tag"), QStringLiteral("t2"), url("/c")});
    QVERIFY2(r.exitCode == 0, r.describe());

    r = cli({QStringLiteral("ls")});
    QVERIFY2(r.exitCode == 0 && r.out.contains(QLatin1String("3 of 3 entries")), r.describe());
    r = cli({QStringLiteral("tags"), QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, r.describe());
    const QJsonArray tagCounts = QJsonDocument::fromJson(r.out.toUtf8()).array();
    QCOMPARE(tagCounts.size(), 2);
    QCOMPARE(tagCounts.at(0).toObject().value(QLatin1String("tag")).toString(),
             QStringLiteral("t1"));
    QCOMPARE(tagCounts.at(0).toObject().value(QLatin1String("entries")).toInt(), 2);

    // rm reaches every tier: the next fetch goes to the origin.
    r = cli({QStringLiteral("rm"), url("/a")});
    QVERIFY2(r.exitCode == 0 && r.out.contains(QLatin1String("removed ")), r.describe());
    r = cli({QStringLiteral("rm"), url("/a")});
    QVERIFY2(r.exitCode == 1 && r.err.contains(QLatin1String("not cached")), r.describe());
    r = cli({QStringLiteral("fetch"), url("/a")});
    QVERIFY2(r.out.startsWith(QLatin1String("MISS")), r.describe());
    QCOMPARE(m_server->requestCount("/a"), 2);

    // /a came back without a tag: t1 holds /b alone.
    r = cli({QStringLiteral("invalidate-tag"), QStringLiteral("t1")});
    QVERIFY2(r.exitCode == 0 && r.out.contains(QLatin1String("removed 1 entries")), r.describe());
    r = cli({QStringLiteral("fetch"), url("/b")});
    QVERIFY2(r.out.startsWith(QLatin1String("MISS")), r.describe());
    QCOMPARE(m_server->requestCount("/b"), 2);

    r = cli({QStringLiteral("soft-purge"), QStringLiteral("t2")});
    QVERIFY2(r.exitCode == 0 && r.out.contains(QLatin1String("marked 1 entries stale")),
             r.describe());
    r = cli({QStringLiteral("ls"), QStringLiteral("--expired")});
    QVERIFY2(r.exitCode == 0 && r.out.contains(url("/c")), r.describe());

    r = cli({QStringLiteral("clear")});
    QVERIFY2(r.exitCode == 0 && r.out.startsWith(QLatin1String("removed 3 entries")), r.describe());
    r = cli({QStringLiteral("ls")});
    QVERIFY2(r.exitCode == 0 && r.err.contains(QLatin1String("no entries")), r.describe());
    QFETCH(bool, disk);
    if (!disk)
        QCOMPARE(m_redis.command({"DBSIZE"}).toLongLong(), 0);
    r = cli({QStringLiteral("fetch"), url("/c")});
    QVERIFY2(r.out.startsWith(QLatin1String("MISS")), r.describe());
}

void tst_CliChains::readOnlyCommandsChangeNothing_data()
{
    addChains();
}

void tst_CliChains::readOnlyCommandsChangeNothing()
{
    m_server->setRoute("/a", Response::ok("some body"));
    m_server->setRoute("/b", Response::ok("other body", "max-age=0"));
    m_server->setRoute("/large", Response::ok(QByteArray(300 * 1024, 'L')));
    m_server->setRoute("/only-redis", Response::ok("only in redis"));
    Run r = cli({QStringLiteral("fetch"), QStringLiteral("--tag"), QStringLiteral("t"), url("/a"),
                 url("/b"), url("/a"), url("/large")});
    QVERIFY2(r.exitCode == 0, r.describe());
    QFETCH(bool, disk);
    if (!disk) {
        // Entries the sqlite tier lacks: a hit in redis would be promoted into it.
        r = run({QStringLiteral("--cache"), m_cacheDir, QStringLiteral("--tier"),
                 QStringLiteral("redis://127.0.0.1:%1/0").arg(m_redis.port()),
                 QStringLiteral("fetch"), url("/only-redis")});
        QVERIFY2(r.exitCode == 0, r.describe());
        QVERIFY(QFile::exists(sqlitePath()));
    }
    QTest::qWait(1200); // let the batched writes of that run settle (they are its own)
    const QMap<QString, QByteArray> before = state();
    QVERIFY(disk || before.keys().filter(QStringLiteral("redis:tc:m:")).size() == 4);
    const QList<QStringList> commands = {
            {QStringLiteral("ls")},
            {QStringLiteral("ls"), QStringLiteral("--json")},
            {QStringLiteral("stats")},
            {QStringLiteral("stats"), QStringLiteral("--json")},
            {QStringLiteral("tags")},
            {QStringLiteral("top")},
            {QStringLiteral("show"), url("/a")},
            {QStringLiteral("show"), url("/b")},
            {QStringLiteral("cat"), url("/a")},
            {QStringLiteral("cat"), url("/b")},
            {QStringLiteral("cat"), url("/large")},
            {QStringLiteral("cat"), url("/a")}, // a second hit: promotion policies count two
            {QStringLiteral("verify")},
    };
    for (const QStringList &command : commands) {
        r = cli(command);
        QVERIFY2(r.exitCode == 0, r.describe());
        const QMap<QString, QByteArray> after = state();
        QVERIFY2(after == before,
                 (command.join(QLatin1Char(' ')) + QStringLiteral(": ")).toUtf8()
                         + stateDifference(before, after));
    }
    if (!disk) {
        // Served from redis, the one tier that has it, and still nowhere else.
        for (int i = 0; i < 2; ++i) {
            r = cli({QStringLiteral("cat"), url("/only-redis")});
            QVERIFY2(r.exitCode == 0 && r.out == QLatin1String("only in redis"), r.describe());
        }
        QVERIFY2(state() == before, stateDifference(before, state()));
    }
    QCOMPARE(m_server->requestCount("/a"), 1);
    r = cli({QStringLiteral("cat"), url("/a")});
    QCOMPARE(r.out, QStringLiteral("some body"));
    r = cli({QStringLiteral("cat"), url("/large")});
    QCOMPARE(r.out.toLatin1(), QByteArray(300 * 1024, 'L'));
    r = cli({QStringLiteral("show"), url("/b")});
    QVERIFY2(r.out.contains(QLatin1String("stale")) && r.out.contains(QLatin1String("max-age=0"))
                     && r.out.contains(QRegularExpression(QStringLiteral("tags: +t\\n"))),
             r.describe());
    QVERIFY2(!r.out.contains(QLatin1String("X-Tiercache-Tags")), r.describe());
}

// A read-only command on a chain whose sqlite file is not there: said plainly, and neither
// the file nor its directory is created (nor anything in redis).
void tst_CliChains::readOnlyCommandsNeedAnExistingSqliteFile()
{
    const QString missing = m_dir->filePath(QStringLiteral("nowhere/tier.db"));
    const QStringList chain = {QStringLiteral("--cache"),
                               m_cacheDir,
                               QStringLiteral("--tier"),
                               QStringLiteral("memory:"),
                               QStringLiteral("--tier"),
                               QStringLiteral("sqlite:?path=%1").arg(missing),
                               QStringLiteral("--tier"),
                               QStringLiteral("redis://127.0.0.1:%1/0").arg(m_redis.port())};
    const QMap<QString, QByteArray> before = state();
    for (const QStringList &command : QList<QStringList> {{QStringLiteral("ls")},
                                                          {QStringLiteral("stats")},
                                                          {QStringLiteral("tags")},
                                                          {QStringLiteral("top")},
                                                          {QStringLiteral("verify")},
                                                          {QStringLiteral("show"), url("/a")},
                                                          {QStringLiteral("cat"), url("/a")}}) {
        const Run r = run(chain + command);
        QVERIFY2(r.exitCode == 1
                         && r.err.contains(QStringLiteral("error: tier \"sqlite:?path=%1\": %1 "
                                                          "does not exist")
                                                   .arg(missing))
                         && !r.err.contains(QLatin1String("readonly=true")),
                 r.describe());
        QVERIFY(!QFileInfo::exists(m_dir->filePath(QStringLiteral("nowhere"))));
        QVERIFY2(state() == before, stateDifference(before, state()));
    }
    // A writer creates it.
    m_server->setRoute("/a", Response::ok("x"));
    const Run r = run(chain + QStringList {QStringLiteral("fetch"), url("/a")});
    QVERIFY2(r.exitCode == 0, r.describe());
    QVERIFY(QFileInfo::exists(missing));
}

void tst_CliChains::urlsRoundTrip_data()
{
    addChains();
}

void tst_CliChains::urlsRoundTrip()
{
    m_server->setRoute("/%C3%BC/%C3%A9%20file.txt", Response::ok("umlaut"));
    const QString typed = m_server->url(QString()).toString() + QStringLiteral("ü/é file.txt");
    Run r = cli({QStringLiteral("fetch"), typed});
    QVERIFY2(r.exitCode == 0 && r.out.startsWith(QLatin1String("MISS")), r.describe());
    // ls prints what rm, show and fetch take back.
    r = cli({QStringLiteral("ls"), QStringLiteral("--url"), QStringLiteral("é file")});
    QVERIFY2(r.exitCode == 0 && r.out.contains(QLatin1String("1 of 1 entries")), r.describe());
    const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("(http://\\S+)$"),
                                                         QRegularExpression::MultilineOption)
                                              .match(r.out);
    QVERIFY2(m.hasMatch(), r.describe());
    const QString printed = m.captured(1);
    QVERIFY2(printed.endsWith(QLatin1String("/%C3%BC/%C3%A9%20file.txt")), qPrintable(printed));
    r = cli({QStringLiteral("ls"), QStringLiteral("--url"), QStringLiteral("%C3%A9%20file")});
    QVERIFY2(r.out.contains(QLatin1String("1 of 1 entries")), r.describe());
    r = cli({QStringLiteral("show"), printed});
    QVERIFY2(r.exitCode == 0, r.describe());
    r = cli({QStringLiteral("fetch"), printed});
    QVERIFY2(r.out.startsWith(QLatin1String("HIT")), r.describe());
    r = cli({QStringLiteral("rm"), printed});
    QVERIFY2(r.exitCode == 0, r.describe());
    r = cli({QStringLiteral("ls")});
    QVERIFY2(r.err.contains(QLatin1String("no entries")), r.describe());

    // Credentials are never printed; invalid URLs are a usage error with a plain message.
    const QString withPassword = QStringLiteral("http://user:s3cret@127.0.0.1:%1/nothing")
                                         .arg(m_server->url(QString()).port());
    r = cli({QStringLiteral("rm"), withPassword});
    QVERIFY2(r.exitCode == 1 && !(r.out + r.err).contains(QLatin1String("s3cret")), r.describe());
    r = cli({QStringLiteral("rm"), QStringLiteral("http://user:s3cret@/")});
    QVERIFY2(r.exitCode == 2 && !(r.out + r.err).contains(QLatin1String("s3cret")), r.describe());
    r = cli({QStringLiteral("fetch"), QString()});
    QVERIFY2(r.exitCode == 2 && r.err.contains(QLatin1String("invalid URL '': it is empty"))
                     && !r.err.contains(QLatin1String("Protocol")),
             r.describe());
    r = cli({QStringLiteral("show"), QStringLiteral("ftp://example.org/")});
    QVERIFY2(r.exitCode == 2 && r.err.contains(QLatin1String("only http and https")), r.describe());
}

// memory + disk: hits served from memory count per entry too, and the per-tier figures are
// the store's (every process), not those of the run that reads them.
void tst_CliChains::oneHitTotalAndPersistentTierFigures()
{
    m_server->setRoute("/a", Response::ok("hot"));
    const QStringList chain = {QStringLiteral("--cache"), m_cacheDir,
                               QStringLiteral("--tier"),  QStringLiteral("memory:"),
                               QStringLiteral("--tier"),  QStringLiteral("disk:")};
    Run r = run(chain + QStringList {QStringLiteral("fetch"), url("/a"), url("/a"), url("/a")});
    QVERIFY2(r.exitCode == 0, r.describe());
    r = run(chain + QStringList {QStringLiteral("stats"), QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, r.describe());
    const QJsonObject json = QJsonDocument::fromJson(r.out.toUtf8()).object();
    const qint64 hits = json.value(QLatin1String("statistics"))
                                .toObject()
                                .value(QLatin1String("hits"))
                                .toInteger();
    QCOMPARE(hits, 2);
    QCOMPARE(json.value(QLatin1String("totalHits")).toInteger(), hits);
    const QJsonArray tiers = json.value(QLatin1String("tiers")).toArray();
    QCOMPARE(tiers.size(), 2);
    QCOMPARE(tiers.at(0).toObject().value(QLatin1String("spec")).toString(),
             QStringLiteral("memory:"));
    QCOMPARE(tiers.at(0).toObject().value(QLatin1String("hits")).toInteger(), 2);
    QCOMPARE(tiers.at(0).toObject().value(QLatin1String("lookups")).toInteger(), 3);
    QCOMPARE(tiers.at(1).toObject().value(QLatin1String("lookups")).toInteger(), 1);
    QCOMPARE(tiers.at(1).toObject().value(QLatin1String("writes")).toInteger(), 1);
}

void tst_CliChains::unusableCatalogueIsLeftAlone_data()
{
    QTest::addColumn<QString>("spoil");
    QTest::addColumn<QString>("message");
    QTest::newRow("random bytes") << QStringLiteral("garbage")
                                  << QStringLiteral("damaged or not a database");
    QTest::newRow("foreign database") << QStringLiteral("PRAGMA application_id=7")
                                      << QStringLiteral("not a Tiercache catalogue");
    QTest::newRow("newer format") << QStringLiteral("PRAGMA user_version=99")
                                  << QStringLiteral("newer Tiercache");
}

void tst_CliChains::unusableCatalogueIsLeftAlone()
{
    QFETCH(QString, spoil);
    QFETCH(QString, message);
    m_server->setRoute("/a", Response::ok("x"));
    Run r = cli({QStringLiteral("fetch"), url("/a")});
    QVERIFY2(r.exitCode == 0, r.describe());
    const QString catalogue = m_cacheDir + QStringLiteral("/catalogue.db");
    if (spoil == QLatin1String("garbage")) {
        QFile f(catalogue);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QByteArray bytes(8192, Qt::Uninitialized);
        for (int i = 0; i < bytes.size(); ++i)
            bytes[i] = char((i * 7919 + 13) % 251);
        f.write(bytes);
    } else {
        QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("spoil"));
        db.setDatabaseName(catalogue);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(spoil));
        q.finish();
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("spoil"));
    }
    QFile::remove(catalogue + QStringLiteral("-wal"));
    QFile::remove(catalogue + QStringLiteral("-shm"));
    const QMap<QString, QByteArray> before = snapshot(m_cacheDir);
    for (const QStringList &command : QList<QStringList> {{QStringLiteral("ls")},
                                                          {QStringLiteral("stats")},
                                                          {QStringLiteral("tags")},
                                                          {QStringLiteral("verify")},
                                                          {QStringLiteral("show"), url("/a")}}) {
        r = cli(command);
        QVERIFY2(r.exitCode == 3 && r.err.contains(message), r.describe());
        QVERIFY2(snapshot(m_cacheDir) == before, qPrintable(command.join(QLatin1Char(' '))));
    }
    if (spoil.contains(QLatin1String("user_version"))) {
        // A writer of an older format does not move a newer catalogue aside either.
        r = cli({QStringLiteral("fetch"), url("/a")});
        QVERIFY2(r.exitCode == 3 && r.err.contains(message), r.describe());
        QVERIFY2(snapshot(m_cacheDir) == before, r.describe());
    }
}

void tst_CliChains::writerKeepsEveryDamagedCopy()
{
    m_server->setRoute("/a", Response::ok("x"));
    const QString catalogue = m_cacheDir + QStringLiteral("/catalogue.db");
    for (int round = 1; round <= 2; ++round) {
        Run r = cli({QStringLiteral("fetch"), url("/a")});
        QVERIFY2(r.exitCode == 0, r.describe());
        QFile::remove(catalogue + QStringLiteral("-wal"));
        QFile::remove(catalogue + QStringLiteral("-shm"));
        QFile f(catalogue);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(QByteArray(4096, char('0' + round)));
        f.close();
        // Without --verbose, the writer says what it did with the damaged file.
        r = cli({QStringLiteral("gc")});
        QVERIFY2(r.exitCode == 0
                         && r.err.contains(
                                 QStringLiteral("kept it as catalogue.db.corrupt.%1").arg(round)),
                 r.describe());
    }
    for (int n = 1; n <= 2; ++n) {
        QFile copy(catalogue + QStringLiteral(".corrupt.%1").arg(n));
        QVERIFY(copy.open(QIODevice::ReadOnly));
        QCOMPARE(copy.readAll(), QByteArray(4096, char('0' + n)));
    }
}

void tst_CliChains::budgetIsRecordedAndKept()
{
    m_server->setRoute("/small", Response::ok(QByteArray(4000, 's')));
    m_server->setRoute("/large", Response::ok(QByteArray(20000, 'l')));
    Run r = cli({QStringLiteral("--max-size"), QStringLiteral("128KiB"), QStringLiteral("fetch"),
                 url("/small"), url("/large")});
    QVERIFY2(r.exitCode == 0, r.describe());
    // 20 000 bytes is more than 1/8 of 128 KiB: passed through, not stored.
    r = cli({QStringLiteral("ls")});
    QVERIFY2(r.out.contains(QLatin1String("1 of 1 entries")) && !r.out.contains(url("/large")),
             r.describe());
    // Every later reader and writer without --max-size reports and keeps the same budget.
    r = cli({QStringLiteral("stats")});
    QVERIFY2(r.out.contains(QLatin1String("of 128.0 KiB maximum"))
                     && r.out.contains(QLatin1String("recorded in the cache")),
             r.describe());
    r = cli({QStringLiteral("fetch"), url("/large")});
    QVERIFY2(r.out.startsWith(QLatin1String("MISS")), r.describe());
    r = cli({QStringLiteral("stats"), QStringLiteral("--json")});
    QCOMPARE(QJsonDocument::fromJson(r.out.toUtf8())
                     .object()
                     .value(QLatin1String("maximumSize"))
                     .toInteger(),
             128 * 1024);
}

// Bodies of 0.5x, 1x and 3x the budget, with and without Content-Length, on a cache that is
// already partly full: the directory's allocated size is sampled every 2 ms while each is
// fetched, and never exceeds the budget. Each body reaches the application intact.
void tst_CliChains::budgetHoldsAtEveryMoment()
{
    constexpr qint64 budget = 1024 * 1024;
    for (int i = 0; i < 8; ++i)
        m_server->setRoute(QStringLiteral("/fill%1").arg(i).toLatin1(),
                           Response::ok(QByteArray(40000, char('a' + i))));
    QStringList fill = {QStringLiteral("--max-size"), QStringLiteral("1MiB"),
                        QStringLiteral("fetch")};
    for (int i = 0; i < 8; ++i)
        fill << url(QStringLiteral("/fill%1").arg(i).toLatin1().constData());
    Run r = cli(fill);
    QVERIFY2(r.exitCode == 0, r.describe());
    qint64 peak = 0;
    const auto sample = [&] { peak = qMax(peak, allocatedBytes(m_cacheDir)); };
    for (const double factor : {0.5, 1.0, 3.0}) {
        for (const bool chunked : {false, true}) {
            Response big;
            big.generatedBodySize = qint64(factor * budget);
            big.chunked = chunked;
            big.header("Cache-Control", "max-age=3600");
            const QByteArray path = "/big-" + QByteArray::number(factor) + (chunked ? "-c" : "");
            m_server->setRoute(path, big);
            r = run(m_chainArgs + QStringList {QStringLiteral("fetch"), url(path.constData())},
                    sample);
            QVERIFY2(r.exitCode == 0 && r.out.contains(QString::number(big.generatedBodySize)),
                     r.describe());
            QVERIFY2(peak <= budget,
                     qPrintable(QStringLiteral("%1 bytes allocated, over the %2 budget")
                                        .arg(peak)
                                        .arg(budget)));
        }
    }
    sample();
    QVERIFY2(peak <= budget, qPrintable(QString::number(peak)));
    qInfo("peak allocated size of the cache directory: %lld of %lld bytes", peak, budget);
}

// A Redis tier on a port where nothing listens: reported on stderr without --verbose, and
// the command works from the other tiers.
void tst_CliChains::unreachableTierIsReported()
{
    QTcpServer closed; // a port that was free a moment ago and is closed now
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 deadPort = closed.serverPort();
    closed.close();
    m_server->setRoute("/a", Response::ok("still works"));
    const QStringList chain = {
            QStringLiteral("--cache"), m_cacheDir,
            QStringLiteral("--tier"),  QStringLiteral("disk:"),
            QStringLiteral("--tier"),  QStringLiteral("redis://127.0.0.1:%1/0").arg(deadPort)};
    Run r = run(chain + QStringList {QStringLiteral("fetch"), url("/a")});
    QVERIFY2(r.exitCode == 0 && r.out.startsWith(QLatin1String("MISS"))
                     && r.err.contains(QStringLiteral("warning: tier \"redis://127.0.0.1:%1/0\"")
                                               .arg(deadPort)),
             r.describe());
    r = run(chain + QStringList {QStringLiteral("fetch"), url("/a")});
    QVERIFY2(r.exitCode == 0 && r.out.startsWith(QLatin1String("HIT")), r.describe());
    QCOMPARE(m_server->requestCount("/a"), 1);
}

void tst_CliChains::pluginsShowTheirOptions()
{
    const Run r = run({QStringLiteral("plugins")});
    QVERIFY2(r.exitCode == 0, r.describe());
    QVERIFY2(r.out.contains(
                     QLatin1String("max_entry (size, default 1MiB): largest body kept in memory")),
             r.describe());
    QVERIFY2(r.out.contains(QLatin1String("timeout_ms (int, default 100): ")), r.describe());
    QVERIFY2(r.out.contains(QLatin1String("path (path): absolute path of the database file")),
             r.describe());
    // Every bundled plugin can be opened read-only, and says so.
    QCOMPARE(r.out.count(QLatin1String("readonly (bool, default false): ")), 3);
}

QTEST_GUILESS_MAIN(tst_CliChains)
#include "tst_clichains.moc"
