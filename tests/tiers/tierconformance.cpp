// SPDX-License-Identifier: MIT
#include "tierconformance.h"

#include <tiercache/tierloader.h>

#include <QtCore/QBuffer>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QMap>
#include <QtCore/QRandomGenerator>
#include <QtCore/QSet>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <cstring>
#include <vector>

namespace tiercache::test {

namespace {

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * KiB;
constexpr int ReadTimeoutMs = 30000;

QString keyFor(const char *testCase, int n = 0)
{
    return QStringLiteral("https://conformance.tiercache.test/%1/%2?v=%3")
            .arg(QLatin1String(testCase))
            .arg(n)
            .arg(n * 7);
}

// Incompressible and different for every seed, so a tier that compresses cannot make sizes
// look smaller than the bodies, and a mix of two versions is caught anywhere in the body.
QByteArray makeBody(qint64 size, quint32 seed)
{
    std::vector<quint32> words(size_t(size / 4 + 1));
    QRandomGenerator(seed).fillRange(words.data(), qsizetype(words.size()));
    QByteArray body(size, Qt::Uninitialized);
    std::memcpy(body.data(), words.data(), size_t(size));
    return body;
}

QDateTime wholeSecondsFromNow(qint64 seconds)
{
    return QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch() + seconds, Qt::UTC);
}

QNetworkCacheMetaData makeMetaData(const QString &key, const QByteArray &tag,
                                   qint64 expiresIn = 3600)
{
    QNetworkCacheMetaData md;
    md.setUrl(QUrl(key));
    md.setRawHeaders({
            {"Content-Type", "application/octet-stream"},
            {"ETag", "\"" + tag + "\""},
            {"Cache-Control", "max-age=" + QByteArray::number(expiresIn)},
            {"Link", "</a.css>; rel=preload"}, // repeated header: order and both values kept
            {"Link", "</b.js>; rel=preload"},
            {"X-Conformance", tag},
            {"X-Bytes", "caf\xc3\xa9 \x01\x7f"},
            {"X-Empty", ""},
    });
    QNetworkCacheMetaData::AttributesMap attributes;
    attributes.insert(QNetworkRequest::HttpStatusCodeAttribute, 200);
    attributes.insert(QNetworkRequest::HttpReasonPhraseAttribute, QByteArray("OK"));
    md.setAttributes(attributes);
    md.setExpirationDate(wholeSecondsFromNow(expiresIn));
    md.setLastModified(wholeSecondsFromNow(-86400));
    md.setSaveToDisk(true);
    return md;
}

QByteArray tagOf(const QNetworkCacheMetaData &md)
{
    for (const auto &header : md.rawHeaders()) {
        if (header.first == "X-Conformance")
            return header.second;
    }
    return {};
}

// QCOMPARE-based; callers check QTest::currentTestFailed() afterwards.
void verifyMetaData(const QNetworkCacheMetaData &actual, const QNetworkCacheMetaData &expected)
{
    QCOMPARE(actual.url(), expected.url());
    QCOMPARE(actual.rawHeaders(), expected.rawHeaders());
    QCOMPARE(actual.attributes().value(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
             expected.attributes().value(QNetworkRequest::HttpStatusCodeAttribute).toInt());
    QCOMPARE(actual.attributes().value(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray(),
             expected.attributes().value(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray());
    QCOMPARE(actual.expirationDate(), expected.expirationDate());
    QCOMPARE(actual.lastModified(), expected.lastModified());
}

QString describeMismatch(const QByteArray &actual, const QByteArray &expected)
{
    qsizetype i = 0;
    const qsizetype common = qMin(actual.size(), expected.size());
    while (i < common && actual.at(i) == expected.at(i))
        ++i;
    return QStringLiteral("body differs: got %1 bytes, expected %2, first difference at offset %3")
            .arg(actual.size())
            .arg(expected.size())
            .arg(i);
}

const QStringList DefaultTags {QStringLiteral("conformance"), QStringLiteral("tag:with spaces")};

/*
    Stores \a body under \a key: beginWrite() with \a beginMd (\a md when invalid), commit()
    with \a md and \a tags, as NetworkCache does (the final metadata goes to commit()).
*/
bool put(Tier &tier, const QString &key, const QNetworkCacheMetaData &md, const QByteArray &body,
         QString *why, qint64 chunk = 64 * KiB, const QStringList &tags = DefaultTags,
         const QNetworkCacheMetaData &beginMd = {})
{
    std::unique_ptr<TierWriter> writer =
            tier.beginWrite(key, beginMd.isValid() ? beginMd : md, body.size());
    if (!writer) {
        *why = QStringLiteral("beginWrite(%1, %2 bytes) returned nullptr: %3")
                       .arg(key)
                       .arg(body.size())
                       .arg(tier.errorString());
        return false;
    }
    for (qint64 offset = 0; offset < body.size(); offset += chunk) {
        if (!writer->write(body.constData() + offset, qMin(chunk, body.size() - offset))) {
            *why = QStringLiteral("write() at offset %1 of %2 failed: %3")
                           .arg(offset)
                           .arg(body.size())
                           .arg(writer->errorString());
            return false;
        }
    }
    if (!writer->commit(md, tags)) {
        *why = QStringLiteral("commit() of %1 (%2 bytes) failed: %3")
                       .arg(key)
                       .arg(body.size())
                       .arg(writer->errorString());
        return false;
    }
    return true;
}

#define PUT(tier, key, md, body) \
    do { \
        QString why_; \
        QVERIFY2(put(tier, key, md, body, &why_), qPrintable(why_)); \
    } while (false)

// Declares \a var, the handle of a lookup of \a key that must hit.
#define LOOKUP(var, tier, key) \
    const std::unique_ptr<TierEntry> var = (tier).lookup(key); \
    QVERIFY2(var, \
             qPrintable(QStringLiteral("lookup(%1) missed: %2").arg(key, (tier).errorString())))

struct ReadResult
{
    enum Outcome {
        End,      //!< read() returned -1 (or a random-access device reached atEnd())
        Failed,   //!< the device stopped and reported an error
        TimedOut, //!< neither data, nor readyRead(), nor an error
        Overrun,  //!< more bytes than the body has
    };
    QByteArray data;
    Outcome outcome = End;
    QString detail;
};

bool reportsError(const QIODevice *device)
{
    static const QString noError = QBuffer().errorString(); // "Unknown error"
    return !device->errorString().isEmpty() && device->errorString() != noError;
}

/*
    Reads as QNAM does (Qt 6.4, QNetworkReplyHttpImpl::_q_cacheLoadReadyRead): a sequential
    device may return 0 while it refills from the event loop and then emits readyRead(); its end
    is read() == -1. A random-access device (QBuffer) ends at atEnd().
*/
ReadResult readBody(QIODevice *device, qint64 expectedSize, int chunk = 16 * KiB,
                    qint64 stopAfter = -1, int timeoutMs = ReadTimeoutMs)
{
    ReadResult r;
    QSignalSpy readyRead(device, &QIODevice::readyRead);
    qsizetype seen = 0;
    QElapsedTimer timer;
    timer.start();
    QByteArray buffer(chunk, Qt::Uninitialized);
    for (;;) {
        qint64 want = buffer.size();
        if (stopAfter >= 0) {
            want = qMin(want, stopAfter - r.data.size());
            if (want <= 0)
                return r;
        }
        const qint64 n = device->read(buffer.data(), want);
        if (n > 0) {
            r.data.append(buffer.constData(), n);
            if (r.data.size() > expectedSize) {
                r.outcome = ReadResult::Overrun;
                r.detail = QStringLiteral("device delivered more than the %1 body bytes")
                                   .arg(expectedSize);
                return r;
            }
            continue;
        }
        if (n < 0 || (!device->isSequential() && device->atEnd())) {
            r.outcome = ReadResult::End;
            return r;
        }
        // Wait for readyRead() in short slices: a device that fails says so only through
        // atEnd() and errorString() (and by aborting the QNetworkReply it belongs to).
        while (readyRead.size() == seen) {
            if (device->isSequential() && device->atEnd() && reportsError(device)) {
                r.outcome = ReadResult::Failed;
                r.detail = device->errorString();
                return r;
            }
            if (timer.hasExpired(timeoutMs)) {
                r.outcome = ReadResult::TimedOut;
                r.detail = device->bytesAvailable() > 0
                        ? QStringLiteral("data became available without readyRead()")
                        : QStringLiteral("read() kept returning 0 and no readyRead() came "
                                         "within %1 ms")
                                  .arg(timeoutMs);
                return r;
            }
            readyRead.wait(50);
        }
        seen = readyRead.size();
    }
}

QString describe(const ReadResult &r)
{
    static const char *const names[] = {"end", "failed", "timed out", "overrun"};
    return QStringLiteral("%1 after %2 bytes%3")
            .arg(QLatin1String(names[r.outcome]))
            .arg(r.data.size())
            .arg(r.detail.isEmpty() ? QString() : QStringLiteral(": ") + r.detail);
}

// The whole body, exactly, through the handle \a entry (\a what names it in messages).
#define VERIFY_ENTRY_BODY(entry, what, expected, mode) \
    do { \
        std::unique_ptr<QIODevice> device_((entry).openBody(mode)); \
        QVERIFY2(device_, \
                 qPrintable(QStringLiteral("openBody() of %1 returned nullptr").arg(what))); \
        const ReadResult read_ = readBody(device_.get(), (expected).size()); \
        QVERIFY2(read_.outcome == ReadResult::End, \
                 qPrintable(QStringLiteral("%1: %2").arg(what, describe(read_)))); \
        QVERIFY2(read_.data == (expected), \
                 qPrintable(QStringLiteral("%1: %2").arg( \
                         what, describeMismatch(read_.data, expected)))); \
    } while (false)

// The whole body, exactly, through lookup(key)->openBody(); a miss fails the test.
#define VERIFY_BODY(tier, key, expected) \
    do { \
        const std::unique_ptr<TierEntry> entry_ = (tier).lookup(key); \
        QVERIFY2(entry_, \
                 qPrintable( \
                         QStringLiteral("lookup(%1) missed: %2").arg(key, (tier).errorString()))); \
        VERIFY_ENTRY_BODY(*entry_, key, expected, TierEntry::ReadMode::Streaming); \
    } while (false)

QMap<QString, qint64> contents(Tier &tier)
{
    QMap<QString, qint64> entries;
    tier.enumerate([&](const TierRecord &record) {
        entries.insert(record.key(), record.bodySize());
        return true;
    });
    return entries;
}

} // namespace

TierConformance::TierConformance(const QString &label, Factory factory, Options options)
    : m_label(label), m_factory(std::move(factory)), m_options(std::move(options))
{
    if (!m_options.reopen)
        m_options.reopen = m_factory;
    setObjectName(label);
}

TierConformance::TierConformance(const QString &spec, Options options)
    : TierConformance(spec, specFactory(spec), std::move(options))
{
    m_scheme = spec.section(QLatin1Char(':'), 0, 0);
}

TierConformance::~TierConformance() = default;

TierConformance::Factory TierConformance::specFactory(const QString &spec)
{
    auto loader = std::make_shared<TierLoader>();
    return [loader, spec](QString *errorString) { return loader->create(spec, errorString); };
}

std::unique_ptr<Tier> TierConformance::make(const Factory &factory)
{
    QString why;
    std::unique_ptr<Tier> tier = factory(&why);
    if (!tier)
        qWarning().noquote() << "cannot create tier" << m_label << ":" << why;
    return tier;
}

qint64 TierConformance::fitting(qint64 wanted) const
{
    const qint64 limit = m_tier ? m_tier->maxEntrySize() : -1;
    return limit >= 0 ? qMin(wanted, limit) : wanted;
}

void TierConformance::initTestCase()
{
    std::unique_ptr<Tier> tier = make(m_factory);
    QVERIFY2(tier, qPrintable(QStringLiteral("cannot create the tier %1").arg(m_label)));
    qInfo().noquote() << "conformance of" << m_label << "- name" << tier->name() << "capabilities"
                      << int(tier->capabilities()) << "maxEntrySize" << tier->maxEntrySize();
    if (!m_scheme.isEmpty())
        QCOMPARE(tier->name(), m_scheme);
    if (tier->capabilities().testFlag(Tier::Capability::Persistent) && !m_options.persistent)
        qWarning().noquote()
                << m_label << "says it is persistent, but the suite was not told how to reopen it";
}

void TierConformance::init()
{
    m_tier = make(m_factory);
    QVERIFY2(m_tier, qPrintable(QStringLiteral("cannot create the tier %1").arg(m_label)));
    m_tier->clear();
    QVERIFY2(contents(*m_tier).isEmpty(), "clear() left entries behind");
}

void TierConformance::cleanup()
{
    if (m_tier)
        m_tier->clear();
    m_tier.reset();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QCoreApplication::processEvents();
}

void TierConformance::roundTrip_data()
{
    QTest::addColumn<qint64>("bodySize");
    QTest::newRow("empty body") << qint64(0);
    QTest::newRow("one byte") << qint64(1);
    QTest::newRow("1000 bytes") << qint64(1000);
    QTest::newRow("64 KiB") << 64 * KiB;
    QTest::newRow("odd, 300 KiB") << 300 * KiB + 7;
}

void TierConformance::roundTrip()
{
    QFETCH(qint64, bodySize);
    const QString key = keyFor("roundTrip", int(bodySize));
    const QNetworkCacheMetaData md = makeMetaData(key, "v1");
    const QByteArray body = makeBody(fitting(bodySize), 1);
    PUT(*m_tier, key, md, body);
    QVERIFY2(m_tier->errorString().isEmpty(),
             qPrintable(QStringLiteral("errorString() after a successful commit: ")
                        + m_tier->errorString()));

    LOOKUP(entry, *m_tier, key);
    QVERIFY2(m_tier->errorString().isEmpty(),
             qPrintable(QStringLiteral("errorString() after a hit: ") + m_tier->errorString()));
    const TierRecord record = entry->record();
    QVERIFY(record.isValid());
    QCOMPARE(record.key(), key);
    QCOMPARE(record.bodySize(), body.size());
    verifyMetaData(record.metaData(), md);
    if (QTest::currentTestFailed())
        return;
    LOOKUP(again, *m_tier, key); // lookups do not consume anything
    QCOMPARE(again->record().bodySize(), body.size());
    QCOMPARE(again->record().version(), record.version());

    // Two readers at once, from two handles, read one after the other.
    std::unique_ptr<QIODevice> first(entry->openBody());
    std::unique_ptr<QIODevice> second(again->openBody());
    QVERIFY(first);
    QVERIFY(second);
    for (QIODevice *device : {first.get(), second.get()}) {
        const ReadResult read = readBody(device, body.size());
        QVERIFY2(read.outcome == ReadResult::End, qPrintable(describe(read)));
        QVERIFY2(read.data == body, qPrintable(describeMismatch(read.data, body)));
    }
}

void TierConformance::unknownKey()
{
    // A default record is "no such entry".
    QVERIFY(!TierRecord().isValid());
    QCOMPARE(TierRecord().bodySize(), qint64(-1));

    const QString present = keyFor("unknownKey", 1);
    const QString absent = keyFor("unknownKey", 2);
    for (int round = 0; round < 2; ++round) { // on an empty tier, then beside another entry
        QVERIFY(!m_tier->lookup(absent));
        QVERIFY2(m_tier->errorString().isEmpty(),
                 qPrintable(QStringLiteral("errorString() after a plain miss: ")
                            + m_tier->errorString()));
        QVERIFY(!m_tier->remove(absent));
        QVERIFY(!m_tier->updateMetaData(absent, makeMetaData(absent, "never")));
        QVERIFY(!m_tier->updateMetaData(absent, makeMetaData(absent, "never"), "some-version"));
        QVERIFY2(!m_tier->lookup(absent), "updateMetaData() created an entry");
        PUT(*m_tier, present, makeMetaData(present, "v1"), makeBody(100, 2));
    }
}

void TierConformance::removeThenRemoveAgain()
{
    const QString key = keyFor("remove");
    const QString other = keyFor("remove", 1);
    PUT(*m_tier, key, makeMetaData(key, "v1"), makeBody(5000, 3));
    PUT(*m_tier, other, makeMetaData(other, "v1"), makeBody(5000, 4));
    QVERIFY(m_tier->remove(key));
    QVERIFY(!m_tier->lookup(key));
    QVERIFY(!m_tier->remove(key));
    // Only that entry went.
    QVERIFY(m_tier->lookup(other));
    VERIFY_BODY(*m_tier, other, makeBody(5000, 4));
}

void TierConformance::updateMetaDataKeepsBody()
{
    const QString key = keyFor("updateMetaData");
    const QByteArray body = makeBody(fitting(200 * KiB), 5);
    PUT(*m_tier, key, makeMetaData(key, "v1"), body);

    QNetworkCacheMetaData revalidated = makeMetaData(key, "v2-after-304", 7200);
    revalidated.setRawHeaders(revalidated.rawHeaders() << QNetworkCacheMetaData::RawHeader(
                                      "Date", "Tue, 01 Jan 2030 00:00:00 GMT"));
    QVERIFY2(m_tier->updateMetaData(key, revalidated), qPrintable(m_tier->errorString()));

    LOOKUP(entry, *m_tier, key);
    const TierRecord record = entry->record();
    QVERIFY(record.isValid());
    QCOMPARE(record.bodySize(), body.size());
    verifyMetaData(record.metaData(), revalidated);
    if (QTest::currentTestFailed())
        return;
    VERIFY_BODY(*m_tier, key, body);
    QCOMPARE(contents(*m_tier).size(), 1);
}

void TierConformance::conditionalUpdateMetaData()
{
    const QString key = keyFor("conditionalUpdate");
    const QByteArray v1 = makeBody(fitting(150 * KiB), 6);
    const QByteArray v2 = makeBody(fitting(150 * KiB), 7); // same size, other bytes
    const QNetworkCacheMetaData md1 = makeMetaData(key, "v1");
    PUT(*m_tier, key, md1, v1);
    QByteArray version1;
    {
        LOOKUP(entry, *m_tier, key);
        version1 = entry->record().version();
    }

    // The version of the body the caller saw: the update applies, and the body keeps its
    // version (a second 304 about the same body must apply too).
    const QNetworkCacheMetaData revalidated = makeMetaData(key, "v1-after-304", 7200);
    QVERIFY2(m_tier->updateMetaData(key, revalidated, version1), qPrintable(m_tier->errorString()));
    {
        LOOKUP(entry, *m_tier, key);
        verifyMetaData(entry->record().metaData(), revalidated);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(entry->record().version(), version1);
        VERIFY_ENTRY_BODY(*entry, key, v1, TierEntry::ReadMode::Streaming);
    }
    const QNetworkCacheMetaData again = makeMetaData(key, "v1-after-second-304", 9000);
    QVERIFY2(m_tier->updateMetaData(key, again, version1), qPrintable(m_tier->errorString()));

    if (version1.isEmpty()) {
        qInfo().noquote() << m_label
                          << "reports no body versions: conditional updates are not checked";
        return;
    }

    // Another writer replaces the body: a 304 about the old one must not describe it.
    const QNetworkCacheMetaData md2 = makeMetaData(key, "v2");
    PUT(*m_tier, key, md2, v2);
    QByteArray version2;
    {
        LOOKUP(entry, *m_tier, key);
        version2 = entry->record().version();
    }
    QVERIFY2(!version2.isEmpty(), "the first body had a version, the second has none");
    QVERIFY2(version2 != version1,
             qPrintable(QStringLiteral("two different bodies have the same version \"%1\"")
                                .arg(QString::fromLatin1(version1.toHex()))));
    const QNetworkCacheMetaData stale = makeMetaData(key, "stale-304", 60);
    QVERIFY2(!m_tier->updateMetaData(key, stale, version1),
             "updateMetaData() with the version of a replaced body was applied");
    {
        LOOKUP(entry, *m_tier, key);
        verifyMetaData(entry->record().metaData(), md2);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(entry->record().version(), version2);
        VERIFY_ENTRY_BODY(*entry, key, v2, TierEntry::ReadMode::Streaming);
    }

    // The current version applies; an unconditional update always does.
    const QNetworkCacheMetaData current = makeMetaData(key, "v2-after-304", 600);
    QVERIFY2(m_tier->updateMetaData(key, current, version2), qPrintable(m_tier->errorString()));
    {
        LOOKUP(entry, *m_tier, key);
        verifyMetaData(entry->record().metaData(), current);
        if (QTest::currentTestFailed())
            return;
    }
    const QNetworkCacheMetaData unconditional = makeMetaData(key, "unconditional", 900);
    QVERIFY2(m_tier->updateMetaData(key, unconditional), qPrintable(m_tier->errorString()));
    {
        LOOKUP(entry, *m_tier, key);
        verifyMetaData(entry->record().metaData(), unconditional);
        if (QTest::currentTestFailed())
            return;
    }

    // Once removed, no version applies, and nothing is created.
    QVERIFY(m_tier->remove(key));
    QVERIFY(!m_tier->updateMetaData(key, current, version2));
    QVERIFY2(!m_tier->lookup(key), "a conditional updateMetaData() created an entry");
}

void TierConformance::enumerateSeesExactlyThePuts()
{
    QMap<QString, qint64> expected;
    QMap<QString, QByteArray> tags;
    for (int i = 0; i < 5; ++i) {
        const QString key = keyFor("enumerate", i);
        const QByteArray body = makeBody(100 * i + 10, quint32(10 + i));
        tags.insert(key, "e" + QByteArray::number(i));
        PUT(*m_tier, key, makeMetaData(key, tags.value(key)), body);
        expected.insert(key, body.size());
    }
    QStringList problems;
    QSet<QString> visited;
    m_tier->enumerate([&](const TierRecord &record) {
        if (visited.contains(record.key()))
            problems << QStringLiteral("%1 visited twice").arg(record.key());
        visited.insert(record.key());
        if (tagOf(record.metaData()) != tags.value(record.key()))
            problems << QStringLiteral("%1 has the metadata of another entry").arg(record.key());
        return true;
    });
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1String("; "))));
    QCOMPARE(contents(*m_tier), expected);

