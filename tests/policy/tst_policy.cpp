// SPDX-License-Identifier: MIT
// CachePolicy end to end: each rule changes what NetworkCache stores and serves, seen through a
// real QNetworkAccessManager against the loopback origin (body received, origin contacted or not).

#include "policytestutil.h"

#include <tiercache/cachepolicy.h>
#include <tiercache/networkcache.h>

#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace tiercache;
using namespace tiercache::test;

namespace {
// "glob|pattern|ttl" or "regex|pattern|ttl"
bool addRules(CachePolicy *policy, const QStringList &specs)
{
    for (const QString &spec : specs) {
        const QStringList parts = spec.split(QLatin1Char('|'));
        const auto syntax = parts.value(0) == QLatin1String("regex")
                ? CachePolicy::PatternSyntax::RegularExpression
                : CachePolicy::PatternSyntax::Glob;
        QString error;
        if (!policy->addTtlRule(parts.value(1), parts.value(2).toLongLong(), syntax, &error)) {
            qWarning().noquote() << "rule rejected:" << error;
            return false;
        }
    }
    return true;
}
} // namespace

class tst_Policy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void bodySizeLimits_data();
    void bodySizeLimits();
    void cacheableStatuses_data();
    void cacheableStatuses();
    void credentialHeadersNeverReachDisk_data();
    void credentialHeadersNeverReachDisk();
    void headerAllowlist_data();
    void headerAllowlist();
    void keyNormalization_data();
    void keyNormalization();
    void defaultTtl_data();
    void defaultTtl();
    void ttlRules_data();
    void ttlRules();
    void maximumTtlCeiling_data();
    void maximumTtlCeiling();
    void hookVetoesStore();
    void hookSetsTtl_data();
    void hookSetsTtl();
    void hookAddsTags();
    void invalidRulesRejected_data();
    void invalidRulesRejected();

private:
    // A handler answering "/..." with body "<path>" + ETag "e1" and \a cacheControl, and a
    // conditional request with a matching If-None-Match with a 304.
    void serveRevalidatable(const QByteArray &cacheControl);
    //! First fetch, then a second one; returns the second.
    Fetched fetchTwice(const QString &path);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LoopbackServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    NetworkCache *m_cache = nullptr;
};

void tst_Policy::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<LoopbackServer>();
    QVERIFY(m_server->isListening());
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_cache = new NetworkCache;
    m_cache->setCacheDirectory(m_dir->path());
    m_nam->setCache(m_cache);
}

void tst_Policy::cleanup()
{
    m_nam.reset();
    m_cache = nullptr;
    m_server.reset();
    m_dir.reset();
}

void tst_Policy::serveRevalidatable(const QByteArray &cacheControl)
{
    m_server->setHandler([cacheControl](const RecordedRequest &r) {
        if (r.header("If-None-Match") == "\"e1\"") {
            Response nm = Response::notModified().header("ETag", "\"e1\"");
            if (!cacheControl.isEmpty())
                nm.header("Cache-Control", cacheControl);
            return nm;
        }
        return Response::ok("body of " + r.path, cacheControl).header("ETag", "\"e1\"");
    });
}

Fetched tst_Policy::fetchTwice(const QString &path)
{
    const QUrl url = m_server->url(path);
    const Fetched first = fetch(*m_nam, url);
    if (!first.finished || first.error != QNetworkReply::NoError || first.fromCache)
        qWarning() << "unexpected first fetch of" << path << first.error << first.fromCache;
    return fetch(*m_nam, url);
}

// ---- body sizes -------------------------------------------------------------------------------

void tst_Policy::bodySizeLimits_data()
{
    QTest::addColumn<qint64>("minimum");
    QTest::addColumn<qint64>("maximum");
    QTest::addColumn<int>("bodySize");
    QTest::addColumn<bool>("chunked");
    QTest::addColumn<bool>("stored");

    QTest::newRow("max, larger, Content-Length")
            << qint64(0) << qint64(1000) << 5000 << false << false;
    QTest::newRow("max, larger, chunked") << qint64(0) << qint64(1000) << 5000 << true << false;
    QTest::newRow("max, much larger, chunked")
            << qint64(0) << qint64(100000) << 700000 << true << false;
    QTest::newRow("max, one byte over, chunked")
            << qint64(0) << qint64(1000) << 1001 << true << false;
    QTest::newRow("max, equal, Content-Length")
            << qint64(0) << qint64(1000) << 1000 << false << true;
    QTest::newRow("max, equal, chunked") << qint64(0) << qint64(1000) << 1000 << true << true;
    QTest::newRow("max, smaller, chunked") << qint64(0) << qint64(1000) << 10 << true << true;
    QTest::newRow("min, smaller, Content-Length")
            << qint64(100) << qint64(-1) << 10 << false << false;
    QTest::newRow("min, smaller, chunked") << qint64(100) << qint64(-1) << 10 << true << false;
    QTest::newRow("min, equal, chunked") << qint64(100) << qint64(-1) << 100 << true << true;
    QTest::newRow("min, larger, Content-Length")
            << qint64(100) << qint64(-1) << 5000 << false << true;
    QTest::newRow("min and max, between") << qint64(100) << qint64(1000) << 500 << false << true;
}

