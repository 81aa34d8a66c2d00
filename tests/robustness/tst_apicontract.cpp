// SPDX-License-Identifier: MIT
// The QAbstractNetworkCache contract as QNetworkDiskCache keeps it (the cases Qt's own
// tst_qnetworkdiskcache covers, written anew), checked against tiercache::NetworkCache through
// its public API only, plus what NetworkCache promises beyond it (RFC 9111 expiration, URL
// normalization, no password on disk, a foreign catalogue moved aside).

#include "../auto/cachetestutil.h"
#include "robustutil.h"

#include <QtCore/QBuffer>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkDiskCache>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QTest>

using namespace tiercache;
using namespace tiercache::robust;

namespace {

constexpr qint64 MiB = 1024 * 1024;

QByteArray httpDate(const QDateTime &t)
{
    return QLocale::c()
            .toString(t.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
            .toLatin1();
}

// metaData() serves the stored fields plus the current Age (RFC 9111 4.2.3), last: the stored
// fields without it, after checking that it is there and a plain number.
QNetworkCacheMetaData::RawHeaderList storedFields(const QNetworkCacheMetaData &md)
{
    QNetworkCacheMetaData::RawHeaderList headers = md.rawHeaders();
    if (headers.isEmpty() || headers.last().first != "Age")
        return headers; // makes the comparison fail
    bool ok = false;
    if (headers.last().second.toLongLong(&ok) < 0 || !ok)
        return headers;
    headers.removeLast();
    return headers;
}

QNetworkCacheMetaData metaFor(const QUrl &url,
                              const QNetworkCacheMetaData::RawHeaderList &headers = {
                                      {"Cache-Control", "max-age=3600"}})
{
    QNetworkCacheMetaData md;
    md.setUrl(url);
    md.setSaveToDisk(true);
    md.setRawHeaders(headers);
    QNetworkCacheMetaData::AttributesMap attributes;
    attributes.insert(QNetworkRequest::HttpStatusCodeAttribute, 200);
    md.setAttributes(attributes);
    return md;
}

//! prepare() + write + insert(); false when prepare() refused.
bool store(NetworkCache &cache, const QNetworkCacheMetaData &md, const QByteArray &body)
{
    QIODevice *device = cache.prepare(md);
    if (!device)
        return false;
    if (device->write(body) != body.size())
        return false;
    cache.insert(device);
    return true;
}

bool store(NetworkCache &cache, const QUrl &url, const QByteArray &body)
{
    return store(cache, metaFor(url), body);
}

QByteArray readBody(NetworkCache &cache, const QUrl &url, bool *ok = nullptr)
{
    std::unique_ptr<QIODevice> device(cache.data(url));
    if (ok)
        *ok = bool(device);
    if (!device)
        return {};
    QByteArray body;
    const ReadResult r = readToEnd(device.get(), &body);
    if (ok)
        *ok = r == ReadResult::Complete;
    return body;
}

QByteArray pattern(qint64 size, quint32 seed)
{
    return test::LoopbackServer::patternBody(0, size, seed);
}

// Stored bodies: files, and small bodies kept in the catalogue.
int blobCount(const QString &dir)
{
    return storedBodyCount(dir);
}

int tempFiles(const QString &dir)
{
    return QDir(dir + QLatin1String("/tmp")).entryList(QDir::Files | QDir::Hidden).size();
}

bool directoryContains(const QString &dir, const QByteArray &needle)
{
    for (const QString &path : allFiles(dir)) {
        QFile f(path);
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(needle))
            return true;
    }
    return false;
}

const char ForeignDeviceWarning[] = "insert() called with a device this cache did not prepare()";

} // namespace

class tst_ApiContract : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void cacheDirectory();
    void noDirectoryStoresNothing();
    void maximumCacheSize();
    void prepareWithoutSaveToDisk();
    void prepareRejectsUncacheableUrls_data();
    void prepareRejectsUncacheableUrls();
    void insertOfForeignDeviceIsIgnored();
    void metaDataRoundTrip();
    void expirationFollowsRfc9111_data();
    void expirationFollowsRfc9111();
    void updateMetaData();
    void updateMetaDataOfUnknownUrl();
    void dataReturnsExactBody_data();
    void dataReturnsExactBody();
    void dataOfUnknownUrl();
    void dataSurvivesRemoveClearAndCache();
    void removeReturnsTrueThenFalse();
    void clearEmptiesTheCache();
    void cacheSizeFollowsInsertsAndRemoves();
    void twoInstancesShareOneDirectory();
    void switchingDirectories();
    void removeBeforeInsert();
    void twoPreparesOfOneUrl_data();
    void twoPreparesOfOneUrl();
    void urlNormalization_data();
    void urlNormalization();
    void distinctUrlsStayDistinct();
    void cachedBodyIsWhatQnamRequested();
    void passwordNeverReachesTheDisk();
    void foreignCatalogueIsMovedAside_data();
    void foreignCatalogueIsMovedAside();
    void newerCatalogueIsLeftAlone();
    void qnetworkDiskCacheDirectory();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<NetworkCache> m_cache;
    QUrl url(const QString &path) const
    {
        return QUrl(QStringLiteral("http://contract.example") + path);
    }
};

