// SPDX-License-Identifier: MIT
#include "disk/blobstore_p.h"
#include "disk/spooldevice_p.h"
#include "logging_p.h"

#include <QtCore/QFile>
#include <QtCore/QRandomGenerator>

#include <utility>

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
        return reportFailure();
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
        fail(QStringLiteral("cannot create %1: %2").arg(m_tempPath, blob::lastErrorString()));
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
    if (m_finished || m_failureReported)
        return -1;
    if (m_failed) { // the worker met it
        reportFailure();
        return -1;
    }
    m_lastWrite = QDateTime::currentDateTimeUtc();
    if (m_leading.size() < 4)
        m_leading.append(data, qMin<qint64>(size, 4 - m_leading.size()));
    m_bodySize += size;
    if (m_fd < 0) { // small so far: no file yet, and too little to be worth a hand-over
        if (consume(data, size))
            return size;
        reportFailure();
        return -1;
    }

    if (!m_worker)
        m_worker = std::make_unique<SpoolWorker>(
                [this](const QByteArray &piece) { consume(piece.constData(), piece.size()); });
    qint64 done = 0;
    while (done < size) {
        if (m_pending.isEmpty())
            m_pending.reserve(SpoolWorker::PieceSize);
        const qint64 n = qMin<qint64>(size - done, SpoolWorker::PieceSize - m_pending.size());
        m_pending.append(data + done, n);
        done += n;
        if (m_pending.size() == SpoolWorker::PieceSize)
            m_worker->post(std::exchange(m_pending, QByteArray()));
    }
    return size;
}

bool SpoolDevice::consume(const char *data, qint64 size)
{
    if (m_failed)
        return false;           // a piece after a failed one: the body is lost already
    m_hash.addData(data, size); // the digest names the decoded body
    if (m_encoder.isDecided() && m_encoder.algorithm() == BodyCompression::Algorithm::None
        && m_encoder.errorString().isEmpty()) {
        return store(data, size); // stored as is: no copy through the encoder's output
    }
    m_encoded.resize(0);
    if (!m_encoder.write(data, size, &m_encoded)) {
        fail(QStringLiteral("cannot compress the body of %1: %2")
                     .arg(m_key, m_encoder.errorString()));
        return false;
    }
    return store(m_encoded.constData(), m_encoded.size());
}

bool SpoolDevice::reportFailure()
{
    if (m_worker)
        m_worker->drain();
    if (m_failed) {
        setErrorString(m_failure);
        m_failureReported = true;
    }
    return false;
}

bool SpoolDevice::store(const char *data, qint64 size)
{
    qint64 done = 0;
    while (done < size) {
        if (m_chunk.isEmpty() && m_fd >= 0 && size - done >= blob::ChunkSize) {
            // Whole chunks straight from the caller's bytes, in one write: no copy.
            const qint64 n = (size - done) / blob::ChunkSize * blob::ChunkSize;
            if (!writeChunks(data + done, n))
                return false;
            done += n;
            continue;
        }
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
    if (!writeChunks(m_chunk.constData(), m_chunk.size()))
        return false;
    m_chunk.resize(0);
    return true;
}

bool SpoolDevice::writeChunks(const char *data, qint64 size)
{
    for (qint64 at = 0; at < size; at += blob::ChunkSize)
        blob::appendChecksum(&m_sums, data + at, qMin<qint64>(blob::ChunkSize, size - at));
    if (!blob::writeAll(m_fd, data, size)) {
        setFailed(QStringLiteral("write"));
        return false;
    }
    return true;
}

bool SpoolDevice::finish(bool sync)
{
    if (m_worker)
        m_worker->drain(); // the worker's steps are the caller's again
    if (m_failed)
        return reportFailure();
    if (!m_pending.isEmpty() && !consume(m_pending.constData(), m_pending.size()))
        return reportFailure();
    m_pending = QByteArray();
    m_encoded.resize(0);
    if (!m_encoder.finish(&m_encoded)) {
        fail(QStringLiteral("cannot compress the body of %1: %2")
                     .arg(m_key, m_encoder.errorString()));
        return reportFailure();
    }
    if (!store(m_encoded.constData(), m_encoded.size()))
        return reportFailure();
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
        return reportFailure();
    const QByteArray header =
            blob::makeHeader(m_storedSize, blob::ChunkSize, quint32(m_encoder.algorithm()));
    if (!blob::pwriteAll(m_fd, header.constData(), header.size(), 0)) {
        setFailed(QStringLiteral("write header of"));
        return reportFailure();
    }
    if (sync && !blob::syncData(m_fd)) {
        setFailed(QStringLiteral("sync"));
        return reportFailure();
    }
    m_digest = m_hash.hexResult();
    m_allocated = blob::allocatedSize(m_fd);
    m_finished = true;
    return true;
}

void SpoolDevice::setFailed(const QString &what)
{
    fail(QStringLiteral("cannot %1 %2: %3").arg(what, m_tempPath, blob::lastErrorString()));
}

void SpoolDevice::fail(const QString &message)
{
    qCWarning(lcDisk).noquote() << message;
    m_failure = message;
    m_failed = true;
}

void SpoolDevice::discard()
{
    if (m_worker) {
        m_worker->cancel();
        m_worker->drain();
    }
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
    m_pending = QByteArray();
}

void SpoolDevice::release()
{
    if (m_worker)
        m_worker->drain(); // done already: release() follows finish()
    m_finished = true;
    blob::closeFd(m_fd);
    m_fd = -1;
    m_tempPath.clear();
    m_chunk = QByteArray();
}

} // namespace tiercache
