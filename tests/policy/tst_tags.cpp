// SPDX-License-Identifier: MIT
// Cache tags end to end: where they come from (Cache-Tag, Surrogate-Key, Cache-Groups, the
// callback), how they are listed, and that invalidation removes exactly the tagged entries from
// every tier, seen through a real QNetworkAccessManager against the loopback origin.

#include "policytestutil.h"

#include <tiercache/networkcache.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtTest/QTest>

using namespace tiercache;
using namespace tiercache::test;

namespace {
// "Name: value" lines
Response withHeaders(Response r, const QList<QByteArray> &lines)
{
    for (const QByteArray &line : lines) {
        const qsizetype colon = line.indexOf(':');
        r.header(line.left(colon), line.mid(colon + 1).trimmed());
    }
    return r;
}

QStringList sorted(QStringList list)
{
    list.sort();
    return list;
}

QStringList S(std::initializer_list<const char *> items = {})
{
    QStringList list;
    for (const char *item : items)
        list.append(QString::fromUtf8(item));
    return list;
}

QStringList numbered(const QString &prefix, int from, int to)
{
    QStringList list;
    for (int i = from; i < to; ++i)
        list.append(prefix + QString::number(i).rightJustified(3, QLatin1Char('0')));
    return list;
}

int blobFileCount(const QString &cacheDir)
{
    return storedBodyCount(cacheDir); // files and bodies kept in the catalogue
}

//! Stores \a body for \a url through the QAbstractNetworkCache API, without an event loop.
bool store(QAbstractNetworkCache *cache, const QUrl &url, const QByteArray &body)
{
    QNetworkCacheMetaData meta;
    meta.setUrl(url);
    meta.setSaveToDisk(true);
    meta.setRawHeaders({{"Content-Length", QByteArray::number(body.size())},
                        {"Cache-Control", "max-age=3600"}});
    meta.setExpirationDate(QDateTime::currentDateTimeUtc().addSecs(3600));
    QIODevice *device = cache->prepare(meta);
    if (!device || device->write(body) != body.size())
        return false;
    cache->insert(device);
    return true;
}

//! A connection of the test's own to the catalogue of a cache directory, as another process
//! (or a tool) would have; statements run on it keep their transaction between calls.
class RawCatalogue
{
public:
    explicit RawCatalogue(const QString &cacheDir)
        : m_db(QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tst_tags_raw")))
    {
        m_db.setDatabaseName(cacheDir + QLatin1String("/catalogue.db"));
        m_db.open();
    }
    ~RawCatalogue()
    {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("tst_tags_raw"));
    }
    bool exec(const QString &sql)
    {
        QSqlQuery q(m_db);
        if (q.exec(sql))
            return true;
        qWarning() << sql << "failed:" << q.lastError().text();
        return false;
    }

private:
    QSqlDatabase m_db;
};

const QString Memory = QStringLiteral("memory:?max=4MiB");
const QString Disk = QStringLiteral("disk:");
} // namespace

class tst_Tags : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void tagsFromHeadersAndCallback_data();
    void tagsFromHeadersAndCallback();
    void tagCountsAndFilters();
    void invalidateTagFromEveryTier_data();
    void invalidateTagFromEveryTier();
    void invalidateReachesEntriesEvictedFromDisk();
    void softPurgeRevalidates_data();
    void softPurgeRevalidates();
    void cacheGroupInvalidationSameOriginOnly();
    void tagsPersistAcrossRestart();
    void invalidatedEntriesAreReclaimed();
    void invalidationSurvivesARestartBeforeReclaim();
    void formatTwoCatalogueIsUpgraded();
    void invalidatedEntriesMakeRoomBeforeLiveOnes();
    void backgroundDeletionNeverWaitsForTheLock();
    void badTagHeaders_data();
    void badTagHeaders();

private:
    void makeCache(const QStringList &tiers = {});
    //! Serves "body of <path>" with the headers routes[path] names, ETag "e1", max-age=3600;
    //! answers If-None-Match: "e1" with a 304.
    void serve(LoopbackServer *server, const QHash<QByteArray, QList<QByteArray>> &routes);
    QStringList pathsInTier(const QString &tier, const QString &tag = {}) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LoopbackServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    NetworkCache *m_cache = nullptr;
};

void tst_Tags::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<LoopbackServer>();
    QVERIFY(m_server->isListening());
    makeCache();
}

void tst_Tags::makeCache(const QStringList &tiers)
{
    m_nam.reset(); // the old cache (if any) goes with its manager
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_cache = new NetworkCache;
    m_cache->setCacheDirectory(m_dir->path());
    if (!tiers.isEmpty())
        QVERIFY2(m_cache->setTiers(tiers),
                 qPrintable(m_cache->tierErrors().join(QLatin1Char('\n'))));
    m_nam->setCache(m_cache);
}

void tst_Tags::cleanup()
{
    m_nam.reset();
    m_cache = nullptr;
    m_server.reset();
    m_dir.reset();
}

void tst_Tags::serve(LoopbackServer *server, const QHash<QByteArray, QList<QByteArray>> &routes)
{
    server->setHandler([routes](const RecordedRequest &r) {
        if (r.header("If-None-Match") == "\"e1\"")
            return Response::notModified()
                    .header("ETag", "\"e1\"")
                    .header("Cache-Control", "max-age=3600");
        return withHeaders(Response::ok("body of " + r.path).header("ETag", "\"e1\""),
                           routes.value(r.path));
    });
}

