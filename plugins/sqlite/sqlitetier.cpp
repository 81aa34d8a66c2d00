// SPDX-License-Identifier: MIT
#include "sqlitetier.h"
#include "chunkdevice.h"
#include "sqlitestore.h"

#include <tiercache/decodingbodydevice.h>

namespace tiercache::sqlite {

namespace {

    /*
        Full chunks go into the database as they arrive, each in its own short transaction, under
        a generation no entry points to yet: they are invisible until commit(), and no write lock
        is held while the body trickles in from the network - a transaction spanning the download
        would stall every other writer, in this process and in others, for its whole duration.
        The generation is allocated with the first full chunk; the last, partial chunk and the
        entry row go in together in commit()'s transaction, so a body smaller than a chunk costs
        a single transaction. A writer that dies or is destroyed uncommitted deletes its chunks;
        if even that fails (process killed), the sweep at the next open removes chunks that no
        entry and no live write refer to.
    */
    class SqliteWriter final : public TierWriter
    {
    public:
        SqliteWriter(std::shared_ptr<Store> store, const QString &key,
                     const QNetworkCacheMetaData &metaData)
            : m_store(std::move(store)),
              m_key(key),
              m_encoder(m_store->options().compression, metaData)
        {
        }

        ~SqliteWriter() override
        {
            if (!m_committed && m_generation >= 0)
                m_store->abandonGeneration(m_generation);
        }

        bool write(const char *data, qint64 size) override
        {
            if (m_dead)
                return false;
            const qint64 limit = m_store->options().maxEntry;
            if (m_encoder.bodySize() + size > limit)
                return die(QStringLiteral("body exceeds the sqlite tier's max_entry of %1 bytes")
                                   .arg(limit));
            const qsizetype before = m_pending.size();
            if (!m_encoder.write(data, size, &m_pending))
                return die(m_encoder.errorString());
            m_written += m_pending.size() - before;
            return storeFullChunks();
        }

        // Full chunks of the stored bytes go in now, the rest waits in m_pending.
        bool storeFullChunks()
        {
            qint64 offset = 0;
            while (m_pending.size() - offset >= ChunkSize) {
                if (m_generation < 0 && (m_generation = m_store->beginGeneration(m_key)) < 0)
                    return die(m_store->errorString());
                if (!m_store->insertChunk(m_generation, m_seq, m_pending.mid(offset, ChunkSize)))
                    return die(m_store->errorString());
                ++m_seq;
                offset += ChunkSize;
            }
            if (offset > 0)
                m_pending.remove(0, offset);
            return true;
        }

        bool commit(const QNetworkCacheMetaData &metaData, const QStringList &) override
        {
            if (m_dead || m_committed)
                return false;
            const qsizetype before = m_pending.size();
            if (!m_encoder.finish(&m_pending))
                return die(m_encoder.errorString());
            m_written += m_pending.size() - before;
            if (!storeFullChunks())
                return false;
            if (!m_store->commitGeneration(m_key, m_generation, encodeMetaData(metaData),
                                           m_encoder.bodySize(), m_written, m_encoder.algorithm(),
                                           m_seq, m_pending))
                return die(m_store->errorString());
            m_committed = true;
            m_pending = QByteArray();
            return true;
        }

        QString errorString() const override { return m_error; }

    private:
        bool die(const QString &error)
        {
            m_dead = true;
            m_error = error;
            m_pending = QByteArray();
            if (m_generation >= 0)
                m_store->abandonGeneration(m_generation);
            m_generation = -1;
            return false;
        }

        std::shared_ptr<Store> m_store;
        QString m_key;
        qint64 m_generation = -1; // allocated with the first full chunk
        QByteArray m_pending;     // less than one chunk, between write() calls
        qint64 m_written = 0;     // stored bytes
        qint64 m_seq = 0;
        bool m_dead = false;
        bool m_committed = false;
        QString m_error;
        BodyEncoder m_encoder;
    };

    /*
        A hit: the row as the lookup read it. Its body generation stays readable for as long as
        a device reads it (Store::pin()); a generation replaced before openBody() is a miss, never
        another body.
    */
    class SqliteEntry final : public TierEntry
    {
    public:
        SqliteEntry(std::shared_ptr<Store> store, const QString &key, Store::Entry entry)
            : m_store(std::move(store)), m_key(key), m_entry(std::move(entry))
        {
        }
        TierRecord record() const override
        {
            TierRecord r(m_key, m_entry.metaData, m_entry.bodySize);
            r.setStoredSize(m_entry.storedSize);
            r.setLastAccess(m_entry.lastAccess);
            r.setVersion(QByteArray::number(m_entry.generation));
            return r;
        }
        QIODevice *openBody(ReadMode mode) override
        {
            const Store::Entry &e = m_entry;
            // The first chunk is read (and verified) now: a device that exists has bytes available
            // at once, which QNAM needs, and a body that is damaged from the start is a plain miss.
            QByteArray first;
            if (e.storedSize > 0) {
                QString reason;
                if (!m_store->readChunk(e.generation, 0, qMin(e.chunkSize, e.storedSize), &first,
                                        &reason)) {
                    m_store->setError(QStringLiteral("damaged cache body for %1: %2; %3")
                                              .arg(m_key, reason,
                                                   m_store->isReadOnly()
                                                           ? QStringLiteral("kept (read-only)")
                                                           : QStringLiteral("removed")));
                    m_store->removeDamaged(m_key, e.generation);
                    return nullptr;
                }
            }
            if (e.compression != BodyCompression::Algorithm::None)
                return openDecoded(mode, first);
            m_store->pin(e.generation); // released by the device
            auto device = std::make_unique<ChunkDevice>(m_store, m_key, e.generation, e.bodySize,
                                                        e.chunkSize, first);
            // Verified: every chunk is checked now; up to ChunkedBodyDevice's in-memory limit
            // the checked chunks are what the reader gets, not read a second time. The device
            // removes a damaged entry itself.
            if (mode == ReadMode::Verified && !device->verifyAll()) {
                m_store->setError(device->errorString()
                                  + (m_store->isReadOnly() ? QStringLiteral("; kept (read-only)")
                                                           : QStringLiteral("; removed")));
                return nullptr;
            }
            m_store->touch(m_key);
            return device.release();
        }

