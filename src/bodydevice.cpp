// SPDX-License-Identifier: MIT
#include "bodydevice_p.h"
#include "disk/blobstore_p.h"
#include "logging_p.h"

#include <QtCore/QMetaObject>
#include <QtNetwork/QNetworkReply>

#include <cstring>

namespace tiercache {

BodyDevice::BodyDevice(int fd, qint64 bodySize, quint32 chunkSize, const QByteArray &sums,
                       const QByteArray &firstWindow, DamageHandler onDamage, QObject *parent)
    : QIODevice(parent),
      m_fd(fd),
      m_bodySize(bodySize),
      m_chunkSize(chunkSize),
      m_sums(sums),
      m_window(firstWindow),
      m_nextOffset(firstWindow.size()),
      m_onDamage(std::move(onDamage))
{
    open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    if (m_nextOffset >= m_bodySize) {
        blob::closeFd(m_fd); // everything is in memory already
        m_fd = -1;
    }
}

BodyDevice::~BodyDevice()
{
    blob::closeFd(m_fd);
}

qint64 BodyDevice::bytesAvailable() const
{
    const qint64 inWindow = m_window.size() - m_windowPos;
    // A synchronous reader (QNAM's AlwaysCache path loops while bytesAvailable() > 0) is told
    // about the whole rest; readData() loads it window by window, verified.
    if (!m_failed && !consumerWaitsForReadyRead())
        return inWindow + (m_bodySize - m_nextOffset) + QIODevice::bytesAvailable();
    return inWindow + QIODevice::bytesAvailable();
}

bool BodyDevice::atEnd() const
{
    return m_failed || (m_nextOffset >= m_bodySize && m_windowPos >= m_window.size()
                        && QIODevice::bytesAvailable() == 0);
}

qint64 BodyDevice::readData(char *data, qint64 maxSize)
{
    if (m_failed)
        return 0; // QNAM's read loop must not spin, nor take this for end of file
    const qint64 available = m_window.size() - m_windowPos;
    if (available > 0) {
        const qint64 n = qMin(maxSize, available);
        std::memcpy(data, m_window.constData() + m_windowPos, size_t(n));
        m_windowPos += n;
        if (m_windowPos == m_window.size() && m_nextOffset < m_bodySize)
            scheduleRefill();
        return n;
    }
    if (m_nextOffset >= m_bodySize)
        return -1; // the end, exactly after the last verified byte
    if (!consumerWaitsForReadyRead()) {
        // Nobody will come back on readyRead() (QNAM's AlwaysCache path reads after its reply
        // has finished; a plain API user loops on read()): load the next window now.
        refill(false);
        if (m_failed || m_windowPos >= m_window.size())
            return 0;
        return readData(data, maxSize);
    }
    scheduleRefill();
    return 0;
}

bool BodyDevice::consumerWaitsForReadyRead() const
{
    // QNetworkReplyHttpImpl reparents the device to itself and re-enters on readyRead() until
    // it has seen read() == -1; it finishes only then. Devices that pass readyRead() on (the
    // promotion tee) may stand in between. Anything else — QNAM's AlwaysCache backend, which
    // never listens to the device, or no parent at all — reads synchronously.
    for (QObject *o = parent(); o; o = o->parent()) {
        if (auto *reply = qobject_cast<QNetworkReply *>(o))
            return !reply->isFinished();
        if (!o->property(ForwardsReadyReadProperty).toBool())
            return false;
    }
    return false;
}

qint64 BodyDevice::writeData(const char *, qint64)
{
    return -1;
}

void BodyDevice::scheduleRefill()
{
    if (m_refillPending)
        return;
    m_refillPending = true;
    QMetaObject::invokeMethod(this, [this] { refill(true); }, Qt::QueuedConnection);
}

void BodyDevice::refill(bool notify)
{
    if (notify)
        m_refillPending = false;
    if (m_failed || m_windowPos < m_window.size() || m_nextOffset >= m_bodySize)
        return;
    const qint64 length = qMin(WindowSize, m_bodySize - m_nextOffset);
    m_window.resize(length);
    m_windowPos = 0;
    const qint64 got =
            blob::preadFully(m_fd, m_window.data(), length, blob::HeaderSize + m_nextOffset);
    if (got != length) {
        fail(got < 0 ? QStringLiteral("read error: %1").arg(blob::lastErrorString())
                     : QStringLiteral("body truncated at %1 of %2 bytes")
                               .arg(m_nextOffset + qMax<qint64>(got, 0))
                               .arg(m_bodySize));
        return;
    }
    if (!blob::verifyChunks(m_window.constData(), length, m_nextOffset, m_chunkSize, m_sums)) {
        fail(QStringLiteral("checksum mismatch in bytes %1-%2").arg(m_nextOffset).arg(m_nextOffset + length));
        return;
    }
    m_nextOffset += length;
    if (m_nextOffset >= m_bodySize) {
        blob::closeFd(m_fd);
        m_fd = -1;
    }
    if (notify)
        emit readyRead();
}

void BodyDevice::fail(const QString &reason)
{
    m_failed = true;
    m_window = QByteArray();
    m_windowPos = 0;
    blob::closeFd(m_fd);
    m_fd = -1;
    setErrorString(reason);
    qCWarning(lcDisk).noquote() << "damaged cache body:" << reason;
    if (m_onDamage)
        m_onDamage(reason);
    // Readers other than QNAM learn of the end this way (QNAM ignores it: nothing to read).
    emit readChannelFinished();
    for (QObject *o = parent(); o; o = o->parent()) {
        if (auto *reply = qobject_cast<QNetworkReply *>(o)) {
            QMetaObject::invokeMethod(reply, "abort", Qt::QueuedConnection);
            break;
        }
    }
}

} // namespace tiercache
