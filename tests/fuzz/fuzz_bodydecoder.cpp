// SPDX-License-Identifier: MIT
// Compressed bodies are read back from tiers that anybody with access to the store may have
// written (a shared Redis, a copied SQLite file). BodyDecoder must never crash, never hand out
// more than the body size, hold at most one frame, and succeed only with exactly the body.
//
// Input: byte 0 selects the mode: bit 0 the algorithm (zstd, gzip); bit 1 "round trip". A round
// trip compresses the rest of the input with BodyEncoder (as text/plain) and checks that it
// decodes to exactly that, whatever piece sizes are used. Otherwise bytes 1-3 give the body
// size (little endian, at most 16 MiB), byte 4 the feed piece size, and the rest is the stored
// stream, decoded in pieces.
#include "fuzz_common.h"

#include <tiercache/bodycompression.h>

using namespace tiercache;
using Algorithm = BodyCompression::Algorithm;

namespace {

QByteArray decodeInPieces(Algorithm algorithm, const QByteArray &stored, qint64 bodySize,
                          qsizetype piece, bool *ok)
{
    BodyDecoder decoder(algorithm, bodySize);
    QByteArray body;
    QByteArray out;
    *ok = true;
    for (qsizetype at = 0; at < stored.size() && *ok; at += piece) {
        decoder.feed(stored.mid(at, piece));
        while ((*ok = decoder.next(&out, 4096)) && !out.isEmpty()) {
            FUZZ_CHECK(out.size() <= 4096, QStringLiteral("%1 bytes at once").arg(out.size()));
            body.append(out);
            FUZZ_CHECK(body.size() <= bodySize,
                       QStringLiteral("%1 bytes for a body of %2").arg(body.size()).arg(bodySize));
        }
    }
    *ok = *ok && decoder.finish();
    FUZZ_CHECK(!*ok || body.size() == bodySize,
               QStringLiteral("success with %1 of %2 bytes").arg(body.size()).arg(bodySize));
    FUZZ_CHECK(*ok || !decoder.errorString().isEmpty(), QStringLiteral("failure without a reason"));
    return body;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool quiet = [] {
        qInstallMessageHandler(fuzz::quietMessageHandler);
        return true;
    }();
    Q_UNUSED(quiet);
    if (size < 5 || size > 1024 * 1024)
        return 0;
    const Algorithm algorithm = data[0] & 1 ? Algorithm::Gzip : Algorithm::Zstd;
    const qsizetype piece = qsizetype(data[4]) * 97 + 1;
    if (data[0] & 2) {
        const QByteArray body(reinterpret_cast<const char *>(data + 5), qsizetype(size - 5));
        QNetworkCacheMetaData md;
        md.setRawHeaders({{"Content-Type", "text/plain"}});
        BodyEncoder encoder(BodyCompression(algorithm, 1), md);
        QByteArray stored;
        for (qsizetype at = 0; at < body.size(); at += piece)
            FUZZ_CHECK(encoder.write(body.constData() + at, qMin(piece, body.size() - at), &stored),
                       encoder.errorString());
        FUZZ_CHECK(encoder.finish(&stored), encoder.errorString());
        FUZZ_CHECK(encoder.storedSize() == stored.size(), QStringLiteral("stored size"));
        if (encoder.algorithm() == Algorithm::None) {
            FUZZ_CHECK(stored == body, QStringLiteral("stored as is, but altered"));
            return 0;
        }
        FUZZ_CHECK(stored.size() < body.size(), QStringLiteral("compressed, but not smaller"));
        bool ok = false;
        const QByteArray decoded = decodeInPieces(algorithm, stored, body.size(), piece, &ok);
        FUZZ_CHECK(ok && decoded == body, QStringLiteral("round trip failed"));
        return 0;
    }
    const qint64 bodySize = qint64(data[1]) | qint64(data[2]) << 8 | qint64(data[3]) << 16;
    const QByteArray stored(reinterpret_cast<const char *>(data + 5), qsizetype(size - 5));
    bool ok = false;
    decodeInPieces(algorithm, stored, bodySize, piece, &ok);
    return 0;
}
