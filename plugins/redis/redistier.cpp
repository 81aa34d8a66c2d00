// SPDX-License-Identifier: MIT
#include "redistier.h"
#include "bodydevice.h"

#include <tiercache/decodingbodydevice.h>

#include <hiredis/hiredis.h>

#include <QtCore/QDateTime>
#include <QtCore/QRandomGenerator>

namespace tiercache::redis {

namespace {

    constexpr qint64 ChunkTtlMarginMs = 60 * 1000; // chunks outlive the hash they belong to
    constexpr qint64 MaxFreshMs = 10LL * 365 * 24 * 3600 * 1000; // "never expires" stays finite
    constexpr qint64 EntryOverhead = 128;                        // hash fields, key: a rough guess
    constexpr int ScanCount = 500;

    QByteArray generationText(quint64 generation)
    {
        return QByteArray::number(generation, 16);
    }

    // The key part after "<prefix>m:", for enumerate().
    QString keyFromMetaKey(const QByteArray &metaKey, qsizetype prefixLength)
    {
        return QString::fromUtf8(metaKey.mid(prefixLength));
    }

    QByteArray globEscape(const QByteArray &text)
    {
        QByteArray out;
        for (char c : text) {
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
                out.append('\\');
            out.append(c);
        }
        return out;
    }

} // namespace

// ---------------------------------------------------------------------------------------------

Store::Store(const Connection::Options &options, const Settings &s)
    : connection(options), settings(s)
{
}

bool Store::refuseChange(const char *what)
{
    if (!isReadOnly())
        return false;
    connection.setProblem(
            QStringLiteral("cannot %1: the tier is open read-only").arg(QLatin1String(what)));
    return true;
}

QByteArray Store::metaKey(const QString &key) const
{
    return settings.prefix + "m:" + key.toUtf8();
}

QByteArray Store::chunkKey(const QString &key, quint64 generation, qint64 index) const
{
    return settings.prefix + "b:" + key.toUtf8() + ':' + generationText(generation) + ':'
            + QByteArray::number(index);
}

QByteArray Store::bytesKey() const
{
    return settings.prefix + "bytes";
}

qint64 Store::ttlMs(const QNetworkCacheMetaData &md) const
{
    const QDateTime expires = md.expirationDate();
    qint64 fresh = expires.isValid() ? QDateTime::currentDateTimeUtc().msecsTo(expires) : 0;
    fresh = qBound<qint64>(0, fresh, MaxFreshMs);
    return qMax<qint64>(1000, fresh + settings.staleTtlMs);
}

QByteArray Store::sealChunk(const char *data, qint64 length, quint64 generation, qint64 index)
{
    return redis::sealChunk(data, length, generation, index);
}

QByteArray Store::openChunk(const QByteArray &sealed, quint64 generation, qint64 index,
                            qint64 expectedLength, QString *why)
{
    return redis::openChunk(sealed, generation, index, expectedLength, why);
}

QByteArray Store::fetchChunk(const QString &key, const Descriptor &d, qint64 index, QString *why)
{
    Reply reply =
            connection.run(Command {QByteArrayLiteral("GET"), chunkKey(key, d.generation, index)});
    if (!reply) {
        *why = connection.errorString();
        return {};
    }
    if (isNil(reply.get())) {
        *why = QStringLiteral("chunk %1 of %2 is gone (evicted or expired)")
                       .arg(index)
                       .arg(d.chunkCount);
        return {};
    }
    if (reply->type != REDIS_REPLY_STRING) {
        *why = QStringLiteral("unexpected reply to GET: %1")
                       .arg(QString::fromUtf8(replyString(reply.get())));
        return {};
    }
    return openChunk(replyString(reply.get()), d.generation, index, d.chunkLength(index), why);
}

void Store::unlinkChunks(const QString &key, quint64 generation, qint64 count,
                         std::vector<Command> *extra)
{
    std::vector<Command> commands = extra ? std::move(*extra) : std::vector<Command> {};
    for (qint64 first = 0; first < count; first += 512) {
        Command unlink {QByteArrayLiteral("UNLINK")};
        for (qint64 i = first; i < qMin(count, first + 512); ++i)
            unlink.append(chunkKey(key, generation, i));
        commands.push_back(std::move(unlink));
    }
    std::vector<Reply> replies;
    connection.run(commands, &replies);
}

void Store::dropGeneration(const QString &key, quint64 generation)
{
    if (isReadOnly())
        return; // a miss for this reader; the next writer to meet it drops it
    const QByteArray meta = metaKey(key);
    std::vector<Reply> replies;
    if (!connection.run({{QByteArrayLiteral("WATCH"), meta},
                         {QByteArrayLiteral("HGET"), meta, QByteArrayLiteral("h")}},
                        &replies))
        return;
    const Descriptor d = Descriptor::decode(replyString(replies[1].get()));
    if (!d.isValid() || d.generation != generation) {
        connection.run(Command {QByteArrayLiteral("UNWATCH")});
        return;
    }
    if (!connection.run({{QByteArrayLiteral("MULTI")},
                         {QByteArrayLiteral("UNLINK"), meta},
                         {QByteArrayLiteral("DECRBY"), bytesKey(), QByteArray::number(d.cost)},
                         {QByteArrayLiteral("EXEC")}},
                        &replies))
        return;
    if (replies.back() && replies.back()->type == REDIS_REPLY_ARRAY)
        unlinkChunks(key, d.generation, d.chunkCount);
}

// ---------------------------------------------------------------------------------------------

namespace {

