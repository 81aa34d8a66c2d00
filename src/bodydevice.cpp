// SPDX-License-Identifier: MIT
#include "bodydevice_p.h"
#include "disk/blobstore_p.h"
#include "logging_p.h"

namespace tiercache {

BodyDevice::BodyDevice(int fd, qint64 bodySize, quint32 chunkSize, const QByteArray &sums,
                       const QByteArray &firstWindow, DamageHandler onDamage, QObject *parent)
    : ChunkedBodyDevice(bodySize, firstWindow, parent), m_fd(fd), m_onDamage(std::move(onDamage))
{
    setChunkChecksums(chunkSize, sums);
    if (isFullyLoaded())
        ensureSourceReleased(); // everything is in memory already
}

BodyDevice::~BodyDevice()
{
    ensureSourceReleased();
}

bool BodyDevice::fetchWindow(qint64 offset, QByteArray *window, QString *errorString)
{
    const qint64 length = qMin(WindowSize, bodySize() - offset);
    window->resize(length);
    const qint64 got = blob::preadFully(m_fd, window->data(), length, blob::HeaderSize + offset);
    if (got == length)
        return true;
    *errorString = got < 0 ? QStringLiteral("read error: %1").arg(blob::lastErrorString())
                           : QStringLiteral("body truncated at %1 of %2 bytes")
                                     .arg(offset + qMax<qint64>(got, 0))
                                     .arg(bodySize());
    return false;
}

void BodyDevice::handleDamage(qint64, const QString &reason)
{
    qCWarning(lcDisk).noquote() << "damaged cache body:" << reason;
    if (m_onDamage)
        m_onDamage(reason);
}

void BodyDevice::releaseSource()
{
    blob::closeFd(m_fd);
    m_fd = -1;
}

} // namespace tiercache
