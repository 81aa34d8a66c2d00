// SPDX-License-Identifier: MIT
#include "metadatacodec_p.h"

#include <QtCore/QDataStream>
#include <QtCore/QIODevice>

namespace tiercache {

namespace {
constexpr quint32 Magic = 0x54434d44; // "TCMD"
constexpr quint32 FormatVersion = 1;
constexpr auto StreamVersion = QDataStream::Qt_6_4;
} // namespace

QByteArray encodeMetaData(const QNetworkCacheMetaData &md)
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setVersion(StreamVersion);
    out << Magic << FormatVersion << md;
    return bytes;
}

bool decodeMetaData(const QByteArray &bytes, QNetworkCacheMetaData *md)
{
    QDataStream in(bytes);
    in.setVersion(StreamVersion);
    quint32 magic = 0, version = 0;
    in >> magic >> version;
    if (in.status() != QDataStream::Ok || magic != Magic || version != FormatVersion)
        return false;
    QNetworkCacheMetaData decoded;
    in >> decoded;
    if (in.status() != QDataStream::Ok || !in.atEnd() || !decoded.url().isValid())
        return false;
    *md = std::move(decoded);
    return true;
}

} // namespace tiercache