void tst_Policy::bodySizeLimits()
{
    QFETCH(qint64, minimum);
    QFETCH(qint64, maximum);
    QFETCH(int, bodySize);
    QFETCH(bool, chunked);
    QFETCH(bool, stored);

    CachePolicy policy;
    policy.setMinimumBodySize(minimum);
    policy.setMaximumBodySize(maximum);
    m_cache->setPolicy(policy);
    QCOMPARE(m_cache->policy().maximumBodySize(), maximum);
    QCOMPARE(m_cache->policy().minimumBodySize(), minimum);

    const QByteArray body = LoopbackServer::patternBody(0, bodySize, 7);
    Response r = Response::ok(body);
    r.chunked = chunked;
    m_server->setRoute("/body", r);
    const QUrl url = m_server->url(QStringLiteral("/body"));

    const Fetched first = fetch(*m_nam, url);
    QVERIFY(first.finished);
    QCOMPARE(first.error, QNetworkReply::NoError);
    QCOMPARE(first.status, 200);
    QVERIFY(!first.fromCache);
    QCOMPARE(first.body.size(), body.size());
    QVERIFY(first.body == body);

    const Fetched second = fetch(*m_nam, url);
    QCOMPARE(second.error, QNetworkReply::NoError);
    QCOMPARE(second.status, 200);
    QVERIFY(second.body == body);
    QCOMPARE(second.fromCache, stored);
    QCOMPARE(m_server->requestCount("/body"), stored ? 1 : 2);
    QCOMPARE(m_cache->entryInfo(url).isValid(), stored);
    QCOMPARE(m_cache->entryCount(), stored ? 1 : 0);
    QCOMPARE(m_cache->error(), NetworkCache::Error::NoError);
    // A body passed through leaves nothing behind: no blob, no temporary file.
    QCOMPARE(storedBodyCount(m_dir->path()), stored ? 1 : 0);
    QTRY_COMPARE(QDir(m_dir->path() + QLatin1String("/tmp"))
                         .entryList(QDir::Files | QDir::Hidden)
                         .size(),
                 0);
}

// ---- statuses ---------------------------------------------------------------------------------

void tst_Policy::cacheableStatuses_data()
{
    QTest::addColumn<QList<int>>("statuses");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("stored");

    QTest::newRow("default, 200") << QList<int>() << 200 << true;
    QTest::newRow("default, 203") << QList<int>() << 203 << true;
    QTest::newRow("default, 301") << QList<int>() << 301 << true;
    QTest::newRow("only 301, 200 excluded") << QList<int> {301} << 200 << false;
    QTest::newRow("only 200, 301 excluded") << QList<int> {200} << 301 << false;
    QTest::newRow("only 200, 203 excluded") << QList<int> {200} << 203 << false;
    QTest::newRow("200 and 301, 301") << QList<int> {200, 301} << 301 << true;
    QTest::newRow("200 and 203, 203") << QList<int> {200, 203} << 203 << true;
}

void tst_Policy::cacheableStatuses()
{
    QFETCH(QList<int>, statuses);
    QFETCH(int, status);
    QFETCH(bool, stored);

    CachePolicy policy;
    policy.setCacheableStatuses(statuses);
    m_cache->setPolicy(policy);

    Response r = Response::ok("status body");
    r.status = status;
    if (status == 301)
        r.header("Location", "/elsewhere");
    m_server->setRoute("/s", r);
    m_server->setRoute("/elsewhere", Response::ok("redirect target"));

    QNetworkRequest request(m_server->url(QStringLiteral("/s")));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    const Fetched first = send(*m_nam, request);
    QVERIFY(first.finished);
    QCOMPARE(first.status, status);
    QCOMPARE(first.body, QByteArray("status body"));
    QVERIFY(!first.fromCache);

    const Fetched second = send(*m_nam, request);
    QCOMPARE(second.status, status);
    QCOMPARE(second.body, QByteArray("status body"));
    QCOMPARE(second.fromCache, stored);
    QCOMPARE(m_server->requestCount("/s"), stored ? 1 : 2);
    const CacheEntryInfo info = m_cache->entryInfo(request.url());
    QCOMPARE(info.isValid(), stored);
    if (stored)
        QCOMPARE(info.statusCode(), status);
}