    int calls = 0;
    m_tier->enumerate([&](const TierRecord &) {
        ++calls;
        return false;
    });
    QCOMPARE(calls, 1); // stops when the visitor says so

    QVERIFY(m_tier->remove(keyFor("enumerate", 2)));
    expected.remove(keyFor("enumerate", 2));
    QCOMPARE(contents(*m_tier), expected);
}

void TierConformance::clearEmpties()
{
    for (int i = 0; i < 3; ++i) {
        const QString key = keyFor("clear", i);
        PUT(*m_tier, key, makeMetaData(key, "v1"), makeBody(20 * KiB, quint32(20 + i)));
    }
    QVERIFY(m_tier->size() > 0);
    m_tier->clear();
    for (int i = 0; i < 3; ++i)
        QVERIFY(!m_tier->lookup(keyFor("clear", i)));
    QVERIFY(contents(*m_tier).isEmpty());
    const qint64 left = m_tier->size();
    QVERIFY2(left >= 0 && left < 4 * KiB,
             qPrintable(QStringLiteral("size() after clear() is %1").arg(left)));
    // Still usable.
    const QString key = keyFor("clear", 9);
    PUT(*m_tier, key, makeMetaData(key, "after"), makeBody(10, 29));
    QVERIFY(m_tier->lookup(key));
}