void tst_ApiContract::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_cache = std::make_unique<NetworkCache>();
    m_cache->setCacheDirectory(m_dir->path());
}

void tst_ApiContract::cleanup()
{
    m_cache.reset();
    m_dir.reset();
}

void tst_ApiContract::cacheDirectory()
{
    NetworkCache cache;
    QCOMPARE(cache.cacheDirectory(), QString());
    cache.setCacheDirectory(m_dir->path());
    QCOMPARE(cache.cacheDirectory(), QDir(m_dir->path()).absolutePath());
    // Relative paths are made absolute, like QNetworkDiskCache does.
    const QString previous = QDir::currentPath();
    QVERIFY(QDir::setCurrent(m_dir->path()));
    cache.setCacheDirectory(QStringLiteral("sub/dir"));
    QVERIFY(QDir::setCurrent(previous));
    QCOMPARE(cache.cacheDirectory(), m_dir->path() + QLatin1String("/sub/dir"));
    QVERIFY(store(cache, url(QStringLiteral("/rel")), "relative"));
    QVERIFY(QFileInfo(m_dir->path() + QLatin1String("/sub/dir/catalogue.db")).isFile());
    cache.setCacheDirectory(QString());
    QCOMPARE(cache.cacheDirectory(), QString());
}

void tst_ApiContract::noDirectoryStoresNothing()
{
    NetworkCache cache;
    const QUrl u = url(QStringLiteral("/nodir"));
    QCOMPARE(cache.prepare(metaFor(u)), nullptr);
    QVERIFY(!cache.metaData(u).isValid());
    QCOMPARE(cache.data(u), nullptr);
    QCOMPARE(cache.cacheSize(), qint64(0));
    QVERIFY(!cache.remove(u));
    QVERIFY(cache.entries().isEmpty());
    cache.updateMetaData(metaFor(u)); // harmless
    cache.clear();                    // harmless
    QCOMPARE(cache.collectGarbage(), qint64(0));
}

void tst_ApiContract::maximumCacheSize()
{
    NetworkCache cache;
    QCOMPARE(cache.maximumCacheSize(), 50 * MiB); // as QNetworkDiskCache
    cache.setMaximumCacheSize(1234567);
    QCOMPARE(cache.maximumCacheSize(), qint64(1234567));
    cache.setMaximumCacheSize(-5);
    QCOMPARE(cache.maximumCacheSize(), qint64(0));
    QCOMPARE(cache.summary().maximumSize(), qint64(0));
}

void tst_ApiContract::prepareWithoutSaveToDisk()
{
    QNetworkCacheMetaData md = metaFor(url(QStringLiteral("/nosave")));
    md.setSaveToDisk(false);
    QCOMPARE(m_cache->prepare(md), nullptr);
    QVERIFY(!m_cache->metaData(md.url()).isValid());
}

void tst_ApiContract::prepareRejectsUncacheableUrls_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::newRow("empty") << QUrl();
    QTest::newRow("invalid") << QUrl(QStringLiteral("http://[::1/x"));
    QTest::newRow("relative") << QUrl(QStringLiteral("relative/path"));
    QTest::newRow("absolute path only") << QUrl(QStringLiteral("/just/a/path"));
    QTest::newRow("no host") << QUrl(QStringLiteral("http:///nohost"));
}

void tst_ApiContract::prepareRejectsUncacheableUrls()
{
    QFETCH(QUrl, url);
    QCOMPARE(NetworkCache::cacheKey(url), QString());
    QCOMPARE(m_cache->prepare(metaFor(url)), nullptr);
    QVERIFY(!m_cache->metaData(url).isValid());
    QCOMPARE(m_cache->data(url), nullptr);
    QVERIFY(!m_cache->remove(url));
    QCOMPARE(tempFiles(m_dir->path()), 0);
}

void tst_ApiContract::insertOfForeignDeviceIsIgnored()
{
    const QUrl u = url(QStringLiteral("/foreign"));
    const qint64 before = m_cache->cacheSize();
    QBuffer buffer;
    buffer.open(QIODevice::ReadWrite);
    buffer.write("not from prepare()");
    QTest::ignoreMessage(QtWarningMsg, ForeignDeviceWarning);
    m_cache->insert(&buffer);
    QTest::ignoreMessage(QtWarningMsg, ForeignDeviceWarning);
    m_cache->insert(nullptr);

    // A device prepared by another instance is foreign too, and stays usable by its owner.
    NetworkCache other;
    other.setCacheDirectory(m_dir->path());
    QIODevice *device = other.prepare(metaFor(u));
    QVERIFY(device);
    QCOMPARE(device->write("owned by the other"), qint64(18));
    QTest::ignoreMessage(QtWarningMsg, ForeignDeviceWarning);
    m_cache->insert(device);
    QVERIFY(!m_cache->metaData(u).isValid());
    QCOMPARE(m_cache->cacheSize(), before);
    other.insert(device);
    // Another instance sees a small NoSync insert once its batch is committed (README).
    QTRY_COMPARE(readBody(*m_cache, u), QByteArray("owned by the other"));
}

