// SPDX-License-Identifier: MIT
// One scenario per rule, written from RFC 9111 / 5861 / 9211 / 9875, through
// tiercache::AccessManager against the loopback origin, and the same scenario through plain
// QNAM + NetworkCache: where only the AccessManager can pass, QEXPECT_FAIL says why.

#include "cachetestutil.h"

#include <redisserver.h>

#include <tiercache/accessmanager.h>
#include <tiercache/networkcache.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QLocale>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace tiercache;
using namespace tiercache::test;

class tst_AccessManager : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void freshHitCarriesAgeAndCacheStatus_data() { modes(); }
    void freshHitCarriesAgeAndCacheStatus();
    void requestNoCacheRevalidates_data() { modes(); }
    void requestNoCacheRevalidates();
    void requestMaxAgeLimitsAge_data() { modes(); }
    void requestMaxAgeLimitsAge();
    void onlyIfCachedGives504_data() { modes(); }
    void onlyIfCachedGives504();
    void maxStaleServesStale_data() { modes(); }
    void maxStaleServesStale();
    void mustRevalidateFreshIsReused_data() { modes(); }
    void mustRevalidateFreshIsReused();
    void varyKeepsSeveralVariants_data() { modes(); }
    void varyKeepsSeveralVariants();
    void staleWhileRevalidateAnswersAtOnce_data() { modes(); }
    void staleWhileRevalidateAnswersAtOnce();
    void offlineServesStaleWhenOriginIsDown_data() { modes(); }
    void offlineServesStaleWhenOriginIsDown();
    void concurrentGetsAreCoalesced_data() { modes(); }
    void concurrentGetsAreCoalesced();
    void unsafeMethodInvalidatesLocation_data() { modes(); }
    void unsafeMethodInvalidatesLocation();
    void headIsAnsweredFromStoredGet_data() { modes(); }
    void headIsAnsweredFromStoredGet();
    void rangePassesThrough_data() { modes(); }
    void rangePassesThrough();
    void requestMinFresh_data() { modes(); }
    void requestMinFresh();
    void cacheLoadControlAttribute_data() { modes(); }
    void cacheLoadControlAttribute();
    void cacheSaveControlFalseStoresNothing_data() { modes(); }
    void cacheSaveControlFalseStoresNothing();
    void contentLocationInvalidatedAfterPost_data() { modes(); }
    void contentLocationInvalidatedAfterPost();
    void cacheGroupInvalidationSameOriginOnly_data() { modes(); }
    void cacheGroupInvalidationSameOriginOnly();
    void cacheable404AndHeuristicStatus_data() { modes(); }
    void cacheable404AndHeuristicStatus();
    void notModifiedMergesHeaders_data() { modes(); }
    void notModifiedMergesHeaders();
    void notModifiedAgeIsUsed_data() { modes(); }
    void notModifiedAgeIsUsed();
    void immutableSurvivesReload_data() { modes(); }
    void immutableSurvivesReload();
    void privateIsStored_data() { modes(); }
    void privateIsStored();
    void noStoreResponseIsNotStored_data() { modes(); }
    void noStoreResponseIsNotStored();
    void noCacheResponseRevalidates_data() { modes(); }
    void noCacheResponseRevalidates();
    void qualifiedNoCacheDropsField_data() { modes(); }
    void qualifiedNoCacheDropsField();
    void cacheStatusForms_data() { modes(); }
    void cacheStatusForms();
    void negativeTtlReusesErrorThenRefetches_data();
    void negativeTtlReusesErrorThenRefetches();
    void negativeTtlNeverLengthensExplicitFreshness_data() { modes(); }
    void negativeTtlNeverLengthensExplicitFreshness();
    void negativeCachingOffByDefault_data() { modes(); }
    void negativeCachingOffByDefault();
    void refreshBeforeExpiryAnswersAtOnce();
    void autoRefreshKeepsHotEntryFresh();
    void autoRefreshPausesWhileNetworkFails();
    void autoRefreshStaysWithinBudget();

private:
    void modes();
    bool plain() const;
    Fetched get(const QString &path, const QList<QPair<QByteArray, QByteArray>> &headers = {},
                const QByteArray &verb = "GET");
    Fetched getWith(const QString &path, QNetworkRequest::CacheLoadControl load, bool save = true);
    QUrl otherOriginUrl(const QString &path) const;
    //! send() with a 10 s limit; a reply that did not finish by then fails the scenario in
    //! cleanup() (a hung reply must not pass just because its body and status were right).
    Fetched sendOnce(const QNetworkRequest &request, const QByteArray &verb = "GET");

    //! The tier chain every scenario runs on: TIERCACHE_TEST_CHAIN ("disk", the default;
    //! "memory+disk"; "memory+sqlite+redis", with a redis-server of its own). ctest runs the
    //! suite once per chain.
    QStringList chainSpecs();
    //! The cache's statistics hold the AccessManager's refresh counters, also for a read-only
    //! cache on the same directory (as the CLI and the Browser open it).
    void checkStatisticsHoldRefreshCounters();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LoopbackServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    AccessManager *m_access = nullptr;
    QString m_chain;
    std::unique_ptr<RedisServer> m_redis;
    int m_round = 0;
    QStringList m_unfinished;
};

void tst_AccessManager::modes()
{
    QTest::addColumn<bool>("plainQnam");
    QTest::newRow("AccessManager") << false;
    QTest::newRow("plain QNAM") << true;
}

bool tst_AccessManager::plain() const
{
    return QByteArray(QTest::currentDataTag()).startsWith("plain QNAM");
}

void tst_AccessManager::initTestCase()
{
    m_chain = qEnvironmentVariable("TIERCACHE_TEST_CHAIN", QStringLiteral("disk"));
    qInfo("tier chain: %s", qPrintable(m_chain));
    QVERIFY2(m_chain == QLatin1String("disk") || m_chain == QLatin1String("memory+disk")
                     || m_chain == QLatin1String("memory+sqlite+redis"),
             qPrintable(QStringLiteral("unknown TIERCACHE_TEST_CHAIN %1").arg(m_chain)));
    if (m_chain.contains(QLatin1String("redis"))) {
        // Never a silent skip: the set-up installs redis-server.
        m_redis = std::make_unique<RedisServer>();
        QVERIFY2(m_redis->start(), qPrintable(m_redis->errorString()));
    }
}

QStringList tst_AccessManager::chainSpecs()
{
    if (m_chain == QLatin1String("memory+disk"))
        return {QStringLiteral("memory:"), QStringLiteral("disk:")};
    if (m_chain == QLatin1String("memory+sqlite+redis")) {
        // A prefix of its own per scenario: nothing carries over from the one before.
        return {QStringLiteral("memory:"),
                QStringLiteral("sqlite:?path=%1/tier.db").arg(m_dir->path()),
                QStringLiteral("redis://127.0.0.1:%1/0?prefix=am%2:&timeout_ms=5000")
                        .arg(m_redis->port())
                        .arg(++m_round)};
    }
    return {QStringLiteral("disk:")};
}

void tst_AccessManager::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<LoopbackServer>();
    QVERIFY(m_server->isListening());
    auto *cache = new NetworkCache;
    cache->setCacheDirectory(m_dir->path());
    const QStringList specs = chainSpecs();
    const bool usable = cache->setTiers(specs);
    if (!usable)
        delete cache;
    QVERIFY2(usable, qPrintable(specs.join(QLatin1Char(' '))));
    if (plain()) {
        m_nam = std::make_unique<QNetworkAccessManager>();
        m_nam->setCache(cache);
        m_access = nullptr;
    } else {
        auto *access = new AccessManager(cache);
        access->setCacheStatusEnabled(true);
        m_access = access;
        m_nam.reset(access);
    }
}

void tst_AccessManager::cleanup()
{
    m_nam.reset();
    m_access = nullptr;
    m_server.reset();
    m_dir.reset();
    const QStringList unfinished = std::exchange(m_unfinished, {});
    QVERIFY2(unfinished.isEmpty(),
             qPrintable(QStringLiteral("replies not finished within 10 s: ")
                        + unfinished.join(QLatin1String(", "))));
}