// ---- headers ----------------------------------------------------------------------------------

void tst_Policy::credentialHeadersNeverReachDisk_data()
{
    QTest::addColumn<bool>("in304");
    QTest::newRow("in the 200 response") << false;
    QTest::newRow("in a 304 revalidation") << true;
}

void tst_Policy::credentialHeadersNeverReachDisk()
{
    QFETCH(bool, in304);

    CachePolicy policy;
    QVERIFY(policy.headerDenylist().contains(QStringLiteral("set-cookie")));
    QVERIFY(policy.headerDenylist().contains(QStringLiteral("authorization")));
    policy.setHeaderDenylist(policy.headerDenylist() << QStringLiteral("X-Internal-Secret"));
    m_cache->setPolicy(policy);

    auto withSecrets = [](Response r) {
        return r.header("Set-Cookie", "session=SECRETCOOKIE4711; Path=/")
                .header("Authorization", "Bearer SECRETAUTH4711")
                .header("x-internal-secret", "SECRETCUSTOM4711")
                .header("X-Public", "PUBLICVALUE4711");
    };
    m_server->setHandler([&](const RecordedRequest &r) {
        if (r.header("If-None-Match") == "\"e1\"") {
            Response nm = Response::notModified()
                                  .header("ETag", "\"e1\"")
                                  .header("Cache-Control", "max-age=3600");
            return in304 ? withSecrets(nm) : nm;
        }
        Response ok = Response::ok("secret-free body", in304 ? "max-age=0" : "max-age=3600")
                              .header("ETag", "\"e1\"");
        return in304 ? ok : withSecrets(ok);
    });
    const QUrl url = m_server->url(QStringLiteral("/secret"));
    QCOMPARE(fetch(*m_nam, url).body, QByteArray("secret-free body"));
    const Fetched second = fetch(*m_nam, url);
    QCOMPARE(second.body, QByteArray("secret-free body"));
    QVERIFY(second.fromCache);
    QCOMPARE(m_server->requestCount("/secret"), in304 ? 2 : 1);
    if (!in304) {
        // What the cache serves comes from what it stored.
        QVERIFY(!hasHeader(second, "Authorization"));
        QVERIFY(!hasHeader(second, "X-Internal-Secret"));
        QCOMPARE(headerOf(second, "X-Public"), QByteArray("PUBLICVALUE4711"));
    }
    // Make the catalogue write everything it batches, then look at every byte on disk.
    QVERIFY(m_cache->entryInfo(url).isValid());
    const QStringList files = allFiles(m_dir->path());
    QVERIFY2(files.size() >= 2, qPrintable(files.join(QLatin1Char(' '))));
    QCOMPARE(filesContaining(m_dir->path(), "SECRETCOOKIE4711"), QStringList());
    QCOMPARE(filesContaining(m_dir->path(), "SECRETAUTH4711"), QStringList());
    QCOMPARE(filesContaining(m_dir->path(), "SECRETCUSTOM4711"), QStringList());
    // The control: a header that is allowed is found by the same search.
    QVERIFY2(!filesContaining(m_dir->path(), "PUBLICVALUE4711").isEmpty(),
             "the search does not see stored headers, so the checks above prove nothing");
}

void tst_Policy::headerAllowlist_data()
{
    QTest::addColumn<QStringList>("allowlist");
    QTest::addColumn<bool>("keepsCacheControl");

    QTest::newRow("with Cache-Control")
            << QStringList {QStringLiteral("Content-Type"), QStringLiteral("X-Keep"),
                            QStringLiteral("cache-control"), QStringLiteral("Authorization")}
            << true;
    // Persisting fewer headers must not change how long the response is fresh: the response
    // said max-age=3600.
    QTest::newRow("without Cache-Control") << QStringList {QStringLiteral("x-keep")} << false;
}

