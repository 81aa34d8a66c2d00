// SPDX-License-Identifier: MIT
// RFC 9111 rules that a plain QAbstractNetworkCache can honour (issue 11, part 1): end to end
// through a real QNetworkAccessManager with only setCache(), against the loopback origin, on
// the disk tier alone and on a memory + disk chain. Each test asserts the status, the body, the
// Age the application sees and exactly how often the origin was asked.

#include "cachetestutil.h"

#include <tiercache/networkcache.h>

#include <QtCore/QLocale>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace tiercache;
using namespace tiercache::test;

namespace {
QByteArray httpDate(const QDateTime &t)
{
    return QLocale::c()
            .toString(t.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
            .toLatin1();
}

qint64 ageOf(const Fetched &f)
{
    bool ok = false;
    const qint64 age = headerOf(f, "age").toLongLong(&ok);
    return ok ? age : -1;
}

bool storedHas(NetworkCache *cache, const QUrl &url, const QByteArray &name)
{
    const auto headers = cache->metaData(url).rawHeaders();
    return std::any_of(headers.cbegin(), headers.cend(), [&](const auto &h) {
        return h.first.compare(name, Qt::CaseInsensitive) == 0;
    });
}
} // namespace

class tst_PlainRfc9111 : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void ageIsStoredAgePlusResidentTime_data() { chains(); }
    void ageIsStoredAgePlusResidentTime();
    void apparentAgeFromDateCounts_data() { chains(); }
    void apparentAgeFromDateCounts();
    void ageAfter304ComesFromThe304_data() { chains(); }
    void ageAfter304ComesFromThe304();
    void ageOfA304IsServedAndGrows_data() { chains(); }
    void ageOfA304IsServedAndGrows();
    void malformedAgeIsStale_data();
    void malformedAgeIsStale();
    void invalidExpiresIsExpired_data();
    void invalidExpiresIsExpired();
    void hopByHopAndConnectionFieldsAreNotStored_data() { chains(); }
    void hopByHopAndConnectionFieldsAreNotStored();
    void noCacheFieldNamesAreNotStored_data() { chains(); }
    void noCacheFieldNamesAreNotStored();
    void varyNeverServesAnotherVariant_data() { chains(); }
    void varyNeverServesAnotherVariant();
    void varyWithoutETagIsNotStored_data() { chains(); }
    void varyWithoutETagIsNotStored();
    void varyStarIsNotStored_data() { chains(); }
    void varyStarIsNotStored();
    void varyEntryIsNoAlwaysCacheAnswer_data() { chains(); }
    void varyEntryIsNoAlwaysCacheAnswer();
    void varyEntryIsNoFallbackFor5xx_data() { chains(); }
    void varyEntryIsNoFallbackFor5xx();

private:
    void chains();
    //! GET with the given Accept-Language (empty: none).
    Fetched get(const QString &path, const QByteArray &language = {},
                QNetworkRequest::CacheLoadControl control = QNetworkRequest::PreferNetwork);
    // A language-negotiating origin: one ETag per variant, 304 only for the variant asked for.
    LoopbackServer::Handler negotiating(const QByteArray &cacheControl, bool withETag,
                                        const QByteArray &vary = "Accept-Language");

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LoopbackServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    NetworkCache *m_cache = nullptr;
};

void tst_PlainRfc9111::chains()
{
    QTest::addColumn<QStringList>("tiers");
    QTest::newRow("disk") << QStringList {QStringLiteral("disk:")};
    QTest::newRow("memory+disk") << QStringList {QStringLiteral("memory:?max=8MiB"),
                                                 QStringLiteral("disk:")};
}

void tst_PlainRfc9111::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<LoopbackServer>();
    QVERIFY(m_server->isListening());
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_cache = new NetworkCache;
    m_cache->setCacheDirectory(m_dir->path());
    if (QTest::currentDataTag() && QByteArray(QTest::currentDataTag()).startsWith("memory+disk")) {
        QVERIFY2(m_cache->setTiers({QStringLiteral("memory:?max=8MiB"), QStringLiteral("disk:")}),
                 qPrintable(m_cache->tierErrors().join(QLatin1Char('\n'))));
        m_cache->setPromotionPolicy(PromotionPolicy::always());
    }
    m_nam->setCache(m_cache);
}

