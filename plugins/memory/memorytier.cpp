// SPDX-License-Identifier: MIT
#include "memorytier.h"

#include <tiercache/decodingbodydevice.h>

#include <QtCore/QBuffer>

namespace tiercache::memory {

namespace {
    constexpr qint64 NodeOverhead = 256; // hash node, list node, metadata: a rough, honest guess

    class MemoryWriter final : public TierWriter
    {
    public:
        MemoryWriter(MemoryTier *tier, const QString &key, const QNetworkCacheMetaData &md,
                     qint64 maxEntry)
            : m_tier(tier),
              m_key(key),
              m_metaData(md),
              m_maxEntry(maxEntry),
              m_encoder(tier->compression(), md)
        {
        }
        bool write(const char *data, qint64 size) override
        {
            if (!m_error.isEmpty())
                return false;
            if (m_encoder.bodySize() + size > m_maxEntry) {
                m_error = QStringLiteral("body exceeds the memory tier's max_entry of %1 bytes")
                                  .arg(m_maxEntry);
                m_stored = QByteArray();
                return false;
            }
            if (!m_encoder.write(data, size, &m_stored)) {
                m_error = m_encoder.errorString();
                m_stored = QByteArray();
                return false;
            }
            return true;
        }
        bool commit(const QNetworkCacheMetaData &metaData, const QStringList &) override
        {
            if (!m_error.isEmpty())
                return false;
            if (!m_encoder.finish(&m_stored)) {
                m_error = m_encoder.errorString();
                return false;
            }
            m_stored.squeeze(); // the stored copy lives on: no slack from the growth
            m_tier->put(m_key, metaData, m_stored, m_encoder.bodySize(), m_encoder.algorithm());
            return true;
        }
        QString errorString() const override { return m_error; }

    private:
        MemoryTier *m_tier;
        QString m_key;
        QNetworkCacheMetaData m_metaData;
        qint64 m_maxEntry;
        BodyEncoder m_encoder;
        QByteArray m_stored;
        QString m_error;
    };

    // A hit: the body is an implicitly shared snapshot, so the handle serves exactly the version
    // the lookup found, however the tier changes afterwards.
    class MemoryEntry final : public TierEntry
    {
    public:
        MemoryEntry(std::weak_ptr<MemoryTier *> tier, TierRecord record, QByteArray stored,
                    BodyCompression::Algorithm algorithm, quint64 generation)
            : m_tier(std::move(tier)),
              m_record(std::move(record)),
              m_stored(std::move(stored)),
              m_algorithm(algorithm),
              m_generation(generation)
        {
        }
        TierRecord record() const override { return m_record; }
        QIODevice *openBody(ReadMode mode) override
        {
            if (const auto tier = m_tier.lock())
                (*tier)->touch(m_record.key(), m_generation);
            if (m_algorithm == BodyCompression::Algorithm::None)
                return bufferOver(m_stored);
            const QByteArray stored = m_stored;
            const std::weak_ptr<MemoryTier *> weakTier = m_tier;
            const QString key = m_record.key();
            const quint64 generation = m_generation;
            auto *device = DecodingBodyDevice::open(
                    m_algorithm, m_record.bodySize(),
                    [stored](QString *) { return bufferOver(stored); },
                    [weakTier, key, generation](const QString &) {
                        if (const auto tier = weakTier.lock())
                            (*tier)->removeGeneration(key, generation);
                    });
            if (device && mode == ReadMode::Verified && !device->verifyAll()) {
                delete device;
                return nullptr;
            }
            return device;
        }

    private:
        static QIODevice *bufferOver(const QByteArray &bytes)
        {
            auto *buffer = new QBuffer;
            buffer->setData(bytes); // implicitly shared: no copy
            buffer->open(QIODevice::ReadOnly);
            return buffer;
        }

        std::weak_ptr<MemoryTier *> m_tier;
        TierRecord m_record;
        QByteArray m_stored;
        BodyCompression::Algorithm m_algorithm;
        quint64 m_generation;
    };

