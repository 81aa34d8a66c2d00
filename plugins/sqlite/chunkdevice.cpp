// SPDX-License-Identifier: MIT
#include "chunkdevice.h"
#include "sqlitestore.h"

#include <QtCore/QMetaObject>
#include <QtNetwork/QNetworkReply>

#include <cstring>

namespace tiercache::sqlite {

ChunkDevice::ChunkDevice(std::shared_ptr<Store> store, const QString &key, qint64 generation,
                         qint64 bodySize, qint64 chunkSize, const QByteArray &firstChunk)
    : m_store(std::move(store)),
      m_key(key),
      m_generation(generation),
      m_bodySize(bodySize),
      m_chunkSize(chunkSize),
      m_window(firstChunk),
      m_loaded(firstChunk.size())
{
    // The store pinned the generation for us (openBody); a replace meanwhile keeps its chunks.
    open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    if (m_loaded >= m_bodySize)
        release(); // everything is in memory already
}

ChunkDevice::~ChunkDevice()
{
    release();
}

void ChunkDevice::release()
{
    if (m_pinned) {
        m_pinned = false;
        m_store->unpin(m_generation);
    }
}

qint64 ChunkDevice::bytesAvailable() const
{
    return (m_window.size() - m_windowPos) + QIODevice::bytesAvailable();
}

bool ChunkDevice::atEnd() const
{
    return m_failed || (m_loaded >= m_bodySize && m_windowPos >= m_window.size()
                        && QIODevice::bytesAvailable() == 0);
}

qint64 ChunkDevice::readData(char *data, qint64 maxSize)
{
    if (m_failed)
        return 0; // neither more bytes nor "end of file": the reply is being aborted
    const qint64 available = m_window.size() - m_windowPos;
    if (available > 0) {
        const qint64 n = qMin(maxSize, available);
        std::memcpy(data, m_window.constData() + m_windowPos, size_t(n));
        m_windowPos += n;
        if (m_windowPos == m_window.size() && m_loaded < m_bodySize)
            scheduleRefill();
        return n;
    }
    if (m_loaded >= m_bodySize)
        return -1; // the end, exactly after the last verified byte
    scheduleRefill();
    return 0;
}

qint64 ChunkDevice::writeData(const char *, qint64)
{
    return -1;
}

void ChunkDevice::scheduleRefill()
{
    if (m_refillPending)
        return;
    m_refillPending = true;
    // Not inline: the reader may be inside QNAM's read loop; a queued refill keeps one chunk
    // in memory and lets the event loop breathe between chunks.
    QMetaObject::invokeMethod(this, &ChunkDevice::refill, Qt::QueuedConnection);
}

void ChunkDevice::refill()
{
    m_refillPending = false;
    if (m_failed || m_windowPos < m_window.size() || m_loaded >= m_bodySize)
        return;
    const qint64 expected = qMin(m_chunkSize, m_bodySize - m_loaded);
    QByteArray chunk;
    QString reason;
    if (!m_store->readChunk(m_generation, m_nextSeq, expected, &chunk, &reason)) {
        fail(reason);
        return;
    }
    m_window = chunk;
    m_windowPos = 0;
    m_loaded += expected;
    ++m_nextSeq;
    if (m_loaded >= m_bodySize)
        release();
    emit readyRead();
}

void ChunkDevice::fail(const QString &reason)
{
    m_failed = true;
    m_window = QByteArray();
    m_windowPos = 0;
    setErrorString(QStringLiteral("damaged cache body for %1 at byte %2 of %3: %4")
                           .arg(m_key).arg(m_loaded).arg(m_bodySize).arg(reason));
    qCWarning(lcSqlite).noquote() << errorString();
    release();
    // A damaged version is of no use to anybody; a newer version written meanwhile stays.
    m_store->removeDamaged(m_key, m_generation);
    for (QObject *o = parent(); o; o = o->parent()) {
        if (auto *reply = qobject_cast<QNetworkReply *>(o)) {
            QMetaObject::invokeMethod(reply, "abort", Qt::QueuedConnection);
            break;
        }
    }
}

} // namespace tiercache::sqlite
