// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/chunkedbodydevice.h>

#include <memory>

namespace tiercache::sqlite {

class Store;

/*
    The body of one entry: a ChunkedBodyDevice whose windows are the entry's chunks, read and
    checked (Store::readChunk()) one at a time, so that memory stays at one chunk however
    large the body is. The generation stays pinned until the last chunk has been read, so a
    replace in this process keeps its chunks meanwhile.

    A missing, short or corrupted chunk fails the device (see ChunkedBodyDevice) and deletes
    the damaged entry, unless a newer version has replaced it meanwhile.
*/
class ChunkDevice final : public ChunkedBodyDevice
{
    Q_OBJECT
public:
    //! \a firstChunk is chunk 0, already checked; the store has pinned \a generation for us.
    ChunkDevice(std::shared_ptr<Store> store, const QString &key, qint64 generation,
                qint64 bodySize, qint64 chunkSize, const QByteArray &firstChunk);
    ~ChunkDevice() override;

protected:
    bool fetchWindow(qint64 offset, QByteArray *window, QString *errorString) override;
    void handleDamage(qint64 offset, const QString &reason) override;
    void releaseSource() override;

private:
    std::shared_ptr<Store> m_store;
    QString m_key;
    qint64 m_generation;
    qint64 m_chunkSize;
};

} // namespace tiercache::sqlite
