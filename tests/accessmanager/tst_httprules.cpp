// SPDX-License-Identifier: MIT
// Unit tests of src/http/: request directives, the freshness decision, variant keys.

#include "http/freshnessdecision_p.h"
#include "http/requestdirectives_p.h"
#include "http/variantkey_p.h"

#include <QtNetwork/QNetworkCacheMetaData>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QTest>

#include <limits>

using namespace tiercache::http;

class tst_HttpRules : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void requestDirectives();
    void decision_data();
    void decision();
    void variantKeys();
};

void tst_HttpRules::requestDirectives()
{
    QNetworkRequest r(QUrl(QStringLiteral("http://example.com/")));
    r.setRawHeader("Cache-Control", "max-age=5, min-fresh=10, max-stale, no-store");
    RequestDirectives d = RequestDirectives::fromRequest(r);
    QCOMPARE(d.maxAge.value_or(-1), 5);
    QCOMPARE(d.minFresh.value_or(-1), 10);
    QCOMPARE(d.maxStale.value_or(-1), std::numeric_limits<qint64>::max());
    QVERIFY(d.noStore);
    QVERIFY(!d.noCache);

    QNetworkRequest p(QUrl(QStringLiteral("http://example.com/")));
    p.setRawHeader("Pragma", "no-cache");
    QVERIFY(RequestDirectives::fromRequest(p).noCache);
    p.setRawHeader("Cache-Control", "max-age=60"); // 5.4: Cache-Control wins over Pragma
    QVERIFY(!RequestDirectives::fromRequest(p).noCache);

    QNetworkRequest q(QUrl(QStringLiteral("http://example.com/")));
    q.setRawHeader("Cache-Control", "max-stale=30, only-if-cached");
    d = RequestDirectives::fromRequest(q);
    QCOMPARE(d.maxStale.value_or(-1), 30);
    QVERIFY(d.onlyIfCached);
    q.setRawHeader("Cache-Control", "max-stale=soon");
    QVERIFY(!RequestDirectives::fromRequest(q).maxStale); // invalid value: ignored

    QNetworkRequest a(QUrl(QStringLiteral("http://example.com/")));
    a.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    QVERIFY(RequestDirectives::fromRequest(a).bypass);
    a.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysCache);
    QVERIFY(RequestDirectives::fromRequest(a).cacheOnly);
    a.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::PreferCache);
    QVERIFY(!RequestDirectives::fromRequest(a).maxStale.has_value()); // "not expired" (Qt)
    a.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    QVERIFY(RequestDirectives::fromRequest(a).noStore);
}