    private:
        // The stored bytes through a ChunkDevice (every chunk checked as it is read), decoded.
        QIODevice *openDecoded(ReadMode mode, const QByteArray &first)
        {
            const std::shared_ptr<Store> store = m_store;
            const QString key = m_key;
            const Store::Entry e = m_entry;
            auto opener = [store, key, e, first](QString *) -> QIODevice * {
                store->pin(e.generation); // released by the device
                return new ChunkDevice(store, key, e.generation, e.storedSize, e.chunkSize, first);
            };
            auto onDamage = [store, key, e](const QString &reason) {
                store->setError(
                        QStringLiteral("damaged cache body for %1: %2; removed").arg(key, reason));
                store->removeDamaged(key, e.generation);
            };
            std::unique_ptr<DecodingBodyDevice> device(
                    DecodingBodyDevice::open(e.compression, e.bodySize, opener, onDamage));
            if (!device || (mode == ReadMode::Verified && !device->verifyAll()))
                return nullptr;
            m_store->touch(m_key);
            return device.release();
        }

        std::shared_ptr<Store> m_store;
        QString m_key;
        Store::Entry m_entry;
    };

} // namespace

std::unique_ptr<SqliteTier> SqliteTier::open(const Options &options, QString *errorString)
{
    auto store = std::make_shared<Store>(options);
    if (!store->open()) {
        *errorString = store->errorString();
        return nullptr;
    }
    return std::unique_ptr<SqliteTier>(new SqliteTier(std::move(store)));
}

SqliteTier::SqliteTier(std::shared_ptr<Store> store) : m_store(std::move(store)) { }

SqliteTier::~SqliteTier() = default;

qint64 SqliteTier::maxEntrySize() const
{
    return m_store->options().maxEntry;
}

std::unique_ptr<TierEntry> SqliteTier::lookup(const QString &key)
{
    Store::Entry e = m_store->entry(key, true);
    if (!e.isValid())
        return nullptr;
    // Cheap (index only) and catches the commonest damage, a body whose chunks are gone.
    if (!m_store->hasAllChunks(e)) {
        m_store->setError(QStringLiteral("entry %1 has missing chunks; %2")
                                  .arg(key,
                                       m_store->isReadOnly() ? QStringLiteral("kept (read-only)")
                                                             : QStringLiteral("removed")));
        m_store->removeDamaged(key, e.generation);
        return nullptr;
    }
    return std::make_unique<SqliteEntry>(m_store, key, std::move(e));
}

std::unique_ptr<TierWriter> SqliteTier::beginWrite(const QString &key,
                                                   const QNetworkCacheMetaData &metaData,
                                                   qint64 sizeHint)
{
    if (sizeHint > m_store->options().maxEntry || m_store->refuseChange("store a body"))
        return nullptr;
    // Touches no database yet: a body smaller than a chunk is written by commit() alone.
    // The final metadata comes with commit(); this one's Content-Type and Content-Encoding
    // decide whether the body is compressed.
    return std::make_unique<SqliteWriter>(m_store, key, metaData);
}

bool SqliteTier::remove(const QString &key)
{
    if (m_store->refuseChange("remove an entry"))
        return false;
    return m_store->remove(key);
}

bool SqliteTier::updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData,
                                const QByteArray &ifVersion)
{
    bool ok = false;
    const qint64 generation = ifVersion.isEmpty() ? -1 : ifVersion.toLongLong(&ok);
    if (!ifVersion.isEmpty() && (!ok || generation < 0))
        return false; // not a version of ours
    return m_store->updateMetaData(key, metaData, generation);
}

void SqliteTier::enumerate(const std::function<bool(const TierRecord &)> &visitor)
{
    m_store->enumerate(visitor);
}

qint64 SqliteTier::size()
{
    return qMax<qint64>(0, m_store->totalSize());
}

void SqliteTier::clear()
{
    m_store->clear();
}

QString SqliteTier::errorString() const
{
    return m_store->errorString();
}

} // namespace tiercache::sqlite