QStringList tst_Tags::pathsInTier(const QString &tier, const QString &tag) const
{
    EntryFilter filter;
    filter.setTier(tier);
    filter.setTag(tag);
    return urlPaths(m_cache->entries(filter, 0, -1));
}

// ---- sources ----------------------------------------------------------------------------------

void tst_Tags::tagsFromHeadersAndCallback_data()
{
    QTest::addColumn<QList<QByteArray>>("headers");
    QTest::addColumn<QStringList>("fromCallback");
    QTest::addColumn<QStringList>("expected");

    using L = QList<QByteArray>;
    QTest::newRow("Cache-Tag, comma list") << L {"Cache-Tag: a, b,c"} << S() << S({"a", "b", "c"});
    QTest::newRow("Surrogate-Key, space list")
            << L {"Surrogate-Key: x  y z"} << S() << S({"x", "y", "z"});
    QTest::newRow("Cache-Groups, sf-list")
            << L {"Cache-Groups: \"g1\", \"g2\""} << S() << S({"g1", "g2"});
    QTest::newRow("Cache-Groups, no spaces")
            << L {"Cache-Groups: \"g1\",\"g2\""} << S() << S({"g1", "g2"});
    QTest::newRow("Cache-Groups, parameters ignored")
            << L {"Cache-Groups: \"g1\";p=1, \"g2\";q"} << S() << S({"g1", "g2"});
    QTest::newRow("Cache-Groups, escapes")
            << L {"Cache-Groups: \"a\\\"b\", \"c\\\\d\""} << S() << S({"a\"b", "c\\d"});
    QTest::newRow("all three, duplicates once")
            << L {"Cache-Tag: a, shared", "Surrogate-Key: b shared",
                  "Cache-Groups: \"c\", \"shared\""}
            << S() << S({"a", "b", "c", "shared"});
    QTest::newRow("names are case-insensitive")
            << L {"cache-tag: lower", "SURROGATE-KEY: upper"} << S() << S({"lower", "upper"});
    QTest::newRow("repeated Cache-Tag lines")
            << L {"Cache-Tag: a,b", "Cache-Tag: c"} << S() << S({"a", "b", "c"});
    QTest::newRow("repeated Surrogate-Key lines")
            << L {"Surrogate-Key: x y", "Surrogate-Key: z"} << S() << S({"x", "y", "z"});
    QTest::newRow("callback only") << L() << S({"cb1", "cb2"}) << S({"cb1", "cb2"});
    QTest::newRow("callback and headers") << L {"Cache-Tag: h"} << S({"cb", "h"}) << S({"cb", "h"});
    QTest::newRow("callback, invalid tags skipped")
            << L() << (S({"", "ok", "caf\u00e9", "tab\there"}) << QString(300, QLatin1Char('x')))
            << S({"ok"});
}

void tst_Tags::tagsFromHeadersAndCallback()
{
    QFETCH(QList<QByteArray>, headers);
    QFETCH(QStringList, fromCallback);
    QFETCH(QStringList, expected);

    QList<QUrl> callbackUrls;
    m_cache->setTagCallback([&](const QUrl &url, const QNetworkCacheMetaData &md) {
        callbackUrls.append(url);
        if (!md.isValid())
            qWarning("callback got invalid metadata");
        return fromCallback;
    });
    serve(m_server.get(), {{"/tagged", headers}});
    const QUrl url = m_server->url(QStringLiteral("/tagged"));
    const Fetched first = fetch(*m_nam, url);
    QCOMPARE(first.error, QNetworkReply::NoError);
    QCOMPARE(first.body, QByteArray("body of /tagged"));
    QCOMPARE(callbackUrls, QList<QUrl> {url});
    const Fetched second = fetch(*m_nam, url);
    QCOMPARE(second.body, QByteArray("body of /tagged"));
    QVERIFY(second.fromCache);

    const CacheEntryInfo info = m_cache->entryInfo(url);
    QVERIFY(info.isValid());
    QCOMPARE(sorted(info.tags()), sorted(expected));
    QCOMPARE(sorted(tagNames(m_cache->tags())), sorted(expected));
    for (const QString &tag : expected)
        QCOMPARE(pathsInTier(QString(), tag), QStringList {QStringLiteral("/tagged")});
}

