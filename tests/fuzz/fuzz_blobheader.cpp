// SPDX-License-Identifier: MIT
// The blob file header and the per-chunk checksums, checked the way their callers check them:
// the header and body come from a file anyone with access to the cache directory may have
// damaged, the body size, chunk size and checksum array from a catalogue row (equally
// untrusted). Input layout (big-endian integers, missing bytes read as 0):
//   u8  mode          bit 0: honest blob (header and sums made by the library) vs. hostile;
//                     bits 1-2: the catalogue's compression (0 none, 1 zstd, 2 gzip, 3 unknown)
//   i64 bodySize      catalogue stored_size (the bytes after the header: the body, or it
//                     compressed; the checks below are the same either way)
//   u32 chunkSize     catalogue chunk_size
//   u16 window        read window (DiskStore::openBody / BodyDevice)
//   u16 sumsLength    then that many bytes of catalogue sums
//   32 bytes          blob file header
//   rest              blob file body
#include "fuzz_common.h"

#include "checksum_p.h"
#include "disk/blobstore_p.h"

#include <memory>

using namespace tiercache;

namespace {

// Exactly-sized heap copies, so that AddressSanitizer sees any read past the end.
std::unique_ptr<char[]> exactCopy(const QByteArray &bytes, qsizetype size)
{
    std::unique_ptr<char[]> p(new char[size_t(qMax<qsizetype>(size, 1))]);
    std::memset(p.get(), 0, size_t(qMax<qsizetype>(size, 1)));
    std::memcpy(p.get(), bytes.constData(), size_t(qMin(size, bytes.size())));
    return p;
}

void honest(quint32 compression, quint32 rawChunkSize, quint16 rawWindow, const QByteArray &body)
{
    const quint32 chunkSize = 1 + rawChunkSize % 4096;
    const qint64 bodySize = body.size();
    const QByteArray header = blob::makeHeader(bodySize, chunkSize, compression);
    FUZZ_CHECK(header.size() == blob::HeaderSize, QString());
    const auto headerCopy = exactCopy(header, blob::HeaderSize);
    FUZZ_CHECK(blob::headerMatches(headerCopy.get(), bodySize, chunkSize, compression),
               fuzz::hex(header));
    FUZZ_CHECK(!blob::headerMatches(headerCopy.get(), bodySize + 1, chunkSize, compression),
               fuzz::hex(header));
    FUZZ_CHECK(!blob::headerMatches(headerCopy.get(), bodySize, chunkSize + 1, compression),
               fuzz::hex(header));
    // A file stored with another codec than its row says is a miss, never decoded wrongly.
    FUZZ_CHECK(!blob::headerMatches(headerCopy.get(), bodySize, chunkSize, compression ^ 1),
               fuzz::hex(header));

    QByteArray sums;
    for (qint64 offset = 0; offset < bodySize; offset += chunkSize)
        blob::appendChecksum(&sums, body.constData() + offset,
                             qMin<qint64>(chunkSize, bodySize - offset));
    FUZZ_CHECK(sums.size() == blob::chunkCount(bodySize, chunkSize) * blob::ChecksumSize,
               QStringLiteral("%1 sums bytes for %2 bytes in chunks of %3")
                       .arg(sums.size())
                       .arg(bodySize)
                       .arg(chunkSize));

    const auto bodyCopy = exactCopy(body, body.size());
    FUZZ_CHECK(
            blob::verifyChunks(bodyCopy.get(), bodySize, 0, chunkSize, sums),
            QStringLiteral("whole body of %1 bytes, chunk size %2").arg(bodySize).arg(chunkSize));
    // Window by window, as BodyDevice reads (windows are whole chunks).
    const qint64 window = qint64(chunkSize) * (1 + rawWindow % 8);
    for (qint64 offset = 0; offset < bodySize; offset += window) {
        const qint64 n = qMin(window, bodySize - offset);
        FUZZ_CHECK(blob::verifyChunks(bodyCopy.get() + offset, n, offset, chunkSize, sums),
                   QStringLiteral("window at %1 (%2 bytes), chunk size %3")
                           .arg(offset)
                           .arg(n)
                           .arg(chunkSize));
    }
    // One checksum short: the last chunk cannot be verified.
    if (bodySize > 0) {
        FUZZ_CHECK(!blob::verifyChunks(bodyCopy.get(), bodySize, 0, chunkSize,
                                       sums.left(sums.size() - blob::ChecksumSize)),
                   QStringLiteral("verified without the last checksum"));
    }
}

void hostile(quint32 compression, qint64 bodySize, quint32 chunkSize, quint16 window,
             const QByteArray &sums, const QByteArray &header, const QByteArray &body)
{
    const auto headerCopy = exactCopy(header, blob::HeaderSize);
    const auto bodyCopy = exactCopy(body, body.size());
    const bool matches = blob::headerMatches(headerCopy.get(), bodySize, chunkSize, compression);
    // The reserved field is not checked; everything else must be exactly what makeHeader writes.
    FUZZ_CHECK(
            matches
                    == (std::memcmp(headerCopy.get(),
                                    blob::makeHeader(bodySize, chunkSize, compression).constData(),
                                    28)
                        == 0),
            fuzz::hex(header));

    // DiskStore::openBody(): row checks (chunkCount() on the row's values as they are), then
    // the file size, header and the first window. (openBody multiplies the count by
    // ChecksumSize unchecked; done without overflow here.)
    qint64 sumsSize = -1;
    if (chunkSize != 0
        && __builtin_mul_overflow(blob::chunkCount(bodySize, chunkSize), qint64(blob::ChecksumSize),
                                  &sumsSize))
        sumsSize = -1;
    if (chunkSize != 0 && sums.size() == sumsSize && body.size() == bodySize && matches) {
        const qint64 length = qMin<qint64>(window, bodySize);
        blob::verifyChunks(bodyCopy.get(), length, 0, chunkSize, sums);
    }

    // DiskStore::verify(): the file size and header, then the body in 1 MiB reads.
    if (body.size() == bodySize && matches) {
        constexpr qint64 ReadSize = 1024 * 1024;
        for (qint64 offset = 0; offset < bodySize; offset += ReadSize) {
            const qint64 n = qMin(ReadSize, bodySize - offset);
            blob::verifyChunks(bodyCopy.get() + offset, n, offset, chunkSize, sums);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::ByteReader in(data, size);
    const quint8 mode = in.integral<quint8>();
    const qint64 bodySize = in.integral<qint64>();
    const quint32 chunkSize = in.integral<quint32>();
    const quint16 window = in.integral<quint16>();
    const quint16 sumsLength = in.integral<quint16>();
    const QByteArray sums = in.bytes(sumsLength);
    const QByteArray header = in.bytes(blob::HeaderSize);
    const QByteArray body = in.rest();
    const quint32 compression = (mode >> 1) & 3;
    if (mode & 1)
        honest(compression, chunkSize, window, body);
    else
        hostile(compression, bodySize, chunkSize, window, sums, header, body);
    return 0;
}
