// SPDX-License-Identifier: MIT
#include "checksum_p.h"
#include "disk/blobstore_p.h"

#include <QtCore/QFile>
#include <QtCore/QtEndian>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tiercache::blob {

namespace {
    constexpr char Magic[8] = {'T', 'C', 'B', 'L', 'O', 'B', '\r', '\n'};
}

QByteArray makeHeader(qint64 storedSize, quint32 chunkSize, quint32 compression)
{
    QByteArray header(HeaderSize, '\0');
    char *p = header.data();
    std::memcpy(p, Magic, sizeof Magic);
    qToLittleEndian<quint32>(FormatVersion, p + 8);
    qToLittleEndian<quint32>(chunkSize, p + 12);
    qToLittleEndian<quint64>(quint64(storedSize), p + 16);
    qToLittleEndian<quint32>(compression, p + 24);
    return header;
}

bool headerMatches(const char *header, qint64 storedSize, quint32 chunkSize, quint32 compression)
{
    return std::memcmp(header, Magic, sizeof Magic) == 0
            && qFromLittleEndian<quint32>(header + 8) == FormatVersion
            && qFromLittleEndian<quint32>(header + 12) == chunkSize
            && qFromLittleEndian<quint64>(header + 16) == quint64(storedSize)
            && qFromLittleEndian<quint32>(header + 24) == compression;
}

qint64 chunkCount(qint64 bodySize, quint32 chunkSize)
{
    // Values come from the catalogue, which may be damaged: never overflow or divide by zero.
    if (chunkSize == 0 || bodySize < 0 || bodySize > MaxBodySize)
        return -1;
    return (bodySize + chunkSize - 1) / chunkSize;
}

void appendChecksum(QByteArray *sums, const char *data, qint64 length)
{
    static_assert(ChecksumSize == ChunkChecksum::Size);
    ChunkChecksum::append(sums, data, length);
}

bool verifyChunks(const char *data, qint64 length, qint64 offset, quint32 chunkSize,
                  const QByteArray &sums)
{
    return ChunkChecksum::verify(data, length, offset, chunkSize, sums);
}

QString blobsDir(const QString &root)
{
    return root + QLatin1String("/blobs");
}

QString tempDir(const QString &root)
{
    return root + QLatin1String("/tmp");
}

QString blobPath(const QString &root, const QByteArray &hexDigest)
{
    return blobsDir(root) + QLatin1Char('/') + QLatin1String(hexDigest.left(2)) + QLatin1Char('/')
            + QLatin1String(hexDigest);
}

bool writeAll(int fd, const char *data, qint64 length)
{
    while (length > 0) {
        const ssize_t n = ::write(fd, data, size_t(length));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        if (n == 0) {
            errno = ENOSPC;
            return false;
        }
        data += n;
        length -= n;
    }
    return true;
}

bool pwriteAll(int fd, const char *data, qint64 length, qint64 offset)
{
    while (length > 0) {
        const ssize_t n = ::pwrite(fd, data, size_t(length), off_t(offset));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        if (n == 0) {
            errno = ENOSPC;
            return false;
        }
        data += n;
        offset += n;
        length -= n;
    }
    return true;
}

qint64 preadFully(int fd, char *data, qint64 length, qint64 offset)
{
    qint64 done = 0;
    while (done < length) {
        const ssize_t n = ::pread(fd, data + done, size_t(length - done), off_t(offset + done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break; // end of file: the caller compares with what it expected
        done += n;
    }
    return done;
}

qint64 allocatedSize(int fd)
{
    struct stat st;
    if (::fstat(fd, &st) != 0)
        return -1;
    return qint64(st.st_blocks) * 512;
}

qint64 allocatedSize(const QString &path)
{
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return qint64(st.st_blocks) * 512;
}

qint64 fileSize(const QString &path)
{
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return qint64(st.st_size);
}

int openReadOnly(const QString &path)
{
    int fd;
    do {
        fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

void closeFd(int fd)
{
    if (fd >= 0)
        ::close(fd);
}

bool syncData(int fd)
{
    return ::fdatasync(fd) == 0;
}

bool syncDirectory(const QString &path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

bool tryLock(int fd)
{
    return ::flock(fd, LOCK_EX | LOCK_NB) == 0;
}

QString lastErrorString()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

} // namespace tiercache::blob