    class Writer final : public TierWriter
    {
    public:
        Writer(std::shared_ptr<Store> store, const QString &key, const QNetworkCacheMetaData &md)
            : m_store(std::move(store)),
              m_key(key),
              m_metaData(encodeMetaData(md)),
              m_ttlMs(m_store->ttlMs(md)),
              m_generation(QRandomGenerator::global()->generate64() | 1), // never 0
              m_encoder(m_store->settings.compression, md)
        {
        }

        ~Writer() override
        {
            // No trace without a commit: unlink what was stored (they would expire anyway).
            if (!m_committed && m_chunksStored > 0 && m_store->connection.isAvailable())
                m_store->unlinkChunks(m_key, m_generation, m_chunksStored);
        }

        bool write(const char *data, qint64 size) override
        {
            if (m_dead)
                return false;
            const Settings &s = m_store->settings;
            if (m_encoder.bodySize() + size > s.maxEntry)
                return die(QStringLiteral("body exceeds the redis tier's max_entry of %1 bytes")
                                   .arg(s.maxEntry));
            m_encoded.resize(0);
            if (!m_encoder.write(data, size, &m_encoded))
                return die(m_encoder.errorString());
            return store(m_encoded.constData(), m_encoded.size());
        }

        // Appends stored bytes (the body, or it compressed) to the chunks.
        bool store(const char *data, qint64 size)
        {
            const Settings &s = m_store->settings;
            m_total += size;
            while (size > 0) {
                const qint64 take = qMin(size, s.chunkSize - m_buffer.size());
                m_buffer.append(data, take);
                data += take;
                size -= take;
                if (m_buffer.size() == s.chunkSize && !storeChunk())
                    return false;
            }
            return true;
        }

