// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QIODevice>

#include <functional>

namespace tiercache {

/*
    The device data() returns: a read-only, sequential view of one blob that never holds more
    than one window (1 MiB) of it and never hands out a byte whose chunk checksum it has not
    checked.

    It is shaped around QNetworkReplyHttpImpl::_q_cacheLoadReadyRead() (Qt 6.4): QNAM reads
    while bytesAvailable() > 0, treats read() == -1 as end of file, and re-enters on readyRead().
    So the device exposes one verified window at a time, returns 0 ("nothing yet") when it is
    used up, refills from the event loop and emits readyRead(); only after the last byte does
    read() return -1. An application that reads in readyRead therefore streams the body in
    constant memory.

    On a checksum mismatch (or a short or failed read) it stops handing out bytes, reports the
    damage through the callback (the cache drops the entry) and queues abort() on the
    QNetworkReply it belongs to (QNAM reparents the device to the reply). Aborting synchronously
    inside readData() would crash Qt 6.4, hence the queued call.
*/
class BodyDevice : public QIODevice
{
    Q_OBJECT
public:
    using DamageHandler = std::function<void(const QString &reason)>;
    static constexpr qint64 WindowSize = 1024 * 1024;
    //! Set (true) on devices that wrap a BodyDevice and re-emit its readyRead().
    static constexpr const char *ForwardsReadyReadProperty = "_tiercache_forwardsReadyRead";

    //! Takes ownership of \a fd (may be -1 when \a firstWindow is the whole body).
    //! \a firstWindow holds the first, already verified bytes of the body.
    BodyDevice(int fd, qint64 bodySize, quint32 chunkSize, const QByteArray &sums,
               const QByteArray &firstWindow, DamageHandler onDamage, QObject *parent = nullptr);
    ~BodyDevice() override;

    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override;
    bool atEnd() const override;
    bool hasFailed() const { return m_failed; }

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    void scheduleRefill();
    void refill(bool notify);
    bool consumerWaitsForReadyRead() const;
    void fail(const QString &reason);

    int m_fd;
    qint64 m_bodySize;
    quint32 m_chunkSize;
    QByteArray m_sums;
    QByteArray m_window;     // verified bytes not yet read start at m_windowPos
    qint64 m_windowPos = 0;
    qint64 m_nextOffset = 0; // body offset of the first byte not yet loaded into m_window
    bool m_refillPending = false;
    bool m_failed = false;
    DamageHandler m_onDamage;
};

} // namespace tiercache