void tst_Policy::headerAllowlist()
{
    QFETCH(QStringList, allowlist);
    QFETCH(bool, keepsCacheControl);

    CachePolicy policy;
    policy.setHeaderAllowlist(allowlist);
    m_cache->setPolicy(policy);
    m_server->setRoute("/allow",
                       Response::ok("allowlisted", "max-age=3600")
                               .header("Content-Type", "text/plain")
                               .header("X-Keep", "KEEPVALUE4711")
                               .header("X-Drop", "DROPVALUE4711")
                               .header("Authorization", "Bearer ALLOWLISTEDSECRET4711"));
    const QUrl url = m_server->url(QStringLiteral("/allow"));
    QCOMPARE(fetch(*m_nam, url).body, QByteArray("allowlisted"));
    const Fetched second = fetch(*m_nam, url);
    QCOMPARE(second.body, QByteArray("allowlisted"));
    QVERIFY2(second.fromCache, "a max-age=3600 response was not reused");
    QCOMPARE(m_server->requestCount("/allow"), 1);
    QCOMPARE(headerOf(second, "X-Keep"), QByteArray("KEEPVALUE4711"));
    QVERIFY(!hasHeader(second, "X-Drop"));
    QVERIFY(!hasHeader(second, "Authorization")); // the denylist still applies
    QCOMPARE(hasHeader(second, "Cache-Control"), keepsCacheControl);

    QVERIFY(m_cache->entryInfo(url).isValid());
    QCOMPARE(filesContaining(m_dir->path(), "DROPVALUE4711"), QStringList());
    QCOMPARE(filesContaining(m_dir->path(), "ALLOWLISTEDSECRET4711"), QStringList());
    QVERIFY(!filesContaining(m_dir->path(), "KEEPVALUE4711").isEmpty());
}

// ---- keys -------------------------------------------------------------------------------------

void tst_Policy::keyNormalization_data()
{
    QTest::addColumn<QStringList>("ignored");
    QTest::addColumn<bool>("sort");
    QTest::addColumn<QString>("first");
    QTest::addColumn<QString>("second");
    QTest::addColumn<bool>("shared");

    const QStringList utm {QStringLiteral("utm_*")};
    QTest::newRow("utm dropped") << utm << false << "/k?utm_source=x&id=1"
                                 << "/k?id=1" << true;
    QTest::newRow("utm dropped, reverse") << utm << false << "/k?id=1"
                                          << "/k?id=1&utm_medium=y&utm_source=z" << true;
    QTest::newRow("utm only parameter") << utm << false << "/k?utm_source=x"
                                        << "/k" << true;
    QTest::newRow("utm, other id differs") << utm << false << "/k?utm_source=x&id=1"
                                           << "/k?id=2" << false;
    QTest::newRow("no policy, utm differs") << QStringList() << false << "/k?utm_source=x&id=1"
                                            << "/k?id=1" << false;
    QTest::newRow("utm glob is anchored") << utm << false << "/k?xutm_source=x&id=1"
                                          << "/k?id=1" << false;
    QTest::newRow("exact name") << QStringList {QStringLiteral("fbclid")} << false
                                << "/k?fbclid=abc&x=1"
                                << "/k?x=1" << true;
    QTest::newRow("exact name, longer differs")
            << QStringList {QStringLiteral("fbclid")} << false << "/k?fbclid2=abc&x=1"
            << "/k?x=1" << false;
    QTest::newRow("encoded & kept, shared") << utm << false << "/k?q=a%26b&utm_source=x"
                                            << "/k?q=a%26b" << true;
    QTest::newRow("encoded & is not a separator") << utm << false << "/k?q=a%26b&utm_source=x"
                                                  << "/k?q=a&b" << false;
    QTest::newRow("encoded = stays encoded") << utm << false << "/k?q=a%3Db&utm_source=x"
                                             << "/k?q=a=b" << false;
    QTest::newRow("%2B is not +") << utm << false << "/k?q=a%2Bb&utm_source=x"
                                  << "/k?q=a+b" << false;
    QTest::newRow("sorted") << QStringList() << true << "/k?a=1&b=2"
                            << "/k?b=2&a=1" << true;
    QTest::newRow("sorted and utm") << utm << true << "/k?b=2&utm_source=x&a=1"
                                    << "/k?a=1&b=2" << true;
    QTest::newRow("unsorted differs") << QStringList() << false << "/k?a=1&b=2"
                                      << "/k?b=2&a=1" << false;
    QTest::newRow("sorted, values differ") << QStringList() << true << "/k?a=1&b=2"
                                           << "/k?a=2&b=1" << false;
    QTest::newRow("sorted, repeated name keeps order") << QStringList() << true << "/k?a=2&a=1"
                                                       << "/k?a=1&a=2" << false;
    QTest::newRow("sorted, other path differs") << QStringList() << true << "/k?a=1&b=2"
                                                << "/j?b=2&a=1" << false;
}

