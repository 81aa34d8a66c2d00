// SPDX-License-Identifier: MIT
// What tools (the Browser, the CLI) read about stored entries besides the entries themselves:
// the status-code filter of EntryFilter, the body bytes per tag (tagBytes()) and how many
// entries share a body (CacheEntryInfo::sharedBodyCount()), on every tier chain, filled through
// a real QNetworkAccessManager against the loopback origin.
#include "policytestutil.h"

#include <tiercache/networkcache.h>

#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace tiercache;
using namespace tiercache::test;

namespace {
const QByteArray SharedBody = "the same body, stored once";
} // namespace

class tst_Inspection : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void statusFilter_data();
    void statusFilter();
    void tagBytes_data() { statusFilter_data(); }
    void tagBytes();
    void sharedBodyCount();
    void distinctBodyBytes_data() { statusFilter_data(); }
    void distinctBodyBytes();

private:
    //! Fills the cache through QNAM: /a (200, tags t1 t2), /b (203, tag t1, same body as /a),
    //! /c (200, untagged, its own body), on the chain \a tiers ("%1" in a spec: the test directory).
    void fill(QStringList tiers);
    //! The tier to list: empty for the catalogue of a chain with a disk tier.
    QString listedTier() const;
    QStringList paths(EntryFilter filter) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LoopbackServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    NetworkCache *m_cache = nullptr;
    QStringList m_tiers;
};

void tst_Inspection::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<LoopbackServer>();
    QVERIFY(m_server->isListening());
    m_server->setHandler([](const RecordedRequest &r) {
        if (r.path == "/a")
            return Response::ok(SharedBody).header("Cache-Tag", "t1, t2");
        if (r.path == "/b") {
            Response response = Response::ok(SharedBody).header("Cache-Tag", "t1");
            response.status = 203;
            return response;
        }
        return Response::ok("body of " + r.path);
    });
}

void tst_Inspection::cleanup()
{
    m_nam.reset();
    m_cache = nullptr;
    m_server.reset();
    m_dir.reset();
}

void tst_Inspection::fill(QStringList tiers)
{
    for (QString &spec : tiers) {
        if (spec.contains(QLatin1String("%1")))
            spec = spec.arg(m_dir->path());
    }
    m_tiers = tiers;
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_cache = new NetworkCache;
    m_cache->setCacheDirectory(m_dir->path());
    QVERIFY2(m_cache->setTiers(tiers), qPrintable(m_cache->tierErrors().join(QLatin1Char('\n'))));
    m_nam->setCache(m_cache);
    for (const char *path : {"/a", "/b", "/c"}) {
        const Fetched f = fetch(*m_nam, m_server->url(QLatin1String(path)));
        QCOMPARE(f.error, QNetworkReply::NoError);
        QVERIFY(!f.fromCache);
    }
    // Stored: the second round comes from the cache without contacting the origin.
    const int before = m_server->requestCount();
    QCOMPARE(fetch(*m_nam, m_server->url(QStringLiteral("/b"))).body, SharedBody);
    QCOMPARE(fetch(*m_nam, m_server->url(QStringLiteral("/b"))).status, 203);
    QCOMPARE(m_server->requestCount(), before);
}

QString tst_Inspection::listedTier() const
{
    for (const QString &spec : m_tiers) {
        if (spec.startsWith(QLatin1String("disk:")))
            return QString();
    }
    return m_tiers.first().section(QLatin1Char(':'), 0, 0);
}

QStringList tst_Inspection::paths(EntryFilter filter) const
{
    filter.setTier(listedTier());
    filter.setOrder(EntryFilter::Order::Url);
    QStringList result = urlPaths(m_cache->entries(filter, 0, -1));
    result.sort();
    return result;
}

void tst_Inspection::statusFilter_data()
{
    QTest::addColumn<QStringList>("tiers");
    QTest::newRow("disk") << QStringList {QStringLiteral("disk:")};
    QTest::newRow("memory+disk") << QStringList {QStringLiteral("memory:?max=4MiB"),
                                                 QStringLiteral("disk:")};
    QTest::newRow("memory") << QStringList {QStringLiteral("memory:?max=4MiB")};
    QTest::newRow("sqlite") << QStringList {QStringLiteral("sqlite:?path=%1/tier.db")};
}

