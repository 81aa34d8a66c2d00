// SPDX-License-Identifier: MIT
// Tests of the tiercache tool's format.cpp: how sizes, expiry times, tag lists and tables are
// written and sizes read back. tst_cli checks them through the binary; these name the rules.

#include "format.h"

#include <QtTest/QTest>

using namespace tiercache::cli;

class tst_Format : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void humanSize_data();
    void humanSize();
    void parseSize_data();
    void parseSize();
    void relativeExpiry_data();
    void relativeExpiry();
    void percentage();
    void tagList_data();
    void tagList();
    void tableAlignsColumns();
};

void tst_Format::humanSize_data()
{
    QTest::addColumn<qint64>("bytes");
    QTest::addColumn<QString>("text");
    QTest::newRow("zero") << qint64(0) << QStringLiteral("0 B");
    QTest::newRow("below a KiB") << qint64(1023) << QStringLiteral("1023 B");
    QTest::newRow("one KiB") << qint64(1024) << QStringLiteral("1.0 KiB");
    QTest::newRow("one and a half KiB") << qint64(1536) << QStringLiteral("1.5 KiB");
    QTest::newRow("one MiB") << qint64(1024 * 1024) << QStringLiteral("1.0 MiB");
    QTest::newRow("negative") << qint64(-2048) << QStringLiteral("-2.0 KiB");
}

void tst_Format::humanSize()
{
    QFETCH(qint64, bytes);
    QFETCH(QString, text);
    QCOMPARE(tiercache::cli::humanSize(bytes), text);
}

void tst_Format::parseSize_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("bytes"); // -1: rejected
    QTest::newRow("plain bytes") << QStringLiteral("4096") << qint64(4096);
    QTest::newRow("MiB") << QStringLiteral("512MiB") << qint64(512) * 1024 * 1024;
    QTest::newRow("case does not matter") << QStringLiteral("64kib") << qint64(64 * 1024);
    QTest::newRow("spaces around") << QStringLiteral(" 1 KiB ") << qint64(1024);
    QTest::newRow("fraction of a binary unit") << QStringLiteral("1.5G") << qint64(1610612736);
    QTest::newRow("KB is decimal") << QStringLiteral("10MB") << qint64(10000000);
    QTest::newRow("empty") << QString() << qint64(-1);
    QTest::newRow("unknown unit") << QStringLiteral("12 parsecs") << qint64(-1);
    QTest::newRow("negative") << QStringLiteral("-1") << qint64(-1);
    QTest::newRow("fractional bytes") << QStringLiteral("1.5") << qint64(-1);
    QTest::newRow("fractional bytes with B") << QStringLiteral("1.5B") << qint64(-1);
    QTest::newRow("i without a unit") << QStringLiteral("5i") << qint64(-1);
}

void tst_Format::parseSize()
{
    QFETCH(QString, text);
    QFETCH(qint64, bytes);
    const std::optional<qint64> parsed = tiercache::cli::parseSize(text);
    QCOMPARE(parsed.value_or(-1), bytes);
}

void tst_Format::relativeExpiry_data()
{
    const QDateTime now =
            QDateTime::fromString(QStringLiteral("2024-05-01T12:00:00Z"), Qt::ISODate);
    QTest::addColumn<QDateTime>("expires");
    QTest::addColumn<QDateTime>("now");
    QTest::addColumn<QString>("text");
    QTest::newRow("no expiration time") << QDateTime() << now << QStringLiteral("expired");
    QTest::newRow("soft-purged (epoch)")
            << QDateTime::fromMSecsSinceEpoch(0, Qt::UTC) << now << QStringLiteral("expired");
    QTest::newRow("seconds") << now.addSecs(89) << now << QStringLiteral("in 89s");
    QTest::newRow("max-age=300 reads 5m") << now.addSecs(300) << now << QStringLiteral("in 5m");
    QTest::newRow("days") << now.addDays(2) << now << QStringLiteral("in 2d");
    QTest::newRow("the instant itself is stale") << now << now << QStringLiteral("expired 0s ago");
    QTest::newRow("hours ago") << now.addSecs(-7200) << now << QStringLiteral("expired 2h ago");
}

void tst_Format::relativeExpiry()
{
    QFETCH(QDateTime, expires);
    QFETCH(QDateTime, now);
    QFETCH(QString, text);
    QCOMPARE(tiercache::cli::relativeExpiry(expires, now), text);
}

void tst_Format::percentage()
{
    QCOMPARE(tiercache::cli::percentage(1, 8), QStringLiteral("12.5%"));
    QCOMPARE(tiercache::cli::percentage(5, 0), QStringLiteral("0.0%"));
}

void tst_Format::tagList_data()
{
    QTest::addColumn<QStringList>("tags");
    QTest::addColumn<int>("width");
    QTest::addColumn<QString>("text");
    QTest::newRow("none") << QStringList() << 32 << QStringLiteral("-");
    QTest::newRow("all fit") << QStringList {QStringLiteral("a"), QStringLiteral("b")} << 32
                             << QStringLiteral("a,b");
    QTest::newRow("whole tags, then +N")
            << QStringList {QStringLiteral("alpha"), QStringLiteral("beta"),
                            QStringLiteral("gamma")}
            << 12 << QStringLiteral("alpha,+2");
    QTest::newRow("first too long: cut")
            << QStringList {QStringLiteral("averyverylongtag")} << 8 << QStringLiteral("avery...");
}

void tst_Format::tagList()
{
    QFETCH(QStringList, tags);
    QFETCH(int, width);
    QFETCH(QString, text);
    QCOMPARE(tiercache::cli::tagList(tags, width), text);
    QVERIFY(text.size() <= width || text == QLatin1String("-"));
}

void tst_Format::tableAlignsColumns()
{
    // Numbers right, text left; the last column is not padded (URLs may be long).
    const QList<QStringList> rows = {{QStringLiteral("N"), QStringLiteral("NAME")},
                                     {QStringLiteral("100"), QStringLiteral("x")}};
    const QStringList lines = formatTable(rows, {true, false});
    QCOMPARE(lines, (QStringList {QStringLiteral("  N  NAME"), QStringLiteral("100  x")}));
}

QTEST_APPLESS_MAIN(tst_Format)
#include "tst_format.moc"