        bool commit(const QNetworkCacheMetaData &metaData, const QStringList &) override
        {
            if (m_dead)
                return false;
            m_encoded.resize(0);
            if (!m_encoder.finish(&m_encoded))
                return die(m_encoder.errorString());
            if (!store(m_encoded.constData(), m_encoded.size()))
                return false;
            m_encoded = QByteArray();
            const Settings &s = m_store->settings;
            const QByteArray meta = m_store->metaKey(m_key);
            // The final metadata may live longer than the one the chunks were stored with.
            m_metaData = encodeMetaData(metaData);
            const qint64 ttl = m_store->ttlMs(metaData);
            std::vector<Command> commands;
            if (ttl > m_ttlMs) {
                for (qint64 i = 0; i < m_chunksStored; ++i)
                    commands.push_back({QByteArrayLiteral("PEXPIRE"),
                                        m_store->chunkKey(m_key, m_generation, i),
                                        QByteArray::number(ttl + ChunkTtlMarginMs)});
            }
            m_ttlMs = ttl;
            Descriptor d;
            d.bodySize = m_encoder.bodySize();
            d.storedSize = m_total;
            d.compression = m_encoder.algorithm();
            d.chunkSize = s.chunkSize;
            d.generation = m_generation;
            d.cost = EntryOverhead + meta.size() + m_metaData.size() + m_total;
            const bool inlined = m_chunksStored == 0 && m_total <= s.inlineMax;
            const qsizetype refreshes = qsizetype(commands.size());
            if (!inlined && !m_buffer.isEmpty()) {
                commands.push_back(chunkCommand(m_chunksStored, m_buffer));
                ++m_chunksStored;
            }
            d.chunkCount = inlined ? 0 : m_chunksStored;
            const qsizetype firstTx = qsizetype(commands.size());
            commands.push_back({QByteArrayLiteral("MULTI")});
            commands.push_back({QByteArrayLiteral("HGET"), meta, QByteArrayLiteral("h")});
            commands.push_back({QByteArrayLiteral("DEL"), meta});
            Command hset {QByteArrayLiteral("HSET"), meta,      QByteArrayLiteral("md"), m_metaData,
                          QByteArrayLiteral("h"),    d.encode()};
            if (inlined)
                hset << QByteArrayLiteral("b")
                     << Store::sealChunk(m_buffer.constData(), m_buffer.size(), m_generation, 0);
            commands.push_back(std::move(hset));
            commands.push_back({QByteArrayLiteral("PEXPIRE"), meta, QByteArray::number(m_ttlMs)});
            commands.push_back(
                    {QByteArrayLiteral("INCRBY"), m_store->bytesKey(), QByteArray::number(d.cost)});
            commands.push_back({QByteArrayLiteral("EXEC")});
            m_buffer = QByteArray();

            std::vector<Reply> replies;
            if (!m_store->connection.run(commands, &replies))
                return die(m_store->connection.errorString(), /*ambiguous=*/true);
            if (firstTx > refreshes && !isStatus(replies[size_t(refreshes)].get(), "OK"))
                return die(QStringLiteral("storing the last chunk failed: %1")
                                   .arg(QString::fromUtf8(
                                           replyString(replies[size_t(refreshes)].get()))));
            const redisReply *exec = replies.back().get();
            if (!exec || exec->type != REDIS_REPLY_ARRAY || exec->elements != 5) {
                // An error inside the transaction (e.g. OOM): EXECABORT or an error reply.
                QByteArray why = replyString(exec);
                for (size_t i = size_t(firstTx); why.isEmpty() && i < replies.size(); ++i) {
                    if (isError(replies[i].get()))
                        why = replyString(replies[i].get());
                }
                return die(QStringLiteral("commit failed: %1").arg(QString::fromUtf8(why)));
            }
            for (size_t i = 1; i < 5; ++i) {
                if (isError(exec->element[i]))
                    return die(QStringLiteral("commit failed: %1")
                                       .arg(QString::fromUtf8(replyString(exec->element[i]))));
            }
            m_committed = true;
            // The previous generation's chunks and cost go (best effort: they also expire).
            const Descriptor old = Descriptor::decode(replyString(exec->element[0]));
            if (old.isValid() && old.generation != m_generation) {
                std::vector<Command> decr {{QByteArrayLiteral("DECRBY"), m_store->bytesKey(),
                                            QByteArray::number(old.cost)}};
                m_store->unlinkChunks(m_key, old.generation, old.chunkCount, &decr);
            }
            return true;
        }

        QString errorString() const override { return m_error; }

    private:
        Command chunkCommand(qint64 index, const QByteArray &payload) const
        {
            return {QByteArrayLiteral("SET"), m_store->chunkKey(m_key, m_generation, index),
                    Store::sealChunk(payload.constData(), payload.size(), m_generation, index),
                    QByteArrayLiteral("PX"), QByteArray::number(m_ttlMs + ChunkTtlMarginMs)};
        }

        bool storeChunk()
        {
            Reply reply = m_store->connection.run(chunkCommand(m_chunksStored, m_buffer));
            if (!reply)
                return die(m_store->connection.errorString());
            ++m_chunksStored; // count it even when refused, so that the destructor unlinks it
            if (!isStatus(reply.get(), "OK"))
                return die(QStringLiteral("storing chunk %1 failed: %2")
                                   .arg(m_chunksStored - 1)
                                   .arg(QString::fromUtf8(replyString(reply.get()))));
            m_buffer.resize(0);
            return true;
        }

