// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/bodycompression.h>

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtNetwork/QNetworkCacheMetaData>

/*
    The bytes the redis tier stores, and their checked decoding. Redis is shared: anything that
    can reach the server may have written a value, so every decoder here takes arbitrary bytes
    and answers "not ours" rather than trusting a length or a count. Kept apart from hiredis
    and the connection so that the fuzz target compiles it as it is.

      md   MetaDataCodec bytes (magic "TCMD", version 2)
      h    descriptor, 60 bytes little endian: u32 magic "TCRH", u32 version (3), i64 body size,
           i64 chunk size, i64 chunk count (0: inline), u64 generation (never 0), i64 cost,
           i64 stored size (the bytes the chunks hold), u32 compression (BodyCompression::
           Algorithm; 0: the stored bytes are the body, and stored size = body size). Version 2
           descriptors (48 bytes, no compression) still decode.
      b    and every chunk: the payload followed by its u64 LE ChunkChecksum, seeded with
           (generation, index), so a chunk of another version or place does not verify

    Records of version 1 (QDataStream framing, CRC-32 chunks) do not decode: a miss.
*/
namespace tiercache::redis {

constexpr qint64 MaxChunkSize = 64 * 1024 * 1024;
constexpr qint64 MaxBodySize = Q_INT64_C(1) << 40;
//! More chunks than this is a damaged descriptor: removal and TTL updates touch every chunk.
constexpr qint64 MaxChunkCount = 1 << 20;

struct Descriptor
{
    qint64 bodySize = -1;
    qint64 chunkSize = 0;
    qint64 chunkCount = 0; // 0: the body is inline (field b)
    quint64 generation = 0;
    qint64 cost = 0;
    qint64 storedSize = -1; // what the chunks hold: the body, or it compressed
    BodyCompression::Algorithm compression = BodyCompression::Algorithm::None;

    bool isValid() const { return bodySize >= 0; }
    bool isInline() const { return chunkCount == 0; }
    //! Stored bytes in chunk \a index.
    qint64 chunkLength(qint64 index) const;
    QByteArray encode() const;
    //! An invalid descriptor for anything encode() would not have written.
    static Descriptor decode(const QByteArray &bytes);
};

QByteArray encodeMetaData(const QNetworkCacheMetaData &md);
bool decodeMetaData(const QByteArray &bytes, QNetworkCacheMetaData *md);

//! \a data followed by its checksum, as stored for chunk \a index of \a generation.
QByteArray sealChunk(const char *data, qint64 length, quint64 generation, qint64 index);
//! The payload of a sealed chunk, or a null array (and \a why) when it is not what was written
//! for chunk \a index of \a generation with \a expectedLength bytes. An empty payload is an
//! empty, non-null array.
QByteArray openChunk(const QByteArray &sealed, quint64 generation, qint64 index,
                     qint64 expectedLength, QString *why);

} // namespace tiercache::redis
