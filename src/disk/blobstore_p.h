// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>

namespace tiercache {

/*
    File-level layout of a cache directory and the blob file format.

        <dir>/catalogue.db          SQLite index (see Catalogue)
        <dir>/blobs/<aa>/<digest>   one body, named by the SHA-256 of its bytes
        <dir>/tmp/<random>.part     bodies being written (flock()ed by their writer)

    A blob file is a 32-byte header followed by the stored bytes: the body itself, or the body
    compressed (BodyEncoder's frames) when the disk tier's compress= option chose to:
        0  "TCBLOB\r\n"   magic
        8  u32 LE          format version (1)
        12 u32 LE          chunk size the per-chunk checksums (over the stored bytes) use
        16 u64 LE          stored size: the bytes after the header
        24 u32 LE          compression of the stored bytes (BodyCompression::Algorithm; 0: none)
        28 u32             reserved (0)
    The header lets a stat() alone check presence and size, and makes a blob from another
    format version, or stored with another codec than its catalogue row says, a miss instead
    of a wrong body. The file is named by the SHA-256 of the decoded body.
*/
namespace blob {

    constexpr qint64 HeaderSize = 32;
    constexpr quint32 FormatVersion = 1;
    constexpr quint32 ChunkSize = 64 * 1024;
    constexpr int ChecksumSize = 8;                    // bytes per chunk checksum in the sums array
    constexpr qint64 MaxBodySize = Q_INT64_C(1) << 50; // 1 PiB: anything larger is a damaged row

    QByteArray makeHeader(qint64 storedSize, quint32 chunkSize = ChunkSize,
                          quint32 compression = 0);
    //! Checks magic, version and that the header announces \a storedSize, \a chunkSize and
    //! \a compression.
    bool headerMatches(const char *header, qint64 storedSize, quint32 chunkSize,
                       quint32 compression = 0);

    //! Chunks of a body; -1 for impossible values (a damaged catalogue row).
    qint64 chunkCount(qint64 bodySize, quint32 chunkSize);
    //! Checks \a length bytes starting at body offset \a offset (a chunk boundary) against \a sums.
    bool verifyChunks(const char *data, qint64 length, qint64 offset, quint32 chunkSize,
                      const QByteArray &sums);
    void appendChecksum(QByteArray *sums, const char *data, qint64 length);

    QString blobPath(const QString &root, const QByteArray &hexDigest);
    QString blobsDir(const QString &root);
    QString tempDir(const QString &root);

    // Thin POSIX helpers: Qt has no pread(), fdatasync() or st_blocks.
    bool writeAll(int fd, const char *data, qint64 length);
    bool pwriteAll(int fd, const char *data, qint64 length, qint64 offset);
    qint64 preadFully(int fd, char *data, qint64 length, qint64 offset); // bytes read, -1 on error
    qint64 allocatedSize(int fd);                                        // st_blocks * 512, or -1
    qint64 allocatedSize(const QString &path);                           // st_blocks * 512, or -1
    qint64 fileSize(const QString &path);  // st_size, or -1 if missing
    int openReadOnly(const QString &path); // O_RDONLY | O_CLOEXEC, -1 on error
    void closeFd(int fd);
    bool syncData(int fd);
    bool syncDirectory(const QString &path);
    //! Non-blocking exclusive flock(); used to tell live temp files from crash leftovers.
    bool tryLock(int fd);
    QString lastErrorString();

} // namespace blob
} // namespace tiercache