        bool die(const QString &why, bool ambiguous = false)
        {
            m_dead = true;
            m_error = why;
            m_buffer = QByteArray();
            if (ambiguous)
                m_chunksStored = 0; // the flip may have happened: leave the chunks to their TTL
            return false;
        }

        std::shared_ptr<Store> m_store;
        QString m_key;
        QByteArray m_metaData;
        qint64 m_ttlMs;
        quint64 m_generation;
        QByteArray m_buffer;
        qint64 m_total = 0;
        qint64 m_chunksStored = 0;
        bool m_dead = false;
        bool m_committed = false;
        QString m_error;
        BodyEncoder m_encoder;
        QByteArray m_encoded; // the encoder's output of one write()
    };

} // namespace

// ---------------------------------------------------------------------------------------------

RedisTier::RedisTier(const Connection::Options &options, const Settings &settings)
    : m_store(std::make_shared<Store>(options, settings))
{
}

RedisTier::~RedisTier() = default;

void RedisTier::probe()
{
    m_store->connection.run(Command {QByteArrayLiteral("PING")});
}

bool RedisTier::decodeEntry(const QString &key, const redisReply *md, const redisReply *h,
                            Entry *entry)
{
    if (!md || !h || md->type != REDIS_REPLY_STRING || h->type != REDIS_REPLY_STRING)
        return false;
    Entry e;
    e.key = key;
    e.descriptor = Descriptor::decode(replyString(h));
    if (!e.descriptor.isValid() || !decodeMetaData(replyString(md), &e.metaData))
        return false;
    *entry = std::move(e);
    return true;
}

bool RedisTier::fetchEntry(const QString &key, Entry *entry)
{
    Reply reply = m_store->connection.run(Command {QByteArrayLiteral("HMGET"),
                                                   m_store->metaKey(key), QByteArrayLiteral("md"),
                                                   QByteArrayLiteral("h"), QByteArrayLiteral("b")});
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3)
        return false;
    if (!decodeEntry(key, reply->element[0], reply->element[1], entry))
        return false;
    if (entry->descriptor.isInline()) {
        if (reply->element[2]->type != REDIS_REPLY_STRING)
            return false;
        entry->inlineChunk = replyString(reply->element[2]);
        // Checked here, not only in openBody(): a hit whose body then fails is worse than a miss.
        QString why;
        if (Store::openChunk(entry->inlineChunk, entry->descriptor.generation, 0,
                             entry->descriptor.storedSize, &why)
                    .isNull())
            return false;
    }
    return true;
}

/*
    A hit: the metadata, descriptor and inline body as one command read them (a consistent
    snapshot). openBody() fetches the chunks of that generation only; a generation replaced
    meanwhile fails its chunk seals and is a miss, never another body.
*/
class RedisEntry final : public TierEntry
{
public:
    RedisEntry(std::shared_ptr<Store> store, RedisTier::Entry entry)
        : m_store(std::move(store)), m_entry(std::move(entry))
    {
    }

    TierRecord record() const override
    {
        TierRecord r(m_entry.key, m_entry.metaData, m_entry.descriptor.bodySize);
        r.setStoredSize(m_entry.descriptor.storedSize);
        r.setVersion(QByteArray::number(m_entry.descriptor.generation));
        return r;
    }

