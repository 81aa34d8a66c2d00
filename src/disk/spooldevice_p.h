// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QDateTime>
#include <QtCore/QIODevice>
#include <QtNetwork/QNetworkCacheMetaData>

#include "disk/sha256_p.h"

namespace tiercache {

/*
    The device prepare() hands to QNetworkAccessManager. It keeps the first chunk in memory;
    a body that fits in DiskStore's inline limit never touches a file (it is stored in the
    catalogue). A larger one goes to a temporary file in <dir>/tmp, one checksummed chunk at a
    time, hashed with SHA-256 on the way, so memory use is one chunk whatever the body size.
    The temporary file is flock()ed for as long as the device owns it, which is how a start-up
    sweep in any process tells an abandoned file (its writer died) from one being written now.

    Closing the device (QIODevice::close() emits aboutToClose()) is how the cache withdraws it:
    QNetworkReplyHttpImpl listens to aboutToClose() and forgets its pointer.
*/
class SpoolDevice : public QIODevice
{
    Q_OBJECT
public:
    SpoolDevice(const QString &key, const QNetworkCacheMetaData &metaData, QObject *parent);
    ~SpoolDevice() override;

    /*
        Opens the device write-only. Bodies of up to \a inlineMax bytes (at most one chunk)
        stay in memory; the temporary file under \a tempDir is created once a body grows past
        that, and locked at once.
    */
    bool begin(const QString &tempDir, qint64 inlineMax = 0);
    //! Completes the body: an inline one is hashed; a file gets its last partial chunk and
    //! its final header, and is synced when \a sync.
    bool finish(bool sync);
    //! After finish(): whether the body is held in memory (inlineBody()) rather than in a file.
    bool isInline() const { return m_inline; }
    //! After finish(), for an inline body: its bytes.
    const QByteArray &inlineBody() const { return m_chunk; }
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
    bool createFile();
    void setFailed(const QString &what);

    QString m_tempDir;
    qint64 m_inlineMax = 0;
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
    bool m_inline = false;
    bool m_finished = false; // finish(), discard() or release(): no more writes
    QDateTime m_lastWrite;
    QByteArray m_leading;
};

} // namespace tiercache