void tst_Tags::tagCountsAndFilters()
{
    serve(m_server.get(),
          {{"/p1", {"Cache-Tag: common, p1", "Content-Type: text/html"}},
           {"/p2", {"Cache-Tag: common, p2", "Content-Type: image/png"}},
           {"/p3", {"Surrogate-Key: common", "Content-Type: image/gif"}},
           {"/none", {}}});
    for (const char *path : {"/p1", "/p2", "/p3", "/none"})
        QVERIFY(!fetch(*m_nam, m_server->url(QLatin1String(path))).fromCache);

    using Count = QPair<QString, qint64>;
    QCOMPARE(m_cache->tags(),
             (QList<Count> {{QStringLiteral("common"), 3},
                            {QStringLiteral("p1"), 1},
                            {QStringLiteral("p2"), 1}}));

    EntryFilter filter;
    filter.setTag(QStringLiteral("common"));
    const QList<CacheEntryInfo> common = m_cache->entries(filter, 0, -1);
    QCOMPARE(urlPaths(common),
             (QStringList {QStringLiteral("/p1"), QStringLiteral("/p2"), QStringLiteral("/p3")}));
    QCOMPARE(m_cache->entryCount(filter), 3);
    for (const CacheEntryInfo &info : common)
        QVERIFY2(info.tags().contains(QStringLiteral("common")), qPrintable(info.url().toString()));
    QCOMPARE(m_cache->entries(filter, 1, 1).size(), 1); // paging

    filter.setTag(QStringLiteral("p2"));
    QCOMPARE(urlPaths(m_cache->entries(filter, 0, -1)), QStringList {QStringLiteral("/p2")});
    QCOMPARE(m_cache->entryCount(filter), 1);

    filter.setTag(QStringLiteral("common"));
    filter.setContentType(QStringLiteral("image/"));
    QCOMPARE(urlPaths(m_cache->entries(filter, 0, -1)),
             (QStringList {QStringLiteral("/p2"), QStringLiteral("/p3")}));
    QCOMPARE(m_cache->entryCount(filter), 2);

    filter = EntryFilter();
    filter.setTag(QStringLiteral("nosuchtag"));
    QCOMPARE(m_cache->entries(filter, 0, -1).size(), 0);
    QCOMPARE(m_cache->entryCount(filter), 0);
    QCOMPARE(m_cache->entryCount(), 4);

    const CacheEntryInfo p1 = m_cache->entryInfo(m_server->url(QStringLiteral("/p1")));
    QCOMPARE(sorted(p1.tags()), (QStringList {QStringLiteral("common"), QStringLiteral("p1")}));
    QCOMPARE(m_cache->entryInfo(m_server->url(QStringLiteral("/none"))).tags(), QStringList());
}

// ---- invalidation -----------------------------------------------------------------------------

void tst_Tags::invalidateTagFromEveryTier_data()
{
    QTest::addColumn<QStringList>("tiers");
    QTest::newRow("memory + disk") << QStringList {Memory, Disk};
    QTest::newRow("disk") << QStringList {Disk};
    QTest::newRow("memory") << QStringList {Memory};
}

void tst_Tags::invalidateTagFromEveryTier()
{
    QFETCH(QStringList, tiers);
    makeCache(tiers);
    const bool hasMemory = tiers.contains(Memory);
    const bool hasDisk = tiers.contains(Disk);

    serve(m_server.get(),
          {{"/a", {"Cache-Tag: x"}},
           {"/b", {"Cache-Tag: x, y"}},
           {"/c", {"Surrogate-Key: y"}},
           {"/d", {"Cache-Groups: \"z\""}}});
    const QStringList all {QStringLiteral("/a"), QStringLiteral("/b"), QStringLiteral("/c"),
                           QStringLiteral("/d")};
    for (const QString &p : all)
        QCOMPARE(fetch(*m_nam, m_server->url(p)).body, "body of " + p.toLatin1());
    if (hasMemory)
        QCOMPARE(pathsInTier(QStringLiteral("memory")), all);
    if (hasDisk)
        QCOMPARE(pathsInTier(QString()), all);
    if (hasMemory)
        QCOMPARE(pathsInTier(QStringLiteral("memory"), QStringLiteral("x")),
                 (QStringList {QStringLiteral("/a"), QStringLiteral("/b")}));

    QCOMPARE(m_cache->invalidateTag(QStringLiteral("x")), 2);
    const QStringList rest {QStringLiteral("/c"), QStringLiteral("/d")};
    if (hasMemory)
        QCOMPARE(pathsInTier(QStringLiteral("memory")), rest);
    if (hasDisk)
        QCOMPARE(pathsInTier(QString()), rest);
    QVERIFY(!tagNames(m_cache->tags()).contains(QStringLiteral("x")));
    const QList<TierStatistics> stats = m_cache->tierStatistics();
    QCOMPARE(stats.size(), tiers.size());
    QCOMPARE(m_cache->statistics(0).invalidations(), 2);

    // The origin is asked again for the invalidated URLs only.
    for (const QString &p : all) {
        const Fetched f = fetch(*m_nam, m_server->url(p));
        QCOMPARE(f.body, "body of " + p.toLatin1());
        QCOMPARE(f.fromCache, rest.contains(p));
    }
    QCOMPARE(m_server->requestCount("/a"), 2);
    QCOMPARE(m_server->requestCount("/b"), 2);
    QCOMPARE(m_server->requestCount("/c"), 1);
    QCOMPARE(m_server->requestCount("/d"), 1);

    // Several at once; an entry carrying two of them counts once.
    QCOMPARE(m_cache->invalidateTags(
                     {QStringLiteral("y"), QStringLiteral("z"), QStringLiteral("x")}),
             4);
    if (hasMemory)
        QCOMPARE(pathsInTier(QStringLiteral("memory")), QStringList());
    if (hasDisk)
        QCOMPARE(pathsInTier(QString()), QStringList());
    QCOMPARE(m_cache->tags(), (QList<QPair<QString, qint64>>()));
    for (const QString &p : all)
        QVERIFY(!fetch(*m_nam, m_server->url(p)).fromCache);
    QCOMPARE(m_cache->invalidateTag(QStringLiteral("nosuchtag")), 0);
}

