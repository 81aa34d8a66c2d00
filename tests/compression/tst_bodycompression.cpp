// SPDX-License-Identifier: MIT
// The compression codec every tier shares: option parsing, which content types are
// compressed, the store-as-is decision, streaming round trips, and damage found by the decoder
// (never a shorter, longer or altered body).

#include <tiercache/bodycompression.h>
#include <tiercache/decodingbodydevice.h>
#include <tiercache/tieroptions.h>

#include <QtCore/QBuffer>
#include <QtCore/QRandomGenerator>
#include <QtTest/QTest>

#include <zlib.h>

using namespace tiercache;
using Algorithm = BodyCompression::Algorithm;

namespace {

QNetworkCacheMetaData typed(const QByteArray &contentType, const QByteArray &encoding = {})
{
    QNetworkCacheMetaData md;
    md.setUrl(QUrl(QStringLiteral("http://example.com/x")));
    QNetworkCacheMetaData::RawHeaderList headers;
    if (!contentType.isEmpty())
        headers.append({"Content-Type", contentType});
    if (!encoding.isEmpty())
        headers.append({"Content-Encoding", encoding});
    md.setRawHeaders(headers);
    return md;
}

QByteArray jsonText(qint64 size)
{
    QByteArray out;
    for (int i = 0; out.size() < size; ++i)
        out += "{\"id\":" + QByteArray::number(i) + ",\"name\":\"item " + QByteArray::number(i % 97)
                + "\",\"active\":true},\n";
    out.truncate(size);
    return out;
}

QByteArray randomBytes(qint64 size, quint32 seed)
{
    QByteArray out(size, Qt::Uninitialized);
    QRandomGenerator rng(seed);
    for (qint64 i = 0; i < size; ++i)
        out[i] = char(rng.generate());
    return out;
}

struct Encoded
{
    QByteArray stored;
    Algorithm algorithm = Algorithm::None;
    qint64 storedSize = 0;
};

// Writes \a body in pieces of \a piece bytes.
Encoded encode(const BodyCompression &c, const QNetworkCacheMetaData &md, const QByteArray &body,
               qint64 piece = 10000)
{
    BodyEncoder encoder(c, md);
    Encoded e;
    for (qint64 at = 0; at < body.size(); at += piece)
        [&] {
            QVERIFY(encoder.write(body.constData() + at, qMin(piece, body.size() - at), &e.stored));
        }();
    [&] { QVERIFY(encoder.finish(&e.stored)); }();
    e.algorithm = encoder.algorithm();
    e.storedSize = encoder.storedSize();
    [&] { QCOMPARE(encoder.bodySize(), qint64(body.size())); }();
    return e;
}

QByteArray readAll(QIODevice *device)
{
    QByteArray all;
    char buffer[7000];
    for (;;) {
        const qint64 n = device->read(buffer, sizeof buffer);
        if (n <= 0)
            break;
        all.append(buffer, n);
    }
    return all;
}

} // namespace

class tst_BodyCompression : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void tierOption();
    void compressible_data();
    void compressible();
    void roundTrip_data();
    void roundTrip();
    void incompressibleStoredAsIs();
    void smallGainStoredAsIs();
    void damageIsAnError_data();
    void damageIsAnError();
    void boundedOutput();
    void oversizedFrameIsAnError();
    void deviceStreamsAndRestarts();
    void deviceReportsDamage();
};

void tst_BodyCompression::parse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected"); // toString(), or "" for an error
    QTest::newRow("none") << "none"
                          << "none";
    QTest::newRow("zstd") << "zstd"
                          << "zstd:3";
    QTest::newRow("zstd:19") << "zstd:19"
                             << "zstd:19";
    QTest::newRow("ZSTD:1 ") << "ZSTD:1 "
                             << "zstd:1";
    QTest::newRow("gzip") << "gzip"
                          << "gzip:6";
    QTest::newRow("gzip:9") << "gzip:9"
                            << "gzip:9";
    QTest::newRow("zstd:0") << "zstd:0"
                            << "";
    QTest::newRow("zstd:22") << "zstd:22"
                             << "";
    QTest::newRow("gzip:10") << "gzip:10"
                             << "";
    QTest::newRow("none:3") << "none:3"
                            << "";
    QTest::newRow("lz4") << "lz4"
                         << "";
    QTest::newRow("zstd:") << "zstd:"
                           << "";
    QTest::newRow("empty") << ""
                           << "";
}

void tst_BodyCompression::parse()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    QString problem;
    const BodyCompression c = BodyCompression::parse(text, &problem);
    if (expected.isEmpty()) {
        QVERIFY(!problem.isEmpty());
        QVERIFY(!c.isEnabled());
    } else {
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(c.toString(), expected);
    }
}

