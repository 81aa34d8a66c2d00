// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtNetwork/QNetworkCacheMetaData>

/*
    What the sqlite tier reads back from its file, checked: every value of a row may have been
    written by another process, an older build or a vandal, so nothing here trusts it. Kept
    apart from the SQL (no Qt Sql in here) so that the fuzz target compiles it as it is.

        entries(meta)   MetaDataCodec bytes (magic "TCMD", version 2)
        entries(body_size, chunk_size)   0 <= body_size <= MaxBodySize, 0 < chunk_size <=
   MaxChunkSize chunks(sum)     ChunkChecksum of the data, seeded with (generation, seq), as an
   INTEGER
*/
namespace tiercache::sqlite {

//! Bodies are split into chunks of this size (the last one is shorter). Small enough that a
//! reader holds little memory, large enough that a 100 MiB body is only 1600 rows.
constexpr qint64 ChunkSize = 64 * 1024;
constexpr qint64 MaxChunkSize = 64 * 1024 * 1024;
constexpr qint64 MaxBodySize = Q_INT64_C(1) << 50;

QByteArray encodeMetaData(const QNetworkCacheMetaData &metaData);
//! False for anything MetaDataCodec did not write, including rows of schema version 1
//! (QDataStream): those are a miss.
bool decodeMetaData(const QByteArray &blob, QNetworkCacheMetaData *metaData);

//! Chunks of a body of \a bodySize bytes in chunks of \a chunkSize; -1 for values no writer
//! stores (a damaged or hostile row).
qint64 chunkCount(qint64 bodySize, qint64 chunkSize);

//! The value of chunks.sum for \a data stored as chunk \a seq of \a generation.
qint64 chunkSum(qint64 generation, qint64 seq, const char *data, qint64 size);
//! Checks chunk \a seq of \a generation as read back: \a expectedSize bytes matching
//! \a storedSum. False with \a reason set otherwise.
bool checkChunk(qint64 generation, qint64 seq, const QByteArray &data, qint64 storedSum,
                qint64 expectedSize, QString *reason);

} // namespace tiercache::sqlite
