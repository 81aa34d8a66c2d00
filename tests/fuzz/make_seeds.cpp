// SPDX-License-Identifier: MIT
// Writes the seed inputs that are easiest made with the library's own encoders: catalogue
// metadata rows (fuzz_metadata), blob headers with their checksums (fuzz_blobheader), and the
// sqlite and redis tiers' records (fuzz_sqliterecord, fuzz_redisrecord).
//   fuzz_make_seeds <corpus dir>     (writes <dir>/metadata/*, <dir>/blobheader/*, ...)
#include "disk/blobstore_p.h"
#include "metadatacodec_p.h"
#include "redis/redisrecord.h"
#include "sqlite/sqliterecord.h"

#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QtEndian>
#include <QtNetwork/QNetworkRequest>

#include <cstdio>

using namespace tiercache;

namespace {

bool write(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || file.write(bytes) != bytes.size()) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
        return false;
    }
    std::printf("%s (%lld bytes)\n", qPrintable(path), static_cast<long long>(bytes.size()));
    return true;
}

QNetworkCacheMetaData metaData(const char *url, QNetworkCacheMetaData::RawHeaderList headers,
                               int status)
{
    QNetworkCacheMetaData md;
    md.setUrl(QUrl(QString::fromLatin1(url), QUrl::StrictMode));
    md.setRawHeaders(headers);
    md.setLastModified(QDateTime(QDate(2024, 3, 1), QTime(12, 0), Qt::UTC));
    md.setExpirationDate(QDateTime(QDate(2024, 3, 2), QTime(12, 0, 30), Qt::UTC));
    md.setSaveToDisk(true);
    QNetworkCacheMetaData::AttributesMap attributes;
    attributes.insert(QNetworkRequest::HttpStatusCodeAttribute, status);
    attributes.insert(QNetworkRequest::HttpReasonPhraseAttribute,
                      QByteArray(status == 200 ? "OK" : "Moved Permanently"));
    md.setAttributes(attributes);
    return md;
}

// The fuzz_blobheader layout: mode, body size, chunk size, window, sums length, sums, header, body.
QByteArray blobInput(quint8 mode, qint64 bodySize, quint32 chunkSize, quint16 window,
                     const QByteArray &sums, const QByteArray &header, const QByteArray &body)
{
    QByteArray out;
    char buf[8];
    out.append(char(mode));
    qToBigEndian<qint64>(bodySize, buf);
    out.append(buf, 8);
    qToBigEndian<quint32>(chunkSize, buf);
    out.append(buf, 4);
    qToBigEndian<quint16>(window, buf);
    out.append(buf, 2);
    qToBigEndian<quint16>(quint16(sums.size()), buf);
    out.append(buf, 2);
    return out + sums + header.leftJustified(blob::HeaderSize, '\0', true) + body;
}

QByteArray sumsOf(const QByteArray &body, quint32 chunkSize)
{
    QByteArray sums;
    for (qint64 offset = 0; offset < body.size(); offset += chunkSize)
        blob::appendChecksum(&sums, body.constData() + offset,
                             qMin<qint64>(chunkSize, body.size() - offset));
    return sums;
}

QByteArray be64(qint64 v)
{
    char buf[8];
    qToBigEndian<qint64>(v, buf);
    return QByteArray(buf, 8);
}

QByteArray be32(quint32 v)
{
    char buf[4];
    qToBigEndian<quint32>(v, buf);
    return QByteArray(buf, 4);
}

// The fuzz_sqliterecord layout: body_size, chunk_size, gen, seq, sum, meta length, meta, chunk.
QByteArray sqliteInput(qint64 bodySize, qint64 chunkSize, qint64 generation, qint64 seq,
                       const QByteArray &meta, const QByteArray &chunk)
{
    const qint64 sum = sqlite::chunkSum(generation, seq, chunk.constData(), chunk.size());
    return be64(bodySize) + be64(chunkSize) + be64(generation) + be64(seq) + be64(sum)
            + be32(quint32(meta.size())) + meta + chunk;
}