void tst_PlainRfc9111::cleanup()
{
    m_nam.reset();
    m_cache = nullptr;
    m_server.reset();
    m_dir.reset();
}

Fetched tst_PlainRfc9111::get(const QString &path, const QByteArray &language,
                              QNetworkRequest::CacheLoadControl control)
{
    QNetworkRequest request(m_server->url(path));
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, control);
    if (!language.isEmpty())
        request.setRawHeader("Accept-Language", language);
    return send(*m_nam, request);
}

LoopbackServer::Handler tst_PlainRfc9111::negotiating(const QByteArray &cacheControl, bool withETag,
                                                      const QByteArray &vary)
{
    return [=](const RecordedRequest &r) {
        const QByteArray language = r.header("Accept-Language").isEmpty()
                ? QByteArray("en")
                : r.header("Accept-Language");
        const QByteArray etag = "\"" + language + "\"";
        Response response = withETag && r.header("If-None-Match") == etag
                ? Response::notModified()
                : Response::ok("body in " + language, cacheControl);
        if (response.status == 304)
            response.header("Cache-Control", cacheControl);
        response.header("Vary", vary);
        if (withETag)
            response.header("ETag", etag);
        return response;
    };
}

// RFC 9111 4.2.3: current_age = corrected_initial_age + resident_time; a cache serving a
// stored response sends that as Age (5.1), never the stored Age unchanged.
void tst_PlainRfc9111::ageIsStoredAgePlusResidentTime()
{
    m_server->setRoute("/aged", Response::ok("aged body", "max-age=3600").header("Age", "100"));
    const Fetched first = get(QStringLiteral("/aged"));
    QCOMPARE(first.status, 200);
    QCOMPARE(first.body, QByteArray("aged body"));
    QVERIFY(!first.fromCache);

    const Fetched hit = get(QStringLiteral("/aged"));
    QCOMPARE(hit.status, 200);
    QCOMPARE(hit.body, QByteArray("aged body"));
    QVERIFY(hit.fromCache);
    QVERIFY2(ageOf(hit) >= 100 && ageOf(hit) <= 101, headerOf(hit, "age"));

    QTest::qWait(2100); // resident time must show
    const Fetched later = get(QStringLiteral("/aged"));
    QVERIFY(later.fromCache);
    QCOMPARE(later.body, QByteArray("aged body"));
    QVERIFY2(ageOf(later) >= 102 && ageOf(later) <= 103, headerOf(later, "age"));
    QCOMPARE(m_server->requestCount("/aged"), 1);
}

// RFC 9111 4.2.3: apparent_age = max(0, response_time - date_value).
void tst_PlainRfc9111::apparentAgeFromDateCounts()
{
    m_server->setRoute(
            "/dated",
            Response::ok("dated", "max-age=3600")
                    .header("Date", httpDate(QDateTime::currentDateTimeUtc().addSecs(-50))));
    QCOMPARE(get(QStringLiteral("/dated")).body, QByteArray("dated"));
    const Fetched hit = get(QStringLiteral("/dated"));
    QVERIFY(hit.fromCache);
    QCOMPARE(hit.body, QByteArray("dated"));
    QVERIFY2(ageOf(hit) >= 50 && ageOf(hit) <= 52, headerOf(hit, "age"));
    QCOMPARE(m_server->requestCount("/dated"), 1);
}

