// SPDX-License-Identifier: MIT
// Unit tests of the RFC 9111 freshness computation (src/freshness.cpp), compiled in.

#include "freshness_p.h"

#include <QtNetwork/QNetworkCacheMetaData>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QTest>

using namespace tiercache;

class tst_Freshness : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void httpDates_data();
    void httpDates();
    void cacheControl();
    void expiration_data();
    void expiration();
};

void tst_Freshness::httpDates_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QDateTime>("expected");
    const QDateTime t(QDate(1994, 11, 6), QTime(8, 49, 37), Qt::UTC);
    QTest::newRow("IMF-fixdate") << QByteArray("Sun, 06 Nov 1994 08:49:37 GMT") << t;
    QTest::newRow("IMF-fixdate, spaces around")
            << QByteArray(" Sun, 06 Nov 1994 08:49:37 GMT ") << t;
    QTest::newRow("IMF-fixdate, leap day")
            << QByteArray("Tue, 29 Feb 2028 23:59:59 GMT")
            << QDateTime(QDate(2028, 2, 29), QTime(23, 59, 59), Qt::UTC);
    QTest::newRow("IMF-fixdate, before 1970")
            << QByteArray("Wed, 31 Dec 1969 23:59:59 GMT")
            << QDateTime(QDate(1969, 12, 31), QTime(23, 59, 59), Qt::UTC);
    QTest::newRow("RFC 850") << QByteArray("Sunday, 06-Nov-94 08:49:37 GMT") << t;
    QTest::newRow("asctime") << QByteArray("Sun Nov  6 08:49:37 1994") << t;
    QTest::newRow("garbage") << QByteArray("yesterday") << QDateTime();
    QTest::newRow("zero") << QByteArray("0") << QDateTime();
    QTest::newRow("empty") << QByteArray() << QDateTime();
}

void tst_Freshness::httpDates()
{
    QFETCH(QByteArray, text);
    QFETCH(QDateTime, expected);
    QCOMPARE(parseHttpDate(text), expected);
}

void tst_Freshness::cacheControl()
{
    const CacheControl cc =
            CacheControl::parse("Public, MAX-AGE=60, s-maxage=\"30\", no-transform, max-stale=abc");
    QVERIFY(cc.has("public"));
    QVERIFY(cc.has("no-transform"));
    QCOMPARE(cc.seconds("max-age").value_or(-1), 60);
    QCOMPARE(cc.seconds("s-maxage").value_or(-1), 30);
    QVERIFY(!cc.seconds("max-stale"));
    QVERIFY(!cc.has("private"));
    QCOMPARE(parseAgeValue("42").value_or(-1), 42);
    QCOMPARE(parseAgeValue("99999999999999999999999").value_or(-1), Q_INT64_C(2147483648));
    QVERIFY(!parseAgeValue(""));
    QVERIFY(!parseAgeValue("1.5"));
    QVERIFY(!parseAgeValue("1 2"));
    QCOMPARE(CacheControl::parse("max-age=99999999999").seconds("max-age").value_or(-1),
             Q_INT64_C(2147483648));
}

