// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QIODevice>

#include <memory>

namespace tiercache::sqlite {

class Store;

/*
    The body of one entry, read one verified chunk at a time so that memory stays at one
    chunk however large the body is. The next chunk is fetched from the event loop once the
    current one has been consumed (readData() returns 0 meanwhile, readyRead() follows).

    It delivers exactly bodySize bytes or fails: a missing, short or corrupted chunk stops the
    stream with an error, deletes the damaged entry and aborts the QNetworkReply that owns the
    device, because QNAM would otherwise take the silence for a complete, shorter body.
*/
class ChunkDevice final : public QIODevice
{
    Q_OBJECT
public:
    ChunkDevice(std::shared_ptr<Store> store, const QString &key, qint64 generation, qint64 bodySize,
                qint64 chunkSize, const QByteArray &firstChunk);
    ~ChunkDevice() override;

    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override;
    bool atEnd() const override;
    bool hasFailed() const { return m_failed; }

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    void scheduleRefill();
    void refill();
    void fail(const QString &reason);
    void release();

    std::shared_ptr<Store> m_store;
    QString m_key;
    qint64 m_generation;
    qint64 m_bodySize;
    qint64 m_chunkSize;
    QByteArray m_window;  // the current chunk
    qint64 m_windowPos = 0;
    qint64 m_nextSeq = 1; // the first chunk came with the constructor
    qint64 m_loaded = 0;  // body bytes loaded into windows so far
    bool m_refillPending = false;
    bool m_failed = false;
    bool m_pinned = true;
};

} // namespace tiercache::sqlite