// RFC 9111 4.3.4: a 304 freshens the stored response; its age is now that of the 304, not the
// age the stored response had before.
void tst_PlainRfc9111::ageAfter304ComesFromThe304()
{
    m_server->setHandler([](const RecordedRequest &r) {
        if (r.header("If-None-Match") == "\"v1\"")
            return Response::notModified()
                    .header("ETag", "\"v1\"")
                    .header("Cache-Control", "max-age=3600");
        // Already stale when received: Age beyond max-age.
        return Response::ok("refreshable", "max-age=60")
                .header("ETag", "\"v1\"")
                .header("Age", "1000");
    });
    QCOMPARE(get(QStringLiteral("/r")).body, QByteArray("refreshable"));

    const Fetched refreshed = get(QStringLiteral("/r"));
    QCOMPARE(refreshed.status, 200);
    QCOMPARE(refreshed.body, QByteArray("refreshable"));
    QVERIFY(refreshed.fromCache);
    QCOMPARE(m_server->requestCount("/r"), 2);
    QVERIFY2(ageOf(refreshed) >= 0 && ageOf(refreshed) <= 1, headerOf(refreshed, "age"));

    QTest::qWait(1100);
    const Fetched hit = get(QStringLiteral("/r"));
    QVERIFY(hit.fromCache);
    QCOMPARE(hit.body, QByteArray("refreshable"));
    QCOMPARE(m_server->requestCount("/r"), 2); // fresh for an hour after the 304
    QVERIFY2(ageOf(hit) >= 1 && ageOf(hit) <= 2, headerOf(hit, "age"));
}

void tst_PlainRfc9111::ageOfA304IsServedAndGrows()
{
    m_server->setHandler([](const RecordedRequest &r) {
        if (r.header("If-None-Match") == "\"v1\"")
            return Response::notModified()
                    .header("ETag", "\"v1\"")
                    .header("Cache-Control", "max-age=3600")
                    .header("Age", "30");
        return Response::ok("refreshable", "max-age=0").header("ETag", "\"v1\"");
    });
    QCOMPARE(get(QStringLiteral("/r30")).body, QByteArray("refreshable"));
    const Fetched refreshed = get(QStringLiteral("/r30"));
    QCOMPARE(refreshed.body, QByteArray("refreshable"));
    QCOMPARE(ageOf(refreshed), 30);
    QTest::qWait(1100);
    const Fetched hit = get(QStringLiteral("/r30"));
    QVERIFY(hit.fromCache);
    QCOMPARE(m_server->requestCount("/r30"), 2);
    QVERIFY2(ageOf(hit) >= 31 && ageOf(hit) <= 32, headerOf(hit, "age"));
}

void tst_PlainRfc9111::malformedAgeIsStale_data()
{
    QTest::addColumn<QList<QByteArray>>("ages");
    for (const char *chain : {"disk", "memory+disk"}) {
        const QByteArray c(chain);
        QTest::newRow(c + "/suffix") << QList<QByteArray> {"7200a"};
        QTest::newRow(c + "/negative") << QList<QByteArray> {"-1"};
        QTest::newRow(c + "/fraction") << QList<QByteArray> {"1.5"};
        QTest::newRow(c + "/two fields") << QList<QByteArray> {"10", "20"};
        QTest::newRow(c + "/list") << QList<QByteArray> {"10, 20"};
    }
}

// RFC 9111 5.1 / 4.2.3: an Age that is not one non-negative integer is not trusted; here the
// response is treated as stale (revalidated), never served as fresh.
void tst_PlainRfc9111::malformedAgeIsStale()
{
    QFETCH(QList<QByteArray>, ages);
    Response response = Response::ok("odd age", "max-age=3600");
    for (const QByteArray &age : ages)
        response.header("Age", age);
    m_server->setRoute("/odd", response);
    QCOMPARE(get(QStringLiteral("/odd")).body, QByteArray("odd age"));
    const Fetched second = get(QStringLiteral("/odd"));
    QCOMPARE(second.status, 200);
    QCOMPARE(second.body, QByteArray("odd age"));
    QCOMPARE(m_server->requestCount("/odd"), 2);
}

void tst_PlainRfc9111::invalidExpiresIsExpired_data()
{
    QTest::addColumn<QByteArray>("expires");
    for (const char *chain : {"disk", "memory+disk"}) {
        const QByteArray c(chain);
        QTest::newRow(c + "/zero") << QByteArray("0");
        QTest::newRow(c + "/garbage") << QByteArray("next week");
        QTest::newRow(c + "/two dates") << httpDate(QDateTime::currentDateTimeUtc().addDays(1))
                        + ", " + httpDate(QDateTime::currentDateTimeUtc().addDays(2));
    }
}