void tst_ApiContract::metaDataRoundTrip()
{
    const QUrl u = url(QStringLiteral("/meta?x=1"));
    QNetworkCacheMetaData md;
    md.setUrl(u);
    md.setSaveToDisk(true);
    const QDateTime lastModified =
            QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch() - 7200, Qt::UTC);
    md.setLastModified(lastModified);
    const QNetworkCacheMetaData::RawHeaderList headers = {
            {"Cache-Control", "max-age=3600, must-revalidate"},
            {"Content-Type", "text/plain; charset=utf-8"},
            {"ETag", "\"abc\""},
            {"X-Repeated", "one"},
            {"X-Repeated", "two"},
            {"Last-Modified", httpDate(lastModified)},
    };
    md.setRawHeaders(headers);
    QNetworkCacheMetaData::AttributesMap attributes;
    attributes.insert(QNetworkRequest::HttpStatusCodeAttribute, 203);
    attributes.insert(QNetworkRequest::HttpReasonPhraseAttribute,
                      QByteArray("Non-Authoritative Information"));
    md.setAttributes(attributes);
    QVERIFY(store(*m_cache, md, "round trip"));
    // Closed: what it accepted is on disk (another connection sees a NoSync insert within
    // milliseconds, once it is committed).
    m_cache.reset();

    NetworkCache fresh; // from disk, not from any in-memory state
    fresh.setCacheDirectory(m_dir->path());
    const QNetworkCacheMetaData got = fresh.metaData(u);
    QVERIFY(got.isValid());
    QCOMPARE(got.url(), u);
    QCOMPARE(storedFields(got), headers);
    QCOMPARE(got.lastModified(), lastModified);
    QVERIFY(got.saveToDisk());
    QCOMPARE(got.attributes().value(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 203);
    QCOMPARE(got.attributes().value(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray(),
             QByteArray("Non-Authoritative Information"));
    const CacheEntryInfo info = fresh.entryInfo(u);
    QCOMPARE(info.statusCode(), 203);
    QCOMPARE(info.contentType(), QByteArray("text/plain; charset=utf-8"));
    QCOMPARE(info.bodySize(), qint64(10));
    QCOMPARE(readBody(fresh, u), QByteArray("round trip"));
}

void tst_ApiContract::expirationFollowsRfc9111_data()
{
    QTest::addColumn<QNetworkCacheMetaData::RawHeaderList>("headers");
    QTest::addColumn<int>("expectedSecs"); // from now
    QTest::addColumn<bool>("presetFarFuture");
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QByteArray date = httpDate(now);
    using H = QNetworkCacheMetaData::RawHeaderList;
    QTest::newRow("max-age") << H {{"Date", date}, {"Cache-Control", "max-age=600"}} << 600
                             << false;
    QTest::newRow("max-age less apparent age (Date)")
            << H {{"Date", httpDate(now.addSecs(-100))}, {"Cache-Control", "max-age=600"}} << 500
            << false;
    QTest::newRow("max-age less Age")
            << H {{"Date", date}, {"Age", "200"}, {"Cache-Control", "max-age=600"}} << 400 << false;
    QTest::newRow("larger of Age and apparent age") << H {{"Date", httpDate(now.addSecs(-300))},
                                                          {"Age", "100"},
                                                          {"Cache-Control", "max-age=600"}}
                                                    << 300 << false;
    QTest::newRow("max-age beats Expires") << H {{"Date", date},
                                                 {"Expires", httpDate(now.addSecs(9000))},
                                                 {"Cache-Control", "max-age=60"}}
                                           << 60 << false;
    QTest::newRow("Expires less Date")
            << H {{"Date", httpDate(now.addSecs(-50))}, {"Expires", httpDate(now.addSecs(250))}}
            << 250 << false;
    QTest::newRow("invalid Expires is expired")
            << H {{"Date", date}, {"Expires", "0"}} << 0 << false;
    QTest::newRow("no-cache") << H {{"Date", date}, {"Cache-Control", "no-cache, max-age=600"}} << 0
                              << false;
    QTest::newRow("heuristic 10% of Last-Modified age")
            << H {{"Date", date}, {"Last-Modified", httpDate(now.addSecs(-10000))}} << 1000
            << false;
    QTest::newRow("heuristic capped at a day")
            << H {{"Date", date}, {"Last-Modified", httpDate(now.addDays(-100))}} << 86400 << false;
    QTest::newRow("no freshness information") << H {{"Date", date}} << 0 << false;
    QTest::newRow("caller's expiration date is recomputed")
            << H {{"Date", date}, {"Cache-Control", "max-age=30"}} << 30 << true;
}

void tst_ApiContract::expirationFollowsRfc9111()
{
    QFETCH(QNetworkCacheMetaData::RawHeaderList, headers);
    QFETCH(int, expectedSecs);
    QFETCH(bool, presetFarFuture);
    const QUrl u = url(QStringLiteral("/expires"));
    QNetworkCacheMetaData md = metaFor(u, headers);
    if (presetFarFuture)
        md.setExpirationDate(QDateTime::currentDateTimeUtc().addYears(1));
    QVERIFY(store(*m_cache, md, "expiring"));
    const QDateTime expected = QDateTime::currentDateTimeUtc().addSecs(expectedSecs);
    const QDateTime got = m_cache->metaData(u).expirationDate();
    QVERIFY(got.isValid());
    // HTTP dates have a resolution of one second, and an expired entry is presented a second
    // earlier still (QNAM truncates secsTo()).
    QVERIFY2(qAbs(got.secsTo(expected)) <= 3,
             qPrintable(QStringLiteral("expires %1, expected about %2")
                                .arg(got.toString(Qt::ISODate), expected.toString(Qt::ISODate))));
    QVERIFY(qAbs(m_cache->entryInfo(u).expires().secsTo(expected)) <= 3);
}

void tst_ApiContract::updateMetaData()
{
    const QUrl u = url(QStringLiteral("/update"));
    const QByteArray body = pattern(200 * 1024, 1);
    QVERIFY(store(*m_cache, metaFor(u, {{"Cache-Control", "max-age=0"}, {"ETag", "\"v1\""}}),
                  body));
    const QByteArray digest = m_cache->entryInfo(u).digest();

    QNetworkCacheMetaData md = m_cache->metaData(u);
    QVERIFY(md.isValid());
    QNetworkCacheMetaData::RawHeaderList headers = {
            {"Cache-Control", "max-age=120"}, {"ETag", "\"v1\""}, {"X-Revalidated", "yes"}};
    md.setRawHeaders(headers);
    auto attributes = md.attributes();
    attributes.insert(QNetworkRequest::HttpStatusCodeAttribute, 200);
    md.setAttributes(attributes);
    m_cache->updateMetaData(md);

    NetworkCache fresh;
    fresh.setCacheDirectory(m_dir->path());
    const QNetworkCacheMetaData got = fresh.metaData(u);
    QCOMPARE(storedFields(got), headers);
    QVERIFY(qAbs(got.expirationDate().secsTo(QDateTime::currentDateTimeUtc().addSecs(120))) <= 3);
    QCOMPARE(fresh.entryInfo(u).digest(), digest); // the body was not rewritten
    QCOMPARE(readBody(fresh, u), body);
}

void tst_ApiContract::updateMetaDataOfUnknownUrl()
{
    const QUrl u = url(QStringLiteral("/never-stored"));
    m_cache->updateMetaData(metaFor(u));
    QVERIFY(!m_cache->metaData(u).isValid());
    QVERIFY(!m_cache->entryInfo(u).isValid());
    QCOMPARE(m_cache->summary().entryCount(), qint64(0));
}

void tst_ApiContract::dataReturnsExactBody_data()
{
    QTest::addColumn<qint64>("size");
    const qint64 sizes[] = {1,       100, 64 * 1024 - 1, 64 * 1024,      64 * 1024 + 1,
                            MiB - 1, MiB, MiB + 1,       3 * MiB + 12345};
    for (qint64 size : sizes) {
        QTest::newRow(QByteArray::number(size).constData()) << size;
    }
}

void tst_ApiContract::dataReturnsExactBody()
{
    QFETCH(qint64, size);
    const QUrl u = url(QStringLiteral("/body"));
    const QByteArray body = pattern(size, quint32(size));
    QVERIFY(store(*m_cache, u, body));
    QVERIFY(m_cache->metaData(u).isValid());
    std::unique_ptr<QIODevice> first(m_cache->data(u));
    std::unique_ptr<QIODevice> second(m_cache->data(u)); // without a metaData() in between
    QVERIFY(first && second);
    QVERIFY(first->isOpen() && first->isReadable());
    QVERIFY(!first->isWritable());
    QByteArray a, b;
    QCOMPARE(readToEnd(first.get(), &a), ReadResult::Complete);
    QCOMPARE(readToEnd(second.get(), &b), ReadResult::Complete);
    QCOMPARE(a.size(), size);
    QVERIFY(a == body);
    QVERIFY(b == body);
    QVERIFY(first->atEnd());
}

void tst_ApiContract::dataOfUnknownUrl()
{
    QCOMPARE(m_cache->data(url(QStringLiteral("/unknown"))), nullptr);
    QVERIFY(store(*m_cache, url(QStringLiteral("/known")), "known"));
    QCOMPARE(m_cache->data(url(QStringLiteral("/unknown"))), nullptr);
}

// Qt's accessAfterRemove: a device handed out keeps delivering the whole body.
void tst_ApiContract::dataSurvivesRemoveClearAndCache()
{
    const QByteArray body = pattern(3 * MiB, 5);
    const QUrl u = url(QStringLiteral("/survivor"));
    for (const char *what : {"remove", "clear", "delete cache"}) {
        QVERIFY(store(*m_cache, u, body));
        std::unique_ptr<QIODevice> device(m_cache->data(u));
        QVERIFY(device);
        QByteArray got = device->read(1000);
        if (qstrcmp(what, "remove") == 0) {
            QVERIFY(m_cache->remove(u));
        } else if (qstrcmp(what, "clear") == 0) {
            m_cache->clear();
        } else {
            m_cache.reset();
        }
        QVERIFY(readToEnd(device.get(), &got) == ReadResult::Complete);
        QVERIFY2(got == body, what);
        if (!m_cache) {
            m_cache = std::make_unique<NetworkCache>();
            m_cache->setCacheDirectory(m_dir->path());
        } else {
            QVERIFY(!m_cache->metaData(u).isValid());
        }
    }
}

void tst_ApiContract::removeReturnsTrueThenFalse()
{
    const QUrl u = url(QStringLiteral("/remove"));
    QVERIFY(!m_cache->remove(u));
    QVERIFY(store(*m_cache, u, "to be removed"));
    QVERIFY(m_cache->metaData(u).isValid());
    QVERIFY(m_cache->remove(u));
    QVERIFY(!m_cache->remove(u));
    QVERIFY(!m_cache->metaData(u).isValid());
    QCOMPARE(m_cache->data(u), nullptr);
    QCOMPARE(m_cache->cacheSize(), qint64(0));
    QCOMPARE(blobCount(m_dir->path()), 0);
}

void tst_ApiContract::clearEmptiesTheCache()
{
    for (int i = 0; i < 10; ++i)
        QVERIFY(store(*m_cache, url(QStringLiteral("/clear/%1").arg(i)),
                      pattern(1000 * (i + 1), quint32(i))));
    QVERIFY(m_cache->cacheSize() > 10000);
    QCOMPARE(m_cache->entries().size(), 10);
    m_cache->clear();
    QCOMPARE(m_cache->cacheSize(), qint64(0)); // exactly: rows and bodies are both gone
    QVERIFY(m_cache->entries().isEmpty());
    QCOMPARE(m_cache->summary().blobCount(), qint64(0));
    QCOMPARE(blobCount(m_dir->path()), 0);
    for (int i = 0; i < 10; ++i)
        QVERIFY(!m_cache->metaData(url(QStringLiteral("/clear/%1").arg(i))).isValid());
    QVERIFY(store(*m_cache, url(QStringLiteral("/after-clear")), "still works"));
    QCOMPARE(readBody(*m_cache, url(QStringLiteral("/after-clear"))), QByteArray("still works"));
}

void tst_ApiContract::cacheSizeFollowsInsertsAndRemoves()
{
    QCOMPARE(m_cache->cacheSize(), qint64(0));
    qint64 expected = 0;
    for (int i = 0; i < 5; ++i) {
        const QUrl u = url(QStringLiteral("/size/%1").arg(i));
        QVERIFY(store(*m_cache, u, pattern(10000 * (i + 1), quint32(100 + i))));
        const CacheEntryInfo info = m_cache->entryInfo(u);
        // The body in whole blocks plus the row.
        QVERIFY(info.storedSize() >= info.bodySize() + 32);
        expected += info.storedSize();
        QCOMPARE(m_cache->cacheSize(), expected);
    }
    QCOMPARE(m_cache->summary().storedBytes(), expected);
    const qint64 first = m_cache->entryInfo(url(QStringLiteral("/size/0"))).storedSize();
    QVERIFY(m_cache->remove(url(QStringLiteral("/size/0"))));
    QCOMPARE(m_cache->cacheSize(), expected - first);
}

void tst_ApiContract::twoInstancesShareOneDirectory()
{
    NetworkCache other;
    other.setCacheDirectory(m_dir->path());
    const QUrl u = url(QStringLiteral("/shared"));
    QVERIFY(store(*m_cache, u, "from the first"));
    QCOMPARE(readBody(other, u), QByteArray("from the first"));
    QVERIFY(store(other, u, "replaced by the second"));
    QCOMPARE(readBody(other, u), QByteArray("replaced by the second")); // at once
    // The first instance once the second's batch is committed, within milliseconds (README).
    QTRY_COMPARE(readBody(*m_cache, u), QByteArray("replaced by the second"));
    QCOMPARE(m_cache->cacheSize(), other.cacheSize());
    QVERIFY(other.remove(u));
    QVERIFY(!m_cache->metaData(u).isValid());
    QVERIFY(!m_cache->remove(u));
}

void tst_ApiContract::switchingDirectories()
{
    QTemporaryDir second;
    QVERIFY(second.isValid());
    const QUrl u = url(QStringLiteral("/switch"));
    QVERIFY(store(*m_cache, u, "in the first"));
    QVERIFY(m_cache->metaData(u).isValid()); // also leaves a lookup behind
    m_cache->setCacheDirectory(second.path());
    QCOMPARE(m_cache->cacheDirectory(), second.path());
    QVERIFY(!m_cache->metaData(u).isValid());
    QCOMPARE(m_cache->data(u), nullptr);
    QCOMPARE(m_cache->cacheSize(), qint64(0));
    QVERIFY(store(*m_cache, u, "in the second"));
    QCOMPARE(readBody(*m_cache, u), QByteArray("in the second"));
    m_cache->setCacheDirectory(m_dir->path());
    QCOMPARE(readBody(*m_cache, u), QByteArray("in the first"));
}

void tst_ApiContract::removeBeforeInsert()
{
    const QUrl u = url(QStringLiteral("/withdrawn"));
    QVERIFY(store(*m_cache, u, "old entry"));
    QIODevice *device = m_cache->prepare(metaFor(u));
    QVERIFY(device);
    QCOMPARE(device->write(pattern(300 * 1024, 3)), 300 * 1024);
    QCOMPARE(tempFiles(m_dir->path()), 1);
    QVERIFY(m_cache->remove(u)); // the old entry, and the pending body with it
    QVERIFY(!device->isOpen());  // QNAM stops writing on aboutToClose()
    QCOMPARE(tempFiles(m_dir->path()), 0);
    // insert() right after (QNAM may already be in its finished handler): ignored.
    QTest::ignoreMessage(QtWarningMsg, ForeignDeviceWarning);
    m_cache->insert(device);
    QVERIFY(!m_cache->metaData(u).isValid());
    QCOMPARE(m_cache->cacheSize(), qint64(0));
    QCOMPARE(blobCount(m_dir->path()), 0);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QCOMPARE(tempFiles(m_dir->path()), 0);
}

void tst_ApiContract::twoPreparesOfOneUrl_data()
{
    QTest::addColumn<bool>("secondInsertedLast");
    QTest::newRow("inserted in order") << true;
    QTest::newRow("inserted in reverse order") << false;
}

void tst_ApiContract::twoPreparesOfOneUrl()
{
    QFETCH(bool, secondInsertedLast);
    const QUrl u = url(QStringLiteral("/twice"));
    const QByteArray body1 = pattern(150 * 1024, 11), body2 = pattern(90 * 1024, 22);
    QIODevice *d1 =
            m_cache->prepare(metaFor(u, {{"Cache-Control", "max-age=60"}, {"X-Body", "1"}}));
    QIODevice *d2 =
            m_cache->prepare(metaFor(u, {{"Cache-Control", "max-age=60"}, {"X-Body", "2"}}));
    QVERIFY(d1 && d2 && d1 != d2);
    // Interleaved writes, as two replies for one URL would do.
    QCOMPARE(d1->write(body1.left(50000)), qint64(50000));
    QCOMPARE(d2->write(body2.left(40000)), qint64(40000));
    QCOMPARE(d1->write(body1.mid(50000)), body1.size() - 50000);
    QCOMPARE(d2->write(body2.mid(40000)), body2.size() - 40000);
    QCOMPARE(tempFiles(m_dir->path()), 2);
    if (secondInsertedLast) {
        m_cache->insert(d1);
        m_cache->insert(d2);
    } else {
        m_cache->insert(d2);
        m_cache->insert(d1);
    }
    const QByteArray last = secondInsertedLast ? body2 : body1;
    QCOMPARE(m_cache->entries().size(), 1);
    QCOMPARE(rawHeaderOf(m_cache->metaData(u), "X-Body"),
             QByteArray(secondInsertedLast ? "2" : "1"));
    QVERIFY(readBody(*m_cache, u) == last);
    QCOMPARE(m_cache->summary().blobCount(), qint64(1)); // the replaced body's row is gone
    // Its file is unlinked by the sweep, from the event loop, after the replacing COMMIT.
    QTRY_COMPARE(blobCount(m_dir->path()), 1);
    QCOMPARE(tempFiles(m_dir->path()), 0);
    QCOMPARE(m_cache->verify().damaged(), 0);
}

void tst_ApiContract::urlNormalization_data()
{
    QTest::addColumn<QUrl>("stored");
    QTest::addColumn<QUrl>("lookedUp");
    auto row = [](const char *name, const char *a, const char *b) {
        QTest::newRow(name) << QUrl(QString::fromLatin1(a)) << QUrl(QString::fromLatin1(b));
    };
    row("fragment ignored", "http://n.example/page#one", "http://n.example/page#two");
    row("fragment vs none", "http://n.example/page#one", "http://n.example/page");
    row("http default port", "http://n.example:80/p", "http://n.example/p");
    row("https default port", "https://n.example:443/p", "https://n.example/p");
    row("host case", "http://N.Example/p", "http://n.example/p");
    row("empty path", "http://n.example", "http://n.example/");
    row("dot-dot segment", "http://n.example/a/b/../c", "http://n.example/a/c");
    row("dot segment", "http://n.example/a/./c", "http://n.example/a/c");
    row("password ignored", "http://user:secret@n.example/p", "http://user@n.example/p");
    row("another password", "http://user:secret@n.example/p", "http://user:other@n.example/p");
}

void tst_ApiContract::urlNormalization()
{
    QFETCH(QUrl, stored);
    QFETCH(QUrl, lookedUp);
    QCOMPARE(NetworkCache::cacheKey(stored), NetworkCache::cacheKey(lookedUp));
    QVERIFY(store(*m_cache, stored, "normalized"));
    QVERIFY(m_cache->metaData(lookedUp).isValid());
    QCOMPARE(readBody(*m_cache, lookedUp), QByteArray("normalized"));
    QCOMPARE(m_cache->entries().size(), 1);
    QVERIFY(m_cache->remove(lookedUp));
    QVERIFY(!m_cache->metaData(stored).isValid());
}

void tst_ApiContract::distinctUrlsStayDistinct()
{
    const QList<QUrl> urls = {
            QUrl(QStringLiteral("http://d.example/p")),
            QUrl(QStringLiteral("https://d.example/p")),
            QUrl(QStringLiteral("http://d.example:8080/p")),
            QUrl(QStringLiteral("http://d.example/p?x=1")),
            QUrl(QStringLiteral("http://d.example/p?x=2")),
            QUrl(QStringLiteral("http://d.example/P")),
            QUrl(QStringLiteral("http://alice@d.example/p")),
            QUrl(QStringLiteral("http://bob@d.example/p")),
            QUrl(QStringLiteral("http://d.example/p/")),
    };
    for (int i = 0; i < urls.size(); ++i)
        QVERIFY(store(*m_cache, urls[i], "body " + QByteArray::number(i)));
    QCOMPARE(m_cache->entries().size(), urls.size());
    for (int i = 0; i < urls.size(); ++i)
        QCOMPARE(readBody(*m_cache, urls[i]), "body " + QByteArray::number(i));
}

// Whatever cacheKey() does with dot segments, a cached body must be the one the origin sends
// for the request QNAM actually makes. Qt 6.4's QNAM sends QUrl::NormalizePathSegments' idea
// of the path, which is not RFC 3986's: "/a/./b/../c" goes out as "/a//c" (RFC 3986: "/a/c").
// A key normalized per RFC 3986 would then file the body of "/a//c" under "/a/c".
void tst_ApiContract::cachedBodyIsWhatQnamRequested()
{
    test::LoopbackServer origin;
    QVERIFY(origin.isListening());
    origin.setHandler([](const test::RecordedRequest &r) {
        return test::Response::ok("origin resource " + r.path);
    });
    const QStringList paths = {
            QStringLiteral("/a/./b/../c"), QStringLiteral("/a/c"),   QStringLiteral("/a//c"),
            QStringLiteral("/a/b/../c"),   QStringLiteral("/a/./c"), QStringLiteral("/x/../a/c"),
    };
    // What the origin answers to each URL as QNAM sends it, without a cache.
    QHash<QString, QByteArray> truth;
    {
        QNetworkAccessManager plain;
        for (const QString &p : paths) {
            const test::Fetched f = test::fetch(plain, origin.url(p));
            QVERIFY(f.finished);
            truth.insert(p, f.body);
        }
    }
    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    cache->setCacheDirectory(m_dir->path());
    nam.setCache(cache);
    int fromCache = 0;
    for (int round = 0; round < 2; ++round) {
        for (const QString &p : paths) {
            const test::Fetched f = test::fetch(nam, origin.url(p));
            QVERIFY(f.finished);
            fromCache += f.fromCache;
            QVERIFY2(f.body == truth.value(p),
                     qPrintable(QStringLiteral("%1 (key %2) got \"%3\" from %4; the origin answers "
                                               "\"%5\" to it")
                                        .arg(p, NetworkCache::cacheKey(origin.url(p)),
                                             QString::fromLatin1(f.body),
                                             f.fromCache ? QStringLiteral("the cache")
                                                         : QStringLiteral("the origin"),
                                             QString::fromLatin1(truth.value(p)))));
        }
    }
    QVERIFY(fromCache >= paths.size());
}

void tst_ApiContract::passwordNeverReachesTheDisk()
{
    const QByteArray password = "Pa55w0rdNeverOnDisk";
    const QUrl u(QStringLiteral("http://user:%1@secret.example/private?q=1#frag")
                         .arg(QLatin1String(password)));
    QVERIFY(store(*m_cache, u, "private body"));
    QNetworkCacheMetaData md = m_cache->metaData(u);
    QVERIFY(md.isValid());
    QCOMPARE(md.url().password(), QString());
    // A 304 through QNAM hands back the request URL, password included.
    md.setUrl(u);
    md.setRawHeaders({{"Cache-Control", "max-age=60"}});
    m_cache->updateMetaData(md);
    QCOMPARE(storedFields(m_cache->metaData(u)), md.rawHeaders());
    m_cache.reset(); // close the catalogue: everything written is in the files now
    QVERIFY(!directoryContains(m_dir->path(), password));
    QVERIFY(!directoryContains(m_dir->path(),
                               QString::fromLatin1(password).toUtf8().toPercentEncoding()));
}

void tst_ApiContract::foreignCatalogueIsMovedAside_data()
{
    QTest::addColumn<int>("applicationId");
    QTest::addColumn<int>("userVersion");
    QTest::newRow("another application's database") << 0 << 0;
    QTest::newRow("another application id") << 0x12345678 << 1;
}

// An SQLite database at \a path made of \a statements, with the given application id and
// format version: what another program (or another Tiercache) could have left there.
static bool writeDatabase(const QString &path, int applicationId, int userVersion,
                          const QStringList &statements)
{
    bool ok = true;
    {
        QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("written"));
        db.setDatabaseName(path);
        ok = db.open();
        QSqlQuery q(db);
        for (const QString &statement : statements)
            ok = ok && q.exec(statement);
        ok = ok && q.exec(QStringLiteral("PRAGMA application_id=%1").arg(applicationId));
        ok = ok && q.exec(QStringLiteral("PRAGMA user_version=%1").arg(userVersion));
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("written"));
    return ok;
}

