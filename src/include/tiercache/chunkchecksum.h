// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>

namespace tiercache {

/*!
    \brief The checksum a tier stores with each chunk of a body: XXH64.

    Not a security measure (whoever can write the store can write a matching sum): it catches
    damage and mix-ups at memory speed, so that every chunk can be checked right before it is
    handed to QNetworkAccessManager. A \a seed binds a sum to where the chunk belongs (e.g. a
    generation and an index), so that a chunk copied to another place does not verify there.

    A "sums array" holds one sum per chunk, Size bytes each, little endian, in chunk order:
    the layout the disk tier keeps in its catalogue and ChunkedBodyDevice verifies against.

    \code
    QByteArray sums;
    for (qint64 at = 0; at < body.size(); at += chunkSize)
        tiercache::ChunkChecksum::append(&sums, body.constData() + at, qMin(chunkSize, body.size() -
   at)); Q_ASSERT(tiercache::ChunkChecksum::verify(body.constData(), body.size(), 0, chunkSize,
   sums)); \endcode
*/
class TIERCACHE_EXPORT ChunkChecksum
{
public:
    //! Bytes per sum in a sums array.
    static constexpr int Size = 8;

    //! XXH64 of \a length bytes at \a data with \a seed (the XXH64 specification's seed).
    static quint64 compute(const char *data, qsizetype length, quint64 seed = 0);
    static quint64 compute(QByteArrayView data, quint64 seed = 0)
    {
        return compute(data.data(), data.size(), seed);
    }
    //! Appends the sum of \a length bytes at \a data to \a sums (Size bytes, little endian).
    static void append(QByteArray *sums, const char *data, qsizetype length, quint64 seed = 0);
    //! Checks \a length bytes that start at body offset \a offset (a multiple of
    //! \a chunkSize) against \a sums (seed 0). False for impossible arguments, a missing sum
    //! or any mismatch.
    static bool verify(const char *data, qint64 length, qint64 offset, qint64 chunkSize,
                       const QByteArray &sums);
};

} // namespace tiercache