Fetched tst_AccessManager::get(const QString &path,
                               const QList<QPair<QByteArray, QByteArray>> &headers,
                               const QByteArray &verb)
{
    QNetworkRequest request(m_server->url(path));
    for (const auto &h : headers)
        request.setRawHeader(h.first, h.second);
    return sendOnce(request, verb);
}

Fetched tst_AccessManager::sendOnce(const QNetworkRequest &request, const QByteArray &verb)
{
    const Fetched f = send(*m_nam, request, verb, QByteArray(), 10000);
    if (!f.finished)
        m_unfinished.append(QString::fromLatin1(verb) + u' ' + request.url().toString());
    return f;
}

Fetched tst_AccessManager::getWith(const QString &path, QNetworkRequest::CacheLoadControl load,
                                   bool save)
{
    QNetworkRequest request(m_server->url(path));
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, load);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, save);
    return sendOnce(request);
}

// The same loopback server under another origin (host "localhost" instead of 127.0.0.1).
QUrl tst_AccessManager::otherOriginUrl(const QString &path) const
{
    QUrl url = m_server->url(path);
    url.setHost(QStringLiteral("localhost"));
    return url;
}

// RFC 9111 4.2.3 / 5.1 and RFC 9211 2.1: a fresh hit answers without the origin, with Age
// and, when enabled, "Cache-Status: tiercache; hit".
void tst_AccessManager::freshHitCarriesAgeAndCacheStatus()
{
    m_server->setRoute("/a", Response::ok("hello", "max-age=3600").header("Age", "5"));
    QCOMPARE(get(QStringLiteral("/a")).body, QByteArray("hello"));
    const Fetched hit = get(QStringLiteral("/a"));
    QCOMPARE(hit.status, 200);
    QCOMPARE(hit.body, QByteArray("hello"));
    QVERIFY(hit.fromCache);
    QVERIFY2(headerOf(hit, "Age").toInt() >= 5 && headerOf(hit, "Age").toInt() <= 6,
             headerOf(hit, "Age"));
    QCOMPARE(m_server->requestCount("/a"), 1);
    if (plain())
        QEXPECT_FAIL("", "Cache-Status needs the request path: only the AccessManager adds it",
                     Continue);
    QVERIFY2(headerOf(hit, "Cache-Status").startsWith("tiercache; hit; ttl="),
             headerOf(hit, "Cache-Status"));
}

// RFC 9111 5.2.1.4: no-cache in a request: no stored response without validation.
void tst_AccessManager::requestNoCacheRevalidates()
{
    m_server->setHandler([](const RecordedRequest &r) {
        if (r.header("If-None-Match") == "\"1\"")
            return Response::notModified().header("ETag", "\"1\"");
        return Response::ok("v1", "max-age=3600").header("ETag", "\"1\"");
    });
    QCOMPARE(get(QStringLiteral("/n")).body, QByteArray("v1"));
    const Fetched second = get(QStringLiteral("/n"), {{"Cache-Control", "no-cache"}});
    QCOMPARE(second.status, 200);
    QCOMPARE(second.body, QByteArray("v1"));
    if (plain())
        QEXPECT_FAIL("", "QNAM answers from the cache and never shows request headers to it",
                     Continue);
    QCOMPARE(m_server->requestCount("/n"), 2);
    const Fetched pragma = get(QStringLiteral("/n"), {{"Pragma", "no-cache"}});
    QCOMPARE(pragma.body, QByteArray("v1"));
    if (plain())
        QEXPECT_FAIL("", "QNAM ignores Pragma: no-cache", Continue);
    QCOMPARE(m_server->requestCount("/n"), 3);
}

// RFC 9111 5.2.1.1: max-age in a request: not willing to accept an older response.
void tst_AccessManager::requestMaxAgeLimitsAge()
{
    m_server->setRoute("/m", Response::ok("old", "max-age=3600").header("Age", "100"));
    QCOMPARE(get(QStringLiteral("/m")).body, QByteArray("old"));
    QCOMPARE(get(QStringLiteral("/m"), {{"Cache-Control", "max-age=500"}}).body, QByteArray("old"));
    QCOMPARE(m_server->requestCount("/m"), 1); // 100 s old, 500 s accepted
    const Fetched strict = get(QStringLiteral("/m"), {{"Cache-Control", "max-age=10"}});
    QCOMPARE(strict.body, QByteArray("old"));
    if (plain())
        QEXPECT_FAIL("", "request max-age is invisible to a QAbstractNetworkCache", Continue);
    QCOMPARE(m_server->requestCount("/m"), 2);
}

// RFC 9111 5.2.1.7: only-if-cached: a stored response or a 504, never the origin.
void tst_AccessManager::onlyIfCachedGives504()
{
    m_server->setRoute("/o", Response::ok("origin"));
    const Fetched f = get(QStringLiteral("/o"), {{"Cache-Control", "only-if-cached"}});
    if (plain())
        QEXPECT_FAIL("", "QNAM sends only-if-cached to the origin", Continue);
    QCOMPARE(f.status, 504);
    if (plain())
        QEXPECT_FAIL("", "QNAM sends only-if-cached to the origin", Continue);
    QVERIFY(!f.body.contains("origin"));
    if (plain())
        QEXPECT_FAIL("", "QNAM sends only-if-cached to the origin", Continue);
    QCOMPARE(m_server->requestCount("/o"), 0);
}

// RFC 9111 5.2.1.2: max-stale: the client accepts a stale response.
void tst_AccessManager::maxStaleServesStale()
{
    m_server->setRoute("/s", Response::ok("stale ok", "max-age=1"));
    QCOMPARE(get(QStringLiteral("/s")).body, QByteArray("stale ok"));
    QTest::qWait(2100);
    const Fetched f = get(QStringLiteral("/s"), {{"Cache-Control", "max-stale=600"}});
    QCOMPARE(f.status, 200);
    QCOMPARE(f.body, QByteArray("stale ok"));
    if (plain())
        QEXPECT_FAIL("", "QNAM revalidates whatever the request accepts", Continue);
    QCOMPARE(m_server->requestCount("/s"), 1);
}

// RFC 9111 5.2.2.2: must-revalidate concerns stale responses only.
void tst_AccessManager::mustRevalidateFreshIsReused()
{
    m_server->setRoute("/mr", Response::ok("mr", "max-age=3600, must-revalidate"));
    QCOMPARE(get(QStringLiteral("/mr")).body, QByteArray("mr"));
    const Fetched f = get(QStringLiteral("/mr"));
    QCOMPARE(f.body, QByteArray("mr"));
    if (plain())
        QEXPECT_FAIL("", "QNAM treats must-revalidate like no-cache", Continue);
    QCOMPARE(m_server->requestCount("/mr"), 1);
}

// RFC 9111 4.1: several variants of one URL, each selected by the request's varied fields.
void tst_AccessManager::varyKeepsSeveralVariants()
{
    m_server->setHandler([](const RecordedRequest &r) {
        const QByteArray language = r.header("Accept-Language");
        if (r.header("If-None-Match") == "\"" + language + "\"")
            return Response::notModified().header("ETag", "\"" + language + "\"");
        return Response::ok("body in " + language)
                .header("Vary", "Accept-Language")
                .header("ETag", "\"" + language + "\"");
    });
    for (int round = 0; round < 2; ++round) {
        for (const char *lang : {"de", "fr"}) {
            const QByteArray language(lang);
            const Fetched f = get(QStringLiteral("/v"), {{"Accept-Language", language}});
            QCOMPARE(f.status, 200);
            QCOMPARE(f.body, "body in " + language);
        }
    }
    if (plain())
        QEXPECT_FAIL("", "a URL-keyed cache revalidates every variant use", Continue);
    QCOMPARE(m_server->requestCount("/v"), 2);
}