    QIODevice *openBody(ReadMode mode) override
    {
        const Descriptor &d = m_entry.descriptor;
        const QString &key = m_entry.key;
        QString why;
        const QByteArray first = d.isInline()
                ? Store::openChunk(m_entry.inlineChunk, d.generation, 0, d.storedSize, &why)
                : m_store->fetchChunk(key, d, 0, &why);
        if (first.isNull()) {
            if (m_store->connection.isConnected()) {
                m_store->connection.setProblem(QStringLiteral("%1: %2").arg(key, why));
                qCWarning(lcRedisTier).noquote()
                        << (m_store->isReadOnly() ? "damaged entry (kept, read-only)"
                                                  : "dropping damaged entry")
                        << key << ":" << why;
                m_store->dropGeneration(key, d.generation);
            }
            return nullptr;
        }
        if (d.compression != BodyCompression::Algorithm::None)
            return openDecoded(mode, first);
        auto device = std::make_unique<BodyDevice>(m_store, key, d, first);
        // Verified: every chunk is fetched and checked now; up to ChunkedBodyDevice's in-memory
        // limit they are what the reader gets, not fetched twice. The device drops a damaged
        // entry itself (BodyDevice::handleDamage()).
        if (mode == ReadMode::Verified && !device->verifyAll()) {
            if (m_store->connection.isConnected())
                m_store->connection.setProblem(
                        QStringLiteral("%1: %2").arg(key, device->errorString()));
            return nullptr;
        }
        return device.release();
    }

private:
    // The stored bytes through a BodyDevice (its chunks checked as they come), decoded.
    QIODevice *openDecoded(ReadMode mode, const QByteArray &first)
    {
        const Descriptor d = m_entry.descriptor;
        const QString key = m_entry.key;
        const std::shared_ptr<Store> store = m_store;
        QByteArray firstChunk = first;
        auto opener = [store, key, d, firstChunk](QString *) -> QIODevice * {
            return new BodyDevice(store, key, d, firstChunk);
        };
        auto onDamage = [store, key, d](const QString &why) {
            if (!store->connection.isConnected())
                return;
            store->connection.setProblem(QStringLiteral("%1: %2").arg(key, why));
            qCWarning(lcRedisTier).noquote() << "dropping damaged entry" << key << ":" << why;
            store->dropGeneration(key, d.generation);
        };
        std::unique_ptr<DecodingBodyDevice> device(
                DecodingBodyDevice::open(d.compression, d.bodySize, opener, onDamage));
        if (!device || (mode == ReadMode::Verified && !device->verifyAll()))
            return nullptr;
        return device.release();
    }

    std::shared_ptr<Store> m_store;
    RedisTier::Entry m_entry;
};

std::unique_ptr<TierEntry> RedisTier::lookup(const QString &key)
{
    Entry e;
    if (!fetchEntry(key, &e))
        return nullptr;
    return std::make_unique<RedisEntry>(m_store, std::move(e));
}

std::unique_ptr<TierWriter> RedisTier::beginWrite(const QString &key,
                                                  const QNetworkCacheMetaData &metaData,
                                                  qint64 sizeHint)
{
    if (sizeHint > m_store->settings.maxEntry || !m_store->connection.isAvailable()
        || m_store->refuseChange("store a body"))
        return nullptr;
    return std::make_unique<Writer>(m_store, key, metaData);
}

bool RedisTier::remove(const QString &key)
{
    if (m_store->refuseChange("remove an entry"))
        return false;
    const QByteArray meta = m_store->metaKey(key);
    std::vector<Reply> replies;
    if (!m_store->connection.run({{QByteArrayLiteral("MULTI")},
                                  {QByteArrayLiteral("HGET"), meta, QByteArrayLiteral("h")},
                                  {QByteArrayLiteral("UNLINK"), meta},
                                  {QByteArrayLiteral("EXEC")}},
                                 &replies))
        return false;
    const redisReply *exec = replies.back().get();
    if (!exec || exec->type != REDIS_REPLY_ARRAY || exec->elements != 2)
        return false;
    const Descriptor old = Descriptor::decode(replyString(exec->element[0]));
    if (old.isValid()) {
        std::vector<Command> decr {
                {QByteArrayLiteral("DECRBY"), m_store->bytesKey(), QByteArray::number(old.cost)}};
        m_store->unlinkChunks(key, old.generation, old.chunkCount, &decr);
    }
    return exec->element[1]->type == REDIS_REPLY_INTEGER && exec->element[1]->integer > 0;
}

bool RedisTier::updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData,
                               const QByteArray &ifVersion)
{
    if (m_store->refuseChange("update metadata"))
        return false;
    const QByteArray meta = m_store->metaKey(key);
    Connection &c = m_store->connection;
    std::vector<Reply> replies;
    // Optimistic: if the entry changes between the read and the write, the write is dropped.
    if (!c.run({{QByteArrayLiteral("WATCH"), meta},
                {QByteArrayLiteral("HGET"), meta, QByteArrayLiteral("h")}},
               &replies))
        return false;
    const Descriptor d = Descriptor::decode(replyString(replies[1].get()));
    if (!d.isValid() || (!ifVersion.isEmpty() && ifVersion != QByteArray::number(d.generation))) {
        c.run(Command {QByteArrayLiteral("UNWATCH")});
        return false; // gone, or another body was stored meanwhile
    }
    const qint64 ttl = m_store->ttlMs(metaData);
    std::vector<Command> commands {
            {QByteArrayLiteral("MULTI")},
            {QByteArrayLiteral("HSET"), meta, QByteArrayLiteral("md"), encodeMetaData(metaData)},
            {QByteArrayLiteral("PEXPIRE"), meta, QByteArray::number(ttl)}};
    for (qint64 i = 0; i < d.chunkCount; ++i)
        commands.push_back({QByteArrayLiteral("PEXPIRE"), m_store->chunkKey(key, d.generation, i),
                            QByteArray::number(ttl + ChunkTtlMarginMs)});
    commands.push_back({QByteArrayLiteral("EXEC")});
    if (!c.run(commands, &replies))
        return false;
    const redisReply *exec = replies.back().get();
    return exec && exec->type == REDIS_REPLY_ARRAY; // nil: someone else changed the entry
}