void tst_Policy::keyNormalization()
{
    QFETCH(QStringList, ignored);
    QFETCH(bool, sort);
    QFETCH(QString, first);
    QFETCH(QString, second);
    QFETCH(bool, shared);

    CachePolicy policy;
    policy.setIgnoredQueryParameters(ignored);
    policy.setSortQueryItems(sort);
    m_cache->setPolicy(policy);
    m_server->setHandler(
            [](const RecordedRequest &r) { return Response::ok("body of " + r.path); });

    const QUrl firstUrl = m_server->url(first);
    const QUrl secondUrl = m_server->url(second);
    QVERIFY2((policy.cacheKey(firstUrl) == policy.cacheKey(secondUrl)) == shared,
             qPrintable(policy.cacheKey(firstUrl) + QLatin1String(" vs ")
                        + policy.cacheKey(secondUrl)));

    const Fetched a = fetch(*m_nam, firstUrl);
    QCOMPARE(a.body, "body of " + firstUrl.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority));
    QVERIFY(!a.fromCache);
    const Fetched b = fetch(*m_nam, secondUrl);
    QCOMPARE(b.fromCache, shared);
    QCOMPARE(m_server->requestCount(), shared ? 1 : 2);
    QCOMPARE(b.body,
             shared ? a.body
                    : "body of " + secondUrl.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority));
    QCOMPARE(m_cache->entryCount(), shared ? 1 : 2);
    QVERIFY(m_cache->entryInfo(secondUrl).isValid());
}

// ---- freshness --------------------------------------------------------------------------------

void tst_Policy::defaultTtl_data()
{
    QTest::addColumn<qint64>("defaultTtl");
    QTest::addColumn<QByteArray>("cacheControl");
    QTest::addColumn<bool>("reused");

    QTest::newRow("no freshness, no policy") << qint64(0) << QByteArray() << false;
    QTest::newRow("no freshness, defaultTtl 60") << qint64(60) << QByteArray() << true;
    QTest::newRow("no freshness (public), defaultTtl 60")
            << qint64(60) << QByteArray("public") << true;
    QTest::newRow("max-age=0 is freshness information")
            << qint64(60) << QByteArray("max-age=0") << false;
    QTest::newRow("no-cache is not overridden") << qint64(60) << QByteArray("no-cache") << false;
}

void tst_Policy::defaultTtl()
{
    QFETCH(qint64, defaultTtl);
    QFETCH(QByteArray, cacheControl);
    QFETCH(bool, reused);

    CachePolicy policy;
    policy.setDefaultTtl(defaultTtl);
    m_cache->setPolicy(policy);
    m_server->setRoute("/d", Response::ok("no freshness", cacheControl));
    const QUrl url = m_server->url(QStringLiteral("/d"));
    QCOMPARE(fetch(*m_nam, url).body, QByteArray("no freshness"));
    QVERIFY(m_cache->entryInfo(url).isValid() || !reused);
    const Fetched second = fetch(*m_nam, url);
    QCOMPARE(second.body, QByteArray("no freshness"));
    QCOMPARE(second.fromCache, reused);
    QCOMPARE(m_server->requestCount("/d"), reused ? 1 : 2);
    if (reused) {
        const CacheEntryInfo info = m_cache->entryInfo(url);
        const qint64 lifetime = info.created().secsTo(info.expires());
        QVERIFY2(qAbs(lifetime - defaultTtl) <= 2, qPrintable(QString::number(lifetime)));
    }
}