void TierConformance::sizeGrowsWithPuts()
{
    const qint64 bodySize = 64 * KiB;
    const qint64 empty = m_tier->size();
    qint64 previous = empty;
    for (int i = 0; i < 3; ++i) {
        const QString key = keyFor("size", i);
        PUT(*m_tier, key, makeMetaData(key, "v1"), makeBody(bodySize, quint32(30 + i)));
        const qint64 now = m_tier->size();
        QVERIFY2(now > previous,
                 qPrintable(QStringLiteral("size() went from %1 to %2 after a put")
                                    .arg(previous)
                                    .arg(now)));
        previous = now;
    }
    QVERIFY2(previous - empty >= 3 * bodySize,
             qPrintable(QStringLiteral("size() grew by %1 for %2 body bytes")
                                .arg(previous - empty)
                                .arg(3 * bodySize)));
    for (int i = 0; i < 3; ++i)
        QVERIFY(m_tier->remove(keyFor("size", i)));
    QVERIFY2(m_tier->size() < previous,
             qPrintable(QStringLiteral("size() is still %1 after removing everything")
                                .arg(m_tier->size())));
}

void TierConformance::replaceGivesSecondBody()
{
    const QString key = keyFor("replace");
    const QByteArray first = makeBody(fitting(100 * KiB), 40);
    const QByteArray second = makeBody(fitting(100 * KiB) - 1000, 41); // other size, other bytes
    PUT(*m_tier, key, makeMetaData(key, "v1"), first);
    const qint64 withOne = m_tier->size();
    const QNetworkCacheMetaData md2 = makeMetaData(key, "v2", 600);
    PUT(*m_tier, key, md2, second);

    LOOKUP(entry, *m_tier, key);
    const TierRecord record = entry->record();
    QVERIFY(record.isValid());
    QCOMPARE(record.bodySize(), second.size());
    verifyMetaData(record.metaData(), md2);
    if (QTest::currentTestFailed())
        return;
    VERIFY_BODY(*m_tier, key, second);
    QCOMPARE(contents(*m_tier).size(), 1);
    QVERIFY2(m_tier->size() < withOne + second.size() / 2,
             qPrintable(QStringLiteral("size() %1 after replacing, %2 with the first version: the "
                                       "old body still counts")
                                .arg(m_tier->size())
                                .arg(withOne)));
}

