// SPDX-License-Identifier: MIT
#include "sqliterecord.h"

#include <tiercache/chunkchecksum.h>
#include <tiercache/metadatacodec.h>

namespace tiercache::sqlite {

QByteArray encodeMetaData(const QNetworkCacheMetaData &metaData)
{
    return MetaDataCodec::encode(metaData);
}

bool decodeMetaData(const QByteArray &blob, QNetworkCacheMetaData *metaData)
{
    return MetaDataCodec::decode(blob, metaData);
}

qint64 chunkCount(qint64 bodySize, qint64 chunkSize)
{
    if (bodySize < 0 || bodySize > MaxBodySize || chunkSize <= 0 || chunkSize > MaxChunkSize)
        return -1;
    return (bodySize + chunkSize - 1) / chunkSize;
}

qint64 chunkSum(qint64 generation, qint64 seq, const char *data, qint64 size)
{
    // Seeded with where the chunk belongs: a row moved to another (gen, seq) does not verify.
    const quint64 seed = quint64(generation) * 0x9E3779B97F4A7C15ULL ^ quint64(seq);
    return qint64(ChunkChecksum::compute(data, size, seed));
}

bool checkChunk(qint64 generation, qint64 seq, const QByteArray &data, qint64 storedSum,
                qint64 expectedSize, QString *reason)
{
    if (data.size() != expectedSize) {
        *reason = QStringLiteral("chunk %1 has %2 bytes, expected %3")
                          .arg(seq)
                          .arg(data.size())
                          .arg(expectedSize);
        return false;
    }
    if (chunkSum(generation, seq, data.constData(), data.size()) != storedSum) {
        *reason = QStringLiteral("chunk %1 does not match its checksum").arg(seq);
        return false;
    }
    return true;
}

} // namespace tiercache::sqlite