// RFC 5861 3: stale-while-revalidate: served stale at once, one background revalidation.
void tst_AccessManager::staleWhileRevalidateAnswersAtOnce()
{
    int version = 0;
    m_server->setHandler([&](const RecordedRequest &) {
        ++version;
        // v1 goes stale after a second; the revalidated v2 stays fresh for the rest of the
        // scenario (with max-age=1 it could be stale on arrival: Date has whole seconds).
        return Response::ok("v" + QByteArray::number(version),
                            version == 1 ? "max-age=1, stale-while-revalidate=600"
                                         : "max-age=3600, stale-while-revalidate=600");
    });
    QCOMPARE(get(QStringLiteral("/swr")).body, QByteArray("v1"));
    QTest::qWait(2100);
    const Fetched stale = get(QStringLiteral("/swr"));
    QCOMPARE(stale.status, 200);
    if (plain())
        QEXPECT_FAIL("", "QNAM has no stale-while-revalidate: it waits for the origin", Abort);
    QCOMPARE(stale.body, QByteArray("v1"));
    QVERIFY(stale.fromCache);
    QVERIFY2(headerOf(stale, "Cache-Status").contains("stale-while-revalidate"),
             headerOf(stale, "Cache-Status"));
    QTRY_COMPARE(m_server->requestCount("/swr"), 2); // exactly one background revalidation
    QTest::qWait(200);
    QCOMPARE(m_server->requestCount("/swr"), 2);
    const Fetched updated = get(QStringLiteral("/swr"));
    QCOMPARE(updated.body, QByteArray("v2"));
    QVERIFY(updated.fromCache);
    QCOMPARE(m_server->requestCount("/swr"), 2);
}

// RFC 5861 4 / offline mode: the origin is down, the stored response answers, marked stale.
void tst_AccessManager::offlineServesStaleWhenOriginIsDown()
{
    if (m_access)
        m_access->setOfflineFallback(true);
    m_server->setRoute("/off", Response::ok("kept", "max-age=1"));
    const QUrl url = m_server->url(QStringLiteral("/off"));
    QCOMPARE(get(QStringLiteral("/off")).body, QByteArray("kept"));
    QTest::qWait(1100);
    m_server.reset(); // connection refused from now on
    const Fetched f = sendOnce(QNetworkRequest(url));
    if (plain())
        QEXPECT_FAIL("", "QNAM has no fallback on transport errors", Abort);
    QCOMPARE(f.error, QNetworkReply::NoError);
    QCOMPARE(f.body, QByteArray("kept"));
    QVERIFY(f.fromCache);
    QVERIFY(headerOf(f, "Cache-Status").contains("stale-if-error"));
}

// Coalescing: 100 identical concurrent GETs, one origin request, each reply gets the whole body
// (streamed), the others marked collapsed.
void tst_AccessManager::concurrentGetsAreCoalesced()
{
    Response slow = Response::ok(QByteArray(), "max-age=3600");
    slow.generatedBodySize = 200 * 1024;
    slow.seed = 7;
    slow.delayMs = 100;
    m_server->setRoute("/c", slow);
    const QByteArray expected = LoopbackServer::patternBody(0, 200 * 1024, 7);
    QList<QNetworkReply *> replies;
    for (int i = 0; i < 100; ++i)
        replies.append(m_nam->get(QNetworkRequest(m_server->url(QStringLiteral("/c")))));
    QHash<QNetworkReply *, QByteArray> bodies;
    for (QNetworkReply *r : replies)
        connect(r, &QIODevice::readyRead, this, [r, &bodies] { bodies[r] += r->readAll(); });
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(replies.cbegin(), replies.cend(),
                                         [](QNetworkReply *r) { return r->isFinished(); }),
                             60000);
    int collapsed = 0;
    for (QNetworkReply *r : replies) {
        bodies[r] += r->readAll();
        QCOMPARE(r->error(), QNetworkReply::NoError);
        QCOMPARE(r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QVERIFY(bodies[r] == expected);
        if (r->rawHeader("Cache-Status").endsWith("; collapsed"))
            ++collapsed;
        delete r;
    }
    if (plain())
        QEXPECT_FAIL("", "QNAM sends every request to the origin", Continue);
    QCOMPARE(m_server->requestCount("/c"), 1);
    if (plain())
        QEXPECT_FAIL("", "Cache-Status needs the request: only the AccessManager adds it",
                     Continue);
    QCOMPARE(collapsed, 99);
}

// RFC 9111 4.4: a successful unsafe request invalidates the target and same-origin Location.
void tst_AccessManager::unsafeMethodInvalidatesLocation()
{
    int version = 0;
    m_server->setHandler([&](const RecordedRequest &r) {
        if (r.method == "POST") {
            Response created;
            created.status = 201;
            created.body = "created";
            created.header("Location", "/item");
            return created;
        }
        ++version;
        return Response::ok(r.path + " v" + QByteArray::number(version));
    });
    QCOMPARE(get(QStringLiteral("/item")).body, QByteArray("/item v1"));
    QCOMPARE(get(QStringLiteral("/item")).body, QByteArray("/item v1"));
    QCOMPARE(get(QStringLiteral("/list"), {}, "POST").status, 201);
    const Fetched after = get(QStringLiteral("/item"));
    if (plain())
        QEXPECT_FAIL("", "QNAM invalidates the request URI only, not Location", Continue);
    QCOMPARE(after.body, QByteArray("/item v2"));
}

// RFC 9110 9.3.2: HEAD is answered with the stored GET's fields, without a body.
void tst_AccessManager::headIsAnsweredFromStoredGet()
{
    m_server->setRoute("/h", Response::ok("a body of nineteen!"));
    QCOMPARE(get(QStringLiteral("/h")).body, QByteArray("a body of nineteen!"));
    QNetworkReply *head = m_nam->head(QNetworkRequest(m_server->url(QStringLiteral("/h"))));
    QTRY_VERIFY(head->isFinished());
    QCOMPARE(head->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QVERIFY(head->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool());
    QCOMPARE(m_server->requestCount("/h"), 1);
    const QByteArray body = head->readAll();
    delete head;
    if (plain())
        QEXPECT_FAIL("", "QNAM replays the stored GET body for HEAD", Continue);
    QVERIFY(body.isEmpty());
}

// Range requests pass through to the origin untouched.
void tst_AccessManager::rangePassesThrough()
{
    m_server->setHandler([](const RecordedRequest &r) {
        if (!r.header("Range").isEmpty()) {
            Response partial;
            partial.status = 206;
            partial.body = "art";
            partial.header("Content-Range", "bytes 1-3/6");
            return partial;
        }
        return Response::ok("partly");
    });
    QCOMPARE(get(QStringLiteral("/r")).body, QByteArray("partly"));
    const Fetched range = get(QStringLiteral("/r"), {{"Range", "bytes=1-3"}});
    QCOMPARE(range.status, 206);
    QCOMPARE(range.body, QByteArray("art"));
    QCOMPARE(m_server->requestCount("/r"), 2);
    QCOMPARE(m_server->requests().last().header("Range"), QByteArray("bytes=1-3"));
}

// RFC 9111 5.2.1.3: min-fresh: the client wants a response fresh for at least that long.
void tst_AccessManager::requestMinFresh()
{
    m_server->setRoute("/mf", Response::ok("mf", "max-age=3600"));
    QCOMPARE(get(QStringLiteral("/mf")).body, QByteArray("mf"));
    const Fetched enough = get(QStringLiteral("/mf"), {{"Cache-Control", "min-fresh=60"}});
    QCOMPARE(enough.status, 200);
    QCOMPARE(enough.body, QByteArray("mf"));
    QVERIFY(enough.fromCache);
    QCOMPARE(m_server->requestCount("/mf"), 1); // fresh for ~3600 s more: reused
    const Fetched strict = get(QStringLiteral("/mf"), {{"Cache-Control", "min-fresh=7200"}});
    QCOMPARE(strict.status, 200);
    QCOMPARE(strict.body, QByteArray("mf"));
    if (plain())
        QEXPECT_FAIL("", "request min-fresh is invisible to a QAbstractNetworkCache", Continue);
    QCOMPARE(m_server->requestCount("/mf"), 2);
}

// Qt's CacheLoadControlAttribute in its documented meaning: AlwaysNetwork never loads from the
// cache, PreferNetwork uses fresh entries, PreferCache any stored one, AlwaysCache never the
// network (an error when nothing is stored).
void tst_AccessManager::cacheLoadControlAttribute()
{
    int version = 0;
    m_server->setHandler([&](const RecordedRequest &) {
        ++version;
        // Two seconds: a response whose Date second ended on the way still has one fresh
        // second when it is read back at once.
        return Response::ok("v" + QByteArray::number(version), "max-age=2");
    });
    const Fetched none = getWith(QStringLiteral("/l"), QNetworkRequest::AlwaysCache);
    QCOMPARE(none.error, QNetworkReply::ContentNotFoundError);
    QVERIFY(!none.body.contains("v"));
    QCOMPARE(m_server->requestCount("/l"), 0);

    QCOMPARE(getWith(QStringLiteral("/l"), QNetworkRequest::PreferNetwork).body, QByteArray("v1"));
    const Fetched network = getWith(QStringLiteral("/l"), QNetworkRequest::AlwaysNetwork);
    QCOMPARE(network.status, 200);
    QCOMPARE(network.body, QByteArray("v2")); // fresh v1 stored, yet the origin is asked
    QVERIFY(!network.fromCache);
    QCOMPARE(m_server->requestCount("/l"), 2);
    const Fetched fresh = getWith(QStringLiteral("/l"), QNetworkRequest::PreferNetwork);
    QCOMPARE(fresh.body, QByteArray("v2")); // what AlwaysNetwork fetched was stored
    QVERIFY(fresh.fromCache);
    QCOMPARE(m_server->requestCount("/l"), 2);

    QTest::qWait(3100); // expired from now on
    const Fetched alwaysCache = getWith(QStringLiteral("/l"), QNetworkRequest::AlwaysCache);
    QCOMPARE(alwaysCache.error, QNetworkReply::NoError);
    QCOMPARE(alwaysCache.body, QByteArray("v2")); // whatever its age, never the network
    QVERIFY(alwaysCache.fromCache);
    QCOMPARE(m_server->requestCount("/l"), 2);
    // Qt documents PreferCache as "possibly stale (but not expired)": an expired entry is
    // fetched, a fresh one is used.
    const Fetched expired = getWith(QStringLiteral("/l"), QNetworkRequest::PreferCache);
    QCOMPARE(expired.status, 200);
    QCOMPARE(expired.body, QByteArray("v3"));
    QCOMPARE(m_server->requestCount("/l"), 3);
    const Fetched preferCache = getWith(QStringLiteral("/l"), QNetworkRequest::PreferCache);
    QCOMPARE(preferCache.body, QByteArray("v3"));
    QVERIFY(preferCache.fromCache);
    QCOMPARE(m_server->requestCount("/l"), 3);
    if (m_access) { // the reply says how it was answered
        QNetworkRequest request(m_server->url(QStringLiteral("/l")));
        request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                             QNetworkRequest::AlwaysNetwork);
        QNetworkReply *reply = m_nam->get(request);
        QTRY_VERIFY(reply->isFinished());
        QCOMPARE(reply->readAll(), QByteArray("v4"));
        QCOMPARE(reply->attribute(AccessManager::CacheResultAttribute).toInt(),
                 int(AccessManager::CacheResult::Bypass));
        delete reply;
        QCOMPARE(m_server->requestCount("/l"), 4);
    }
}

