// SPDX-License-Identifier: MIT
#include "exampletier.h"

#include <QtCore/QBuffer>

namespace {
// Collects the body; only commit() makes it visible, so a writer dropped half-way (the
// download failed) leaves the tier untouched.
class ExampleWriter final : public tiercache::TierWriter
{
public:
    ExampleWriter(ExampleTier *tier, const QString &key, const QNetworkCacheMetaData &metaData)
        : m_tier(tier), m_key(key), m_metaData(metaData)
    {
    }
    bool write(const char *data, qint64 size) override
    {
        m_body.append(data, size);
        return true;
    }
    bool commit() override
    {
        m_tier->store(m_key, m_metaData, m_body);
        return true;
    }
    QString errorString() const override { return {}; }

private:
    ExampleTier *m_tier;
    QString m_key;
    QNetworkCacheMetaData m_metaData;
    QByteArray m_body;
};
} // namespace

tiercache::TierRecord ExampleTier::recordOf(const QString &key, const Entry &entry)
{
    tiercache::TierRecord record;
    record.key = key;
    record.metaData = entry.metaData;
    record.bodySize = entry.body.size();
    record.lastAccess = entry.lastAccess;
    return record;
}

tiercache::TierRecord ExampleTier::lookup(const QString &key)
{
    const auto it = m_entries.constFind(key);
    return it == m_entries.cend() ? tiercache::TierRecord() : recordOf(key, *it);
}

QIODevice *ExampleTier::openBody(const QString &key)
{
    const auto it = m_entries.find(key);
    if (it == m_entries.end())
        return nullptr;
    it->lastAccess = QDateTime::currentDateTimeUtc();
    // QByteArray is implicitly shared: the buffer keeps this version of the body even if the
    // entry is replaced or removed while the caller is still reading.
    auto *buffer = new QBuffer;
    buffer->setData(it->body);
    buffer->open(QIODevice::ReadOnly);
    return buffer;
}

std::unique_ptr<tiercache::TierWriter> ExampleTier::beginWrite(
        const QString &key, const QNetworkCacheMetaData &metaData, qint64 sizeHint)
{
    Q_UNUSED(sizeHint); // a bounded tier would refuse bodies larger than maxEntrySize() here
    return std::make_unique<ExampleWriter>(this, key, metaData);
}

void ExampleTier::store(const QString &key, const QNetworkCacheMetaData &metaData,
                        const QByteArray &body)
{
    remove(key); // replacing: forget the old size
    m_entries.insert(key, Entry {metaData, body, QDateTime::currentDateTimeUtc()});
    m_size += body.size();
}

bool ExampleTier::remove(const QString &key)
{
    const auto it = m_entries.constFind(key);
    if (it == m_entries.cend())
        return false;
    m_size -= it->body.size();
    m_entries.erase(it);
    return true;
}

bool ExampleTier::updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData)
{
    const auto it = m_entries.find(key);
    if (it == m_entries.end())
        return false;
    it->metaData = metaData;
    return true;
}

void ExampleTier::enumerate(const std::function<bool(const tiercache::TierRecord &)> &visitor)
{
    for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it) {
        if (!visitor(recordOf(it.key(), it.value())))
            return;
    }
}

void ExampleTier::clear()
{
    m_entries.clear();
    m_size = 0;
}