void TierConformance::commitMetaDataWins()
{
    // NetworkCache knows the final metadata (and the tags) only when the body is complete:
    // commit()'s metadata is stored, not beginWrite()'s, for a new entry and a replacement.
    const QString key = keyFor("commitMetaData");
    const QByteArray body = makeBody(fitting(120 * KiB), 42);
    const QNetworkCacheMetaData atBegin = makeMetaData(key, "from-beginWrite", 60);
    const QNetworkCacheMetaData atCommit = makeMetaData(key, "from-commit", 7200);
    {
        QString why;
        QVERIFY2(put(*m_tier, key, atCommit, body, &why, 64 * KiB,
                     {QStringLiteral("first"), QStringLiteral("second")}, atBegin),
                 qPrintable(why));
    }
    {
        LOOKUP(entry, *m_tier, key);
        QCOMPARE(tagOf(entry->record().metaData()), QByteArray("from-commit"));
        verifyMetaData(entry->record().metaData(), atCommit);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(entry->record().bodySize(), body.size());
        VERIFY_ENTRY_BODY(*entry, key, body, TierEntry::ReadMode::Streaming);
    }
    bool enumerated = false;
    m_tier->enumerate([&](const TierRecord &record) {
        if (record.key() == key)
            enumerated = tagOf(record.metaData()) == "from-commit";
        return true;
    });
    QVERIFY2(enumerated, "enumerate() does not show the commit's metadata");

    // A replacement, committed without tags.
    const QByteArray body2 = makeBody(fitting(80 * KiB), 43);
    const QNetworkCacheMetaData atBegin2 = makeMetaData(key, "from-beginWrite-2", 60);
    const QNetworkCacheMetaData atCommit2 = makeMetaData(key, "from-commit-2", 3600);
    {
        QString why;
        QVERIFY2(put(*m_tier, key, atCommit2, body2, &why, 64 * KiB, {}, atBegin2),
                 qPrintable(why));
    }
    {
        LOOKUP(entry, *m_tier, key);
        verifyMetaData(entry->record().metaData(), atCommit2);
        if (QTest::currentTestFailed())
            return;
        VERIFY_ENTRY_BODY(*entry, key, body2, TierEntry::ReadMode::Streaming);
    }

    if (!m_options.persistent)
        return;
    m_tier.reset();
    QCoreApplication::processEvents();
    m_tier = make(m_options.reopen);
    QVERIFY(m_tier);
    LOOKUP(entry, *m_tier, key);
    verifyMetaData(entry->record().metaData(), atCommit2);
}