void RedisTier::enumerate(const std::function<bool(const TierRecord &)> &visitor)
{
    Connection &c = m_store->connection;
    const QByteArray pattern = globEscape(m_store->settings.prefix + "m:") + '*';
    const qsizetype strip = m_store->settings.prefix.size() + 2;
    QByteArray cursor("0");
    do {
        Reply scan =
                c.run(Command {QByteArrayLiteral("SCAN"), cursor, QByteArrayLiteral("MATCH"),
                               pattern, QByteArrayLiteral("COUNT"), QByteArray::number(ScanCount)});
        if (!scan || scan->type != REDIS_REPLY_ARRAY || scan->elements != 2
            || scan->element[1]->type != REDIS_REPLY_ARRAY)
            return;
        cursor = replyString(scan->element[0]);
        const redisReply *keys = scan->element[1];
        std::vector<Command> commands;
        QList<QByteArray> names;
        for (size_t i = 0; i < keys->elements; ++i) {
            names.append(replyString(keys->element[i]));
            commands.push_back({QByteArrayLiteral("HMGET"), names.back(), QByteArrayLiteral("md"),
                                QByteArrayLiteral("h")});
        }
        std::vector<Reply> replies;
        if (!c.run(commands, &replies))
            return;
        for (size_t i = 0; i < replies.size(); ++i) {
            const redisReply *r = replies[i].get();
            Entry e;
            if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2
                || !decodeEntry(keyFromMetaKey(names[qsizetype(i)], strip), r->element[0],
                                r->element[1], &e))
                continue; // expired or replaced between SCAN and HMGET
            TierRecord record(e.key, e.metaData, e.descriptor.bodySize);
            record.setStoredSize(e.descriptor.storedSize);
            record.setVersion(QByteArray::number(e.descriptor.generation));
            if (!visitor(record))
                return;
        }
    } while (cursor != "0");
}

qint64 RedisTier::size()
{
    if (!m_store->connection.isAvailable())
        return m_lastSize;
    Reply reply = m_store->connection.run(Command {QByteArrayLiteral("GET"), m_store->bytesKey()});
    if (reply && (reply->type == REDIS_REPLY_STRING || isNil(reply.get())))
        m_lastSize = qMax<qint64>(0, replyString(reply.get()).toLongLong());
    return m_lastSize;
}

void RedisTier::clear()
{
    if (m_store->refuseChange("clear"))
        return;
    Connection &c = m_store->connection;
    const QByteArray pattern = globEscape(m_store->settings.prefix) + '*';
    QByteArray cursor("0");
    do {
        Reply scan = c.run(Command {QByteArrayLiteral("SCAN"), cursor, QByteArrayLiteral("MATCH"),
                                    pattern, QByteArrayLiteral("COUNT"),
                                    QByteArray::number(ScanCount * 2)});
        if (!scan || scan->type != REDIS_REPLY_ARRAY || scan->elements != 2
            || scan->element[1]->type != REDIS_REPLY_ARRAY)
            return;
        cursor = replyString(scan->element[0]);
        const redisReply *keys = scan->element[1];
        if (keys->elements > 0) {
            Command unlink {QByteArrayLiteral("UNLINK")};
            for (size_t i = 0; i < keys->elements; ++i)
                unlink.append(replyString(keys->element[i]));
            if (!c.run(unlink))
                return;
        }
    } while (cursor != "0");
    m_lastSize = 0;
}

} // namespace tiercache::redis