void tst_Tags::invalidateReachesEntriesEvictedFromDisk()
{
    // Written through to both tiers; the disk budget holds about one entry, memory holds all.
    makeCache({Memory, Disk});
    m_cache->setMaximumCacheSize(48 * 1024);
    // Bodies of most of the budget: allowed here (the default share is 1/8), so that the disk
    // tier has to evict.
    tiercache::CachePolicy policy = m_cache->policy();
    policy.setBudgetShareDivisor(1);
    m_cache->setPolicy(policy);
    const QByteArray big(30 * 1024, 'b');
    m_server->setHandler([&big](const RecordedRequest &r) {
        return Response::ok(big + r.path).header("Cache-Tag", "all");
    });
    const QStringList paths {QStringLiteral("/e1"), QStringLiteral("/e2"), QStringLiteral("/e3")};
    for (const QString &p : paths)
        fetch(*m_nam, m_server->url(p));
    QCOMPARE(pathsInTier(QStringLiteral("memory")), paths);
    QTRY_VERIFY(pathsInTier(QStringLiteral("disk")).size() < 3);
    qInfo() << "on disk:" << pathsInTier(QStringLiteral("disk"))
            << "in memory:" << pathsInTier(QStringLiteral("memory"));

    m_cache->invalidateTag(QStringLiteral("all"));
    QCOMPARE(pathsInTier(QStringLiteral("memory")), QStringList());
    for (const QString &p : paths) {
        const Fetched f = fetch(*m_nam, m_server->url(p));
        QVERIFY2(!f.fromCache,
                 qPrintable(p
                            + QLatin1String(
                                    " was served from the cache after its tag was invalidated")));
    }
}

void tst_Tags::softPurgeRevalidates_data()
{
    QTest::addColumn<QStringList>("tiers");
    QTest::newRow("disk") << QStringList {Disk};
    QTest::newRow("memory + disk") << QStringList {Memory, Disk};
}

void tst_Tags::softPurgeRevalidates()
{
    QFETCH(QStringList, tiers);
    makeCache(tiers);
    serve(m_server.get(), {{"/s", {"Cache-Tag: soft"}}, {"/o", {"Cache-Tag: other"}}});
    const QUrl s = m_server->url(QStringLiteral("/s"));
    const QUrl o = m_server->url(QStringLiteral("/o"));
    fetch(*m_nam, s);
    fetch(*m_nam, o);
    QVERIFY(fetch(*m_nam, s).fromCache);
    QCOMPARE(m_server->requestCount("/s"), 1);

    // Small bodies live in the catalogue, larger ones in files: neither may be rewritten.
    // (Read by another connection: once the inserts' batch is committed, README.)
    QTRY_COMPARE(blobFiles(m_dir->path()).size() + inlineBodies(m_dir->path()).size(), 2);
    const QStringList blobs = blobFiles(m_dir->path());
    const auto inlined = inlineBodies(m_dir->path());
    QCOMPARE(blobs.size() + inlined.size(), 2);
    QList<FileStamp> before;
    for (const QString &b : blobs)
        before.append(stampOf(b));
    QTest::qWait(20); // let an mtime move if anything rewrote a file

    QCOMPARE(m_cache->softPurgeTag(QStringLiteral("soft")), 1);
    QVERIFY(m_cache->entryInfo(s).isExpired());
    QVERIFY(!m_cache->entryInfo(o).isExpired());

    const Fetched revalidated = fetch(*m_nam, s);
    QCOMPARE(revalidated.error, QNetworkReply::NoError);
    QCOMPARE(revalidated.status, 200);
    QCOMPARE(revalidated.body, QByteArray("body of /s"));
    QVERIFY(revalidated.fromCache);
    QCOMPARE(m_server->requestCount("/s"), 2);
    QCOMPARE(m_server->requests().last().header("If-None-Match"), QByteArray("\"e1\""));

    // The 304 made it fresh again, the body was never rewritten, the tag is still there.
    QVERIFY(fetch(*m_nam, s).fromCache);
    QCOMPARE(m_server->requestCount("/s"), 2);
    QVERIFY(fetch(*m_nam, o).fromCache);
    QCOMPARE(m_server->requestCount("/o"), 1);
    QCOMPARE(blobFiles(m_dir->path()), blobs);
    QCOMPARE(inlineBodies(m_dir->path()), inlined);
    for (int i = 0; i < blobs.size(); ++i)
        QVERIFY2(stampOf(blobs[i]) == before[i], qPrintable(blobs[i]));
    QCOMPARE(m_cache->entryInfo(s).tags(), QStringList {QStringLiteral("soft")});
    QVERIFY(!m_cache->entryInfo(s).isExpired());
    QCOMPARE(m_cache->softPurgeTags({QStringLiteral("soft"), QStringLiteral("other")}), 2);
    QCOMPARE(m_cache->statistics(0).invalidations(), 3);
}

