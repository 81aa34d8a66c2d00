// SPDX-License-Identifier: MIT
// EntriesModel: pages from the catalogue, filters and sorts there, and refreshes in place; every
// query runs on the CatalogueReader's worker thread, the rows arrive afterwards.

#include "browsertestutil.h"

#include <cataloguereader.h>
#include <entriesmodel.h>

#include <QtCore/QTemporaryDir>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace tiercache;
using namespace tiercache::browser;
using namespace tiercache::test;

namespace {
// The reader answered everything asked so far.
bool settle(const CatalogueReader &reader)
{
    return QTest::qWaitFor([&reader] { return reader.pendingJobs() == 0; }, 20000);
}
#define SETTLE(reader) QVERIFY(settle(reader))
} // namespace

class tst_EntriesModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void pagesThroughTheCatalogue();
    void passesTheModelTester();
    void filters_data();
    void filters();
    void sortsInTheCatalogue();
    void refreshSeesAnotherWriter();

private:
    QTemporaryDir m_dir;
    static constexpr int Items = 450; // two full pages and a partial one
};

void tst_EntriesModel::initTestCase()
{
    QVERIFY(m_dir.isValid());
    NetworkCache writer;
    writer.setCacheDirectory(m_dir.path());
    QVERIFY(storeItems(writer, 0, Items));
    QCOMPARE(writer.entryCount(), Items);
}

void tst_EntriesModel::pagesThroughTheCatalogue()
{
    CatalogueReader reader;
    reader.open(m_dir.path());
    EntriesModel model;
    QCOMPARE(model.rowCount(), 0);
    model.setReader(&reader);
    QCOMPARE(model.rowCount(), 0); // asked for, not there yet: nothing waited for it
    SETTLE(reader);
    QCOMPARE(model.totalCount(), Items);
    QCOMPARE(model.rowCount(), EntriesModel::PageSize);
    QVERIFY(model.canFetchMore({}));
    model.fetchMore({});
    QVERIFY(!model.canFetchMore({})); // one page at a time
    SETTLE(reader);
    QCOMPARE(model.rowCount(), 2 * EntriesModel::PageSize);
    model.fetchMore({});
    SETTLE(reader);
    QCOMPARE(model.rowCount(), Items);
    QVERIFY(!model.canFetchMore({}));
    QCOMPARE(model.columnCount(), int(EntriesModel::ColumnCount));
    QVERIFY(model.data(model.index(0, EntriesModel::UrlColumn))
                    .toString()
                    .startsWith(QLatin1String("http://example.test/item/")));
    QCOMPARE(model.data(model.index(0, EntriesModel::StatusColumn)).toInt(), 200);
}

void tst_EntriesModel::passesTheModelTester()
{
    CatalogueReader reader;
    reader.open(m_dir.path());
    EntriesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setReader(&reader);
    SETTLE(reader);
    QCOMPARE(model.rowCount(), EntriesModel::PageSize);
    while (model.canFetchMore({})) {
        model.fetchMore({});
        SETTLE(reader);
    }
    QCOMPARE(model.rowCount(), Items);
    EntryQuery q;
    q.text = QStringLiteral("item/02");
    model.setQuery(q);
    SETTLE(reader);
    QCOMPARE(model.rowCount(), 100);
    model.sort(EntriesModel::HitsColumn);
    model.refresh();
    SETTLE(reader);
    QCOMPARE(model.rowCount(), 100);
    // Questions overtaken by newer ones: only the last query's rows show.
    q.text = QStringLiteral("item/01");
    model.setQuery(q);
    model.fetchMore({});
    model.refresh();
    q.text = QStringLiteral("item/000");
    model.setQuery(q);
    SETTLE(reader);
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.totalCount(), 10);
    model.setReader(nullptr);
    QCOMPARE(model.rowCount(), 0);
}

void tst_EntriesModel::filters_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("tag");
    QTest::addColumn<QString>("contentType");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("expected");
    QTest::newRow("everything") << ""
                                << ""
                                << "" << 0 << Items;
    QTest::newRow("URL substring") << "item/01"
                                   << ""
                                   << "" << 0 << 100;
    QTest::newRow("one item") << "item/0042"
                              << ""
                              << "" << 0 << 1;
    QTest::newRow("nothing") << "no such thing"
                             << ""
                             << "" << 0 << 0;
    QTest::newRow("tag") << ""
                         << "third"
                         << "" << 0 << Items / 3;
    QTest::newRow("content type") << ""
                                  << ""
                                  << "application/json" << 0 << Items / 2;
    QTest::newRow("tag and text") << "item/00"
                                  << "third"
                                  << "" << 0 << 34;
    QTest::newRow("status 200") << ""
                                << ""
                                << "" << 200 << Items;
    QTest::newRow("status 404") << ""
                                << ""
                                << "" << 404 << 0;
}