// RFC 9111 5.3: a cache recipient MUST interpret invalid date formats, especially "0", as
// representing a time in the past (i.e., "already expired").
void tst_PlainRfc9111::invalidExpiresIsExpired()
{
    QFETCH(QByteArray, expires);
    Response response;
    response.body = "expires oddly";
    response.header("Expires", expires);
    m_server->setRoute("/exp", response);
    QCOMPARE(get(QStringLiteral("/exp")).body, QByteArray("expires oddly"));
    const Fetched second = get(QStringLiteral("/exp"));
    QCOMPARE(second.body, QByteArray("expires oddly"));
    QCOMPARE(m_server->requestCount("/exp"), 2);
}

// RFC 9111 3.1 with RFC 9110 7.6.1: Connection, the fields it names and the hop-by-hop and
// proxy-specific fields are not stored; everything else is.
void tst_PlainRfc9111::hopByHopAndConnectionFieldsAreNotStored()
{
    m_server->setRoute("/hop",
                       Response::ok("hop body")
                               .header("Connection", "X-Hop-Secret")
                               .header("X-Hop-Secret", "for this connection only")
                               .header("Keep-Alive", "timeout=5")
                               .header("Proxy-Authenticate", "Basic realm=\"proxy\"")
                               .header("X-End-To-End", "kept"));
    const QUrl url = m_server->url(QStringLiteral("/hop"));
    const Fetched first = get(QStringLiteral("/hop"));
    QCOMPARE(first.body, QByteArray("hop body"));
    QCOMPARE(headerOf(first, "X-Hop-Secret"), QByteArray("for this connection only"));

    const Fetched hit = get(QStringLiteral("/hop"));
    QVERIFY(hit.fromCache);
    QCOMPARE(hit.body, QByteArray("hop body"));
    QCOMPARE(m_server->requestCount("/hop"), 1);
    QVERIFY(!hasHeader(hit, "X-Hop-Secret"));
    QVERIFY(!hasHeader(hit, "Keep-Alive"));
    QVERIFY(!hasHeader(hit, "Proxy-Authenticate"));
    QCOMPARE(headerOf(hit, "X-End-To-End"), QByteArray("kept"));
    QVERIFY(!storedHas(m_cache, url, "X-Hop-Secret"));
    QVERIFY(!storedHas(m_cache, url, "Keep-Alive"));
    QVERIFY(storedHas(m_cache, url, "X-End-To-End"));
}

// RFC 9111 3.1 and 5.2.2.4: the fields a qualified no-cache names are not stored.
void tst_PlainRfc9111::noCacheFieldNamesAreNotStored()
{
    m_server->setHandler([](const RecordedRequest &r) {
        if (r.header("If-None-Match") == "\"n1\"")
            return Response::notModified().header("ETag", "\"n1\"");
        return Response::ok("named", "max-age=3600, no-cache=\"X-Session, X-Other\"")
                .header("ETag", "\"n1\"")
                .header("X-Session", "user 1")
                .header("X-Visible", "yes");
    });
    const QUrl url = m_server->url(QStringLiteral("/nc"));
    QCOMPARE(get(QStringLiteral("/nc")).body, QByteArray("named"));
    QVERIFY(!storedHas(m_cache, url, "X-Session"));
    QVERIFY(storedHas(m_cache, url, "X-Visible"));
    const Fetched second = get(QStringLiteral("/nc"));
    QCOMPARE(second.body, QByteArray("named"));
    QVERIFY(!hasHeader(second, "X-Session")); // the 304 did not send it again
    QCOMPARE(m_server->requestCount("/nc"), 2);
}

