// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/bodycompression.h>

#include <QtCore/QDateTime>
#include <QtCore/QIODevice>
#include <QtNetwork/QNetworkCacheMetaData>

#include "disk/sha256_p.h"
#include "disk/spoolworker_p.h"

#include <atomic>
#include <memory>

namespace tiercache {

/*
    The device prepare() hands to QNetworkAccessManager. The body is hashed with SHA-256 as it
    arrives (the digest names the decoded body) and turned into the bytes to store by a
    BodyEncoder: the body itself, or it compressed when the tier's compress= option and the
    content type say so and it saves space. It keeps the first chunk of stored bytes in memory;
    stored bytes that fit in DiskStore's inline limit never touch a file (they are stored in
    the catalogue). More go to a temporary file in <dir>/tmp, one checksummed chunk at a time.
    Once a body has a file, the rest of it is hashed, encoded and written by a SpoolWorker off
    the calling thread, a piece at a time, at most SpoolWorker::MaxQueued pieces behind: memory
    use is those pieces plus one chunk and the encoder's frame, whatever the body size.
    The temporary file is flock()ed for as long as the device owns it, which is how a start-up
    sweep in any process tells an abandoned file (its writer died) from one being written now.

    Closing the device (QIODevice::close() emits aboutToClose()) is how the cache withdraws it:
    QNetworkReplyHttpImpl listens to aboutToClose() and forgets its pointer.
*/
class SpoolDevice : public QIODevice
{
    Q_OBJECT
public:
    SpoolDevice(const QString &key, const QNetworkCacheMetaData &metaData, QObject *parent,
                const BodyCompression &compression = BodyCompression());
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
    //! After finish(), for an inline body: its stored bytes.
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
    //! After finish(): the bytes stored, and how they encode the body.
    qint64 storedSize() const { return m_storedSize; }
    BodyCompression::Algorithm compression() const { return m_encoder.algorithm(); }
    //! One checksum per chunk of the stored bytes.
    const QByteArray &chunkSums() const { return m_sums; }
    qint64 allocatedSize() const { return m_allocated; }
    //! Whether a write() or finish() failed (errorString() says why).
    bool hasFailed() const { return m_failureReported; }
    QDateTime lastWrite() const { return m_lastWrite; }
    //! The first bytes of the body (up to 4), to recognise compressed formats.
    const QByteArray &leadingBytes() const { return m_leading; }
    //! Whether part of the body went to the writer thread (it outgrew the first piece).
    bool hasHandedOver() const { return m_worker && m_worker->wasUsed(); }
    bool isSequential() const override { return true; }

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    //! Hashes, encodes and stores \a size bytes of the body, on whichever thread owns the
    //! writing steps (the caller's until the file exists, then the worker's).
    bool consume(const char *data, qint64 size);
    //! Waits for the worker, then makes the failure it or the caller met the device's error.
    bool reportFailure();
    bool flushChunk();
    //! Checksums \a size bytes (whole chunks, or the last one) and appends them to the file.
    bool writeChunks(const char *data, qint64 size);
    //! Appends stored bytes to the current chunk, writing full chunks out.
    bool store(const char *data, qint64 size);
    bool createFile();
    //! Records a failed step, on any thread: "cannot <what> <temp file>: <errno text>".
    void setFailed(const QString &what);
    void fail(const QString &message);

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
    qint64 m_storedSize = 0;
    BodyEncoder m_encoder;
    QByteArray m_encoded; // the encoder's output, between its call and store()
    qint64 m_allocated = 0;
    std::atomic<bool> m_failed {false}; // set by whichever thread met the failure
    QString m_failure;                  // written before m_failed is set, read after drain()
    bool m_failureReported = false;     // caller's thread: errorString() says why
    bool m_inline = false;
    bool m_finished = false; // finish(), discard() or release(): no more writes
    QDateTime m_lastWrite;
    QByteArray m_leading;
    QByteArray m_pending; // body bytes for the worker's next piece
    // Last, so that it is gone (its pieces done or dropped) before what they use.
    std::unique_ptr<SpoolWorker> m_worker;
};

} // namespace tiercache