void tst_Inspection::statusFilter()
{
    QFETCH(QStringList, tiers);
    fill(tiers);
    if (QTest::currentTestFailed())
        return;
    const QStringList all = {QStringLiteral("/a"), QStringLiteral("/b"), QStringLiteral("/c")};

    EntryFilter filter;
    QCOMPARE(filter.statusCode(), 0); // any
    QCOMPARE(paths(filter), all);
    filter.setStatusCode(203);
    QCOMPARE(paths(filter), QStringList {QStringLiteral("/b")});
    filter.setStatusCode(200);
    QCOMPARE(paths(filter), (QStringList {QStringLiteral("/a"), QStringLiteral("/c")}));
    // Combined with the other filters.
    filter.setTag(QStringLiteral("t1"));
    QCOMPARE(paths(filter), QStringList {QStringLiteral("/a")});
    filter.setStatusCode(404); // nothing stored with it
    QCOMPARE(paths(filter), QStringList());
    filter.setStatusCode(-7); // nonsense: no match, no error
    QCOMPARE(paths(filter), QStringList());

    EntryFilter counted;
    counted.setTier(listedTier());
    counted.setStatusCode(203);
    QCOMPARE(m_cache->entryCount(counted), 1);
    counted.setStatusCode(0);
    QCOMPARE(m_cache->entryCount(counted), 3);

    // A value: equality covers the new property.
    EntryFilter a, b;
    a.setStatusCode(203);
    QVERIFY(a != b);
    b.setStatusCode(203);
    QVERIFY(a == b);
}

void tst_Inspection::tagBytes()
{
    QFETCH(QStringList, tiers);
    fill(tiers);
    if (QTest::currentTestFailed())
        return;
    const qint64 body = SharedBody.size();
    const QHash<QString, qint64> bytes = m_cache->tagBytes();
    // Each entry counts its body, also when two entries share one.
    QCOMPARE(bytes.value(QStringLiteral("t1"), -1), 2 * body);
    QCOMPARE(bytes.value(QStringLiteral("t2"), -1), body);
    QCOMPARE(bytes.size(), 2);
    QStringList names = bytes.keys();
    names.sort();
    QStringList counted;
    for (const auto &[tag, count] : m_cache->tags())
        counted.append(tag);
    counted.sort();
    QCOMPARE(names, counted);

    // Invalidation takes the bytes with it.
    m_cache->invalidateTag(QStringLiteral("t2"));
    QCOMPARE(m_cache->tagBytes().value(QStringLiteral("t1"), -1), body);
    QVERIFY(!m_cache->tagBytes().contains(QStringLiteral("t2")));
}

void tst_Inspection::sharedBodyCount()
{
    fill({QStringLiteral("disk:")});
    if (QTest::currentTestFailed())
        return;
    const QUrl a = m_server->url(QStringLiteral("/a"));
    const QUrl c = m_server->url(QStringLiteral("/c"));
    QCOMPARE(m_cache->entryInfo(a).sharedBodyCount(), 2);
    QCOMPARE(m_cache->entryInfo(m_server->url(QStringLiteral("/b"))).sharedBodyCount(), 2);
    QCOMPARE(m_cache->entryInfo(c).sharedBodyCount(), 1);
    QCOMPARE(m_cache->entryInfo(a).digest(),
             m_cache->entryInfo(m_server->url(QStringLiteral("/b"))).digest());

    // Another instance (a second process would see the same) after one sharer went.
    QVERIFY(m_cache->remove(m_server->url(QStringLiteral("/b"))));
    NetworkCache reader;
    reader.setReadOnly(true);
    reader.setCacheDirectory(m_dir->path());
    QVERIFY2(reader.open(), qPrintable(reader.errorString()));
    QCOMPARE(reader.entryInfo(a).sharedBodyCount(), 1);
    QCOMPARE(reader.entryInfo(m_server->url(QStringLiteral("/nothing"))).sharedBodyCount(), 0);
}

void tst_Inspection::distinctBodyBytes()
{
    // What sharing saved comes from the summary alone (the CLI's stats read it on a million
    // entries): the disk tier stores /a's and /b's body once; tiers without a catalogue
    // store every entry's body of its own.
    QFETCH(QStringList, tiers);
    fill(tiers);
    if (QTest::currentTestFailed())
        return;
    const qint64 c = QByteArray("body of /c").size();
    const CacheSummary s = m_cache->summary();
    QCOMPARE(s.entryCount(), 3);
    QCOMPARE(s.bodyBytes(), 2 * SharedBody.size() + c);
    QCOMPARE(s.distinctBodyBytes(), (listedTier().isEmpty() ? 1 : 2) * SharedBody.size() + c);
}

QTEST_GUILESS_MAIN(tst_Inspection)
#include "tst_inspection.moc"