// Two versions of an application sharing a directory: the older one never sets the newer
// catalogue aside. It stores nothing, says why, and leaves the file as it was.
void tst_ApiContract::newerCatalogueIsLeftAlone()
{
    m_cache.reset();
    const QString path = m_dir->path() + QLatin1String("/catalogue.db");
    QVERIFY(writeDatabase(path, 0x54434331, 99, // our application id, a format to come
                          {QStringLiteral("CREATE TABLE future (id INTEGER PRIMARY KEY)")}));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray before = file.readAll();
    file.close();

    m_cache = std::make_unique<NetworkCache>();
    m_cache->setCacheDirectory(m_dir->path());
    const QUrl u = url(QStringLiteral("/after-newer"));
    QVERIFY(!store(*m_cache, u, "lost"));
    QVERIFY(!m_cache->metaData(u).isValid());
    QVERIFY2(m_cache->errorString().contains(QLatin1String("newer Tiercache")),
             qPrintable(m_cache->errorString()));
    m_cache.reset();
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), before);
    QVERIFY(!QFileInfo::exists(path + QLatin1String(".corrupt.1")));
}

// Like QNetworkDiskCache's oldCacheVersion: what is not ours is set aside, the cache works.
void tst_ApiContract::foreignCatalogueIsMovedAside()
{
    QFETCH(int, applicationId);
    QFETCH(int, userVersion);
    m_cache.reset();
    const QString path = m_dir->path() + QLatin1String("/catalogue.db");
    QVERIFY(writeDatabase(
            path, applicationId, userVersion,
            {QStringLiteral("CREATE TABLE bookmarks (id INTEGER PRIMARY KEY, title TEXT)"),
             QStringLiteral("INSERT INTO bookmarks (title) VALUES ('keep me')")}));

    m_cache = std::make_unique<NetworkCache>();
    m_cache->setCacheDirectory(m_dir->path());
    const QUrl u = url(QStringLiteral("/after-reset"));
    QVERIFY(store(*m_cache, u, "works"));
    QCOMPARE(readBody(*m_cache, u), QByteArray("works"));
    QCOMPARE(m_cache->entries().size(), 1);

    // The other database was moved aside intact, not deleted.
    const QString aside = path + QLatin1String(".corrupt.1");
    QVERIFY(QFileInfo(aside).isFile());
    {
        QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("aside"));
        db.setDatabaseName(aside);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("SELECT title FROM bookmarks")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("keep me"));
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("aside"));
}

