// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QByteArray>
#include <QtNetwork/QNetworkCacheMetaData>

namespace tiercache {

/*!
    \brief QNetworkCacheMetaData to bytes and back, in a checked format that never crashes
    on damaged or hostile input.

    Tiers keep the metadata of an entry as one opaque value (a row, a hash field, a file
    header). Qt's own \c{QDataStream << QNetworkCacheMetaData} streams the attributes as
    arbitrary QVariants, and Qt 6.4 crashes on some of them when it reads damaged bytes; a
    shared store (Redis, a file other processes write) must assume such bytes. This format
    has a magic and a version, a fixed type for every field, and every length is checked
    against what is left before anything is allocated. decode() returns false for anything it
    did not write: damage, another format, another version (a tier treats that as a miss).

    Kept are the URL, the expiration and last-modified dates, saveToDisk, the raw headers and
    the attributes QNAM stores and reads back (HTTP status, reason phrase, redirect target).

    \code
    const QByteArray bytes = tiercache::MetaDataCodec::encode(metaData);
    // ... store bytes, read them back later, perhaps damaged ...
    QNetworkCacheMetaData stored;
    if (!tiercache::MetaDataCodec::decode(bytes, &stored))
        return {}; // a miss, never a crash
    \endcode
*/
class TIERCACHE_EXPORT MetaDataCodec
{
public:
    //! The first four bytes of every encoding: "TCMD" (little endian).
    static constexpr quint32 Magic = 0x54434d44;
    //! The format written by encode(); decode() accepts only this one.
    static constexpr quint32 FormatVersion = 2;

    static QByteArray encode(const QNetworkCacheMetaData &metaData);
    //! Decodes \a bytes into \a metaData; false (and \a metaData untouched) when \a bytes is
    //! not an encoding of this version, is truncated or damaged, or holds an invalid URL.
    static bool decode(const QByteArray &bytes, QNetworkCacheMetaData *metaData);
};

} // namespace tiercache