void tst_BodyCompression::tierOption()
{
    {
        TierOptions options(TierSpec(QStringLiteral("memory:?compress=zstd:7")),
                            {QStringLiteral("compress")});
        QCOMPARE(options.compression().toString(), QStringLiteral("zstd:7"));
        QVERIFY(options.isValid());
    }
    {
        TierOptions options(TierSpec(QStringLiteral("memory:?compress=brotli")),
                            {QStringLiteral("compress")});
        QVERIFY(!options.compression().isEnabled());
        QVERIFY(!options.isValid());
        QVERIFY2(options.errorString().contains(QLatin1String("compress=\"brotli\"")),
                 qPrintable(options.errorString()));
        QVERIFY2(options.errorString().contains(QLatin1String("memory:?compress=brotli")),
                 qPrintable(options.errorString()));
    }
    {
        TierOptions options(TierSpec(QStringLiteral("memory:?compress=gzip:12")),
                            {QStringLiteral("compress")});
        options.compression();
        QVERIFY2(options.errorString().contains(QLatin1String("from 1 to 9")),
                 qPrintable(options.errorString()));
    }
    {
        TierOptions options(TierSpec(QStringLiteral("memory:")), {QStringLiteral("compress")});
        QVERIFY(!options.compression().isEnabled());
        QVERIFY(options.isValid());
    }
}

void tst_BodyCompression::compressible_data()
{
    QTest::addColumn<QByteArray>("type");
    QTest::addColumn<QByteArray>("encoding");
    QTest::addColumn<bool>("expected");
    QTest::newRow("text/html") << QByteArray("text/html; charset=utf-8") << QByteArray() << true;
    QTest::newRow("text/plain") << QByteArray("TEXT/PLAIN") << QByteArray() << true;
    QTest::newRow("json") << QByteArray("application/json") << QByteArray() << true;
    QTest::newRow("ld+json") << QByteArray("application/ld+json") << QByteArray() << true;
    QTest::newRow("xml") << QByteArray("application/xml") << QByteArray() << true;
    QTest::newRow("js") << QByteArray("application/javascript") << QByteArray() << true;
    QTest::newRow("svg") << QByteArray("image/svg+xml") << QByteArray() << true;
    QTest::newRow("identity") << QByteArray("text/css") << QByteArray("identity") << true;
    QTest::newRow("gzip encoded") << QByteArray("text/html") << QByteArray("gzip") << false;
    QTest::newRow("br encoded") << QByteArray("application/json") << QByteArray("br") << false;
    QTest::newRow("jpeg") << QByteArray("image/jpeg") << QByteArray() << false;
    QTest::newRow("png") << QByteArray("image/png") << QByteArray() << false;
    QTest::newRow("video") << QByteArray("video/mp4") << QByteArray() << false;
    QTest::newRow("zip") << QByteArray("application/zip") << QByteArray() << false;
    QTest::newRow("octet-stream") << QByteArray("application/octet-stream") << QByteArray()
                                  << false;
    QTest::newRow("woff2") << QByteArray("font/woff2") << QByteArray() << false;
    QTest::newRow("none") << QByteArray() << QByteArray() << false;
}

void tst_BodyCompression::compressible()
{
    QFETCH(QByteArray, type);
    QFETCH(QByteArray, encoding);
    QFETCH(bool, expected);
    QCOMPARE(BodyCompression::isCompressible(typed(type, encoding)), expected);
}

void tst_BodyCompression::roundTrip_data()
{
    QTest::addColumn<QString>("compression");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<qint64>("piece");
    for (const char *c : {"zstd:3", "zstd:19", "gzip:1", "gzip:9"}) {
        for (const qint64 size : {qint64(1000), BodyEncoder::ProbeSize - 1, BodyEncoder::ProbeSize,
                                  BodyEncoder::ProbeSize + 1, qint64(3 * 1024 * 1024 + 7)}) {
            for (const qint64 piece : {qint64(1), qint64(4096), qint64(1 << 20)}) {
                if (size > BodyEncoder::ProbeSize + 1 && piece != (1 << 20))
                    continue; // slow, and nothing new
                QTest::addRow("%s %lld by %lld", c, size, piece)
                        << QString::fromLatin1(c) << size << piece;
            }
        }
    }
}

