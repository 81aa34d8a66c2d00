// SPDX-License-Identifier: MIT
#include "exampletier.h"

#include <QtCore/QBuffer>

#include <memory>

namespace {

// One hit: the record and the body as the lookup found them. The body is a shared copy of the
// stored bytes, so the handle keeps its version even if the entry is replaced or removed
// meanwhile, and openBody() can be called any number of times, at any later moment.
class ExampleEntry final : public tiercache::TierEntry
{
public:
    ExampleEntry(std::weak_ptr<ExampleTier *> tier, tiercache::TierRecord record, QByteArray body)
        : m_tier(tier), m_record(std::move(record)), m_body(std::move(body))
    {
    }
    tiercache::TierRecord record() const override { return m_record; }
    QIODevice *openBody(ReadMode mode) override
    {
        // Bytes in memory cannot be damaged: Streaming and Verified read the same.
        Q_UNUSED(mode);
        const auto tier = m_tier.lock();
        if (!tier)
            return nullptr; // the tier is gone, and its entries with it
        (*tier)->touch(m_record.key(), m_record.version());
        auto *buffer = new QBuffer;
        buffer->setData(m_body);
        buffer->open(QIODevice::ReadOnly);
        return buffer;
    }

private:
    std::weak_ptr<ExampleTier *> m_tier;
    tiercache::TierRecord m_record;
    QByteArray m_body;
};

// Collects the body; only commit() makes it visible, so a writer dropped half-way (the
// download failed) leaves the tier untouched.
class ExampleWriter final : public tiercache::TierWriter
{
public:
    ExampleWriter(ExampleTier *tier, const QString &key) : m_tier(tier), m_key(key) { }
    bool write(const char *data, qint64 size) override
    {
        if (m_committed) {
            m_error = QStringLiteral("write() after commit()");
            return false;
        }
        m_body.append(data, size);
        return true;
    }
    bool commit(const QNetworkCacheMetaData &metaData, const QStringList &tags) override
    {
        // No tag index here: a tier with Capability::StoresTags would store the tags with
        // the entry, in the same step.
        Q_UNUSED(tags);
        if (m_committed) {
            m_error = QStringLiteral("commit() called twice");
            return false;
        }
        m_committed = true;
        m_tier->store(m_key, metaData, m_body);
        m_body.clear();
        m_error.clear();
        return true;
    }
    QString errorString() const override { return m_error; }

private:
    ExampleTier *m_tier;
    QString m_key;
    QByteArray m_body;
    QString m_error;
    bool m_committed = false;
};

} // namespace

tiercache::TierRecord ExampleTier::recordOf(const QString &key, const Entry &entry)
{
    tiercache::TierRecord record(key, entry.metaData, entry.body.size());
    record.setLastAccess(entry.lastAccess);
    record.setVersion(entry.version);
    return record;
}

std::unique_ptr<tiercache::TierEntry> ExampleTier::lookup(const QString &key)
{
    m_error.clear(); // a plain miss is not an error
    const auto it = m_entries.constFind(key);
    if (it == m_entries.cend())
        return nullptr;
    return std::make_unique<ExampleEntry>(m_self, recordOf(key, *it), it->body);
}

void ExampleTier::touch(const QString &key, const QByteArray &version)
{
    const auto it = m_entries.find(key);
    if (it != m_entries.end() && it->version == version)
        it->lastAccess = QDateTime::currentDateTimeUtc();
}

std::unique_ptr<tiercache::TierWriter> ExampleTier::beginWrite(
        const QString &key, const QNetworkCacheMetaData &metaData, qint64 sizeHint)
{
    // The final metadata comes with commit(); a bounded tier would refuse bodies larger than
    // maxEntrySize() here, from sizeHint.
    Q_UNUSED(metaData);
    Q_UNUSED(sizeHint);
    m_error.clear();
    return std::make_unique<ExampleWriter>(this, key);
}

void ExampleTier::store(const QString &key, const QNetworkCacheMetaData &metaData,
                        const QByteArray &body)
{
    remove(key); // replacing: forget the old size
    m_entries.insert(key,
                     Entry {metaData, body, QDateTime::currentDateTimeUtc(),
                            QByteArray::number(++m_generation)});
    m_size += body.size();
    m_error.clear();
}

bool ExampleTier::remove(const QString &key)
{
    m_error.clear(); // removing what is not there is a plain "no"
    const auto it = m_entries.constFind(key);
    if (it == m_entries.cend())
        return false;
    m_size -= it->body.size();
    m_entries.erase(it);
    return true;
}

bool ExampleTier::updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData,
                                 const QByteArray &ifVersion)
{
    m_error.clear();
    const auto it = m_entries.find(key);
    if (it == m_entries.end())
        return false;
    // The 304 is about the body the caller saw: if another writer replaced it since, the new
    // body keeps its own metadata.
    if (!ifVersion.isEmpty() && it->version != ifVersion)
        return false;
    it->metaData = metaData;
    return true;
}

void ExampleTier::enumerate(const std::function<bool(const tiercache::TierRecord &)> &visitor)
{
    m_error.clear();
    // A copy of the hash (implicitly shared, so cheap): the visitor may remove entries.
    const QHash<QString, Entry> entries = m_entries;
    for (auto it = entries.cbegin(); it != entries.cend(); ++it) {
        if (!visitor(recordOf(it.key(), it.value())))
            return;
    }
}

void ExampleTier::clear()
{
    m_entries.clear();
    m_size = 0;
    m_error.clear();
}