void tst_Policy::ttlRules_data()
{
    QTest::addColumn<QStringList>("rules");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("cacheControl");
    QTest::addColumn<bool>("fresh"); // false: revalidated (304) on the second request

    QTest::newRow("glob overrides max-age=0")
            << QStringList {QStringLiteral("glob|*/static/*|3600")} << "/static/app.js"
            << QByteArray("max-age=0") << true;
    QTest::newRow("regex overrides max-age=0")
            << QStringList {QStringLiteral("regex|/static/.+\\.js$|3600")} << "/static/app.js"
            << QByteArray("max-age=0") << true;
    QTest::newRow("regex overrides no freshness")
            << QStringList {QStringLiteral("regex|/static/|3600")} << "/static/app.js"
            << QByteArray() << true;
    QTest::newRow("glob 0 makes max-age=3600 stale")
            << QStringList {QStringLiteral("glob|*/api/*|0")} << "/api/list"
            << QByteArray("max-age=3600") << false;
    QTest::newRow("regex 0 makes max-age=3600 stale")
            << QStringList {QStringLiteral("regex|/api/|0")} << "/api/list"
            << QByteArray("max-age=3600") << false;
    const QStringList ordered {QStringLiteral("glob|*/static/special*|0"),
                               QStringLiteral("glob|*/static/*|3600")};
    QTest::newRow("first match wins: 0")
            << ordered << "/static/special.js" << QByteArray("max-age=3600") << false;
    QTest::newRow("first match wins: 3600")
            << ordered << "/static/app.js" << QByteArray("max-age=0") << true;
    const QStringList reversed {QStringLiteral("glob|*/static/*|3600"),
                                QStringLiteral("glob|*/static/special*|0")};
    QTest::newRow("first match wins, reversed")
            << reversed << "/static/special.js" << QByteArray("max-age=0") << true;
    QTest::newRow("no match keeps the headers")
            << QStringList {QStringLiteral("glob|*/other/*|3600")} << "/static/app.js"
            << QByteArray("max-age=0") << false;
    QTest::newRow("glob is anchored") << QStringList {QStringLiteral("glob|/static/*|3600")}
                                      << "/static/app.js" << QByteArray("max-age=0") << false;
    QTest::newRow("glob ? is one character") << QStringList {QStringLiteral("glob|*/v?/x|3600")}
                                             << "/v1/x" << QByteArray("max-age=0") << true;
    QTest::newRow("glob ? is not two") << QStringList {QStringLiteral("glob|*/v?/x|3600")}
                                       << "/v12/x" << QByteArray("max-age=0") << false;
    QTest::newRow("glob dot is literal") << QStringList {QStringLiteral("glob|*.json|3600")}
                                         << "/dataxjson" << QByteArray("max-age=0") << false;
}

void tst_Policy::ttlRules()
{
    QFETCH(QStringList, rules);
    QFETCH(QString, path);
    QFETCH(QByteArray, cacheControl);
    QFETCH(bool, fresh);

    CachePolicy policy;
    QVERIFY(addRules(&policy, rules));
    QCOMPARE(policy.ttlRules().size(), rules.size());
    m_cache->setPolicy(policy);
    serveRevalidatable(cacheControl);

    const Fetched second = fetchTwice(path);
    QCOMPARE(second.error, QNetworkReply::NoError);
    QCOMPARE(second.status, 200);
    QCOMPARE(second.body, "body of " + path.toLatin1());
    QVERIFY(second.fromCache); // served from the cache, after a 304 when stale
    const QList<RecordedRequest> requests = m_server->requests();
    QCOMPARE(requests.size(), fresh ? 1 : 2);
    if (!fresh)
        QCOMPARE(requests.last().header("If-None-Match"), QByteArray("\"e1\""));
}

void tst_Policy::maximumTtlCeiling_data()
{
    QTest::addColumn<QByteArray>("cacheControl");
    QTest::addColumn<QString>("setting");

    QTest::newRow("max-age=3600") << QByteArray("max-age=3600") << QString();
    QTest::newRow("TTL rule 3600") << QByteArray("max-age=0") << QStringLiteral("rule");
    QTest::newRow("defaultTtl 3600") << QByteArray() << QStringLiteral("default");
    QTest::newRow("hook TTL 3600") << QByteArray("max-age=0") << QStringLiteral("hook");
}