void tst_BodyCompression::roundTrip()
{
    QFETCH(QString, compression);
    QFETCH(qint64, size);
    QFETCH(qint64, piece);
    QString problem;
    const BodyCompression c = BodyCompression::parse(compression, &problem);
    const QByteArray body = jsonText(size);
    const Encoded e = encode(c, typed("application/json"), body, piece);
    QCOMPARE(e.algorithm, c.algorithm());
    QCOMPARE(e.storedSize, qint64(e.stored.size()));
    QVERIFY2(e.storedSize * 3 < body.size(),
             qPrintable(QStringLiteral("%1 -> %2").arg(body.size()).arg(e.storedSize)));
    QByteArray decoded;
    QString why;
    QVERIFY2(BodyDecoder::decodeAll(e.algorithm, e.stored, body.size(), &decoded, &why),
             qPrintable(why));
    QVERIFY(decoded == body);
}

void tst_BodyCompression::incompressibleStoredAsIs()
{
    const QByteArray random = randomBytes(300 * 1024, 7);
    // A compressible type with incompressible bytes: the probe decides, the body stays as is.
    Encoded e = encode(BodyCompression(Algorithm::Zstd, 3), typed("text/plain"), random);
    QCOMPARE(e.algorithm, Algorithm::None);
    QVERIFY(e.stored == random);
    // A type never compressed: as is, whatever the bytes.
    const QByteArray text = jsonText(100000);
    e = encode(BodyCompression(Algorithm::Gzip, 6), typed("image/jpeg"), text);
    QCOMPARE(e.algorithm, Algorithm::None);
    QVERIFY(e.stored == text);
    e = encode(BodyCompression(Algorithm::Zstd, 3), typed("text/html", "gzip"), text);
    QCOMPARE(e.algorithm, Algorithm::None);
    // Compression off.
    e = encode(BodyCompression(), typed("text/html"), text);
    QCOMPARE(e.algorithm, Algorithm::None);
    QVERIFY(e.stored == text);
    // Empty and tiny bodies: a frame is larger than the body.
    e = encode(BodyCompression(Algorithm::Zstd, 3), typed("text/html"), QByteArray());
    QCOMPARE(e.algorithm, Algorithm::None);
    QCOMPARE(e.storedSize, 0);
    e = encode(BodyCompression(Algorithm::Zstd, 3), typed("text/html"), "hi");
    QCOMPARE(e.algorithm, Algorithm::None);
    QCOMPARE(e.stored, QByteArray("hi"));
}

void tst_BodyCompression::smallGainStoredAsIs()
{
    // The probe must shrink to 7/8: random bytes with a little text compress a bit, not enough.
    QByteArray body = randomBytes(200 * 1024, 11);
    for (qint64 i = 0; i < body.size(); i += 16)
        body[i] = 'a';
    const Encoded e = encode(BodyCompression(Algorithm::Zstd, 3), typed("text/plain"), body);
    QCOMPARE(e.algorithm, Algorithm::None);
    QVERIFY(e.stored == body);
}

void tst_BodyCompression::damageIsAnError_data()
{
    QTest::addColumn<int>("algorithm");
    QTest::addColumn<QString>("damage");
    for (const Algorithm a : {Algorithm::Zstd, Algorithm::Gzip}) {
        for (const char *d : {"flip-first", "flip-middle", "flip-last", "truncate", "trailing",
                              "wrong-size", "empty", "other-algorithm"}) {
            QTest::addRow("%s %s", qPrintable(BodyCompression::algorithmName(a)), d)
                    << int(a) << QString::fromLatin1(d);
        }
    }
}

void tst_BodyCompression::damageIsAnError()
{
    QFETCH(int, algorithm);
    QFETCH(QString, damage);
    const Algorithm a = Algorithm(algorithm);
    const QByteArray body = jsonText(500 * 1024);
    const Encoded e = encode(BodyCompression(a, 3), typed("application/json"), body);
    QCOMPARE(e.algorithm, a);
    QByteArray stored = e.stored;
    qint64 size = body.size();
    Algorithm decodeAs = a;
    if (damage == QLatin1String("flip-first"))
        stored[0] = char(stored[0] ^ 0x01);
    else if (damage == QLatin1String("flip-middle"))
        stored[stored.size() / 2] = char(stored[stored.size() / 2] ^ 0x20);
    else if (damage == QLatin1String("flip-last"))
        stored[stored.size() - 1] = char(stored[stored.size() - 1] ^ 0x80);
    else if (damage == QLatin1String("truncate"))
        stored.chop(5);
    else if (damage == QLatin1String("trailing"))
        stored.append("x");
    else if (damage == QLatin1String("wrong-size"))
        size -= 1;
    else if (damage == QLatin1String("empty"))
        stored.clear();
    else
        decodeAs = a == Algorithm::Zstd ? Algorithm::Gzip : Algorithm::Zstd;
    QByteArray decoded;
    QString why;
    QVERIFY(!BodyDecoder::decodeAll(decodeAs, stored, size, &decoded, &why));
    QVERIFY(!why.isEmpty());
    QVERIFY(decoded.isEmpty());
}