void TierConformance::streamsLargeBody()
{
    const qint64 wanted = 3 * MiB + 12345; // beyond any chunk or window size
    const QByteArray body = makeBody(fitting(wanted), 50);
    if (body.size() < wanted)
        qInfo().noquote() << "body limited to maxEntrySize()" << body.size();
    const QString key = keyFor("stream");
    PUT(*m_tier, key, makeMetaData(key, "big"), body);
    LOOKUP(entry, *m_tier, key);
    QCOMPARE(entry->record().bodySize(), body.size());

    std::unique_ptr<QIODevice> device(entry->openBody());
    QVERIFY(device);
    QVERIFY(device->isOpen());
    QVERIFY(device->isReadable());
    // Odd read sizes, so reads straddle whatever internal boundaries the device has.
    const ReadResult read = readBody(device.get(), body.size(), 12345);
    QVERIFY2(read.outcome == ReadResult::End, qPrintable(describe(read)));
    QVERIFY2(read.data == body, qPrintable(describeMismatch(read.data, body)));
    if (device->isSequential()) {
        char c;
        QCOMPARE(device->read(&c, 1), qint64(-1)); // the end stays the end
    }
}

void TierConformance::handleOpensTwice()
{
    // Beyond any first window a tier may verify at lookup, so the second opening cannot be
    // served from what the first one read.
    const QString key = keyFor("openTwice");
    const QByteArray body = makeBody(fitting(2 * MiB + 4321), 44);
    PUT(*m_tier, key, makeMetaData(key, "twice"), body);
    LOOKUP(entry, *m_tier, key);

    // One after the other...
    VERIFY_ENTRY_BODY(*entry, QStringLiteral("first opening"), body,
                      TierEntry::ReadMode::Streaming);
    VERIFY_ENTRY_BODY(*entry, QStringLiteral("second opening"), body,
                      TierEntry::ReadMode::Streaming);
    // ... checked whole first...
    VERIFY_ENTRY_BODY(*entry, QStringLiteral("Verified opening"), body,
                      TierEntry::ReadMode::Verified);
    // ... and two devices of one handle at once, read interleaved.
    std::unique_ptr<QIODevice> a(entry->openBody());
    std::unique_ptr<QIODevice> b(entry->openBody());
    QVERIFY2(a && b, "a handle cannot be opened twice at once");
    const qint64 half = body.size() / 2;
    const ReadResult headA = readBody(a.get(), body.size(), 16 * KiB, half);
    const ReadResult allB = readBody(b.get(), body.size());
    const ReadResult restA = readBody(a.get(), body.size() - headA.data.size());
    QVERIFY2(allB.outcome == ReadResult::End, qPrintable(describe(allB)));
    QVERIFY2(allB.data == body, qPrintable(describeMismatch(allB.data, body)));
    QVERIFY2(restA.outcome == ReadResult::End, qPrintable(describe(restA)));
    const QByteArray gotA = headA.data + restA.data;
    QVERIFY2(gotA == body, qPrintable(describeMismatch(gotA, body)));
    // The record of a handle does not change with its openings.
    QCOMPARE(entry->record().bodySize(), body.size());
    QCOMPARE(entry->record().key(), key);
}