// CacheSaveControlAttribute = false: the response is not stored.
void tst_AccessManager::cacheSaveControlFalseStoresNothing()
{
    m_server->setRoute("/ns", Response::ok("not saved", "max-age=3600"));
    const Fetched first = getWith(QStringLiteral("/ns"), QNetworkRequest::PreferNetwork, false);
    QCOMPARE(first.status, 200);
    QCOMPARE(first.body, QByteArray("not saved"));
    const Fetched second = get(QStringLiteral("/ns"));
    QCOMPARE(second.body, QByteArray("not saved"));
    QVERIFY(!second.fromCache);
    QCOMPARE(m_server->requestCount("/ns"), 2);
}

// RFC 9111 4.4: a successful unsafe request invalidates a same-origin Content-Location; an
// error response invalidates nothing, another origin's URI is never invalidated.
void tst_AccessManager::contentLocationInvalidatedAfterPost()
{
    int version = 0;
    const QUrl other = otherOriginUrl(QStringLiteral("/item"));
    m_server->setHandler([&](const RecordedRequest &r) {
        Response response;
        if (r.method == "POST") {
            response.status = r.path == "/fail" ? 500 : 200;
            response.body = "posted";
            response.header("Content-Location",
                            r.path == "/cross" ? other.toEncoded() : QByteArray("/item"));
            return response;
        }
        ++version;
        return Response::ok(r.path + " v" + QByteArray::number(version));
    });
    QCOMPARE(get(QStringLiteral("/item")).body, QByteArray("/item v1"));
    const Fetched otherFirst = sendOnce(QNetworkRequest(other));
    QCOMPARE(otherFirst.body, QByteArray("/item v2"));

    QCOMPARE(get(QStringLiteral("/fail"), {}, "POST").status, 500);
    const Fetched afterFailure = get(QStringLiteral("/item"));
    QCOMPARE(afterFailure.body, QByteArray("/item v1")); // a 500 invalidates nothing
    QVERIFY(afterFailure.fromCache);

    QCOMPARE(get(QStringLiteral("/cross"), {}, "POST").status, 200);
    const Fetched otherAfter = sendOnce(QNetworkRequest(other));
    QCOMPARE(otherAfter.body, QByteArray("/item v2")); // another origin: kept
    QVERIFY(otherAfter.fromCache);

    QCOMPARE(get(QStringLiteral("/list"), {}, "POST").status, 200);
    const Fetched after = get(QStringLiteral("/item"));
    if (plain())
        QEXPECT_FAIL("", "QNAM invalidates the request URI only, not Content-Location", Continue);
    QCOMPARE(after.body, QByteArray("/item v3"));
    QCOMPARE(m_server->requestCount(), plain() ? 5 : 6);
}

// RFC 9875: Cache-Group-Invalidation on a successful unsafe response invalidates the stored
// responses of the same origin in those groups, not another origin's.
void tst_AccessManager::cacheGroupInvalidationSameOriginOnly()
{
    int version = 0;
    m_server->setHandler([&](const RecordedRequest &r) {
        if (r.method == "POST") {
            Response response;
            response.body = "done";
            response.header("Cache-Group-Invalidation", "\"news\"");
            return response;
        }
        ++version;
        Response response = Response::ok(r.path + " v" + QByteArray::number(version));
        if (r.path != "/other-group")
            response.header("Cache-Groups", "\"news\"");
        else
            response.header("Cache-Groups", "\"sport\"");
        return response;
    });
    const QUrl otherOrigin = otherOriginUrl(QStringLiteral("/a"));
    QCOMPARE(get(QStringLiteral("/a")).body, QByteArray("/a v1"));
    QCOMPARE(get(QStringLiteral("/b")).body, QByteArray("/b v2"));
    QCOMPARE(get(QStringLiteral("/other-group")).body, QByteArray("/other-group v3"));
    QCOMPARE(sendOnce(QNetworkRequest(otherOrigin)).body, QByteArray("/a v4"));
    QCOMPARE(get(QStringLiteral("/a")).body, QByteArray("/a v1")); // stored
    QCOMPARE(m_server->requestCount(), 4);

    QCOMPARE(get(QStringLiteral("/update"), {}, "POST").status, 200);
    QCOMPARE(get(QStringLiteral("/a")).body, QByteArray("/a v5"));
    QCOMPARE(get(QStringLiteral("/b")).body, QByteArray("/b v6"));
    const Fetched otherGroup = get(QStringLiteral("/other-group"));
    QCOMPARE(otherGroup.body, QByteArray("/other-group v3"));
    QVERIFY(otherGroup.fromCache);
    const Fetched otherOriginAfter = sendOnce(QNetworkRequest(otherOrigin));
    QCOMPARE(otherOriginAfter.body, QByteArray("/a v4"));
    QVERIFY(otherOriginAfter.fromCache);
    QCOMPARE(m_server->requestCount(), 7);
}