// A directory QNetworkDiskCache used before: its files are not ours; the cache works beside them.
void tst_ApiContract::qnetworkDiskCacheDirectory()
{
    m_cache.reset();
    const QUrl u = url(QStringLiteral("/qt"));
    {
        QNetworkDiskCache qt;
        qt.setCacheDirectory(m_dir->path());
        QIODevice *device = qt.prepare(metaFor(u));
        QVERIFY(device);
        device->write("written by QNetworkDiskCache");
        qt.insert(device);
        QVERIFY(qt.metaData(u).isValid());
    }
    const QStringList qtFiles = allFiles(m_dir->path());
    QVERIFY(!qtFiles.isEmpty());
    m_cache = std::make_unique<NetworkCache>();
    m_cache->setCacheDirectory(m_dir->path());
    QVERIFY(!m_cache->metaData(u).isValid()); // a miss, never QNetworkDiskCache's bytes
    QVERIFY(store(*m_cache, u, "written by NetworkCache"));
    QCOMPARE(readBody(*m_cache, u), QByteArray("written by NetworkCache"));
    m_cache->collectGarbage();
    QCOMPARE(m_cache->verify().damaged(), 0);
    for (const QString &f : qtFiles)
        QVERIFY2(QFileInfo::exists(f), qPrintable(f)); // not ours to delete
}

QTEST_GUILESS_MAIN(tst_ApiContract)
#include "tst_apicontract.moc"
