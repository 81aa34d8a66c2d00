// SPDX-License-Identifier: MIT
// The redis tier's record decoders (plugins/redis/redisrecord.*) on arbitrary values: Redis is
// shared, anything that reaches the server may have written them. Input layout (big endian):
//   u32 h length, h, u32 md length, md, i64 chunk index, sealed chunk
// Whatever decodes must be canonical and consistent: a descriptor re-encodes to the same
// bytes (version 2: to the version 3 form of the same fields) and describes its chunks exactly,
// metadata re-encodes to a fixpoint with a valid URL, a chunk that opens (with the generation and
// length the descriptor gives, as the tier asks) seals back to the same bytes.
#include "fuzz_common.h"

#include "redisrecord.h"

using namespace tiercache::redis;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::ByteReader in(data, size);
    const QByteArray h = in.bytes(in.integral<quint32>());
    const QByteArray md = in.bytes(in.integral<quint32>());
    const qint64 index = in.integral<qint64>();
    const QByteArray sealed = in.rest();

    QNetworkCacheMetaData metaData;
    if (decodeMetaData(md, &metaData)) {
        FUZZ_CHECK(metaData.url().isValid(), fuzz::hex(md));
        const QByteArray encoded = encodeMetaData(metaData);
        QNetworkCacheMetaData again;
        FUZZ_CHECK(decodeMetaData(encoded, &again), fuzz::hex(md));
        FUZZ_CHECK(encodeMetaData(again).size() == encoded.size(), fuzz::hex(md));
    }

    const Descriptor d = Descriptor::decode(h);
    if (!d.isValid())
        return 0;
    // Version 3 re-encodes to the same bytes; a version 2 descriptor (no compression) to the
    // version 3 bytes of the same fields.
    const Descriptor again = Descriptor::decode(d.encode());
    FUZZ_CHECK(again.encode() == d.encode() && again.bodySize == d.bodySize
                       && again.storedSize == d.storedSize && again.compression == d.compression,
               fuzz::hex(h));
    FUZZ_CHECK(h.size() == 48 || d.encode() == h, fuzz::hex(h));
    FUZZ_CHECK(h.size() != 48 || d.compression == tiercache::BodyCompression::Algorithm::None,
               fuzz::hex(h));
    FUZZ_CHECK(d.generation != 0 && d.chunkSize > 0 && d.chunkCount <= MaxChunkCount, fuzz::hex(h));
    // The chunks hold the stored bytes: the body, or a smaller compressed form of it.
    FUZZ_CHECK(d.compression == tiercache::BodyCompression::Algorithm::None
                       ? d.storedSize == d.bodySize
                       : d.storedSize < d.bodySize,
               fuzz::hex(h));
    if (d.isInline()) {
        FUZZ_CHECK(d.chunkLength(0) == d.storedSize && d.storedSize <= d.chunkSize, fuzz::hex(h));
    } else {
        const qint64 last = d.chunkCount - 1;
        FUZZ_CHECK(d.chunkLength(0) > 0 && d.chunkLength(last) > 0
                           && d.chunkLength(d.chunkCount) == 0,
                   fuzz::hex(h));
        FUZZ_CHECK(last * d.chunkSize + d.chunkLength(last) == d.storedSize, fuzz::hex(h));
    }

    const qint64 count = d.isInline() ? 1 : d.chunkCount;
    if (index < 0 || index >= count)
        return 0;
    QString why;
    const QByteArray payload = openChunk(sealed, d.generation, index, d.chunkLength(index), &why);
    if (payload.isNull()) {
        FUZZ_CHECK(!why.isEmpty(), QStringLiteral("failed without a reason"));
        return 0;
    }
    FUZZ_CHECK(payload.size() == d.chunkLength(index), why);
    FUZZ_CHECK(sealChunk(payload.constData(), payload.size(), d.generation, index) == sealed,
               fuzz::hex(sealed.left(64)));
    // Another generation or place never opens it.
    FUZZ_CHECK(openChunk(sealed, d.generation, index + 1, d.chunkLength(index), &why).isNull()
                       || payload.isEmpty(),
               QStringLiteral("chunk %1 opens as chunk %2").arg(index).arg(index + 1));
    return 0;
}