// The fuzz_redisrecord layout: h length, h, md length, md, chunk index, sealed chunk.
QByteArray redisInput(const redis::Descriptor &d, const QByteArray &md, qint64 index,
                      const QByteArray &payload)
{
    const QByteArray h = d.encode();
    return be32(quint32(h.size())) + h + be32(quint32(md.size())) + md + be64(index)
            + redis::sealChunk(payload.constData(), payload.size(), d.generation, index);
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const QString root = QFile::decodeName(argv[1]);
    QDir().mkpath(root + QLatin1String("/metadata"));
    QDir().mkpath(root + QLatin1String("/blobheader"));
    bool ok = true;

    ok &= write(root + QLatin1String("/metadata/seed-plain"),
                encodeMetaData(metaData("https://example.com/index.html",
                                        {{"Content-Type", "text/html; charset=utf-8"},
                                         {"Cache-Control", "public, max-age=3600"},
                                         {"Date", "Fri, 01 Mar 2024 12:00:00 GMT"},
                                         {"ETag", "\"33a64df551425fcc55e4d42a148795d9f25f89d4\""},
                                         {"Cache-Tag", "home, product-42"}},
                                        200)));
    ok &= write(root + QLatin1String("/metadata/seed-query-redirect"),
                encodeMetaData(metaData("http://user@127.0.0.1:8080/a/b%20c?x=1&y=%C3%A9",
                                        {{"Location", "/elsewhere"},
                                         {"Expires", "Sat, 02 Mar 2024 12:00:30 GMT"},
                                         {"Vary", "Accept-Encoding"}},
                                        301)));
    QNetworkCacheMetaData redirect = metaData("https://example.com/old?b=2&a=1",
                                              {{"Location", "https://example.com/new"}}, 302);
    QNetworkCacheMetaData::AttributesMap attributes = redirect.attributes();
    attributes.insert(QNetworkRequest::RedirectionTargetAttribute,
                      QUrl(QStringLiteral("https://example.com/new")));
    attributes.insert(QNetworkRequest::HttpPipeliningWasUsedAttribute, false);
    attributes.insert(QNetworkRequest::SourceIsFromCacheAttribute, true);
    redirect.setAttributes(attributes);
    redirect.setLastModified(
            QDateTime(QDate(1999, 12, 31), QTime(23, 59, 59), Qt::OffsetFromUTC, 3600));
    redirect.setSaveToDisk(false);
    ok &= write(root + QLatin1String("/metadata/seed-redirect-attributes"),
                encodeMetaData(redirect));

    QNetworkCacheMetaData bare;
    bare.setUrl(QUrl(QStringLiteral("https://[2001:db8::1]/")));
    ok &= write(root + QLatin1String("/metadata/seed-bare"), encodeMetaData(bare));

    const QByteArray text =
            QByteArrayLiteral("The quick brown fox jumps over the lazy dog. 0123456789\n")
                    .repeated(20);
    for (quint32 chunk : {1u, 64u, 1000u, 65536u}) {
        const QByteArray body = chunk == 1 ? text.left(40) : text;
        ok &= write(root + QStringLiteral("/blobheader/seed-honest-%1").arg(chunk),
                    blobInput(1, 0, chunk - 1, 2, {}, {}, body));
        ok &= write(root + QStringLiteral("/blobheader/seed-valid-%1").arg(chunk),
                    blobInput(0, body.size(), chunk, 4096, sumsOf(body, chunk),
                              blob::makeHeader(body.size(), chunk), body));
    }
    const QByteArray body = text.left(300);
    QByteArray badSums = sumsOf(body, 64);
    badSums[3] = char(badSums[3] ^ 0x20);
    ok &= write(
            root + QLatin1String("/blobheader/seed-bad-sum"),
            blobInput(0, body.size(), 64, 4096, badSums, blob::makeHeader(body.size(), 64), body));
    ok &= write(root + QLatin1String("/blobheader/seed-short-sums"),
                blobInput(0, body.size(), 64, 4096, sumsOf(body, 64).left(16),
                          blob::makeHeader(body.size(), 64), body));
    ok &= write(root + QLatin1String("/blobheader/seed-wrong-version"),
                blobInput(0, body.size(), 64, 4096, sumsOf(body, 64),
                          blob::makeHeader(body.size(), 64).replace(8, 1, "\x02", 1), body));
    // Stored bytes of a compressed body (mode bits 1-2: the row's compression, here zstd),
    // and a file whose header names another codec than its row.
    ok &= write(root + QLatin1String("/blobheader/seed-valid-zstd"),
                blobInput(2, text.size(), 64, 4096, sumsOf(text, 64),
                          blob::makeHeader(text.size(), 64, 1), text));
    ok &= write(root + QLatin1String("/blobheader/seed-codec-mismatch"),
                blobInput(0, text.size(), 64, 4096, sumsOf(text, 64),
                          blob::makeHeader(text.size(), 64, 2), text));

    QDir().mkpath(root + QLatin1String("/sqliterecord"));
    QDir().mkpath(root + QLatin1String("/redisrecord"));
    const QByteArray meta =
            MetaDataCodec::encode(metaData("https://example.com/a.css", {{"ETag", "\"v1\""}}, 200));
    ok &= write(root + QLatin1String("/sqliterecord/seed-one-chunk"),
                sqliteInput(300, 65536, 7, 0, meta, text.left(300)));
    ok &= write(root + QLatin1String("/sqliterecord/seed-last-chunk"),
                sqliteInput(65536 + 100, 65536, 12, 1, meta, text.left(100)));
    ok &= write(root + QLatin1String("/sqliterecord/seed-empty-body"),
                sqliteInput(0, 65536, 3, 0, meta, {}));
    redis::Descriptor inlined;
    inlined.bodySize = 300;
    inlined.chunkSize = 256 * 1024;
    inlined.generation = 0x1234567890abcdefULL;
    inlined.cost = 512;
    inlined.storedSize = inlined.bodySize;
    ok &= write(root + QLatin1String("/redisrecord/seed-inline"),
                redisInput(inlined, meta, 0, text.left(300)));
    redis::Descriptor chunked = inlined;
    chunked.bodySize = 4096 * 2 + 10;
    chunked.chunkSize = 4096;
    chunked.chunkCount = 3;
    chunked.storedSize = chunked.bodySize;
    ok &= write(root + QLatin1String("/redisrecord/seed-last-chunk"),
                redisInput(chunked, meta, 2, text.left(10)));
    ok &= write(root + QLatin1String("/redisrecord/seed-first-chunk"),
                redisInput(chunked, meta, 0, text.repeated(4).left(4096)));
    // A compressed body (version 3 descriptor): 2 chunks of stored bytes for a larger body.
    redis::Descriptor compressed = chunked;
    compressed.bodySize = 100000;
    compressed.storedSize = 4096 + 20;
    compressed.chunkCount = 2;
    compressed.compression = BodyCompression::Algorithm::Zstd;
    ok &= write(root + QLatin1String("/redisrecord/seed-compressed-chunk"),
                redisInput(compressed, meta, 1, text.left(20)));
    return ok ? 0 : 1;
}
