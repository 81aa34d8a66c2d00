// SPDX-License-Identifier: MIT
// One scenario per rule, written from RFC 9111 / 5861 / 9211 / 9875, through
// tiercache::AccessManager against the loopback origin, and the same scenario through plain
// QNAM + NetworkCache: where only the AccessManager can pass, QEXPECT_FAIL says why.

#include "cachetestutil.h"

#include <tiercache/accessmanager.h>
#include <tiercache/networkcache.h>

#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace tiercache;
using namespace tiercache::test;

class tst_AccessManager : public QObject
{
    Q_OBJECT

private Q_SLOTS:
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

private:
    void modes();
    bool plain() const;
    Fetched get(const QString &path, const QList<QPair<QByteArray, QByteArray>> &headers = {},
                const QByteArray &verb = "GET");

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LoopbackServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    AccessManager *m_access = nullptr;
};

void tst_AccessManager::modes()
{
    QTest::addColumn<bool>("plainQnam");
    QTest::newRow("AccessManager") << false;
    QTest::newRow("plain QNAM") << true;
}

bool tst_AccessManager::plain() const
{
    return QByteArray(QTest::currentDataTag()) == "plain QNAM";
}

void tst_AccessManager::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<LoopbackServer>();
    QVERIFY(m_server->isListening());
    auto *cache = new NetworkCache;
    cache->setCacheDirectory(m_dir->path());
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
}

Fetched tst_AccessManager::get(const QString &path,
                               const QList<QPair<QByteArray, QByteArray>> &headers,
                               const QByteArray &verb)
{
    QNetworkRequest request(m_server->url(path));
    for (const auto &h : headers)
        request.setRawHeader(h.first, h.second);
    return send(*m_nam, request, verb, QByteArray(), 10000);
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
        return Response::ok("v" + QByteArray::number(version),
                            "max-age=1, stale-while-revalidate=600");
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
    const Fetched f = send(*m_nam, QNetworkRequest(url), "GET", QByteArray(), 10000);
    if (plain())
        QEXPECT_FAIL("", "QNAM has no fallback on transport errors", Abort);
    QCOMPARE(f.error, QNetworkReply::NoError);
    QCOMPARE(f.body, QByteArray("kept"));
    QVERIFY(f.fromCache);
    QVERIFY(headerOf(f, "Cache-Status").contains("stale-if-error"));
}

// Coalescing: N identical concurrent GETs, one origin request, each reply gets the body.
void tst_AccessManager::concurrentGetsAreCoalesced()
{
    Response slow = Response::ok(QByteArray(200 * 1024, 'x'), "max-age=3600");
    slow.delayMs = 100;
    m_server->setRoute("/c", slow);
    QList<QNetworkReply *> replies;
    for (int i = 0; i < 20; ++i)
        replies.append(m_nam->get(QNetworkRequest(m_server->url(QStringLiteral("/c")))));
    QHash<QNetworkReply *, QByteArray> bodies;
    for (QNetworkReply *r : replies)
        connect(r, &QIODevice::readyRead, this, [r, &bodies] { bodies[r] += r->readAll(); });
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(replies.cbegin(), replies.cend(),
                                         [](QNetworkReply *r) { return r->isFinished(); }),
                             20000);
    for (QNetworkReply *r : replies) {
        bodies[r] += r->readAll();
        QCOMPARE(r->error(), QNetworkReply::NoError);
        QCOMPARE(bodies[r].size(), 200 * 1024);
        delete r;
    }
    if (plain())
        QEXPECT_FAIL("", "QNAM sends every request to the origin", Continue);
    QCOMPARE(m_server->requestCount("/c"), 1);
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

QTEST_MAIN(tst_AccessManager)
#include "tst_accessmanager.moc"
