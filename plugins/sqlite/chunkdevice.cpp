// SPDX-License-Identifier: MIT
#include "chunkdevice.h"
#include "sqlitestore.h"

namespace tiercache::sqlite {

ChunkDevice::ChunkDevice(std::shared_ptr<Store> store, const QString &key, qint64 generation,
                         qint64 bodySize, qint64 chunkSize, const QByteArray &firstChunk)
    : ChunkedBodyDevice(bodySize, firstChunk),
      m_store(std::move(store)),
      m_key(key),
      m_generation(generation),
      m_chunkSize(chunkSize)
{
    if (isFullyLoaded())
        ensureSourceReleased(); // everything is in memory already
}

ChunkDevice::~ChunkDevice()
{
    ensureSourceReleased();
}

bool ChunkDevice::fetchWindow(qint64 offset, QByteArray *window, QString *errorString)
{
    // Windows are whole chunks, so offset is a chunk boundary.
    const qint64 expected = qMin(m_chunkSize, bodySize() - offset);
    return m_store->readChunk(m_generation, offset / m_chunkSize, expected, window, errorString);
}

void ChunkDevice::handleDamage(qint64 offset, const QString &reason)
{
    setErrorString(QStringLiteral("damaged cache body for %1 at byte %2 of %3: %4")
                           .arg(m_key)
                           .arg(offset)
                           .arg(bodySize())
                           .arg(reason));
    qCWarning(lcSqlite).noquote() << errorString();
    // A damaged version is of no use to anybody; a newer version written meanwhile stays.
    m_store->removeDamaged(m_key, m_generation);
}

void ChunkDevice::releaseSource()
{
    m_store->unpin(m_generation);
}

} // namespace tiercache::sqlite