// RFC 9111 4.1: a stored response with Vary may only answer a request whose varied fields
// match. The URL-keyed cache cannot see request fields, so it lets the origin decide each
// time (If-None-Match): the origin's 304 confirms the stored variant, a 200 replaces it.
void tst_PlainRfc9111::varyNeverServesAnotherVariant()
{
    m_server->setHandler(negotiating("max-age=3600", true));
    const Fetched de = get(QStringLiteral("/v"), "de");
    QCOMPARE(de.body, QByteArray("body in de"));
    const Fetched fr = get(QStringLiteral("/v"), "fr");
    QCOMPARE(fr.status, 200);
    QCOMPARE(fr.body, QByteArray("body in fr"));
    QVERIFY(!fr.fromCache);
    QCOMPARE(m_server->requests().last().header("If-None-Match"), QByteArray("\"de\""));
    QVERIFY(m_server->requests().last().header("If-Modified-Since").isEmpty());
    const Fetched frAgain = get(QStringLiteral("/v"), "fr");
    QCOMPARE(frAgain.status, 200);
    QCOMPARE(frAgain.body, QByteArray("body in fr"));
    QVERIFY(frAgain.fromCache); // confirmed by a 304
    const Fetched deAgain = get(QStringLiteral("/v"), "de");
    QCOMPARE(deAgain.body, QByteArray("body in de"));
    QCOMPARE(m_server->requestCount("/v"), 4);
}

void tst_PlainRfc9111::varyWithoutETagIsNotStored()
{
    m_server->setHandler(negotiating("max-age=3600", false));
    QCOMPARE(get(QStringLiteral("/v"), "de").body, QByteArray("body in de"));
    const Fetched fr = get(QStringLiteral("/v"), "fr");
    QCOMPARE(fr.body, QByteArray("body in fr"));
    QVERIFY(!fr.fromCache);
    QCOMPARE(m_server->requestCount("/v"), 2);
    QVERIFY(!m_cache->metaData(m_server->url(QStringLiteral("/v"))).isValid());
}

// RFC 9111 4.1: "A stored response with a Vary header field value containing a member "*"
// always fails to match."
void tst_PlainRfc9111::varyStarIsNotStored()
{
    m_server->setHandler(negotiating("max-age=3600", true, "*"));
    QCOMPARE(get(QStringLiteral("/v"), "de").body, QByteArray("body in de"));
    const Fetched again = get(QStringLiteral("/v"), "de");
    QCOMPARE(again.body, QByteArray("body in de"));
    QVERIFY(!again.fromCache);
    QCOMPARE(m_server->requestCount("/v"), 2);
    QVERIFY(m_server->requests().last().header("If-None-Match").isEmpty());
}

// QNAM's AlwaysCache path ignores request fields and freshness: a variant is no answer there.
void tst_PlainRfc9111::varyEntryIsNoAlwaysCacheAnswer()
{
    m_server->setHandler(negotiating("max-age=3600", true));
    QCOMPARE(get(QStringLiteral("/v"), "de").body, QByteArray("body in de"));
    const Fetched offline = get(QStringLiteral("/v"), "fr", QNetworkRequest::AlwaysCache);
    QVERIFY(offline.finished);
    QCOMPARE(offline.error, QNetworkReply::ContentNotFoundError);
    QVERIFY(offline.body.isEmpty());
    QCOMPARE(m_server->requestCount("/v"), 1);
}

// QNAM answers a 5xx with the stored entry (qnetworkreplyhttpimpl.cpp); for a variant that
// would be a guess: the application gets the 5xx.
void tst_PlainRfc9111::varyEntryIsNoFallbackFor5xx()
{
    bool fail = false;
    const auto ok = negotiating("max-age=0", true);
    m_server->setHandler([&](const RecordedRequest &r) {
        if (!fail)
            return ok(r);
        Response down;
        down.status = 503;
        down.body = "down";
        return down;
    });
    QCOMPARE(get(QStringLiteral("/v"), "de").body, QByteArray("body in de"));
    fail = true;
    const Fetched fr = get(QStringLiteral("/v"), "fr");
    QCOMPARE(fr.status, 503);
    QVERIFY(!fr.body.contains("body in de"));
    QVERIFY(!fr.fromCache);
    QCOMPARE(m_server->requestCount("/v"), 2);
}

QTEST_MAIN(tst_PlainRfc9111)
#include "tst_plainrfc9111.moc"