    TierRecord recordOf(const QString &key, const QNetworkCacheMetaData &md,
                        const QByteArray &stored, qint64 bodySize, qint64 lastAccessMs,
                        quint64 generation)
    {
        TierRecord r(key, md, bodySize);
        r.setStoredSize(stored.size());
        r.setLastAccess(QDateTime::fromMSecsSinceEpoch(lastAccessMs, Qt::UTC));
        r.setVersion(QByteArray::number(generation));
        return r;
    }
} // namespace

MemoryTier::MemoryTier(qint64 maxBytes, qint64 maxEntry, bool readOnly,
                       const BodyCompression &compression)
    : m_maxBytes(maxBytes), m_maxEntry(maxEntry), m_readOnly(readOnly), m_compression(compression)
{
}

qint64 MemoryTier::costOf(const QString &key, const QByteArray &body)
{
    return NodeOverhead + key.size() * 2 + body.size();
}

void MemoryTier::touch(List::iterator it)
{
    it->lastAccessMs = QDateTime::currentMSecsSinceEpoch();
    m_lru.splice(m_lru.begin(), m_lru, it);
}

void MemoryTier::erase(List::iterator it)
{
    m_used -= it->cost;
    m_index.remove(it->key);
    m_lru.erase(it);
}

std::unique_ptr<TierEntry> MemoryTier::lookup(const QString &key)
{
    const auto found = m_index.constFind(key);
    if (found == m_index.cend())
        return nullptr;
    const Node &n = **found;
    return std::make_unique<MemoryEntry>(
            m_self, recordOf(n.key, n.metaData, n.body, n.bodySize, n.lastAccessMs, n.generation),
            n.body, n.algorithm, n.generation);
}

void MemoryTier::touch(const QString &key, quint64 generation)
{
    const auto found = m_index.constFind(key);
    if (found != m_index.cend() && (*found)->generation == generation)
        touch(*found);
}

std::unique_ptr<TierWriter> MemoryTier::beginWrite(const QString &key,
                                                   const QNetworkCacheMetaData &metaData,
                                                   qint64 sizeHint)
{
    if (m_readOnly || sizeHint > m_maxEntry || costOf(key, {}) > m_maxBytes)
        return nullptr;
    return std::make_unique<MemoryWriter>(this, key, metaData, m_maxEntry);
}

void MemoryTier::removeGeneration(const QString &key, quint64 generation)
{
    const auto found = m_index.constFind(key);
    if (found != m_index.cend() && (*found)->generation == generation)
        erase(*found);
}

void MemoryTier::put(const QString &key, const QNetworkCacheMetaData &metaData,
                     const QByteArray &body, qint64 bodySize, BodyCompression::Algorithm algorithm)
{
    if (const auto found = m_index.constFind(key); found != m_index.cend())
        erase(*found);
    const qint64 cost = costOf(key, body);
    if (cost > m_maxBytes || bodySize > m_maxEntry)
        return;
    while (m_used + cost > m_maxBytes && !m_lru.empty())
        erase(std::prev(m_lru.end()));
    m_lru.push_front(Node {key, metaData, body, bodySize, algorithm, cost,
                           QDateTime::currentMSecsSinceEpoch(), ++m_generation});
    m_index.insert(key, m_lru.begin());
    m_used += cost;
}

bool MemoryTier::remove(const QString &key)
{
    const auto found = m_index.constFind(key);
    if (found == m_index.cend())
        return false;
    erase(*found);
    return true;
}

bool MemoryTier::updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData,
                                const QByteArray &ifVersion)
{
    const auto found = m_index.constFind(key);
    if (found == m_index.cend())
        return false;
    if (!ifVersion.isEmpty() && ifVersion != QByteArray::number((*found)->generation))
        return false; // another body was stored meanwhile
    (*found)->metaData = metaData;
    return true;
}

void MemoryTier::enumerate(const std::function<bool(const TierRecord &)> &visitor)
{
    for (const Node &n : m_lru) {
        if (!visitor(recordOf(n.key, n.metaData, n.body, n.bodySize, n.lastAccessMs, n.generation)))
            return;
    }
}

void MemoryTier::clear()
{
    m_lru.clear();
    m_index.clear();
    m_used = 0;
}

} // namespace tiercache::memory
