// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QDateTime>
#include <QtCore/QIODevice>
#include <QtNetwork/QNetworkCacheMetaData>

#include "disk/sha256_p.h"

namespace tiercache {

/*
    The device prepare() hands to QNetworkAccessManager. It writes the body straight into a
    temporary file in <dir>/tmp, one checksummed chunk at a time, and hashes it with SHA-256 on
    the way, so memory use is one chunk whatever the body size. The temporary file is flock()ed
    for as long as the device owns it, which is how a start-up sweep in any process tells an
    abandoned file (its writer died) from one being written right now.

    Closing the device (QIODevice::close() emits aboutToClose()) is how the cache withdraws it:
    QNetworkReplyHttpImpl listens to aboutToClose() and forgets its pointer.
*/
class SpoolDevice : public QIODevice
{
    Q_OBJECT
public:
    SpoolDevice(const QString &key, const QNetworkCacheMetaData &metaData, QObject *parent);
    ~SpoolDevice() override;

    //! Creates and locks the temporary file under \a tempDir and opens the device write-only.
    bool begin(const QString &tempDir);
    //! Writes out the last partial chunk and the final header; syncs when \a sync.
    bool finish(bool sync);
    //! Closes the file descriptor and deletes the temporary file (if still there).
    void discard();
    //! Forgets the temporary file without deleting it (it has been renamed into place).
    void release();

    const QString &key() const { return m_key; }
    const QNetworkCacheMetaData &metaData() const { return m_metaData; }
    const QString &tempPath() const { return m_tempPath; }
    QByteArray hexDigest() const { return m_digest; }
    qint64 bodySize() const { return m_bodySize; }
    const QByteArray &chunkSums() const { return m_sums; }
    qint64 allocatedSize() const { return m_allocated; }
    bool hasFailed() const { return m_failed; }
    QDateTime lastWrite() const { return m_lastWrite; }
    //! The first bytes of the body (up to 4), to recognise compressed formats.
    const QByteArray &leadingBytes() const { return m_leading; }
    bool isSequential() const override { return true; }

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    bool flushChunk();
    void setFailed(const QString &what);

    QString m_key;
    QNetworkCacheMetaData m_metaData;
    QString m_tempPath;
    int m_fd = -1;
    QByteArray m_chunk;
    QByteArray m_sums;
    Sha256 m_hash;
    QByteArray m_digest;
    qint64 m_bodySize = 0;
    qint64 m_allocated = 0;
    bool m_failed = false;
    QDateTime m_lastWrite;
    QByteArray m_leading;
};

} // namespace tiercache