void tst_Tags::cacheGroupInvalidationSameOriginOnly()
{
    LoopbackServer other; // another port: another origin
    QVERIFY(other.isListening());
    int postStatus = 200;
    const QHash<QByteArray, QList<QByteArray>> routes {
            {"/g1a", {"Cache-Groups: \"g1\""}},
            {"/g1g3", {"Cache-Groups: \"g3\", \"g1\""}},
            {"/g2", {"Cache-Groups: \"g2\""}},
            {"/probe", {"Cache-Group-Invalidation: \"g2\""}}, // on a GET: no effect
    };
    m_server->setHandler([&](const RecordedRequest &r) {
        if (r.method == "POST") {
            Response resp =
                    Response::ok("done", "no-store").header("Cache-Group-Invalidation", "\"g1\"");
            resp.status = postStatus;
            return resp;
        }
        if (r.header("If-None-Match") == "\"e1\"")
            return Response::notModified()
                    .header("ETag", "\"e1\"")
                    .header("Cache-Control", "max-age=3600");
        return withHeaders(Response::ok("body of " + r.path).header("ETag", "\"e1\""),
                           routes.value(r.path));
    });
    serve(&other, {{"/g1b", {"Cache-Groups: \"g1\""}}});

    const QList<QUrl> mine {m_server->url(QStringLiteral("/g1a")),
                            m_server->url(QStringLiteral("/g1g3")),
                            m_server->url(QStringLiteral("/g2"))};
    const QUrl theirs = other.url(QStringLiteral("/g1b"));
    for (const QUrl &u : mine)
        fetch(*m_nam, u);
    fetch(*m_nam, theirs);
    QCOMPARE(m_cache->entryCount(), 4);

    // A safe request's response invalidates nothing.
    QCOMPARE(fetch(*m_nam, m_server->url(QStringLiteral("/probe"))).body,
             QByteArray("body of /probe"));
    QVERIFY(fetch(*m_nam, m_server->url(QStringLiteral("/g2"))).fromCache);

    // Neither does an error response to an unsafe one.
    QNetworkRequest post(m_server->url(QStringLiteral("/action")));
    post.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("text/plain"));
    postStatus = 500;
    const Fetched failed = send(*m_nam, post, "POST", "x");
    QCOMPARE(failed.status, 500);
    for (const QUrl &u : mine)
        QVERIFY2(fetch(*m_nam, u).fromCache, qPrintable(u.toString()));

    postStatus = 200;
    const Fetched done = send(*m_nam, post, "POST", "x");
    QCOMPARE(done.status, 200);
    QCOMPARE(done.body, QByteArray("done"));
    QCOMPARE(m_cache->entryCount(),
             3); // /g1a and /g1g3 gone; /g2, /probe and the other origin's /g1b left

    const Fetched g1a = fetch(*m_nam, mine[0]);
    QCOMPARE(g1a.body, QByteArray("body of /g1a"));
    QVERIFY(!g1a.fromCache);
    QVERIFY(!fetch(*m_nam, mine[1]).fromCache);
    QVERIFY(fetch(*m_nam, mine[2]).fromCache);
    const Fetched b = fetch(*m_nam, theirs);
    QCOMPARE(b.body, QByteArray("body of /g1b"));
    QVERIFY2(b.fromCache, "another origin's group g1 was invalidated");
    QCOMPARE(m_server->requestCount("/g1a"), 2);
    QCOMPARE(m_server->requestCount("/g1g3"), 2);
    QCOMPARE(m_server->requestCount("/g2"), 1);
    QCOMPARE(other.requestCount("/g1b"), 1);
}

void tst_Tags::tagsPersistAcrossRestart()
{
    serve(m_server.get(),
          {{"/a", {"Cache-Tag: keep, pa"}},
           {"/b", {"Cache-Tag: keep"}},
           {"/c", {"Cache-Tag: other"}}});
    for (const char *p : {"/a", "/b", "/c"})
        fetch(*m_nam, m_server->url(QLatin1String(p)));
    const auto before = m_cache->tags();
    QCOMPARE(before.size(), 3);

    makeCache(); // destroys the first manager and cache
    QCOMPARE(m_cache->tags(), before);
    QCOMPARE(sorted(m_cache->entryInfo(m_server->url(QStringLiteral("/a"))).tags()),
             (QStringList {QStringLiteral("keep"), QStringLiteral("pa")}));
    QCOMPARE(m_cache->invalidateTag(QStringLiteral("keep")), 2);
    QVERIFY(!fetch(*m_nam, m_server->url(QStringLiteral("/a"))).fromCache);
    QVERIFY(!fetch(*m_nam, m_server->url(QStringLiteral("/b"))).fromCache);
    QVERIFY(fetch(*m_nam, m_server->url(QStringLiteral("/c"))).fromCache);
    QCOMPARE(m_server->requestCount("/a"), 2);
    QCOMPARE(m_server->requestCount("/c"), 1);
}