void tst_Policy::maximumTtlCeiling()
{
    QFETCH(QByteArray, cacheControl);
    QFETCH(QString, setting);

    CachePolicy policy;
    policy.setMaximumTtl(1);
    if (setting == QLatin1String("rule"))
        QVERIFY(policy.addTtlRule(QStringLiteral("*/ceiling"), 3600,
                                  CachePolicy::PatternSyntax::Glob));
    else if (setting == QLatin1String("default"))
        policy.setDefaultTtl(3600);
    else if (setting == QLatin1String("hook"))
        policy.setHook([](const QUrl &, const QNetworkCacheMetaData &, CachePolicy::Decision *d) {
            d->setTtlSeconds(3600);
        });
    m_cache->setPolicy(policy);
    serveRevalidatable(cacheControl);

    const Fetched second = fetchTwice(QStringLiteral("/ceiling"));
    QVERIFY(second.fromCache);
    QCOMPARE(m_server->requestCount(), 1); // fresh for one second
    const CacheEntryInfo info = m_cache->entryInfo(m_server->url(QStringLiteral("/ceiling")));
    QVERIFY(info.isValid());
    QVERIFY2(info.created().msecsTo(info.expires()) <= 1000,
             qPrintable(info.expires().toString(Qt::ISODateWithMs)));

    QTest::qWait(1200);
    const Fetched third = fetch(*m_nam, m_server->url(QStringLiteral("/ceiling")));
    QCOMPARE(third.body, QByteArray("body of /ceiling"));
    QCOMPARE(m_server->requestCount(), 2);
    QCOMPARE(m_server->requests().last().header("If-None-Match"), QByteArray("\"e1\""));
    QVERIFY(third.fromCache); // 304
}

// ---- hook -------------------------------------------------------------------------------------

void tst_Policy::hookVetoesStore()
{
    CachePolicy policy;
    QList<QUrl> seen;
    policy.setHook(
            [&seen](const QUrl &url, const QNetworkCacheMetaData &md, CachePolicy::Decision *d) {
                seen.append(url);
                QVERIFY(md.isValid());
                if (url.path().startsWith(QLatin1String("/private/")))
                    d->setStore(false);
            });
    m_cache->setPolicy(policy);
    m_server->setHandler(
            [](const RecordedRequest &r) { return Response::ok("body of " + r.path); });

    const Fetched priv = fetchTwice(QStringLiteral("/private/x"));
    QCOMPARE(priv.body, QByteArray("body of /private/x"));
    QVERIFY(!priv.fromCache);
    QCOMPARE(m_server->requestCount("/private/x"), 2);
    QVERIFY(!m_cache->entryInfo(m_server->url(QStringLiteral("/private/x"))).isValid());

    const Fetched pub = fetchTwice(QStringLiteral("/public/x"));
    QCOMPARE(pub.body, QByteArray("body of /public/x"));
    QVERIFY(pub.fromCache);
    QCOMPARE(m_server->requestCount("/public/x"), 1);
    QVERIFY(seen.contains(m_server->url(QStringLiteral("/public/x"))));
    // Counted by another connection: once the insert's batch is committed (README).
    QTRY_COMPARE(storedBodyCount(m_dir->path()), 1);
}

void tst_Policy::hookSetsTtl_data()
{
    QTest::addColumn<QByteArray>("cacheControl");
    QTest::addColumn<qint64>("hookTtl");
    QTest::addColumn<QString>("rule"); // a conflicting TTL rule: the hook wins
    QTest::addColumn<bool>("fresh");

    QTest::newRow("3600 over max-age=0")
            << QByteArray("max-age=0") << qint64(3600) << QString() << true;
    QTest::newRow("0 over max-age=3600")
            << QByteArray("max-age=3600") << qint64(0) << QString() << false;
    QTest::newRow("-1 keeps the headers")
            << QByteArray("max-age=3600") << qint64(-1) << QString() << true;
    QTest::newRow("3600 over a rule of 0")
            << QByteArray("max-age=0") << qint64(3600) << QStringLiteral("glob|*|0") << true;
    QTest::newRow("0 over a rule of 3600")
            << QByteArray("max-age=3600") << qint64(0) << QStringLiteral("glob|*|3600") << false;
}

void tst_Policy::hookSetsTtl()
{
    QFETCH(QByteArray, cacheControl);
    QFETCH(qint64, hookTtl);
    QFETCH(QString, rule);
    QFETCH(bool, fresh);

    CachePolicy policy;
    if (!rule.isEmpty())
        QVERIFY(addRules(&policy, {rule}));
    policy.setHook([hookTtl](const QUrl &, const QNetworkCacheMetaData &,
                             CachePolicy::Decision *d) { d->setTtlSeconds(hookTtl); });
    m_cache->setPolicy(policy);
    serveRevalidatable(cacheControl);
    const Fetched second = fetchTwice(QStringLiteral("/hooked"));
    QCOMPARE(second.body, QByteArray("body of /hooked"));
    QVERIFY(second.fromCache);
    QCOMPARE(m_server->requestCount(), fresh ? 1 : 2);
}