void tst_HttpRules::decision_data()
{
    QTest::addColumn<QByteArray>("cacheControl"); // of the stored response
    QTest::addColumn<int>("age");
    QTest::addColumn<int>("ttl"); // expiry relative to now, seconds
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("use");
    using U = FreshnessDecision::Use;
    QTest::newRow("fresh") << QByteArray("max-age=60") << 10 << 50 << QByteArray() << int(U::Fresh);
    QTest::newRow("stale") << QByteArray("max-age=60") << 70 << -10 << QByteArray()
                           << int(U::Revalidate);
    QTest::newRow("request no-cache")
            << QByteArray("max-age=60") << 10 << 50 << QByteArray("no-cache") << int(U::Revalidate);
    QTest::newRow("request max-age older") << QByteArray("max-age=60") << 10 << 50
                                           << QByteArray("max-age=5") << int(U::Revalidate);
    QTest::newRow("request max-age younger")
            << QByteArray("max-age=60") << 10 << 50 << QByteArray("max-age=30") << int(U::Fresh);
    QTest::newRow("min-fresh unmet") << QByteArray("max-age=60") << 10 << 50
                                     << QByteArray("min-fresh=100") << int(U::Revalidate);
    QTest::newRow("max-stale covers")
            << QByteArray("max-age=60") << 70 << -10 << QByteArray("max-stale=20") << int(U::Stale);
    QTest::newRow("max-stale too short") << QByteArray("max-age=60") << 70 << -10
                                         << QByteArray("max-stale=5") << int(U::Revalidate);
    QTest::newRow("must-revalidate beats max-stale")
            << QByteArray("max-age=60, must-revalidate") << 70 << -10 << QByteArray("max-stale=20")
            << int(U::Revalidate);
    QTest::newRow("must-revalidate fresh is reused") << QByteArray("max-age=60, must-revalidate")
                                                     << 10 << 50 << QByteArray() << int(U::Fresh);
    QTest::newRow("response no-cache")
            << QByteArray("max-age=60, no-cache") << 10 << 50 << QByteArray() << int(U::Revalidate);
    QTest::newRow("qualified no-cache is reusable")
            << QByteArray("max-age=60, no-cache=\"set-cookie\"") << 10 << 50 << QByteArray()
            << int(U::Fresh);
    QTest::newRow("immutable fresh ignores a reload's max-age=0")
            << QByteArray("max-age=60, immutable") << 10 << 50 << QByteArray("max-age=0")
            << int(U::Fresh);
    QTest::newRow("immutable fresh ignores min-fresh")
            << QByteArray("max-age=60, immutable") << 10 << 50 << QByteArray("min-fresh=100")
            << int(U::Fresh);
    QTest::newRow("immutable, forced reload (no-cache)")
            << QByteArray("max-age=60, immutable") << 10 << 50 << QByteArray("no-cache")
            << int(U::Revalidate);
    QTest::newRow("immutable stale is revalidated") << QByteArray("max-age=60, immutable") << 70
                                                    << -10 << QByteArray() << int(U::Revalidate);
    QTest::newRow("stale-while-revalidate")
            << QByteArray("max-age=60, stale-while-revalidate=30") << 70 << -10 << QByteArray()
            << int(U::StaleWhileRevalidate);
    QTest::newRow("past stale-while-revalidate")
            << QByteArray("max-age=60, stale-while-revalidate=5") << 70 << -10 << QByteArray()
            << int(U::Revalidate);
}

void tst_HttpRules::decision()
{
    QFETCH(QByteArray, cacheControl);
    QFETCH(int, age);
    QFETCH(int, ttl);
    QFETCH(QByteArray, request);
    QFETCH(int, use);
    const QDateTime now(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC);
    QNetworkCacheMetaData md;
    md.setUrl(QUrl(QStringLiteral("http://example.com/")));
    md.setRawHeaders({{"Cache-Control", cacheControl}, {"Age", QByteArray::number(age)}});
    md.setExpirationDate(now.addSecs(ttl));
    QNetworkRequest r(md.url());
    if (!request.isEmpty())
        r.setRawHeader("Cache-Control", request);
    const FreshnessDecision d =
            FreshnessDecision::decide(md, RequestDirectives::fromRequest(r), now);
    QCOMPARE(int(d.use), use);
    QCOMPARE(d.age, qint64(age));
}

void tst_HttpRules::variantKeys()
{
    QCOMPARE(varyFieldNames("Accept-Language, accept-encoding ,Accept-Language"),
             (QList<QByteArray> {"accept-encoding", "accept-language"}));
    QNetworkRequest de(QUrl(QStringLiteral("http://example.com/a")));
    de.setRawHeader("Accept-Language", "de");
    QNetworkRequest deSpaced = de;
    deSpaced.setRawHeader("Accept-Language", "  de ");
    QNetworkRequest fr = de;
    fr.setRawHeader("Accept-Language", "fr");
    QNetworkRequest none(de.url());
    const QList<QByteArray> fields {"accept-language"};
    QCOMPARE(variantHash(fields, de), variantHash(fields, deSpaced));
    QVERIFY(variantHash(fields, de) != variantHash(fields, fr));
    QVERIFY(variantHash(fields, de) != variantHash(fields, none));
    QCOMPARE(variantHash(fields, de).size(), 64); // a full SHA-256, never the values
    QNetworkRequest auth(de.url());
    auth.setRawHeader("Authorization", "Bearer secret-token");
    const QUrl v = variantUrl(auth.url(), variantHash({"authorization"}, auth));
    QVERIFY(isVariantUrl(v));
    QVERIFY(!v.toString().contains(QLatin1String("secret")));
    QVERIFY(!isVariantUrl(de.url()));
}

QTEST_MAIN(tst_HttpRules)
#include "tst_httprules.moc"