void TierConformance::handleOpensLongAfterLookup()
{
    // A handle carries what its lookup found: nothing about it depends on which calls came
    // before openBody() (other lookups, other bodies read, writes, removals, the event loop).
    const QString key = keyFor("openLater", 0);
    const QString small = keyFor("openLater", 1);
    const QString other = keyFor("openLater", 2);
    const QString removed = keyFor("openLater", 3);
    const QByteArray body = makeBody(fitting(2 * MiB + 77), 45);
    const QByteArray smallBody = makeBody(3000, 46);
    const QByteArray otherBody = makeBody(fitting(1 * MiB + 5), 47);
    PUT(*m_tier, key, makeMetaData(key, "later"), body);
    PUT(*m_tier, small, makeMetaData(small, "small"), smallBody);
    PUT(*m_tier, removed, makeMetaData(removed, "removed"), makeBody(500, 48));

    LOOKUP(entry, *m_tier, key);
    LOOKUP(smallEntry, *m_tier, small);
    {
        // Other lookups and other bodies read in between, some through handles of the same
        // key.
        LOOKUP(sameKey, *m_tier, key);
        VERIFY_ENTRY_BODY(*sameKey, QStringLiteral("another handle of the key"), body,
                          TierEntry::ReadMode::Streaming);
        VERIFY_BODY(*m_tier, small, smallBody);
        QVERIFY(!m_tier->lookup(keyFor("openLater", 99))); // a miss
        PUT(*m_tier, other, makeMetaData(other, "other"), otherBody);
        VERIFY_BODY(*m_tier, other, otherBody);
        QVERIFY(m_tier->remove(removed));
        QCOMPARE(contents(*m_tier).size(), 3);
    }
    // Long after: the event loop runs (timers a tier may have: flushes, sweeps, trims).
    QTest::qWait(1500);
    VERIFY_ENTRY_BODY(*smallEntry, QStringLiteral("the small handle, long after its lookup"),
                      smallBody, TierEntry::ReadMode::Streaming);
    VERIFY_ENTRY_BODY(*entry, QStringLiteral("the large handle, long after its lookup"), body,
                      TierEntry::ReadMode::Streaming);
    QCOMPARE(tagOf(entry->record().metaData()), QByteArray("later"));
    // And after further lookups and reads, the other way round and checked whole.
    VERIFY_BODY(*m_tier, other, otherBody);
    VERIFY_ENTRY_BODY(*entry, QStringLiteral("the large handle, opened again"), body,
                      TierEntry::ReadMode::Verified);
    VERIFY_ENTRY_BODY(*smallEntry, QStringLiteral("the small handle, opened again"), smallBody,
                      TierEntry::ReadMode::Verified);
}