static QByteArray httpDate(const QDateTime &t)
{
    return QLocale::c()
            .toString(t.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
            .toLatin1();
}

void tst_Freshness::expiration_data()
{
    const QDateTime now(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC);
    QTest::addColumn<QDateTime>("responseTime");
    QTest::addColumn<int>("status");
    QTest::addColumn<QList<QByteArray>>("headers"); // name, value, name, value...
    QTest::addColumn<qint64>("freshSeconds");

    QTest::newRow("max-age") << now << 200 << QList<QByteArray> {"Cache-Control", "max-age=60"}
                             << qint64(60);
    QTest::newRow("max-age minus Age")
            << now << 200 << QList<QByteArray> {"Cache-Control", "max-age=60", "Age", "59"}
            << qint64(1);
    QTest::newRow("Age beyond max-age")
            << now << 200 << QList<QByteArray> {"Cache-Control", "max-age=60", "Age", "600"}
            << qint64(-540);
    QTest::newRow("max-age=0") << now << 200 << QList<QByteArray> {"Cache-Control", "max-age=0"}
                               << qint64(0);
    QTest::newRow("apparent age from Date")
            << now << 200
            << QList<QByteArray> {"Cache-Control", "max-age=60", "Date", httpDate(now.addSecs(-20))}
            << qint64(40);
    QTest::newRow("Date in the future")
            << now << 200
            << QList<QByteArray> {"Cache-Control", "max-age=60", "Date", httpDate(now.addSecs(30))}
            << qint64(60);
    QTest::newRow("Expires minus Date")
            << now << 200
            << QList<QByteArray> {"Date", httpDate(now), "Expires", httpDate(now.addSecs(300))}
            << qint64(300);
    QTest::newRow("max-age beats Expires")
            << now << 200
            << QList<QByteArray> {"Cache-Control", "max-age=10", "Expires",
                                  httpDate(now.addSecs(300))}
            << qint64(10);
    QTest::newRow("invalid Expires is expired")
            << now << 200 << QList<QByteArray> {"Expires", "0"} << qint64(0);
    QTest::newRow("no-cache") << now << 200
                              << QList<QByteArray> {"Cache-Control", "no-cache, max-age=600"}
                              << qint64(0);
    QTest::newRow("heuristic 10%") << now << 200
                                   << QList<QByteArray> {"Date", httpDate(now), "Last-Modified",
                                                         httpDate(now.addSecs(-1000))}
                                   << qint64(100);
    QTest::newRow("heuristic capped at a day")
            << now << 200
            << QList<QByteArray> {"Date", httpDate(now), "Last-Modified",
                                  httpDate(now.addDays(-100))}
            << qint64(86400);
    QTest::newRow("no heuristic for 302")
            << now << 302
            << QList<QByteArray> {"Date", httpDate(now), "Last-Modified",
                                  httpDate(now.addSecs(-1000))}
            << qint64(0);
    QTest::newRow("nothing") << now << 200 << QList<QByteArray> {} << qint64(0);
    QTest::newRow("Age with a suffix is stale")
            << now << 200 << QList<QByteArray> {"Cache-Control", "max-age=3600", "Age", "7200a"}
            << qint64(0);
    QTest::newRow("negative Age is stale")
            << now << 200 << QList<QByteArray> {"Cache-Control", "max-age=3600", "Age", "-5"}
            << qint64(0);
    QTest::newRow("signed Age is stale")
            << now << 200 << QList<QByteArray> {"Cache-Control", "max-age=3600", "Age", "+5"}
            << qint64(0);
    QTest::newRow("several Age values are stale")
            << now << 200 << QList<QByteArray> {"Cache-Control", "max-age=3600", "Age", "10, 20"}
            << qint64(0);
    QTest::newRow("Age with whitespace")
            << now << 200 << QList<QByteArray> {"Cache-Control", "max-age=3600", "Age", " 600 "}
            << qint64(3000);
    QTest::newRow("two Expires values are expired")
            << now << 200
            << QList<QByteArray> {"Date", httpDate(now), "Expires",
                                  httpDate(now.addSecs(300)) + ", " + httpDate(now.addSecs(600))}
            << qint64(0);
    QTest::newRow("malformed max-age")
            << now << 200 << QList<QByteArray> {"Cache-Control", "max-age=soon"} << qint64(0);
}

void tst_Freshness::expiration()
{
    QFETCH(QDateTime, responseTime);
    QFETCH(int, status);
    QFETCH(QList<QByteArray>, headers);
    QFETCH(qint64, freshSeconds);
    QNetworkCacheMetaData md;
    md.setUrl(QUrl(QStringLiteral("http://example.com/")));
    QNetworkCacheMetaData::RawHeaderList raw;
    for (qsizetype i = 0; i + 1 < headers.size(); i += 2)
        raw.append({headers[i], headers[i + 1]});
    md.setRawHeaders(raw);
    md.setAttributes({{QNetworkRequest::HttpStatusCodeAttribute, status}});
    QCOMPARE(responseTime.secsTo(computeExpiration(md, responseTime)), freshSeconds);
}

QTEST_MAIN(tst_Freshness)
#include "tst_freshness.moc"
