// SPDX-License-Identifier: MIT
#include "disk/blobstore_p.h"
#include "disk/spooldevice_p.h"
#include "logging_p.h"

#include <QtCore/QFile>
#include <QtCore/QRandomGenerator>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace tiercache {

SpoolDevice::SpoolDevice(const QString &key, const QNetworkCacheMetaData &metaData, QObject *parent,
                         const BodyCompression &compression)
    : QIODevice(parent),
      m_key(key),
      m_metaData(metaData),
      m_sums(0, '\0'),
      m_encoder(compression, metaData)
{
    // m_sums is empty but not null: an empty body has zero checksums, not an SQL NULL.
}

SpoolDevice::~SpoolDevice()
{
    discard();
}

bool SpoolDevice::begin(const QString &tempDir, qint64 inlineMax)
{
    m_tempDir = tempDir;
    m_inlineMax = qMin<qint64>(inlineMax, blob::ChunkSize);
    m_chunk.reserve(qMin<qint64>(blob::ChunkSize, qMax<qint64>(m_inlineMax, 4096)));
    m_lastWrite = QDateTime::currentDateTimeUtc();
    if (m_inlineMax <= 0 && !createFile())
        return false;
    return open(QIODevice::WriteOnly | QIODevice::Unbuffered);
}

bool SpoolDevice::createFile()
{
    for (int attempt = 0; attempt < 8 && m_fd < 0; ++attempt) {
        const quint64 r = QRandomGenerator::system()->generate64();
        m_tempPath = m_tempDir + QLatin1Char('/') + QString::number(r, 36) + QLatin1String(".part");
        m_fd = ::open(QFile::encodeName(m_tempPath).constData(),
                      O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (m_fd < 0 && errno != EEXIST && errno != EINTR)
            break;
    }
    if (m_fd < 0) {
        m_failed = true;
        setErrorString(
                QStringLiteral("cannot create %1: %2").arg(m_tempPath, blob::lastErrorString()));
        qCWarning(lcDisk).noquote() << errorString();
        m_tempPath.clear();
        return false;
    }
    blob::tryLock(m_fd); // cannot fail on a file only we know about
    // Placeholder header: a crash before finish() leaves a file that never matches a body size.
    const QByteArray header = blob::makeHeader(-1);
    if (!blob::writeAll(m_fd, header.constData(), header.size())) {
        setFailed(QStringLiteral("write"));
        return false;
    }
    m_chunk.reserve(blob::ChunkSize);
    return true;
}

qint64 SpoolDevice::readData(char *, qint64)
{
    return -1;
}

qint64 SpoolDevice::writeData(const char *data, qint64 size)
{
    if (m_failed || m_finished)
        return -1;
    m_lastWrite = QDateTime::currentDateTimeUtc();
    if (m_leading.size() < 4)
        m_leading.append(data, qMin<qint64>(size, 4 - m_leading.size()));
    m_hash.addData(data, size); // the digest names the decoded body
    m_bodySize += size;
    m_encoded.resize(0);
    if (!m_encoder.write(data, size, &m_encoded)) {
        m_failed = true;
        setErrorString(QStringLiteral("cannot compress the body of %1: %2")
                               .arg(m_key, m_encoder.errorString()));
        return -1;
    }
    if (!store(m_encoded.constData(), m_encoded.size()))
        return -1;
    return size;
}

bool SpoolDevice::store(const char *data, qint64 size)
{
    qint64 done = 0;
    while (done < size) {
        const qint64 n = qMin<qint64>(size - done, blob::ChunkSize - m_chunk.size());
        m_chunk.append(data + done, n);
        done += n;
        if (m_chunk.size() == qsizetype(blob::ChunkSize) && !flushChunk())
            return false;
        if (m_fd < 0 && m_chunk.size() > m_inlineMax && !createFile())
            return false;
    }
    m_storedSize += size;
    return true;
}

bool SpoolDevice::flushChunk()
{
    if (m_chunk.isEmpty())
        return true;
    if (m_fd < 0 && !createFile())
        return false;
    blob::appendChecksum(&m_sums, m_chunk.constData(), m_chunk.size());
    if (!blob::writeAll(m_fd, m_chunk.constData(), m_chunk.size())) {
        setFailed(QStringLiteral("write"));
        return false;
    }
    m_chunk.resize(0);
    return true;
}

bool SpoolDevice::finish(bool sync)
{
    if (m_failed)
        return false;
    m_encoded.resize(0);
    if (!m_encoder.finish(&m_encoded)) {
        m_failed = true;
        setErrorString(QStringLiteral("cannot compress the body of %1: %2")
                               .arg(m_key, m_encoder.errorString()));
        return false;
    }
    if (!store(m_encoded.constData(), m_encoded.size()))
        return false;
    m_encoded = QByteArray();
    if (m_fd < 0 && m_storedSize <= m_inlineMax) {
        // Inline: stored (and made durable) by the catalogue's transaction.
        if (!m_chunk.isEmpty())
            blob::appendChecksum(&m_sums, m_chunk.constData(), m_chunk.size());
        m_digest = m_hash.hexResult();
        m_allocated = 0;
        m_inline = true;
        m_finished = true;
        return true;
    }
    if (!flushChunk())
        return false;
    const QByteArray header =
            blob::makeHeader(m_storedSize, blob::ChunkSize, quint32(m_encoder.algorithm()));
    if (!blob::pwriteAll(m_fd, header.constData(), header.size(), 0)) {
        setFailed(QStringLiteral("write header of"));
        return false;
    }
    if (sync && !blob::syncData(m_fd)) {
        setFailed(QStringLiteral("sync"));
        return false;
    }
    m_digest = m_hash.hexResult();
    m_allocated = blob::allocatedSize(m_fd);
    m_finished = true;
    return true;
}

void SpoolDevice::setFailed(const QString &what)
{
    m_failed = true;
    setErrorString(
            QStringLiteral("cannot %1 %2: %3").arg(what, m_tempPath, blob::lastErrorString()));
    qCWarning(lcDisk).noquote() << errorString();
}

void SpoolDevice::discard()
{
    m_finished = true;
    if (m_fd >= 0) {
        blob::closeFd(m_fd);
        m_fd = -1;
    }
    if (!m_tempPath.isEmpty()) {
        QFile::remove(m_tempPath);
        m_tempPath.clear();
    }
    m_chunk = QByteArray();
}

void SpoolDevice::release()
{
    m_finished = true;
    blob::closeFd(m_fd);
    m_fd = -1;
    m_tempPath.clear();
    m_chunk = QByteArray();
}

} // namespace tiercache