void TierConformance::writerWithoutCommitLeavesNothing()
{
    const qint64 before = m_tier->size();
    const QByteArray body = makeBody(fitting(300 * KiB), 60);

    // Dropped half-way, dropped after the last byte, and dropped before any byte.
    for (qint64 written : {body.size() / 2, body.size(), qint64(0)}) {
        const QString key = keyFor("abandoned", int(written));
        {
            std::unique_ptr<TierWriter> writer =
                    m_tier->beginWrite(key, makeMetaData(key, "v1"), body.size());
            QVERIFY2(writer, qPrintable(m_tier->errorString()));
            if (written > 0)
                QVERIFY2(writer->write(body.constData(), written),
                         qPrintable(writer->errorString()));
        }
        QCoreApplication::processEvents();
        QVERIFY2(!m_tier->lookup(key),
                 qPrintable(
                         QStringLiteral("%1 bytes written, no commit, yet visible").arg(written)));
    }
    QVERIFY(contents(*m_tier).isEmpty());
    QVERIFY2(m_tier->size() <= before,
             qPrintable(QStringLiteral("size() %1, was %2").arg(m_tier->size()).arg(before)));

    // An abandoned replacement leaves the stored version alone.
    const QString key = keyFor("abandoned", 99);
    const QNetworkCacheMetaData md1 = makeMetaData(key, "v1");
    const QByteArray v1 = makeBody(fitting(100 * KiB), 61);
    PUT(*m_tier, key, md1, v1);
    QByteArray version1;
    {
        LOOKUP(entry, *m_tier, key);
        version1 = entry->record().version();
    }
    {
        const QByteArray v2 = makeBody(fitting(100 * KiB), 62);
        std::unique_ptr<TierWriter> writer =
                m_tier->beginWrite(key, makeMetaData(key, "v2"), v2.size());
        QVERIFY2(writer, qPrintable(m_tier->errorString()));
        QVERIFY(writer->write(v2.constData(), v2.size()));
    }
    QCoreApplication::processEvents();
    {
        LOOKUP(entry, *m_tier, key);
        const TierRecord record = entry->record();
        QVERIFY(record.isValid());
        verifyMetaData(record.metaData(), md1);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(record.version(), version1);
        VERIFY_ENTRY_BODY(*entry, key, v1, TierEntry::ReadMode::Streaming);
    }
    const qint64 withOne = m_tier->size();

    // Nor does anything of the abandoned writers come back with the storage.
    if (!m_options.persistent)
        return;
    m_tier.reset();
    QCoreApplication::processEvents();
    m_tier = make(m_options.reopen);
    QVERIFY(m_tier);
    QCOMPARE(contents(*m_tier).keys(), QList<QString> {key});
    QCOMPARE(m_tier->size(), withOne);
    VERIFY_BODY(*m_tier, key, v1);
}

void TierConformance::readersKeepTheirVersionDuringReplace()
{
    const QString key = keyFor("concurrentReplace");
    // Same size, so only the bytes tell the versions apart; beyond a disk window.
    const qint64 size = fitting(2 * MiB + 333);
    const QByteArray v1 = makeBody(size, 70);
    const QByteArray v2 = makeBody(size, 71);
    PUT(*m_tier, key, makeMetaData(key, "v1"), v1);

    LOOKUP(first, *m_tier, key);
    LOOKUP(second, *m_tier, key);
    LOOKUP(unopened, *m_tier, key); // its body is opened only after the replacement
    std::unique_ptr<QIODevice> untouched(first->openBody());
    std::unique_ptr<QIODevice> started(second->openBody());
    QVERIFY(untouched);
    QVERIFY(started);
    const ReadResult head = readBody(started.get(), size, 16 * KiB, 100 * KiB);
    QVERIFY2(head.data == v1.left(head.data.size())
                     && head.data.size() == qMin<qint64>(size, 100 * KiB),
             qPrintable(describe(head)));

    const QNetworkCacheMetaData md2 = makeMetaData(key, "v2");
    PUT(*m_tier, key, md2, v2);

    // The handle stands for the version its lookup saw: its record stays v1, and its body is
    // v1 or nothing (the tier no longer has it), never v2.
    QCOMPARE(tagOf(unopened->record().metaData()), QByteArray("v1"));
    std::unique_ptr<QIODevice> late(unopened->openBody());
    if (!late)
        qInfo().noquote() << "handle opened after the replacement: nullptr (allowed)";

    struct Reader
    {
        const char *name;
        QIODevice *device;
        QByteArray already;
    };
    for (const Reader &reader : {Reader {"unread reader", untouched.get(), {}},
                                 Reader {"half-read reader", started.get(), head.data},
                                 Reader {"handle opened after the replacement", late.get(), {}}}) {
        if (!reader.device)
            continue;
        ReadResult rest =
                readBody(reader.device, size - reader.already.size(), 16 * KiB, -1, 10000);
        const QByteArray got = reader.already + rest.data;
        const QString what =
                QStringLiteral("%1: %2").arg(QLatin1String(reader.name), describe(rest));
        if (rest.outcome == ReadResult::End) {
            QVERIFY2(got != v2, qPrintable(what + QStringLiteral(": delivered the new version")));
            QVERIFY2(got == v1,
                     qPrintable(what + QStringLiteral(": ") + describeMismatch(got, v1)));
        } else {
            QVERIFY2(rest.outcome == ReadResult::Failed, qPrintable(what));
            QVERIFY2(got == v1.left(got.size()),
                     qPrintable(what
                                + QStringLiteral(
                                        ": bytes before the failure are not the old version")));
            qInfo().noquote() << what << "(allowed: a reader may fail with an error)";
        }
    }

    LOOKUP(entry, *m_tier, key);
    QVERIFY(entry->record().isValid());
    QCOMPARE(tagOf(entry->record().metaData()), QByteArray("v2"));
    VERIFY_BODY(*m_tier, key, v2);
}

