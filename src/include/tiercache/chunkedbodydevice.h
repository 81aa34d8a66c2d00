// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QIODevice>

#include <memory>

namespace tiercache {

class ChunkedBodyDevicePrivate;

/*!
    \brief The base of every tier's body device: a read-only, sequential view of one body that
    holds one verified window of it at a time and never hands out a byte it has not checked.

    It is shaped around QNetworkAccessManager (Qt 6.4), which reads a cached body in two ways:
    \list
    \li The normal path (QNetworkReplyHttpImpl) reparents the device to its reply, reads while
        bytesAvailable() > 0, takes read() == -1 for the end and re-enters on readyRead(). Here
        the device shows one window at a time, returns 0 ("nothing yet") when it is used up,
        loads the next window from the event loop and emits readyRead(): an application that
        reads in readyRead() streams the body in constant memory.
    \li The AlwaysCache path (QNetworkAccessCacheBackend) and plain API users read
        synchronously and never wait for readyRead(). For them bytesAvailable() counts the whole
        rest of the body and readData() loads the next window at once, still verified.
    \endlist
    The device tells the two apart by its parents: a QNetworkReply that has not finished yet,
    possibly behind devices that forward readyRead() (ForwardsReadyReadProperty), waits.

    When a window cannot be loaded or fails its check, the device stops handing out bytes for
    good (bytesAvailable() and read() give 0, never a false end of file), calls handleDamage()
    once (a tier drops the entry there), emits readChannelFinished() and queues abort() on the
    QNetworkReply it belongs to: QNAM would otherwise take the silence for a complete, shorter
    body, and aborting synchronously inside readData() would crash Qt 6.4.

    For readers that cannot be told about damage mid-stream, verifyAll() checks every
    remaining window before the device is handed out (a tier's "verified" read mode).

    A subclass supplies the windows; it may also leave the checking to the base by giving it
    a ChunkChecksum sums array:

    \code
    class MyBodyDevice : public tiercache::ChunkedBodyDevice
    {
    public:
        MyBodyDevice(MyStore *store, qint64 bodySize, const QByteArray &firstChunk)
            : ChunkedBodyDevice(bodySize, firstChunk), m_store(store)
        {
        }

    protected:
        bool fetchWindow(qint64 offset, QByteArray *window, QString *errorString) override
        {
            // One chunk, checked against the sum stored with it.
            return m_store->readVerifiedChunk(offset / MyStore::ChunkSize, window, errorString);
        }
        void handleDamage(qint64 offset, const QString &reason) override
        {
            m_store->dropEntry(); // the next request goes to the origin
        }

    private:
        MyStore *m_store;
    };
    \endcode
*/
class TIERCACHE_EXPORT ChunkedBodyDevice : public QIODevice
{
    Q_OBJECT
public:
    //! Set (true) on devices that wrap a ChunkedBodyDevice and re-emit its readyRead(): the
    //! device then looks past them for the QNetworkReply that reads it.
    static constexpr const char *ForwardsReadyReadProperty = "_tiercache_forwardsReadyRead";
    //! verifyAll() keeps up to this many bytes of checked windows in memory, so that they are
    //! not read twice; a longer rest is checked, dropped and read (and checked) again later.
    static constexpr qint64 VerifiedInMemoryLimit = 8 * 1024 * 1024;

    ~ChunkedBodyDevice() override;

    //! The exact length of the body.
    qint64 bodySize() const;
    //! True once damage was found: no further byte will come.
    bool hasFailed() const;
    /*!
        Loads and checks every window not loaded yet, now. Returns false, and fails the device
        (handleDamage() included), at the first one that cannot be loaded or does not check.
        Call it before handing the device to a reader that cannot cope with a failure
        mid-stream, such as QNAM's AlwaysCache path.
    */
    bool verifyAll();

    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override;
    bool atEnd() const override;

protected:
    /*!
        \a firstWindow holds the first bytes of the body, already checked (it may be empty, and
        it may be the whole body). The device opens itself read-only.
    */
    explicit ChunkedBodyDevice(qint64 bodySize, const QByteArray &firstWindow = {},
                               QObject *parent = nullptr);

    /*!
        Supplies the next window: bytes of the body starting at \a offset (the end of the
        previous window, or 0), at least one and at most bodySize() - \a offset. Returns
        false with \a errorString set when they cannot be read or fail a check of the
        subclass; the device then fails. Called with increasing offsets, except that a
        verifyAll() of a long body reads the rest once ahead.
    */
    virtual bool fetchWindow(qint64 offset, QByteArray *window, QString *errorString) = 0;
    /*!
        Called once when the device fails at body offset \a offset, after it has stopped
        delivering and before the owning reply is aborted. errorString() is \a reason; a
        subclass may set a more specific one. The default logs a warning.
    */
    virtual void handleDamage(qint64 offset, const QString &reason);
    /*!
        Called once when nothing more will be fetched: the last window has been loaded, or the
        device failed. Subclasses release what they hold for reading (a file, a pin) here,
        and call ensureSourceReleased() from their destructor.
    */
    virtual void releaseSource();
    //! Calls releaseSource() unless it has run already.
    void ensureSourceReleased();

    //! Makes the base check every window against \a sums, one ChunkChecksum (seed 0) per
    //! \a chunkSize bytes of the body; windows then start and end on chunk boundaries.
    void setChunkChecksums(qint64 chunkSize, const QByteArray &sums);
    //! Bytes of the body loaded so far (handed out, in the current window or kept by
    //! verifyAll()).
    qint64 loadedSize() const;
    //! Whether every byte of the body has been loaded (releaseSource() is then due).
    bool isFullyLoaded() const;

    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    void scheduleRefill();
    void refill(bool notify);
    bool load(qint64 offset, QByteArray *window);
    bool consumerWaitsForReadyRead() const;
    void fail(qint64 offset, const QString &reason);

    Q_DECLARE_PRIVATE(ChunkedBodyDevice)
    std::unique_ptr<ChunkedBodyDevicePrivate> d_ptr;
};

} // namespace tiercache
