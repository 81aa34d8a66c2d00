// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/chunkedbodydevice.h>

#include <functional>

namespace tiercache {

/*
    The device the disk tier's data() returns: a ChunkedBodyDevice over one blob file that
    never holds more than one window (1 MiB) of it and never hands out a byte whose chunk
    checksum it has not checked (the base checks each window against the entry's sums).

    It is shaped around QNetworkReplyHttpImpl::_q_cacheLoadReadyRead() (Qt 6.4): QNAM reads
    while bytesAvailable() > 0, treats read() == -1 as end of file, and re-enters on readyRead().
    So the device exposes one verified window at a time, returns 0 ("nothing yet") when it is
    used up, refills from the event loop and emits readyRead(); only after the last byte does
    read() return -1. An application that reads in readyRead therefore streams the body in
    constant memory. QNAM's AlwaysCache path reads synchronously; the base serves it too.

    On a checksum mismatch (or a short or failed read) it stops handing out bytes, reports the
    damage through the callback (the cache drops the entry) and queues abort() on the
    QNetworkReply it belongs to (QNAM reparents the device to the reply). Aborting synchronously
    inside readData() would crash Qt 6.4, hence the queued call.
*/
class BodyDevice : public ChunkedBodyDevice
{
    Q_OBJECT
public:
    using DamageHandler = std::function<void(const QString &reason)>;
    static constexpr qint64 WindowSize = 1024 * 1024;

    //! Takes ownership of \a fd (may be -1 when \a firstWindow is the whole body).
    //! \a firstWindow holds the first, already verified bytes of the body.
    BodyDevice(int fd, qint64 bodySize, quint32 chunkSize, const QByteArray &sums,
               const QByteArray &firstWindow, DamageHandler onDamage, QObject *parent = nullptr);
    ~BodyDevice() override;

protected:
    bool fetchWindow(qint64 offset, QByteArray *window, QString *errorString) override;
    void handleDamage(qint64 offset, const QString &reason) override;
    void releaseSource() override;

private:
    int m_fd;
    DamageHandler m_onDamage;
};

} // namespace tiercache
