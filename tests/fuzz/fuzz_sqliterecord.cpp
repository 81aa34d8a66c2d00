// SPDX-License-Identifier: MIT
// The sqlite tier's record decoders (plugins/sqlite/sqliterecord.*) on arbitrary rows: the file
// may be shared with other processes, older builds or a vandal. Input layout (big endian):
//   i64 body_size, i64 chunk_size, i64 gen, i64 seq, i64 sum, u32 meta length, meta, chunk data
// Whatever decodes must be consistent: a meta blob re-encodes to a fixpoint with a valid URL, a
// chunk count covers the body exactly, a chunk that checks has the size and sum it claimed.
#include "fuzz_common.h"

#include "sqliterecord.h"

using namespace tiercache::sqlite;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::ByteReader in(data, size);
    const qint64 bodySize = in.integral<qint64>();
    const qint64 chunkSize = in.integral<qint64>();
    const qint64 generation = in.integral<qint64>();
    const qint64 seq = in.integral<qint64>();
    const qint64 storedSum = in.integral<qint64>();
    const QByteArray meta = in.bytes(in.integral<quint32>());
    const QByteArray chunk = in.rest();

    QNetworkCacheMetaData md;
    if (decodeMetaData(meta, &md)) {
        FUZZ_CHECK(md.url().isValid(), fuzz::hex(meta));
        const QByteArray encoded = encodeMetaData(md);
        QNetworkCacheMetaData again;
        FUZZ_CHECK(decodeMetaData(encoded, &again), fuzz::hex(meta));
        FUZZ_CHECK(encodeMetaData(again).size() == encoded.size(), fuzz::hex(meta));
        FUZZ_CHECK(again.rawHeaders() == md.rawHeaders(), fuzz::hex(meta));
    }

    const qint64 count = chunkCount(bodySize, chunkSize);
    if (count < 0)
        return 0; // Store::entry() drops such a row
    FUZZ_CHECK(
            count * chunkSize >= bodySize && (count == 0 || (count - 1) * chunkSize < bodySize),
            QStringLiteral("%1 chunks of %2 for %3 bytes").arg(count).arg(chunkSize).arg(bodySize));

    // As ChunkDevice asks: chunk seq of the body, its expected length from the row.
    if (seq < 0 || seq >= count)
        return 0;
    const qint64 expected = qMin(chunkSize, bodySize - seq * chunkSize);
    QString reason;
    if (checkChunk(generation, seq, chunk, storedSum, expected, &reason)) {
        FUZZ_CHECK(chunk.size() == expected, reason);
        FUZZ_CHECK(chunkSum(generation, seq, chunk.constData(), chunk.size()) == storedSum, reason);
    } else {
        FUZZ_CHECK(!reason.isEmpty(), QStringLiteral("failed without a reason"));
    }
    // What the writer stores always checks.
    const qint64 sum = chunkSum(generation, seq, chunk.constData(), chunk.size());
    FUZZ_CHECK(checkChunk(generation, seq, chunk, sum, chunk.size(), &reason), reason);
    return 0;
}
