// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/metadatacodec.h>

namespace tiercache {

// The catalogue stores QNetworkCacheMetaData with MetaDataCodec (see metadatacodec.h). A row
// written by an older or newer format, or damaged, fails to decode and is treated as a miss
// (and dropped).
inline QByteArray encodeMetaData(const QNetworkCacheMetaData &md)
{
    return MetaDataCodec::encode(md);
}

inline bool decodeMetaData(const QByteArray &bytes, QNetworkCacheMetaData *md)
{
    return MetaDataCodec::decode(bytes, md);
}

} // namespace tiercache