void tst_Tags::invalidatedEntriesAreReclaimed()
{
    // invalidateTag() only records the keys (one small transaction); the rows and bodies are
    // deleted afterwards, in steps from the event loop. Nothing of them may show meanwhile,
    // a new version stored meanwhile must survive the deletion, and the byte count must end
    // where a full recount puts it.
    QHash<QByteArray, QList<QByteArray>> routes;
    for (int i = 0; i < 300; ++i)
        routes.insert("/t" + QByteArray::number(i),
                      {i % 3 == 0 ? "Cache-Tag: third, all" : "Cache-Tag: all"});
    serve(m_server.get(), routes);
    for (int i = 0; i < 300; ++i)
        QVERIFY(fetch(*m_nam, m_server->url(QStringLiteral("/t%1").arg(i))).finished);
    QCOMPARE(m_cache->summary().entryCount(), 300);
    // "body of /tN": all different; counted once the inserts' batch is committed (README).
    QTRY_COMPARE(blobFileCount(m_dir->path()), 300);
    const int blobsBefore = blobFileCount(m_dir->path());
    const qint64 sizeBefore = m_cache->cacheSize();

    QCOMPARE(m_cache->invalidateTag(QStringLiteral("third")), 100);
    // Gone for every reader at once, before any deferred work ran.
    QCOMPARE(m_cache->summary().entryCount(), 200);
    QCOMPARE(m_cache->entryCount(), 200);
    EntryFilter thirds;
    thirds.setTag(QStringLiteral("third"));
    QCOMPARE(m_cache->entryCount(thirds), 0);
    QCOMPARE(m_cache->entries(thirds, 0, -1).size(), 0);
    QVERIFY(!tagNames(m_cache->tags()).contains(QStringLiteral("third")));
    QCOMPARE(m_cache->tags().value(0), (QPair<QString, qint64>(QStringLiteral("all"), 200)));
    QVERIFY(!m_cache->metaData(m_server->url(QStringLiteral("/t0"))).isValid());
    QVERIFY(!m_cache->entryInfo(m_server->url(QStringLiteral("/t3"))).isValid());
    QVERIFY(m_cache->metaData(m_server->url(QStringLiteral("/t1"))).isValid());
    QCOMPARE(m_cache->invalidateTag(QStringLiteral("third")), 0); // already gone

    // A new version of an invalidated URL, stored before the old row is deleted, comes back
    // with only its own tags (this response carries none).
    m_server->setHandler([](const RecordedRequest &r) {
        return Response::ok("new body of " + r.path).header("Cache-Control", "max-age=3600");
    });
    Fetched f = fetch(*m_nam, m_server->url(QStringLiteral("/t0")));
    QCOMPARE(f.body, QByteArray("new body of /t0"));
    QVERIFY(!f.fromCache);
    QCOMPARE(m_server->requestCount("/t0"), 2);
    QVERIFY(m_cache->entryInfo(m_server->url(QStringLiteral("/t0"))).tags().isEmpty());
    QCOMPARE(m_cache->entryCount(), 201);

    // The deferred deletion: 100 bodies unlinked, the byte count down by what they used.
    QTRY_COMPARE_WITH_TIMEOUT(blobFileCount(m_dir->path()), blobsBefore - 100 + 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(m_cache->cacheSize() < sizeBefore, 10000);
    const qint64 sizeAfter = m_cache->cacheSize();
    m_cache->collectGarbage(); // recounts from the rows
    QCOMPARE(m_cache->cacheSize(), sizeAfter);
    QCOMPARE(m_cache->summary().blobCount(), 201);

    f = fetch(*m_nam, m_server->url(QStringLiteral("/t0")));
    QVERIFY(f.fromCache);
    QCOMPARE(f.body, QByteArray("new body of /t0"));
    f = fetch(*m_nam, m_server->url(QStringLiteral("/t2")));
    QVERIFY(f.fromCache);
    QCOMPARE(f.body, QByteArray("body of /t2"));
    QCOMPARE(m_server->requestCount("/t2"), 1);
    QCOMPARE(m_cache->invalidateTag(QStringLiteral("all")), 200);
    QCOMPARE(m_cache->entryCount(), 1);
}

void tst_Tags::invalidationSurvivesARestartBeforeReclaim()
{
    serve(m_server.get(),
          {{"/a", {"Cache-Tag: x"}}, {"/b", {"Cache-Tag: x"}}, {"/c", {"Cache-Tag: y"}}});
    for (const char *p : {"/a", "/b", "/c"})
        fetch(*m_nam, m_server->url(QLatin1String(p)));
    QCOMPARE(m_cache->invalidateTag(QStringLiteral("x")), 2);
    makeCache(); // no event loop ran: the rows are still there, marked
    QCOMPARE(m_cache->entryCount(), 1);
    QVERIFY(!fetch(*m_nam, m_server->url(QStringLiteral("/a"))).fromCache);
    QCOMPARE(m_server->requestCount("/a"), 2);
    QVERIFY(fetch(*m_nam, m_server->url(QStringLiteral("/c"))).fromCache);
    // The reopened cache finishes the deletion ("/a" was stored again meanwhile).
    QTRY_COMPARE_WITH_TIMEOUT(blobFileCount(m_dir->path()), 2, 10000);
    QCOMPARE(m_cache->entryCount(), 2);
}

void tst_Tags::formatTwoCatalogueIsUpgraded()
{
    // Catalogues written before invalidation was deferred (format 2) are upgraded in place:
    // entries, tags and bodies are kept.
    serve(m_server.get(), {{"/a", {"Cache-Tag: x"}}, {"/b", {"Cache-Tag: y"}}});
    fetch(*m_nam, m_server->url(QStringLiteral("/a")));
    fetch(*m_nam, m_server->url(QStringLiteral("/b")));
    m_nam.reset();
    {
        RawCatalogue raw(m_dir->path());
        QVERIFY(raw.exec(QStringLiteral("DROP TABLE invalidated")));
        QVERIFY(raw.exec(QStringLiteral("PRAGMA user_version=2")));
    }
    makeCache();
    QVERIFY(fetch(*m_nam, m_server->url(QStringLiteral("/a"))).fromCache);
    QCOMPARE(m_cache->invalidateTag(QStringLiteral("x")), 1);
    QVERIFY(!fetch(*m_nam, m_server->url(QStringLiteral("/a"))).fromCache);
    QVERIFY(fetch(*m_nam, m_server->url(QStringLiteral("/b"))).fromCache);
    QCOMPARE(m_server->requestCount("/a"), 2);
    QCOMPARE(m_server->requestCount("/b"), 1);
    QVERIFY(QFile::exists(m_dir->path() + QLatin1String("/catalogue.db")));
    QVERIFY(!QFile::exists(m_dir->path() + QLatin1String("/catalogue.db.corrupt.1")));
}

void tst_Tags::invalidatedEntriesMakeRoomBeforeLiveOnes()
{
    // No event loop runs here: the invalidated entries are still on disk when the cache is
    // full, and the insert that hits the cap must delete them rather than evict live ones.
    m_cache->setMaximumCacheSize(400 * 1024);
    m_cache->setTagCallback([](const QUrl &url, const QNetworkCacheMetaData &) {
        return url.path().startsWith(QLatin1String("/old")) ? QStringList {QStringLiteral("old")}
                                                            : QStringList();
    });
    const auto url = [](const QString &path) {
        return QUrl(QLatin1String("http://example.test") + path);
    };
    const auto body = [](int i) { return QByteArray(30 * 1024, char('a' + i)); };
    for (int i = 0; i < 5; ++i) {
        QVERIFY(store(m_cache, url(QStringLiteral("/old%1").arg(i)), body(i)));
        QVERIFY(store(m_cache, url(QStringLiteral("/keep%1").arg(i)), body(10 + i)));
    }
    QCOMPARE(m_cache->entryCount(), 10);
    QCOMPARE(m_cache->invalidateTag(QStringLiteral("old")), 5);
    QCOMPARE(m_cache->entryCount(), 5);
    // Five more: 15 bodies would not fit, 10 do.
    for (int i = 0; i < 5; ++i)
        QVERIFY(store(m_cache, url(QStringLiteral("/new%1").arg(i)), body(20 + i)));
    QVERIFY(m_cache->cacheSize() <= 400 * 1024);
    QCOMPARE(m_cache->entryCount(), 10);
    for (int i = 0; i < 5; ++i) {
        QVERIFY(m_cache->metaData(url(QStringLiteral("/keep%1").arg(i))).isValid());
        QVERIFY(m_cache->metaData(url(QStringLiteral("/new%1").arg(i))).isValid());
    }
    QCOMPARE(m_cache->statistics().evictions(), 0);
}

void tst_Tags::backgroundDeletionNeverWaitsForTheLock()
{
    // Another process holding the catalogue's write lock must not freeze this one's event
    // loop: the deletion steps give up at once and come back later (the busy timeout, which
    // requests do wait for, is 10 s).
    QHash<QByteArray, QList<QByteArray>> routes;
    for (int i = 0; i < 40; ++i)
        routes.insert("/l" + QByteArray::number(i), {"Cache-Tag: x"});
    serve(m_server.get(), routes);
    for (int i = 0; i < 40; ++i)
        QVERIFY(fetch(*m_nam, m_server->url(QStringLiteral("/l%1").arg(i))).finished);
    QCOMPARE(m_cache->invalidateTag(QStringLiteral("x")), 40);
    QCOMPARE(blobFileCount(m_dir->path()), 40);
    {
        RawCatalogue locker(m_dir->path());
        QVERIFY(locker.exec(QStringLiteral("BEGIN IMMEDIATE")));
        QElapsedTimer spin;
        spin.start();
        qint64 longestMs = 0;
        while (spin.elapsed() < 1500) {
            QElapsedTimer step;
            step.start();
            QCoreApplication::processEvents();
            longestMs = qMax(longestMs, step.elapsed());
            QThread::msleep(1);
        }
        QVERIFY2(longestMs < 1000,
                 qPrintable(QStringLiteral("an event-loop pass took %1 ms").arg(longestMs)));
        QCOMPARE(blobFileCount(m_dir->path()), 40); // nothing could be deleted meanwhile
        QVERIFY(locker.exec(QStringLiteral("ROLLBACK")));
    }
    QTRY_COMPARE_WITH_TIMEOUT(blobFileCount(m_dir->path()), 0, 10000);
    QCOMPARE(m_cache->entryCount(), 0);
}

void tst_Tags::badTagHeaders_data()
{
    QTest::addColumn<QList<QByteArray>>("headers");
    QTest::addColumn<QStringList>("expected");
    QTest::addColumn<bool>("exact"); // false: the tags are a subset of expected

    using L = QList<QByteArray>;
    QByteArray huge = "Cache-Tag: ";
    for (int i = 0; huge.size() < 17 * 1024; ++i)
        huge += "tag" + QByteArray::number(i) + ", ";
    QTest::newRow("huge header ignored")
            << L {huge, "Surrogate-Key: small"} << QStringList {QStringLiteral("small")} << true;

    const QStringList hundred = numbered(QStringLiteral("t"), 0, 100);
    QTest::newRow("100 tags truncated to 64")
            << L {"Cache-Tag: " + hundred.join(QLatin1String(", ")).toLatin1()}
            << numbered(QStringLiteral("t"), 0, 64) << true;
    QTest::newRow("64 over several headers")
            << L {"Cache-Tag: "
                          + numbered(QStringLiteral("c"), 0, 40).join(QLatin1Char(',')).toLatin1(),
                  "Surrogate-Key: "
                          + numbered(QStringLiteral("s"), 0, 40).join(QLatin1Char(' ')).toLatin1()}
            << numbered(QStringLiteral("c"), 0, 40) + numbered(QStringLiteral("s"), 0, 24) << true;
    QTest::newRow("non-ASCII rejected")
            << L {"Cache-Tag: good, caf\xc3\xa9"} << QStringList {QStringLiteral("good")} << true;
    QTest::newRow("DEL rejected") << L {"Cache-Tag: good, bad\x7f"
                                        "byte"}
                                  << QStringList {QStringLiteral("good")} << true;
    QTest::newRow("control byte rejected") << L {"Surrogate-Key: good bad\x01"
                                                 "byte"}
                                           << QStringList {QStringLiteral("good")} << true;
    QTest::newRow("tag too long") << L {"Cache-Tag: short, " + QByteArray(300, 'x')}
                                  << QStringList {QStringLiteral("short")} << true;
    QTest::newRow("Cache-Groups, unterminated")
            << L {"Cache-Groups: \"a\", \"b"} << QStringList {QStringLiteral("a")} << false;
    QTest::newRow("Cache-Groups, token items")
            << L {"Cache-Groups: \"a\", b, \"c\""}
            << QStringList {QStringLiteral("a"), QStringLiteral("c")} << false;
    QTest::newRow("Cache-Groups, inner list") << L {"Cache-Groups: (\"a\" \"b\"), \"c\""}
                                              << QStringList {QStringLiteral("c")} << false;
    QTest::newRow("Cache-Groups, integer") << L {"Cache-Groups: 42"} << QStringList() << true;
    QTest::newRow("Cache-Groups, bad escape")
            << L {"Cache-Groups: \"a\\x\", \"b\""} << QStringList {QStringLiteral("b")} << false;
    QTest::newRow("Cache-Groups, non-ASCII in string")
            << L {"Cache-Groups: \"caf\xc3\xa9\", \"ok\""} << QStringList {QStringLiteral("ok")}
            << false;
    QTest::newRow("Cache-Groups, empty string")
            << L {"Cache-Groups: \"\", \"ok\""} << QStringList {QStringLiteral("ok")} << true;
    QTest::newRow("Cache-Groups, lone quote") << L {"Cache-Groups: \""} << QStringList() << true;
    QTest::newRow("Cache-Groups, trailing comma")
            << L {"Cache-Groups: \"a\","} << QStringList {QStringLiteral("a")} << false;
    QTest::newRow("empty Cache-Tag") << L {"Cache-Tag: , ,"} << QStringList() << true;
}

void tst_Tags::badTagHeaders()
{
    QFETCH(QList<QByteArray>, headers);
    QFETCH(QStringList, expected);
    QFETCH(bool, exact);

    serve(m_server.get(), {{"/bad", headers}});
    const QUrl url = m_server->url(QStringLiteral("/bad"));
    const Fetched first = fetch(*m_nam, url);
    QVERIFY(first.finished);
    QCOMPARE(first.error, QNetworkReply::NoError);
    QCOMPARE(first.status, 200);
    QCOMPARE(first.body, QByteArray("body of /bad"));
    const Fetched second = fetch(*m_nam, url);
    QCOMPARE(second.body, QByteArray("body of /bad"));
    QVERIFY2(second.fromCache, "a response with bad tag headers was not stored");
    QCOMPARE(m_server->requestCount("/bad"), 1);

    const QStringList tags = m_cache->entryInfo(url).tags();
    if (exact) {
        QCOMPARE(sorted(tags), sorted(expected));
    } else {
        for (const QString &t : tags)
            QVERIFY2(expected.contains(t), qPrintable(t));
    }
    QVERIFY(tags.size() <= 64);
    for (const QString &t : tags) {
        QVERIFY(!t.isEmpty() && t.size() <= 256);
        for (const QChar c : t)
            QVERIFY2(c.unicode() >= 0x20 && c.unicode() < 0x7f, qPrintable(t));
    }
    // Invalidation still works for what was kept.
    if (!tags.isEmpty()) {
        QCOMPARE(m_cache->invalidateTag(tags.first()), 1);
        QVERIFY(!fetch(*m_nam, url).fromCache);
    }
}

QTEST_GUILESS_MAIN(tst_Tags)
#include "tst_tags.moc"
