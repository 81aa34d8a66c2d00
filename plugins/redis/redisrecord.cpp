// SPDX-License-Identifier: MIT
#include "redisrecord.h"

#include <tiercache/chunkchecksum.h>
#include <tiercache/metadatacodec.h>

#include <QtCore/QtEndian>

namespace tiercache::redis {

namespace {
    constexpr quint32 DescriptorMagic = 0x54435248; // "TCRH"
    constexpr quint32 DescriptorVersion = 3;
    constexpr qsizetype DescriptorSize = 4 + 4 + 6 * 8 + 4;
    constexpr quint32 DescriptorVersion2 = 2;
    constexpr qsizetype Descriptor2Size = 4 + 4 + 5 * 8;
    constexpr qint64 SumSize = ChunkChecksum::Size;

    quint64 chunkSeed(quint64 generation, qint64 index)
    {
        return generation * 0x9E3779B97F4A7C15ULL ^ quint64(index);
    }
} // namespace

qint64 Descriptor::chunkLength(qint64 index) const
{
    if (isInline())
        return index == 0 ? storedSize : 0;
    return qBound<qint64>(0, storedSize - index * chunkSize, chunkSize);
}

QByteArray Descriptor::encode() const
{
    QByteArray bytes(DescriptorSize, Qt::Uninitialized);
    char *p = bytes.data();
    qToLittleEndian<quint32>(DescriptorMagic, p);
    qToLittleEndian<quint32>(DescriptorVersion, p + 4);
    qToLittleEndian<qint64>(bodySize, p + 8);
    qToLittleEndian<qint64>(chunkSize, p + 16);
    qToLittleEndian<qint64>(chunkCount, p + 24);
    qToLittleEndian<quint64>(generation, p + 32);
    qToLittleEndian<qint64>(cost, p + 40);
    qToLittleEndian<qint64>(storedSize, p + 48);
    qToLittleEndian<quint32>(quint32(compression), p + 56);
    return bytes;
}

Descriptor Descriptor::decode(const QByteArray &bytes)
{
    if (bytes.size() != DescriptorSize && bytes.size() != Descriptor2Size)
        return {};
    const char *p = bytes.constData();
    const quint32 version = qFromLittleEndian<quint32>(p + 4);
    if (qFromLittleEndian<quint32>(p) != DescriptorMagic
        || (version == DescriptorVersion
                    ? bytes.size() != DescriptorSize
                    : (version != DescriptorVersion2 || bytes.size() != Descriptor2Size)))
        return {};
    Descriptor d;
    d.bodySize = qFromLittleEndian<qint64>(p + 8);
    d.chunkSize = qFromLittleEndian<qint64>(p + 16);
    d.chunkCount = qFromLittleEndian<qint64>(p + 24);
    d.generation = qFromLittleEndian<quint64>(p + 32);
    d.cost = qFromLittleEndian<qint64>(p + 40);
    d.storedSize = d.bodySize;
    if (version == DescriptorVersion) {
        d.storedSize = qFromLittleEndian<qint64>(p + 48);
        if (!BodyCompression::algorithmFromValue(int(qFromLittleEndian<quint32>(p + 56)),
                                                 &d.compression))
            return {};
    }
    // Every bound before any arithmetic: the values may be anybody's.
    if (d.bodySize < 0 || d.bodySize > MaxBodySize || d.chunkSize <= 0 || d.chunkSize > MaxChunkSize
        || d.chunkCount < 0 || d.chunkCount > MaxChunkCount || d.generation == 0 || d.cost < 0
        || d.cost > (Q_INT64_C(1) << 50) || d.storedSize < 0 || d.storedSize > MaxBodySize)
        return {};
    // Uncompressed: the stored bytes are the body. Compressed: stored only when smaller.
    if (d.compression == BodyCompression::Algorithm::None ? d.storedSize != d.bodySize
                                                          : d.storedSize >= d.bodySize)
        return {};
    if (d.chunkCount == 0 ? d.storedSize > d.chunkSize
                          : (d.storedSize + d.chunkSize - 1) / d.chunkSize != d.chunkCount)
        return {};
    return d;
}

QByteArray encodeMetaData(const QNetworkCacheMetaData &md)
{
    return MetaDataCodec::encode(md);
}

bool decodeMetaData(const QByteArray &bytes, QNetworkCacheMetaData *md)
{
    return MetaDataCodec::decode(bytes, md);
}

QByteArray sealChunk(const char *data, qint64 length, quint64 generation, qint64 index)
{
    QByteArray sealed;
    sealed.reserve(length + SumSize);
    sealed.append(data, length);
    ChunkChecksum::append(&sealed, data, length, chunkSeed(generation, index));
    return sealed;
}

QByteArray openChunk(const QByteArray &sealed, quint64 generation, qint64 index,
                     qint64 expectedLength, QString *why)
{
    if (expectedLength < 0 || sealed.size() != expectedLength + SumSize) {
        *why = QStringLiteral("chunk %1 has %2 bytes, expected %3")
                       .arg(index)
                       .arg(qMax<qint64>(0, sealed.size() - SumSize))
                       .arg(expectedLength);
        return {};
    }
    const quint64 stored = qFromLittleEndian<quint64>(sealed.constData() + expectedLength);
    if (stored
        != ChunkChecksum::compute(sealed.constData(), expectedLength,
                                  chunkSeed(generation, index))) {
        *why = QStringLiteral("checksum mismatch in chunk %1").arg(index);
        return {};
    }
    QByteArray payload = sealed;
    payload.truncate(expectedLength);
    if (payload.isNull())
        payload = QByteArray(""); // an empty body is still a valid chunk
    return payload;
}

} // namespace tiercache::redis