void tst_Policy::hookAddsTags()
{
    CachePolicy policy;
    policy.setHook([](const QUrl &url, const QNetworkCacheMetaData &, CachePolicy::Decision *d) {
        d->setTags(QStringList {QStringLiteral("hooked"), QLatin1String("path:") + url.path()});
    });
    m_cache->setPolicy(policy);
    m_server->setHandler([](const RecordedRequest &r) {
        return Response::ok("body of " + r.path).header("Cache-Tag", "from-header");
    });
    fetch(*m_nam, m_server->url(QStringLiteral("/t1")));
    fetch(*m_nam, m_server->url(QStringLiteral("/t2")));

    const CacheEntryInfo info = m_cache->entryInfo(m_server->url(QStringLiteral("/t1")));
    QVERIFY(info.isValid());
    QStringList tags = info.tags();
    tags.sort();
    QCOMPARE(tags,
             (QStringList {QStringLiteral("from-header"), QStringLiteral("hooked"),
                           QStringLiteral("path:/t1")}));
    const auto counts = m_cache->tags();
    QVERIFY(counts.contains(qMakePair(QStringLiteral("hooked"), qint64(2))));
    QVERIFY(counts.contains(qMakePair(QStringLiteral("path:/t2"), qint64(1))));

    QCOMPARE(m_cache->invalidateTag(QStringLiteral("path:/t1")), 1);
    QVERIFY(!fetch(*m_nam, m_server->url(QStringLiteral("/t1"))).fromCache);
    QVERIFY(fetch(*m_nam, m_server->url(QStringLiteral("/t2"))).fromCache);
    QCOMPARE(m_server->requestCount("/t1"), 2);
    QCOMPARE(m_server->requestCount("/t2"), 1);
}

// ---- invalid rules ----------------------------------------------------------------------------

void tst_Policy::invalidRulesRejected_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<qint64>("ttl");
    QTest::addColumn<bool>("regex");
    QTest::addColumn<QString>("message"); // empty: accepted

    QTest::newRow("bad regex") << "^https://(unclosed" << qint64(60) << true
                               << "invalid regular expression";
    QTest::newRow("bad regex, leading *")
            << "*abc" << qint64(60) << true << "invalid regular expression";
    QTest::newRow("empty glob") << "" << qint64(60) << false << "pattern is empty";
    QTest::newRow("empty regex") << "" << qint64(60) << true << "pattern is empty";
    QTest::newRow("negative TTL") << "*/x" << qint64(-1) << false << "must not be negative";
    QTest::newRow("negative TTL, regex") << "/x" << qint64(-3600) << true << "must not be negative";
    QTest::newRow("valid glob with regex characters") << "*/a(b)[c]+$" << qint64(60) << false << "";
    QTest::newRow("valid regex") << "^https?://" << qint64(0) << true << "";
}

void tst_Policy::invalidRulesRejected()
{
    QFETCH(QString, pattern);
    QFETCH(qint64, ttl);
    QFETCH(bool, regex);
    QFETCH(QString, message);

    const auto syntax = regex ? CachePolicy::PatternSyntax::RegularExpression
                              : CachePolicy::PatternSyntax::Glob;
    CachePolicy policy;
    QString error;
    const bool accepted = policy.addTtlRule(pattern, ttl, syntax, &error);
    QCOMPARE(accepted, message.isEmpty());
    QCOMPARE(policy.ttlRules().size(), accepted ? 1 : 0);
    if (accepted) {
        QVERIFY(error.isEmpty());
        QCOMPARE(policy.ttlRules().first().pattern(), pattern);
        QCOMPARE(policy.ttlRules().first().ttlSeconds(), ttl);
        return;
    }
    QVERIFY2(error.contains(message), qPrintable(error));
    if (!pattern.isEmpty())
        QVERIFY2(error.contains(pattern), qPrintable(error)); // says which rule
    if (ttl < 0)
        QVERIFY2(error.contains(QString::number(ttl)), qPrintable(error));
    // Without an error string it still refuses, and does not crash.
    QVERIFY(!policy.addTtlRule(pattern, ttl, syntax, nullptr));
    QCOMPARE(policy.ruleTtl(QUrl(QStringLiteral("http://example.com/x"))), qint64(-1));

    // A cache given the policy keeps working and the refused rule has no effect.
    m_cache->setPolicy(policy);
    serveRevalidatable("max-age=0");
    const Fetched second = fetchTwice(QStringLiteral("/x"));
    QCOMPARE(second.body, QByteArray("body of /x"));
    QCOMPARE(m_server->requestCount(), 2);
}

QTEST_GUILESS_MAIN(tst_Policy)
#include "tst_policy.moc"