void TierConformance::readerDuringRemove()
{
    const QString key = keyFor("concurrentRemove");
    const QByteArray v1 = makeBody(fitting(2 * MiB + 99), 80);
    PUT(*m_tier, key, makeMetaData(key, "v1"), v1);
    LOOKUP(entry, *m_tier, key);
    LOOKUP(unopened, *m_tier, key); // its body is opened only after the removal
    std::unique_ptr<QIODevice> device(entry->openBody());
    QVERIFY(device);
    QVERIFY(m_tier->remove(key));
    std::unique_ptr<QIODevice> late(unopened->openBody());
    for (QIODevice *reader : {device.get(), late.get()}) {
        if (!reader) { // the handle opened after the removal may find nothing: allowed
            qInfo().noquote() << "handle opened after the removal: nullptr (allowed)";
            continue;
        }
        const ReadResult read = readBody(reader, v1.size(), 16 * KiB, -1, 10000);
        if (read.outcome == ReadResult::End) {
            QVERIFY2(read.data == v1, qPrintable(describeMismatch(read.data, v1)));
        } else {
            QVERIFY2(read.outcome == ReadResult::Failed, qPrintable(describe(read)));
            QVERIFY2(read.data == v1.left(read.data.size()), qPrintable(describe(read)));
        }
    }
    QVERIFY(!m_tier->lookup(key));
}

void TierConformance::maxEntrySizeRespected()
{
    const qint64 limit = m_tier->maxEntrySize();
    if (limit < 0)
        QSKIP("the tier has no entry size limit");
    if (limit > 64 * MiB)
        QSKIP("the limit is too large to exceed cheaply in a test");

    // Announced (sizeHint) and unannounced (-1) bodies one byte over the limit.
    const QByteArray tooBig = makeBody(limit + 1, 90);
    for (qint64 hint : {limit + 1, qint64(-1)}) {
        const QString key = keyFor("maxEntry", hint < 0 ? 1 : 2);
        const QNetworkCacheMetaData md = makeMetaData(key, "big");
        std::unique_ptr<TierWriter> writer = m_tier->beginWrite(key, md, hint);
        if (writer) {
            bool declined = false;
            for (qint64 offset = 0; offset < tooBig.size() && !declined; offset += 64 * KiB)
                declined = !writer->write(tooBig.constData() + offset,
                                          qMin(64 * KiB, tooBig.size() - offset));
            if (declined)
                QVERIFY2(!writer->errorString().isEmpty(),
                         "write() declined without an errorString()");
            QVERIFY2(!writer->commit(md, DefaultTags),
                     qPrintable(QStringLiteral(
                                        "a body of %1 bytes (limit %2, sizeHint %3) was committed")
                                        .arg(tooBig.size())
                                        .arg(limit)
                                        .arg(hint)));
        }
        writer.reset();
        QVERIFY(!m_tier->lookup(key));
    }
    QVERIFY(contents(*m_tier).isEmpty());

    // Exactly the limit is accepted.
    const QString key = keyFor("maxEntry", 3);
    const QByteArray atLimit = tooBig.left(limit);
    PUT(*m_tier, key, makeMetaData(key, "limit"), atLimit);
    LOOKUP(entry, *m_tier, key);
    QCOMPARE(entry->record().bodySize(), limit);
    VERIFY_BODY(*m_tier, key, atLimit);
}

void TierConformance::persistsAcrossReopen()
{
    if (!m_options.persistent)
        QSKIP("not a persistent tier");
    const QString updated = keyFor("persist", 1);
    const QString kept = keyFor("persist", 2);
    const QString removed = keyFor("persist", 3);
    const QByteArray updatedBody = makeBody(fitting(1 * MiB + 17), 100);
    const QByteArray keptBody = makeBody(0, 101);
    const QNetworkCacheMetaData revalidated = makeMetaData(updated, "revalidated", 9000);
    const QNetworkCacheMetaData keptMd = makeMetaData(kept, "kept");
    PUT(*m_tier, updated, makeMetaData(updated, "v1"), updatedBody);
    PUT(*m_tier, kept, keptMd, keptBody);
    PUT(*m_tier, removed, makeMetaData(removed, "v1"), makeBody(100, 102));
    QByteArray updatedVersion;
    {
        LOOKUP(entry, *m_tier, updated);
        updatedVersion = entry->record().version();
    }
    QVERIFY(m_tier->updateMetaData(updated, revalidated));
    QVERIFY(m_tier->remove(removed));
    const qint64 size = m_tier->size();

    m_tier.reset();
    QCoreApplication::processEvents();
    m_tier = make(m_options.reopen);
    QVERIFY(m_tier);

    {
        const std::unique_ptr<TierEntry> entry = m_tier->lookup(updated);
        QVERIFY2(entry, "entry lost on reopen");
        const TierRecord record = entry->record();
        QCOMPARE(record.bodySize(), updatedBody.size());
        verifyMetaData(record.metaData(), revalidated);
        if (QTest::currentTestFailed())
            return;
        // A body's version outlives the process: a 304 about it still applies.
        QCOMPARE(record.version(), updatedVersion);
        VERIFY_ENTRY_BODY(*entry, updated, updatedBody, TierEntry::ReadMode::Streaming);
        QVERIFY(m_tier->updateMetaData(updated, revalidated, updatedVersion));
    }
    {
        const std::unique_ptr<TierEntry> entry = m_tier->lookup(kept);
        QVERIFY2(entry, "empty-bodied entry lost on reopen");
        verifyMetaData(entry->record().metaData(), keptMd);
        if (QTest::currentTestFailed())
            return;
        VERIFY_ENTRY_BODY(*entry, kept, keptBody, TierEntry::ReadMode::Streaming);
    }
    QVERIFY2(!m_tier->lookup(removed), "a removed entry came back");
    QCOMPARE(contents(*m_tier).keys(), (QList<QString> {updated, kept}));
    QCOMPARE(m_tier->size(), size);

    // clear() persists too.
    m_tier->clear();
    m_tier.reset();
    m_tier = make(m_options.reopen);
    QVERIFY(m_tier);
    QVERIFY(contents(*m_tier).isEmpty());
}

} // namespace tiercache::test
