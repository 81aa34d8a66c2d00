// SPDX-License-Identifier: MIT
#include "bodydevice.h"
#include "redistier.h"

namespace tiercache::redis {

BodyDevice::BodyDevice(std::shared_ptr<Store> store, const QString &key,
                       const Descriptor &descriptor, const QByteArray &firstChunk)
    : ChunkedBodyDevice(descriptor.storedSize, firstChunk),
      m_store(std::move(store)),
      m_key(key),
      m_descriptor(descriptor)
{
}

bool BodyDevice::fetchWindow(qint64 offset, QByteArray *window, QString *errorString)
{
    // Windows are whole chunks (an inline body is all in the first one).
    if (m_descriptor.isInline())
        return false;
    *window =
            m_store->fetchChunk(m_key, m_descriptor, offset / m_descriptor.chunkSize, errorString);
    return !window->isNull();
}

void BodyDevice::handleDamage(qint64 offset, const QString &reason)
{
    qCWarning(lcRedisTier).noquote()
            << "redis body of" << m_key << "failed at byte" << offset << ":" << reason;
    // A chunk that is gone or damaged (not merely unreachable) makes the entry useless.
    if (m_store->connection.isConnected())
        m_store->dropGeneration(m_key, m_descriptor.generation);
}

} // namespace tiercache::redis
