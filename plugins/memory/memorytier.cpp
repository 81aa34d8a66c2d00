// SPDX-License-Identifier: MIT
#include "memorytier.h"

#include <QtCore/QBuffer>

namespace tiercache::memory {

namespace {
constexpr qint64 NodeOverhead = 256; // hash node, list node, metadata: a rough, honest guess

class MemoryWriter final : public TierWriter
{
public:
    MemoryWriter(MemoryTier *tier, const QString &key, const QNetworkCacheMetaData &md, qint64 maxEntry)
        : m_tier(tier), m_key(key), m_metaData(md), m_maxEntry(maxEntry)
    {
    }
    bool write(const char *data, qint64 size) override
    {
        if (m_body.size() + size > m_maxEntry) {
            m_error = QStringLiteral("body exceeds the memory tier's max_entry of %1 bytes").arg(m_maxEntry);
            m_body = QByteArray();
            return false;
        }
        m_body.append(data, size);
        return true;
    }
    bool commit() override
    {
        if (!m_error.isEmpty())
            return false;
        m_tier->put(m_key, m_metaData, m_body);
        return true;
    }
    QString errorString() const override { return m_error; }

private:
    MemoryTier *m_tier;
    QString m_key;
    QNetworkCacheMetaData m_metaData;
    qint64 m_maxEntry;
    QByteArray m_body;
    QString m_error;
};
} // namespace

MemoryTier::MemoryTier(qint64 maxBytes, qint64 maxEntry) : m_maxBytes(maxBytes), m_maxEntry(maxEntry) { }

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

TierRecord MemoryTier::lookup(const QString &key)
{
    const auto found = m_index.constFind(key);
    if (found == m_index.cend())
        return {};
    const Node &n = **found;
    TierRecord r;
    r.key = n.key;
    r.metaData = n.metaData;
    r.bodySize = n.body.size();
    r.lastAccess = QDateTime::fromMSecsSinceEpoch(n.lastAccessMs, Qt::UTC);
    return r;
}

QIODevice *MemoryTier::openBody(const QString &key)
{
    const auto found = m_index.constFind(key);
    if (found == m_index.cend())
        return nullptr;
    touch(*found);
    auto *buffer = new QBuffer;
    buffer->setData(m_lru.front().body); // implicitly shared: no copy
    buffer->open(QIODevice::ReadOnly);
    return buffer;
}

std::unique_ptr<TierWriter> MemoryTier::beginWrite(const QString &key, const QNetworkCacheMetaData &metaData,
                                                   qint64 sizeHint)
{
    if (sizeHint > m_maxEntry || costOf(key, {}) > m_maxBytes)
        return nullptr;
    return std::make_unique<MemoryWriter>(this, key, metaData, m_maxEntry);
}

void MemoryTier::put(const QString &key, const QNetworkCacheMetaData &metaData, const QByteArray &body)
{
    if (const auto found = m_index.constFind(key); found != m_index.cend())
        erase(*found);
    const qint64 cost = costOf(key, body);
    if (cost > m_maxBytes || body.size() > m_maxEntry)
        return;
    while (m_used + cost > m_maxBytes && !m_lru.empty())
        erase(std::prev(m_lru.end()));
    m_lru.push_front(Node{key, metaData, body, cost, QDateTime::currentMSecsSinceEpoch()});
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

bool MemoryTier::updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData)
{
    const auto found = m_index.constFind(key);
    if (found == m_index.cend())
        return false;
    (*found)->metaData = metaData;
    return true;
}

void MemoryTier::enumerate(const std::function<bool(const TierRecord &)> &visitor)
{
    for (const Node &n : m_lru) {
        TierRecord r;
        r.key = n.key;
        r.metaData = n.metaData;
        r.bodySize = n.body.size();
        r.lastAccess = QDateTime::fromMSecsSinceEpoch(n.lastAccessMs, Qt::UTC);
        if (!visitor(r))
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