void tst_BodyCompression::boundedOutput()
{
    // 64 MiB of zeros compress to a few KiB: fed at once, next() still hands out at most the
    // size asked for.
    const QByteArray zeros(64 * 1024 * 1024, '\0');
    for (const Algorithm a : {Algorithm::Zstd, Algorithm::Gzip}) {
        const Encoded e = encode(BodyCompression(a, 3), typed("text/plain"), zeros, 1 << 20);
        QVERIFY(e.stored.size() < 512 * 1024);
        BodyDecoder decoder(a, zeros.size());
        decoder.feed(e.stored);
        QByteArray piece;
        qint64 total = 0;
        int pieces = 0;
        while (decoder.next(&piece, 64 * 1024) && !piece.isEmpty()) {
            QVERIFY(piece.size() <= 64 * 1024);
            QVERIFY(piece == QByteArray(piece.size(), '\0'));
            total += piece.size();
            ++pieces;
        }
        QVERIFY2(decoder.finish(), qPrintable(decoder.errorString()));
        QCOMPARE(total, qint64(zeros.size()));
        QVERIFY(pieces >= 1024);
    }
}

void tst_BodyCompression::oversizedFrameIsAnError()
{
    // A valid gzip stream, but one member of 4 MiB: not what the encoder writes (a frame per
    // 256 KiB), and the decoder would have to hold it whole to check it. It refuses instead.
    const QByteArray body = jsonText(4 * 1024 * 1024);
    z_stream z {};
    QCOMPARE(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    QByteArray stored(int(deflateBound(&z, uLong(body.size()))), Qt::Uninitialized);
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(body.constData()));
    z.avail_in = uInt(body.size());
    z.next_out = reinterpret_cast<Bytef *>(stored.data());
    z.avail_out = uInt(stored.size());
    QCOMPARE(deflate(&z, Z_FINISH), Z_STREAM_END);
    stored.resize(stored.size() - z.avail_out);
    deflateEnd(&z);
    QByteArray decoded;
    QString why;
    QVERIFY(!BodyDecoder::decodeAll(Algorithm::Gzip, stored, body.size(), &decoded, &why));
    QVERIFY2(why.contains(QLatin1String("frame")), qPrintable(why));
}

void tst_BodyCompression::deviceStreamsAndRestarts()
{
    const QByteArray body = jsonText(12 * 1024 * 1024 + 5); // beyond VerifiedInMemoryLimit
    const Encoded e =
            encode(BodyCompression(Algorithm::Zstd, 3), typed("application/json"), body, 1 << 20);
    int opened = 0;
    auto opener = [&](QString *) -> QIODevice * {
        ++opened;
        auto *buffer = new QBuffer;
        buffer->setData(e.stored);
        buffer->open(QIODevice::ReadOnly);
        return buffer;
    };
    bool damaged = false;
    std::unique_ptr<DecodingBodyDevice> device(DecodingBodyDevice::open(
            e.algorithm, body.size(), opener, [&](const QString &) { damaged = true; }));
    QVERIFY(device);
    QCOMPARE(device->bodySize(), qint64(body.size()));
    // A long body's verifyAll() decodes it once ahead, then again as it is read.
    QVERIFY(device->verifyAll());
    QVERIFY(readAll(device.get()) == body);
    QVERIFY(!damaged);
    QCOMPARE(opened, 2);
}

void tst_BodyCompression::deviceReportsDamage()
{
    const QByteArray body = jsonText(2 * 1024 * 1024);
    Encoded e = encode(BodyCompression(Algorithm::Gzip, 6), typed("application/json"), body);
    e.stored[e.stored.size() * 3 / 4] = char(e.stored[e.stored.size() * 3 / 4] ^ 0x10);
    auto opener = [&](QString *) -> QIODevice * {
        auto *buffer = new QBuffer;
        buffer->setData(e.stored);
        buffer->open(QIODevice::ReadOnly);
        return buffer;
    };
    QString reason;
    std::unique_ptr<DecodingBodyDevice> device(DecodingBodyDevice::open(
            e.algorithm, body.size(), opener, [&](const QString &why) { reason = why; }));
    QVERIFY(device); // the start decodes
    const QByteArray got = readAll(device.get());
    QVERIFY(device->hasFailed());
    QVERIFY(!reason.isEmpty());
    // Frames are handed out only after their checksum matched: what came out is right, and
    // the damaged frame never comes out.
    QVERIFY(got.size() < body.size());
    QVERIFY(got == body.left(got.size()));
}

QTEST_GUILESS_MAIN(tst_BodyCompression)
#include "tst_bodycompression.moc"
