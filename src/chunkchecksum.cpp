// SPDX-License-Identifier: MIT
#include <tiercache/chunkchecksum.h>

#include <QtCore/QtEndian>

#include <cstring>

// XXH64 as specified in https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md
namespace tiercache {
namespace {
    constexpr quint64 P1 = 0x9E3779B185EBCA87ULL;
    constexpr quint64 P2 = 0xC2B2AE3D27D4EB4FULL;
    constexpr quint64 P3 = 0x165667B19E3779F9ULL;
    constexpr quint64 P4 = 0x85EBCA77C2B2AE63ULL;
    constexpr quint64 P5 = 0x27D4EB2F165667C5ULL;

    inline quint64 rotl(quint64 x, int r)
    {
        return (x << r) | (x >> (64 - r));
    }
    inline quint64 read64(const char *p)
    {
        quint64 v;
        std::memcpy(&v, p, sizeof v);
        return qFromLittleEndian(v);
    }
    inline quint32 read32(const char *p)
    {
        quint32 v;
        std::memcpy(&v, p, sizeof v);
        return qFromLittleEndian(v);
    }
    inline quint64 round(quint64 acc, quint64 input)
    {
        acc += input * P2;
        acc = rotl(acc, 31);
        return acc * P1;
    }
    inline quint64 mergeRound(quint64 acc, quint64 val)
    {
        acc ^= round(0, val);
        return acc * P1 + P4;
    }
} // namespace

quint64 ChunkChecksum::compute(const char *p, qsizetype length, quint64 seed)
{
    const char *const end = p + length;
    quint64 h;
    if (length >= 32) {
        quint64 v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
        const char *const limit = end - 32;
        do {
            v1 = round(v1, read64(p));
            v2 = round(v2, read64(p + 8));
            v3 = round(v3, read64(p + 16));
            v4 = round(v4, read64(p + 24));
            p += 32;
        } while (p <= limit);
        h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
        h = mergeRound(h, v1);
        h = mergeRound(h, v2);
        h = mergeRound(h, v3);
        h = mergeRound(h, v4);
    } else {
        h = seed + P5;
    }
    h += quint64(length);
    while (p + 8 <= end) {
        h ^= round(0, read64(p));
        h = rotl(h, 27) * P1 + P4;
        p += 8;
    }
    if (p + 4 <= end) {
        h ^= quint64(read32(p)) * P1;
        h = rotl(h, 23) * P2 + P3;
        p += 4;
    }
    while (p < end) {
        h ^= quint64(static_cast<unsigned char>(*p)) * P5;
        h = rotl(h, 11) * P1;
        ++p;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

void ChunkChecksum::append(QByteArray *sums, const char *data, qsizetype length, quint64 seed)
{
    char out[Size];
    qToLittleEndian<quint64>(compute(data, length, seed), out);
    sums->append(out, Size);
}

bool ChunkChecksum::verify(const char *data, qint64 length, qint64 offset, qint64 chunkSize,
                           const QByteArray &sums)
{
    // The arguments may come from a damaged store: never overflow or divide by zero.
    if (chunkSize <= 0 || offset < 0 || length < 0 || offset % chunkSize != 0)
        return false;
    qint64 index = offset / chunkSize;
    for (qint64 done = 0; done < length; ++index) {
        const qint64 n = qMin<qint64>(chunkSize, length - done);
        if (index >= sums.size() / Size)
            return false;
        const quint64 expected = qFromLittleEndian<quint64>(sums.constData() + index * Size);
        if (compute(data + done, n) != expected)
            return false;
        done += n;
    }
    return true;
}

} // namespace tiercache