// RFC 9111 3 and 4.2.2: any status may be stored with explicit freshness (a 404 with max-age
// is reused); a heuristically cacheable status (410) is reused on Last-Modified heuristics;
// a 500 without freshness information is not stored.
void tst_AccessManager::cacheable404AndHeuristicStatus()
{
    Response missing;
    missing.status = 404;
    missing.body = "not here";
    missing.header("Cache-Control", "max-age=3600");
    m_server->setRoute("/missing", missing);
    Response gone;
    gone.status = 410;
    gone.body = "gone for good";
    gone.header("Last-Modified",
                QLocale::c()
                        .toString(QDateTime::currentDateTimeUtc().addDays(-10),
                                  QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
                        .toLatin1());
    m_server->setRoute("/gone", gone);
    Response error;
    error.status = 500;
    error.body = "broken";
    m_server->setRoute("/error", error);

    for (const char *path : {"/missing", "/gone", "/error"}) {
        const Fetched f = get(QString::fromLatin1(path));
        QVERIFY(f.status >= 400);
        QVERIFY(!f.body.isEmpty());
    }
    const Fetched missingAgain = get(QStringLiteral("/missing"));
    QCOMPARE(missingAgain.status, 404);
    QCOMPARE(missingAgain.body, QByteArray("not here"));
    if (plain())
        QEXPECT_FAIL("", "QNAM turns statuses >= 400 into errors and never loads them from cache",
                     Continue);
    QCOMPARE(m_server->requestCount("/missing"), 1);
    if (plain())
        QEXPECT_FAIL("", "not from the cache (above): no Age", Continue);
    QVERIFY(hasHeader(missingAgain, "Age"));
    const Fetched goneAgain = get(QStringLiteral("/gone"));
    QCOMPARE(goneAgain.status, 410);
    QCOMPARE(goneAgain.body, QByteArray("gone for good"));
    if (plain())
        QEXPECT_FAIL("", "QNAM turns statuses >= 400 into errors and never loads them from cache",
                     Continue);
    QCOMPARE(m_server->requestCount("/gone"), 1);
    const Fetched errorAgain = get(QStringLiteral("/error"));
    QCOMPARE(errorAgain.status, 500);
    QCOMPARE(errorAgain.body, QByteArray("broken"));
    QCOMPARE(m_server->requestCount("/error"), 2);
}

// RFC 9111 3.2 / 4.3.4: a 304 updates the stored fields (a new field value replaces the stored
// one), but not Content-Length; the body stays.
void tst_AccessManager::notModifiedMergesHeaders()
{
    m_server->setHandler([](const RecordedRequest &r) {
        if (r.header("If-None-Match") == "\"m\"")
            return Response::notModified()
                    .header("ETag", "\"m\"")
                    .header("X-Version", "2")
                    .header("Cache-Control", "max-age=3600");
        return Response::ok("twelve bytes", "max-age=1")
                .header("ETag", "\"m\"")
                .header("X-Version", "1");
    });
    QCOMPARE(get(QStringLiteral("/merge")).body, QByteArray("twelve bytes"));
    QTest::qWait(2100);
    const Fetched revalidated = get(QStringLiteral("/merge"));
    QCOMPARE(revalidated.status, 200);
    QCOMPARE(revalidated.body, QByteArray("twelve bytes"));
    QCOMPARE(headerOf(revalidated, "X-Version"), QByteArray("2"));
    QCOMPARE(headerOf(revalidated, "Content-Length"), QByteArray("12"));
    QCOMPARE(m_server->requestCount("/merge"), 2);
    QCOMPARE(m_server->requests().last().header("If-None-Match"), QByteArray("\"m\""));
    const Fetched hit = get(QStringLiteral("/merge"));
    QCOMPARE(hit.body, QByteArray("twelve bytes"));
    QVERIFY(hit.fromCache);
    QCOMPARE(headerOf(hit, "X-Version"), QByteArray("2"));
    QCOMPARE(headerOf(hit, "Cache-Control"), QByteArray("max-age=3600"));
    QCOMPARE(headerOf(hit, "Content-Length"), QByteArray("12"));
    QCOMPARE(m_server->requestCount("/merge"), 2); // fresh again for an hour
}

// RFC 9111 4.3.4 / 4.2.3: the refreshed response's age is the 304's own Age, not zero.
void tst_AccessManager::notModifiedAgeIsUsed()
{
    m_server->setHandler([](const RecordedRequest &r) {
        if (r.header("If-None-Match") == "\"a\"")
            return Response::notModified()
                    .header("ETag", "\"a\"")
                    .header("Age", "100")
                    .header("Cache-Control", "max-age=3600");
        return Response::ok("aged", "max-age=1").header("ETag", "\"a\"");
    });
    QCOMPARE(get(QStringLiteral("/age")).body, QByteArray("aged"));
    QTest::qWait(2100);
    const Fetched revalidated = get(QStringLiteral("/age"));
    QCOMPARE(revalidated.body, QByteArray("aged"));
    QCOMPARE(m_server->requestCount("/age"), 2);
    const int age = headerOf(revalidated, "Age").toInt();
    QVERIFY2(age >= 100 && age <= 102, headerOf(revalidated, "Age"));
    const Fetched hit = get(QStringLiteral("/age"));
    QVERIFY(hit.fromCache);
    const int hitAge = headerOf(hit, "Age").toInt();
    QVERIFY2(hitAge >= 100 && hitAge <= 102, headerOf(hit, "Age"));
    QCOMPARE(m_server->requestCount("/age"), 2);
}

// RFC 8246: a fresh immutable response is not revalidated on a reload (request max-age=0);
// a forced reload (request no-cache) still reaches the origin.
void tst_AccessManager::immutableSurvivesReload()
{
    m_server->setRoute("/imm", Response::ok("immutable", "max-age=3600, immutable"));
    QCOMPARE(get(QStringLiteral("/imm")).body, QByteArray("immutable"));
    const Fetched reload = get(QStringLiteral("/imm"), {{"Cache-Control", "max-age=0"}});
    QCOMPARE(reload.body, QByteArray("immutable"));
    QVERIFY(reload.fromCache);
    QCOMPARE(m_server->requestCount("/imm"), 1);
    const Fetched forced = get(QStringLiteral("/imm"), {{"Cache-Control", "no-cache"}});
    QCOMPARE(forced.body, QByteArray("immutable"));
    if (plain())
        QEXPECT_FAIL("", "QNAM answers from the cache and never shows request headers to it",
                     Continue);
    QCOMPARE(m_server->requestCount("/imm"), 2);
}

// RFC 9111 5.2.2.7: a private cache MAY store a response marked private; both are private
// caches (documented in README), so it is stored and reused.
void tst_AccessManager::privateIsStored()
{
    m_server->setRoute("/mine", Response::ok("for one user", "private, max-age=3600"));
    QCOMPARE(get(QStringLiteral("/mine")).body, QByteArray("for one user"));
    const Fetched f = get(QStringLiteral("/mine"));
    QCOMPARE(f.status, 200);
    QCOMPARE(f.body, QByteArray("for one user"));
    QVERIFY(f.fromCache);
    QCOMPARE(m_server->requestCount("/mine"), 1);
}

// RFC 9111 5.2.2.5: no-store in a response: never stored, every request reaches the origin.
void tst_AccessManager::noStoreResponseIsNotStored()
{
    m_server->setRoute("/nostore", Response::ok("secret", "no-store, max-age=3600"));
    QCOMPARE(get(QStringLiteral("/nostore")).body, QByteArray("secret"));
    const Fetched f = get(QStringLiteral("/nostore"));
    QCOMPARE(f.body, QByteArray("secret"));
    QVERIFY(!f.fromCache);
    QCOMPARE(m_server->requestCount("/nostore"), 2);
    QVERIFY(!m_nam->cache()
            || !m_nam->cache()->metaData(m_server->url(QStringLiteral("/nostore"))).isValid());
}

// RFC 9111 5.2.2.4: no-cache in a response: stored, but every reuse is validated first.
void tst_AccessManager::noCacheResponseRevalidates()
{
    m_server->setHandler([](const RecordedRequest &r) {
        if (r.header("If-None-Match") == "\"nc\"")
            return Response::notModified().header("ETag", "\"nc\"");
        return Response::ok("validated", "no-cache, max-age=3600").header("ETag", "\"nc\"");
    });
    QCOMPARE(get(QStringLiteral("/nc")).body, QByteArray("validated"));
    for (int i = 0; i < 2; ++i) {
        const Fetched f = get(QStringLiteral("/nc"));
        QCOMPARE(f.status, 200);
        QCOMPARE(f.body, QByteArray("validated"));
        QCOMPARE(m_server->requestCount("/nc"), 2 + i);
        QCOMPARE(m_server->requests().last().header("If-None-Match"), QByteArray("\"nc\""));
    }
}

// RFC 9111 5.2.2.4: the qualified form no-cache="X-Secret": the response may be reused, but
// not the named field.
void tst_AccessManager::qualifiedNoCacheDropsField()
{
    m_server->setRoute("/q",
                       Response::ok("qualified", "max-age=3600, no-cache=\"X-Secret\"")
                               .header("X-Secret", "s3cr3t")
                               .header("X-Public", "p"));
    const Fetched first = get(QStringLiteral("/q"));
    QCOMPARE(first.body, QByteArray("qualified"));
    QCOMPARE(headerOf(first, "X-Secret"), QByteArray("s3cr3t"));
    const Fetched hit = get(QStringLiteral("/q"));
    QCOMPARE(hit.body, QByteArray("qualified"));
    if (plain())
        QEXPECT_FAIL("", "QNAM revalidates whenever Cache-Control contains no-cache, qualified too",
                     Continue);
    QVERIFY(hit.fromCache);
    if (plain())
        QEXPECT_FAIL("", "QNAM revalidates whenever Cache-Control contains no-cache, qualified too",
                     Continue);
    QCOMPARE(m_server->requestCount("/q"), 1);
    if (plain())
        QEXPECT_FAIL("", "not from the cache (above): the origin's full response", Continue);
    QVERIFY(!hasHeader(hit, "X-Secret"));
    QCOMPARE(headerOf(hit, "X-Public"), QByteArray("p"));
}

// RFC 9211: each Cache-Status form the AccessManager generates, exactly.
void tst_AccessManager::cacheStatusForms()
{
    int swrVersion = 0;
    bool originDown = false;
    m_server->setHandler([&](const RecordedRequest &r) {
        if (r.path == "/cs-hit")
            return Response::ok("hit", "max-age=3600");
        if (r.path == "/cs-304") {
            if (r.header("If-None-Match") == "\"r\"")
                return Response::notModified().header("ETag", "\"r\"");
            return Response::ok("revalidated", "max-age=1").header("ETag", "\"r\"");
        }
        if (r.path == "/cs-swr")
            return Response::ok("swr" + QByteArray::number(++swrVersion),
                                "max-age=1, stale-while-revalidate=600");
        if (r.path == "/cs-sie") {
            if (originDown) {
                Response error;
                error.status = 500;
                error.body = "down";
                return error;
            }
            return Response::ok("kept", "max-age=1, stale-if-error=600");
        }
        Response slow = Response::ok("collapsed", "max-age=3600");
        slow.delayMs = 200;
        return slow;
    });
    const Fetched miss = get(QStringLiteral("/cs-hit"));
    if (plain())
        QEXPECT_FAIL("", "Cache-Status needs the request: only the AccessManager adds it", Abort);
    QCOMPARE(headerOf(miss, "Cache-Status"),
             QByteArray("tiercache; fwd=uri-miss; fwd-status=200; stored"));
    const Fetched hit = get(QStringLiteral("/cs-hit"));
    QVERIFY2(QRegularExpression(QStringLiteral("^tiercache; hit; ttl=3[56]\\d\\d$"))
                     .match(QString::fromLatin1(headerOf(hit, "Cache-Status")))
                     .hasMatch(),
             headerOf(hit, "Cache-Status"));

    QCOMPARE(get(QStringLiteral("/cs-304")).body, QByteArray("revalidated"));
    QCOMPARE(get(QStringLiteral("/cs-swr")).body, QByteArray("swr1"));
    QCOMPARE(get(QStringLiteral("/cs-sie")).body, QByteArray("kept"));
    QTest::qWait(2100);
    const Fetched revalidated = get(QStringLiteral("/cs-304"));
    QCOMPARE(revalidated.body, QByteArray("revalidated"));
    QCOMPARE(headerOf(revalidated, "Cache-Status"),
             QByteArray("tiercache; fwd=stale; fwd-status=304"));
    const Fetched swr = get(QStringLiteral("/cs-swr"));
    QCOMPARE(swr.body, QByteArray("swr1"));
    QVERIFY2(QRegularExpression(
                     QStringLiteral("^tiercache; hit; ttl=-\\d+; detail=stale-while-revalidate$"))
                     .match(QString::fromLatin1(headerOf(swr, "Cache-Status")))
                     .hasMatch(),
             headerOf(swr, "Cache-Status"));
    QTRY_COMPARE(m_server->requestCount("/cs-swr"), 2);
    originDown = true;
    const Fetched sie = get(QStringLiteral("/cs-sie"));
    QCOMPARE(sie.status, 200);
    QCOMPARE(sie.body, QByteArray("kept"));
    QVERIFY2(QRegularExpression(QStringLiteral("^tiercache; fwd=stale; fwd-status=500; ttl=-\\d+; "
                                               "detail=stale-if-error$"))
                     .match(QString::fromLatin1(headerOf(sie, "Cache-Status")))
                     .hasMatch(),
             headerOf(sie, "Cache-Status"));
    QCOMPARE(m_server->requestCount("/cs-sie"), 2);

    QList<QNetworkReply *> replies;
    for (int i = 0; i < 3; ++i)
        replies.append(m_nam->get(QNetworkRequest(m_server->url(QStringLiteral("/cs-col")))));
    QTRY_VERIFY(std::all_of(replies.cbegin(), replies.cend(),
                            [](QNetworkReply *r) { return r->isFinished(); }));
    for (int i = 0; i < replies.size(); ++i) {
        QCOMPARE(replies[i]->readAll(), QByteArray("collapsed"));
        QCOMPARE(replies[i]->rawHeader("Cache-Status"),
                 i == 0 ? QByteArray("tiercache; fwd=uri-miss; fwd-status=200; stored")
                        : QByteArray("tiercache; fwd=uri-miss; fwd-status=200; stored; "
                                     "collapsed"));
    }
    qDeleteAll(replies);
    QCOMPARE(m_server->requestCount("/cs-col"), 1);
}

QTEST_MAIN(tst_AccessManager)
#include "tst_accessmanager.moc"

// ---- negative caching (CachePolicy::setNegativeTtl) ----------------------------------------

void tst_AccessManager::negativeTtlReusesErrorThenRefetches_data()
{
    QTest::addColumn<bool>("plainQnam");
    QTest::addColumn<int>("status");
    QTest::addColumn<QNetworkReply::NetworkError>("networkError");
    for (const bool plainQnam : {false, true}) {
        const char *mode = plainQnam ? "plain QNAM" : "AccessManager";
        QTest::addRow("%s 404", mode) << plainQnam << 404 << QNetworkReply::ContentNotFoundError;
        QTest::addRow("%s 410", mode) << plainQnam << 410 << QNetworkReply::ContentGoneError;
        QTest::addRow("%s 503", mode) << plainQnam << 503 << QNetworkReply::ServiceUnavailableError;
    }
}

// An error response without freshness information is reused for the negative TTL, then
// fetched again. Through plain QNAM (which calls remove() instead of insert() for errors) the
// stored response is served with its status, body and headers but no network error: QNAM
// reports errors for network responses only. The AccessManager reports the status's error.
void tst_AccessManager::negativeTtlReusesErrorThenRefetches()
{
    QFETCH(bool, plainQnam);
    QFETCH(int, status);
    QFETCH(QNetworkReply::NetworkError, networkError);
    QCOMPARE(plainQnam, plain());
    NetworkCache *cache =
            m_access ? m_access->networkCache() : qobject_cast<NetworkCache *>(m_nam->cache());
    QVERIFY(cache);
    CachePolicy policy;
    policy.setNegativeTtl(1);
    QCOMPARE(policy.negativeStatuses(), (QList<int> {404, 410, 500, 502, 503, 504}));
    cache->setPolicy(policy);

    int served = 0;
    m_server->setHandler([&](const RecordedRequest &) {
        ++served;
        Response r;
        r.status = status;
        r.body = "error page " + QByteArray::number(served);
        r.header("X-Origin", "yes");
        return r;
    });
    const QUrl url = m_server->url(QStringLiteral("/gone"));
    const Fetched first = get(QStringLiteral("/gone"));
    QCOMPARE(first.status, status);
    QCOMPARE(first.error, networkError);
    QCOMPARE(first.body, QByteArray("error page 1"));
    QVERIFY(!first.fromCache);
    QVERIFY(cache->entryInfo(url).isValid());

    const Fetched second = get(QStringLiteral("/gone"));
    QCOMPARE(second.status, status);
    QCOMPARE(second.body, QByteArray("error page 1"));
    QCOMPARE(headerOf(second, "X-Origin"), QByteArray("yes"));
    QVERIFY(second.fromCache);
    QCOMPARE(second.error, plainQnam ? QNetworkReply::NoError : networkError);
    QCOMPARE(m_server->requestCount("/gone"), 1);
    if (m_access)
        QCOMPARE(m_access->originRequestCount(), 1);

    QTest::qWait(2100); // the negative TTL is over
    const Fetched third = get(QStringLiteral("/gone"));
    QCOMPARE(third.status, status);
    QCOMPARE(third.body, QByteArray("error page 2"));
    QVERIFY(!third.fromCache);
    QCOMPARE(third.error, networkError);
    QCOMPARE(m_server->requestCount("/gone"), 2);
    if (m_access)
        QCOMPARE(m_access->originRequestCount(), 2);
    // The refetched error is stored again, and when the origin recovers its answer replaces it.
    QCOMPARE(get(QStringLiteral("/gone")).body, QByteArray("error page 2"));
    QCOMPARE(m_server->requestCount("/gone"), 2);
}

// A response saying how long it is fresh keeps that lifetime; without one, the negative TTL.
void tst_AccessManager::negativeTtlNeverLengthensExplicitFreshness()
{
    NetworkCache *cache =
            m_access ? m_access->networkCache() : qobject_cast<NetworkCache *>(m_nam->cache());
    CachePolicy policy;
    policy.setNegativeTtl(3600);
    CachePolicy::TtlRule rule;
    rule.setPattern(QStringLiteral("*/short/*"));
    rule.setTtlSeconds(7200);
    rule.setNegativeTtlSeconds(20);
    QVERIFY(policy.addTtlRule(rule));
    CachePolicy::TtlRule off;
    off.setPattern(QStringLiteral("*/off/*"));
    off.setTtlSeconds(7200);
    off.setNegativeTtlSeconds(0);
    QVERIFY(policy.addTtlRule(off));
    CachePolicy::TtlRule bad;
    bad.setPattern(QStringLiteral("*"));
    bad.setNegativeTtlSeconds(-5);
    QString error;
    QVERIFY(!policy.addTtlRule(bad, &error));
    QVERIFY(error.contains(QLatin1String("negative TTL")));
    cache->setPolicy(policy);

    auto route = [&](const QByteArray &path, const QByteArray &cacheControl) {
        Response r;
        r.status = 404;
        r.body = "missing";
        if (!cacheControl.isEmpty())
            r.header("Cache-Control", cacheControl);
        m_server->setRoute(path, r);
    };
    route("/explicit0", "max-age=0");
    route("/explicit60", "max-age=60");
    route("/short/x", QByteArray());
    route("/off/x", QByteArray());
    route("/none", QByteArray());

    auto lifetime = [&](const QString &path) {
        const CacheEntryInfo info = cache->entryInfo(m_server->url(path));
        return info.isValid() ? info.created().secsTo(info.expires()) : qint64(-999);
    };
    for (const char *path : {"/explicit0", "/explicit60", "/short/x", "/off/x", "/none"})
        QCOMPARE(get(QString::fromLatin1(path)).status, 404);
    QVERIFY2(qAbs(lifetime(QStringLiteral("/none")) - 3600) <= 2,
             qPrintable(QString::number(lifetime(QStringLiteral("/none")))));
    QVERIFY2(qAbs(lifetime(QStringLiteral("/explicit60")) - 60) <= 2,
             qPrintable(QString::number(lifetime(QStringLiteral("/explicit60")))));
    QVERIFY2(qAbs(lifetime(QStringLiteral("/short/x")) - 20) <= 2,
             qPrintable(QString::number(lifetime(QStringLiteral("/short/x")))));
    // Off for this URL: not reused (the AccessManager stores a 404 as RFC 9111 allows, stale).
    if (plain())
        QVERIFY(!cache->entryInfo(m_server->url(QStringLiteral("/off/x"))).isValid());

    // max-age=0 is stored stale: the next request goes to the origin.
    QCOMPARE(get(QStringLiteral("/explicit0")).status, 404);
    QCOMPARE(m_server->requestCount("/explicit0"), 2);
    const Fetched reused = get(QStringLiteral("/explicit60"));
    QVERIFY(reused.fromCache);
    QCOMPARE(m_server->requestCount("/explicit60"), 1);
    QCOMPARE(get(QStringLiteral("/off/x")).status, 404);
    QCOMPARE(m_server->requestCount("/off/x"), 2);
}

// Without a negative TTL an error response is not stored, and a status outside the chosen set
// is never stored.
void tst_AccessManager::negativeCachingOffByDefault()
{
    NetworkCache *cache =
            m_access ? m_access->networkCache() : qobject_cast<NetworkCache *>(m_nam->cache());
    Response r;
    r.status = 404;
    r.body = "missing";
    m_server->setRoute("/nf", r);
    Response forbidden;
    forbidden.status = 403;
    forbidden.body = "no";
    m_server->setRoute("/forbidden", forbidden);
    QCOMPARE(get(QStringLiteral("/nf")).status, 404);
    QCOMPARE(get(QStringLiteral("/nf")).status, 404);
    QCOMPARE(m_server->requestCount("/nf"), 2);
    // The AccessManager stores the 404 (RFC 9111 allows it) but stale at once: not reused.
    QCOMPARE(cache->entryCount(), plain() ? 0 : 1);

    CachePolicy policy;
    policy.setNegativeTtl(3600);
    policy.setNegativeStatuses({404});
    cache->setPolicy(policy);
    QCOMPARE(get(QStringLiteral("/forbidden")).error, QNetworkReply::ContentAccessDenied);
    QCOMPARE(get(QStringLiteral("/forbidden")).error, QNetworkReply::ContentAccessDenied);
    QCOMPARE(m_server->requestCount("/forbidden"), 2);
    QCOMPARE(cache->entryCount(), plain() ? 0 : 1);
    QCOMPARE(get(QStringLiteral("/nf")).status, 404);
    const Fetched hit = get(QStringLiteral("/nf"));
    QVERIFY(hit.fromCache);
    QCOMPARE(hit.body, QByteArray("missing"));
    QCOMPARE(m_server->requestCount("/nf"), 3);
}

// ---- refresh before expiry and auto-refresh (AccessManager only) ---------------------------

// Inside the window before expiry: answered from the cache at once, one background
// revalidation however many readers, and the next reader finds the entry fresh.
void tst_AccessManager::refreshBeforeExpiryAnswersAtOnce()
{
    QVERIFY(m_access);
    m_access->setRefreshBeforeExpiry(3590);
    QCOMPARE(m_access->refreshBeforeExpiry(), qint64(3590));
    int version = 0;
    // max-age=3600 and Age 15: 3585 s left, inside the 3590 s window. The revalidation (the
    // second request) answers a new version slowly, so the readers come in while it runs.
    m_server->setHandler([&](const RecordedRequest &) {
        ++version;
        Response ok = Response::ok("v" + QByteArray::number(version), "max-age=3600")
                              .header("ETag", "\"e" + QByteArray::number(version) + '"');
        if (version == 1)
            ok.header("Age", "15");
        ok.delayMs = version == 2 ? 300 : 0;
        return ok;
    });
    QCOMPARE(get(QStringLiteral("/r")).body, QByteArray("v1"));
    QCOMPARE(m_access->originRequestCount(), 1);

    // Five readers inside the window: all answered from the cache, one origin request.
    QList<QNetworkReply *> replies;
    for (int i = 0; i < 5; ++i)
        replies.append(m_nam->get(QNetworkRequest(m_server->url(QStringLiteral("/r")))));
    for (QNetworkReply *reply : std::as_const(replies)) {
        QTRY_VERIFY(reply->isFinished());
        QCOMPARE(reply->readAll(), QByteArray("v1"));
        QVERIFY(reply->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool());
        QCOMPARE(reply->attribute(AccessManager::CacheResultAttribute).toInt(),
                 int(AccessManager::CacheResult::Hit));
        delete reply;
    }
    QTRY_COMPARE(m_access->refreshCounters().done, qint64(1));
    QCOMPARE(m_server->requestCount("/r"), 2);
    QCOMPARE(m_access->originRequestCount(), 2);
    m_access->setRefreshBeforeExpiry(0);
    const Fetched next = get(QStringLiteral("/r"));
    QCOMPARE(next.body, QByteArray("v2"));
    QVERIFY(next.fromCache);
    QCOMPARE(m_server->requestCount("/r"), 2);
    QCOMPARE(m_access->refreshCounters().failed, qint64(0));
}

// A scripted "minute" of ten 400 ms intervals: the hot entry is requested every 100 ms and
// never served stale or revalidated in the foreground; the cold one expires; once the hot one
// is no longer requested its refreshes stop.
void tst_AccessManager::autoRefreshKeepsHotEntryFresh()
{
    QVERIFY(m_access);
    AccessManager::AutoRefreshOptions options;
    options.hitThreshold = 3;
    options.intervalMs = 400;
    options.leadSeconds = 2;
    options.budgetPerInterval = 10;
    options.concurrency = 2;
    m_access->setAutoRefresh(true, options);
    QVERIFY(m_access->isAutoRefreshEnabled());
    QCOMPARE(m_access->autoRefreshOptions().hitThreshold, 3);
    int versions = 0;
    m_server->setHandler([&](const RecordedRequest &r) {
        ++versions;
        return Response::ok(r.path + ' ' + QByteArray::number(versions), "max-age=4");
    });
    QVERIFY(get(QStringLiteral("/hot")).body.startsWith("/hot"));
    QVERIFY(get(QStringLiteral("/cold")).body.startsWith("/cold"));

    QElapsedTimer minute;
    minute.start();
    int hits = 0;
    while (minute.elapsed() < 4000 * 1.5) { // past the 4 s lifetime of the first response
        const Fetched f = get(QStringLiteral("/hot"));
        QCOMPARE(f.status, 200);
        QVERIFY2(f.fromCache, f.body.constData());
        ++hits;
        QTest::qWait(100);
    }
    QVERIFY(hits >= 30);
    QVERIFY2(m_server->requestCount("/hot") >= 2, "the hot entry was refreshed in the background");
    QVERIFY(m_access->refreshCounters().done >= 1);
    QCOMPARE(m_access->refreshCounters().failed, qint64(0));
    // The cold entry was never refreshed and is stale now.
    QCOMPARE(m_server->requestCount("/cold"), 1);
    const Fetched cold = get(QStringLiteral("/cold"));
    QCOMPARE(cold.status, 200);
    QCOMPARE(m_server->requestCount("/cold"), 2);

    // No longer hot: after an interval without requests nothing is refreshed any more.
    QTest::qWait(900);
    const int settled = m_server->requestCount("/hot");
    QTest::qWait(4000 + 1000);
    QCOMPARE(m_server->requestCount("/hot"), settled);
    QVERIFY(m_access->networkCache()->entryInfo(m_server->url(QStringLiteral("/hot"))).isValid());
}

// A refresh failing (the origin is gone) is counted, pauses refreshing for the rest of the
// interval (due refreshes are counted as skipped), and never removes the stored response.
void tst_AccessManager::autoRefreshPausesWhileNetworkFails()
{
    QVERIFY(m_access);
    AccessManager::AutoRefreshOptions options;
    options.hitThreshold = 2;
    options.intervalMs = 5000;
    options.leadSeconds = 3600;
    m_access->setAutoRefresh(true, options);
    m_server->setRoute("/h", Response::ok("kept", "max-age=60"));
    const QUrl url = m_server->url(QStringLiteral("/h"));
    for (int i = 0; i < 4; ++i)
        QCOMPARE(get(QStringLiteral("/h")).body, QByteArray("kept"));
    m_server.reset(); // connection refused from now on
    // The first interval ends after 5 s: the entry is hot, due at once (lead 3600 s).
    QTRY_COMPARE_WITH_TIMEOUT(m_access->refreshCounters().failed, qint64(1), 8000);
    QTRY_COMPARE_WITH_TIMEOUT(m_access->refreshCounters().skipped, qint64(1), 2000);
    QCOMPARE(m_access->refreshCounters().failed, qint64(1));
    QCOMPARE(m_access->refreshCounters().done, qint64(0));
    checkStatisticsHoldRefreshCounters();
    const Fetched f = sendOnce(QNetworkRequest(url));
    QCOMPARE(f.body, QByteArray("kept"));
    QVERIFY(f.fromCache);
}

// The budget caps background revalidations per interval: with a budget of 1, two hot entries
// due at once get one refresh per interval, the other is counted as skipped.
void tst_AccessManager::autoRefreshStaysWithinBudget()
{
    QVERIFY(m_access);
    AccessManager::AutoRefreshOptions options;
    options.hitThreshold = 2;
    options.intervalMs = 1000;
    options.leadSeconds = 3600; // due at once
    options.budgetPerInterval = 1;
    m_access->setAutoRefresh(true, options);
    m_server->setRoute("/b1", Response::ok("one", "max-age=60"));
    m_server->setRoute("/b2", Response::ok("two", "max-age=60"));
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(get(QStringLiteral("/b1")).body, QByteArray("one"));
        QCOMPARE(get(QStringLiteral("/b2")).body, QByteArray("two"));
    }
    const qint64 before = m_access->originRequestCount();
    QCOMPARE(before, 2);
    // The interval ends: both are hot and due, one refresh fits the budget.
    QTRY_COMPARE_WITH_TIMEOUT(m_access->refreshCounters().done, qint64(1), 3000);
    QTRY_COMPARE_WITH_TIMEOUT(m_access->refreshCounters().skipped, qint64(1), 1000);
    QCOMPARE(m_access->originRequestCount(), before + 1);
    QCOMPARE(m_server->requestCount("/b1") + m_server->requestCount("/b2"), 3);
    // Nobody asks any more: at most the one interval they stay hot, then nothing.
    QTest::qWait(2500);
    const qint64 settled = m_access->originRequestCount();
    QVERIFY2(settled <= before + 2, qPrintable(QString::number(settled)));
    QTest::qWait(1500);
    QCOMPARE(m_access->originRequestCount(), settled);
    QCOMPARE(m_access->refreshCounters().failed, qint64(0));
    checkStatisticsHoldRefreshCounters();
}

void tst_AccessManager::checkStatisticsHoldRefreshCounters()
{
    const AccessManager::RefreshCounters counted = m_access->refreshCounters();
    QVERIFY(counted.done + counted.skipped + counted.failed > 0);
    const Statistics own = m_access->networkCache()->statistics();
    QCOMPARE(own.refreshesDone(), counted.done);
    QCOMPARE(own.refreshesSkipped(), counted.skipped);
    QCOMPARE(own.refreshesFailed(), counted.failed);
    if (!m_chain.contains(QLatin1String("disk")))
        return; // the counters are shared through the disk tier's catalogue
    NetworkCache reader;
    reader.setReadOnly(true);
    reader.setCacheDirectory(m_dir->path());
    QVERIFY2(reader.open(), qPrintable(reader.errorString()));
    const Statistics shared = reader.statistics();
    QCOMPARE(shared.refreshesDone(), counted.done);
    QCOMPARE(shared.refreshesSkipped(), counted.skipped);
    QCOMPARE(shared.refreshesFailed(), counted.failed);
}
