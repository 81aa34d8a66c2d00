// SPDX-License-Identifier: MIT
#include <tiercache/chunkchecksum.h>
#include <tiercache/chunkedbodydevice.h>

#include <QtCore/QList>
#include <QtCore/QLoggingCategory>
#include <QtCore/QMetaObject>
#include <QtNetwork/QNetworkReply>

#include <cstring>

namespace tiercache {

Q_LOGGING_CATEGORY(lcBody, "tiercache.body", QtWarningMsg)

class ChunkedBodyDevicePrivate
{
public:
    qint64 bodySize = 0;
    QByteArray window; // checked bytes; those not read yet start at windowPos
    qint64 windowPos = 0;
    qint64 windowEnd = 0;    // body offset just past the window
    QList<QByteArray> ahead; // checked windows after the current one (verifyAll())
    qint64 loadedEnd = 0;    // body offset of the first byte not loaded: windowEnd + ahead
    qint64 chunkSize = 0;    // > 0: windows are checked against sums
    QByteArray sums;
    bool refillPending = false;
    bool failed = false;
    bool released = false;
};

ChunkedBodyDevice::ChunkedBodyDevice(qint64 bodySize, const QByteArray &firstWindow,
                                     QObject *parent)
    : QIODevice(parent), d_ptr(std::make_unique<ChunkedBodyDevicePrivate>())
{
    Q_D(ChunkedBodyDevice);
    d->bodySize = qMax<qint64>(0, bodySize);
    d->window = firstWindow.left(d->bodySize);
    d->windowEnd = d->loadedEnd = d->window.size();
    open(QIODevice::ReadOnly | QIODevice::Unbuffered);
}

ChunkedBodyDevice::~ChunkedBodyDevice() = default;

qint64 ChunkedBodyDevice::bodySize() const
{
    return d_func()->bodySize;
}

bool ChunkedBodyDevice::hasFailed() const
{
    return d_func()->failed;
}

qint64 ChunkedBodyDevice::loadedSize() const
{
    return d_func()->loadedEnd;
}

bool ChunkedBodyDevice::isFullyLoaded() const
{
    return d_func()->loadedEnd >= d_func()->bodySize;
}

void ChunkedBodyDevice::setChunkChecksums(qint64 chunkSize, const QByteArray &sums)
{
    Q_D(ChunkedBodyDevice);
    d->chunkSize = chunkSize;
    d->sums = sums;
}

void ChunkedBodyDevice::releaseSource() { }

void ChunkedBodyDevice::ensureSourceReleased()
{
    Q_D(ChunkedBodyDevice);
    if (d->released)
        return;
    d->released = true;
    releaseSource();
}

qint64 ChunkedBodyDevice::bytesAvailable() const
{
    Q_D(const ChunkedBodyDevice);
    const qint64 inWindow = d->window.size() - d->windowPos;
    // A synchronous reader (QNAM's AlwaysCache path loops while bytesAvailable() > 0) is told
    // about the whole rest; readData() loads it window by window, checked.
    if (!d->failed && !consumerWaitsForReadyRead())
        return inWindow + (d->bodySize - d->windowEnd) + QIODevice::bytesAvailable();
    return inWindow + QIODevice::bytesAvailable();
}

bool ChunkedBodyDevice::atEnd() const
{
    Q_D(const ChunkedBodyDevice);
    return d->failed
            || (d->windowEnd >= d->bodySize && d->windowPos >= d->window.size()
                && QIODevice::bytesAvailable() == 0);
}

qint64 ChunkedBodyDevice::readData(char *data, qint64 maxSize)
{
    Q_D(ChunkedBodyDevice);
    if (d->failed)
        return 0; // QNAM's read loop must not spin, nor take this for end of file
    const qint64 available = d->window.size() - d->windowPos;
    if (available > 0) {
        const qint64 n = qMin(maxSize, available);
        std::memcpy(data, d->window.constData() + d->windowPos, size_t(n));
        d->windowPos += n;
        if (d->windowPos == d->window.size() && d->windowEnd < d->bodySize)
            scheduleRefill();
        return n;
    }
    if (d->windowEnd >= d->bodySize)
        return -1; // the end, exactly after the last checked byte
    if (!consumerWaitsForReadyRead()) {
        // Nobody will come back on readyRead() (QNAM's AlwaysCache path reads after its reply
        // has finished; a plain API user loops on read()): load the next window now.
        refill(false);
        if (d->failed || d->windowPos >= d->window.size())
            return 0;
        return readData(data, maxSize);
    }
    scheduleRefill();
    return 0;
}

qint64 ChunkedBodyDevice::writeData(const char *, qint64)
{
    return -1;
}

bool ChunkedBodyDevice::consumerWaitsForReadyRead() const
{
    // QNetworkReplyHttpImpl reparents the device to itself and re-enters on readyRead() until
    // it has seen read() == -1; it finishes only then. Devices that pass readyRead() on (the
    // promotion tee) may stand in between. Anything else - QNAM's AlwaysCache backend, which
    // never listens to the device, or no parent at all - reads synchronously.
    for (QObject *o = parent(); o; o = o->parent()) {
        if (auto *reply = qobject_cast<QNetworkReply *>(o))
            return !reply->isFinished();
        if (!o->property(ForwardsReadyReadProperty).toBool())
            return false;
    }
    return false;
}

void ChunkedBodyDevice::scheduleRefill()
{
    Q_D(ChunkedBodyDevice);
    if (d->refillPending)
        return;
    d->refillPending = true;
    // Not inline: the reader may be inside QNAM's read loop; a queued refill keeps one window
    // in memory and lets the event loop breathe between windows.
    QMetaObject::invokeMethod(
            this, [this] { refill(true); }, Qt::QueuedConnection);
}

bool ChunkedBodyDevice::load(qint64 offset, QByteArray *window)
{
    Q_D(ChunkedBodyDevice);
    QString why;
    QByteArray bytes;
    if (!fetchWindow(offset, &bytes, &why)) {
        fail(offset, why.isEmpty() ? QStringLiteral("cannot read bytes from %1").arg(offset) : why);
        return false;
    }
    const qint64 length = bytes.size();
    // A window that does not fit is damage, whatever the subclass thought: never a longer or
    // shorter body than announced.
    if (length <= 0 || length > d->bodySize - offset) {
        fail(offset,
             QStringLiteral("window of %1 bytes at %2 does not fit a body of %3 bytes")
                     .arg(length)
                     .arg(offset)
                     .arg(d->bodySize));
        return false;
    }
    if (d->chunkSize > 0
        && !ChunkChecksum::verify(bytes.constData(), length, offset, d->chunkSize, d->sums)) {
        fail(offset,
             QStringLiteral("checksum mismatch in bytes %1-%2").arg(offset).arg(offset + length));
        return false;
    }
    *window = std::move(bytes);
    return true;
}

void ChunkedBodyDevice::refill(bool notify)
{
    Q_D(ChunkedBodyDevice);
    if (notify)
        d->refillPending = false;
    if (d->failed || d->windowPos < d->window.size() || d->windowEnd >= d->bodySize)
        return;
    if (!d->ahead.isEmpty()) {
        d->window = d->ahead.takeFirst();
    } else {
        d->window = QByteArray(); // one window in memory at a time
        QByteArray next;
        if (!load(d->loadedEnd, &next))
            return;
        d->window = std::move(next);
        d->loadedEnd += d->window.size();
    }
    d->windowPos = 0;
    d->windowEnd += d->window.size();
    if (d->loadedEnd >= d->bodySize)
        ensureSourceReleased();
    if (notify)
        emit readyRead();
}

bool ChunkedBodyDevice::verifyAll()
{
    Q_D(ChunkedBodyDevice);
    if (d->failed)
        return false;
    const bool keep = d->bodySize - d->loadedEnd <= VerifiedInMemoryLimit;
    for (qint64 offset = d->loadedEnd; offset < d->bodySize;) {
        QByteArray window;
        if (!load(offset, &window))
            return false;
        offset += window.size();
        if (keep) {
            d->ahead.append(std::move(window));
            d->loadedEnd = offset;
        }
    }
    if (d->loadedEnd >= d->bodySize)
        ensureSourceReleased();
    return true;
}

void ChunkedBodyDevice::handleDamage(qint64 offset, const QString &reason)
{
    qCWarning(lcBody).noquote() << "damaged cache body at byte" << offset << "of"
                                << d_func()->bodySize << ":" << reason;
}

void ChunkedBodyDevice::fail(qint64 offset, const QString &reason)
{
    Q_D(ChunkedBodyDevice);
    d->failed = true;
    d->window = QByteArray();
    d->windowPos = 0;
    d->ahead.clear();
    ensureSourceReleased();
    setErrorString(reason);
    handleDamage(offset, reason);
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