void tst_EntriesModel::filters()
{
    QFETCH(QString, text);
    QFETCH(QString, tag);
    QFETCH(QString, contentType);
    QFETCH(int, status);
    QFETCH(int, expected);
    CatalogueReader reader;
    reader.open(m_dir.path());
    EntriesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setReader(&reader);
    SETTLE(reader);
    QSignalSpy total(&model, &EntriesModel::totalCountChanged);
    EntryQuery q;
    q.text = text;
    q.tag = tag;
    q.contentType = contentType;
    q.status = status;
    model.setQuery(q);
    SETTLE(reader);
    QCOMPARE(model.totalCount(), expected);
    QCOMPARE(model.rowCount(), qMin(expected, int(EntriesModel::PageSize)));
    for (int row = 0; row < model.rowCount(); ++row) {
        const EntryRow e = model.entryAt(row);
        QVERIFY(e.url.toString().contains(text));
        if (!tag.isEmpty())
            QVERIFY(e.tags.contains(tag));
        QVERIFY(e.contentType.startsWith(contentType));
        if (status != 0)
            QCOMPARE(e.status, status);
    }
    QCOMPARE(total.size(), expected == Items ? 0 : 1); // the total was Items before
}

void tst_EntriesModel::sortsInTheCatalogue()
{
    CatalogueReader reader;
    reader.open(m_dir.path());
    EntriesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setReader(&reader);
    model.sort(EntriesModel::UrlColumn);
    QCOMPARE(model.query().order, EntryQuery::Order::Url);
    SETTLE(reader);
    QCOMPARE(model.entryAt(0).url.path(), QStringLiteral("/item/0000"));
    QCOMPARE(model.entryAt(1).url.path(), QStringLiteral("/item/0001"));
    model.sort(EntriesModel::BodySizeColumn);
    QCOMPARE(model.query().order, EntryQuery::Order::Largest);
    SETTLE(reader);
    QVERIFY(model.entryAt(0).bodySize >= model.entryAt(model.rowCount() - 1).bodySize);
    // A column the catalogue cannot order by keeps the order.
    model.sort(EntriesModel::TagsColumn);
    QCOMPARE(model.query().order, EntryQuery::Order::Largest);
}

void tst_EntriesModel::refreshSeesAnotherWriter()
{
    QTemporaryDir dir;
    {
        NetworkCache writer;
        writer.setCacheDirectory(dir.path());
        QVERIFY(storeItems(writer, 0, 5));
    }
    NetworkCache watcher; // as the window: the data version tells when to refresh
    watcher.setReadOnly(true);
    watcher.setCacheDirectory(dir.path());
    QVERIFY(watcher.open());
    CatalogueReader reader;
    reader.open(dir.path());
    EntriesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setReader(&reader);
    SETTLE(reader);
    QCOMPARE(model.rowCount(), 5);
    const qint64 version = watcher.dataVersion();

    NetworkCache writer;
    writer.setCacheDirectory(dir.path());
    QVERIFY(storeItems(writer, 100, 3));
    QTRY_VERIFY(watcher.dataVersion() != version);
    // Small inserts reach other readers with their batch's commit, within milliseconds (README).
    QTRY_COMPARE(watcher.entryCount(), qint64(8));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.refresh();
    SETTLE(reader);
    QCOMPARE(model.rowCount(), 8);
    QCOMPARE(model.totalCount(), 8);
    QCOMPARE(inserted.size(), 1); // in place: no reset

    QCOMPARE(writer.invalidateTag(QStringLiteral("third")), 3); // items 0, 3 and 102
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QTRY_VERIFY_WITH_TIMEOUT(
            (settle(reader), model.refresh(), settle(reader), model.rowCount() == 5), 5000);
    QCOMPARE(removed.size(), 1);
}

QTEST_MAIN(tst_EntriesModel)
#include "tst_entriesmodel.moc"
