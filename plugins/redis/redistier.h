// SPDX-License-Identifier: MIT
#pragma once

#include "redisconnection.h"
#include "redisrecord.h"

#include <tiercache/tier.h>

#include <QtCore/QElapsedTimer>

#include <memory>

namespace tiercache::redis {

/*
    Layout, for prefix P and cache key K (the normalized URL, UTF-8):

      P m:K           hash  md = MetaDataCodec bytes (magic "TCMD", version 2)
                            h  = body descriptor (magic "TCRH", version 2): size, chunk size,
                                 chunk count, generation, accounted cost
                            b  = the whole body as one chunk, when it is at most "inline" bytes
      P b:K:G:N       string chunk N of generation G (hex): bytes + ChunkChecksum seeded by (G, N)
      P bytes         integer, approximate sum of accounted costs (INCRBY/DECRBY)

    A writer stores its chunks first, under a fresh random generation, then flips the hash in
    one MULTI/EXEC (which also returns the previous descriptor, whose chunks it then unlinks).
    A reader therefore never mixes generations: the descriptor it read names its chunks, and a
    chunk that is missing or fails its checksum ends the stream as a failure. TTLs: the hash
    lives (expires - now) + stale_ttl, chunks a minute longer. The byte formats and their
    checked decoding are in redisrecord.h.
*/
struct Settings
{
    QByteArray prefix = "tc:";
    qint64 maxEntry = 8 * 1024 * 1024;
    qint64 chunkSize = 256 * 1024;
    qint64 inlineMax = 16 * 1024;
    qint64 staleTtlMs = 24 * 3600 * 1000LL;
    BodyCompression compression; // compress=: chunks hold the compressed body
};

// Shared by the tier, its writers and its body devices, which may outlive the tier.
class Store
{
public:
    Store(const Connection::Options &options, const Settings &settings);

    Connection connection;
    const Settings settings;

    bool isReadOnly() const { return connection.options().readOnly; }
    //! Records (and returns false) that a change was refused because the tier is read-only.
    bool refuseChange(const char *what);

    QByteArray metaKey(const QString &key) const;
    QByteArray chunkKey(const QString &key, quint64 generation, qint64 index) const;
    QByteArray bytesKey() const;
    qint64 ttlMs(const QNetworkCacheMetaData &md) const;

    static QByteArray sealChunk(const char *data, qint64 length, quint64 generation, qint64 index);
    //! The payload of a sealed chunk, or a null array (and \a why) when it is not what was written.
    static QByteArray openChunk(const QByteArray &sealed, quint64 generation, qint64 index,
                                qint64 expectedLength, QString *why);

    //! Fetches and verifies chunk \a index; null on any failure, with the reason in \a why.
    QByteArray fetchChunk(const QString &key, const Descriptor &d, qint64 index, QString *why);
    //! Deletes the entry if it still has generation \a generation (a damaged body).
    void dropGeneration(const QString &key, quint64 generation);
    //! Unlinks chunk keys [0, count) of \a generation, best effort.
    void unlinkChunks(const QString &key, quint64 generation, qint64 count,
                      std::vector<Command> *extra = nullptr);
};

class RedisTier final : public Tier
{
public:
    RedisTier(const Connection::Options &options, const Settings &settings);
    ~RedisTier() override;

    QString name() const override { return QStringLiteral("redis"); }
    Capabilities capabilities() const override
    {
        return Capability::Persistent | Capability::Shared | Capability::VerifiesBodies;
    }
    qint64 maxEntrySize() const override { return m_store->settings.maxEntry; }
    std::unique_ptr<TierEntry> lookup(const QString &key) override;
    std::unique_ptr<TierWriter> beginWrite(const QString &key,
                                           const QNetworkCacheMetaData &metaData,
                                           qint64 sizeHint) override;
    bool remove(const QString &key) override;
    bool updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData,
                        const QByteArray &ifVersion = {}) override;
    void enumerate(const std::function<bool(const TierRecord &)> &visitor) override;
    qint64 size() override;
    void clear() override;
    QString errorString() const override { return m_store->connection.errorString(); }

    //! Connects now (create() calls it so that a bad endpoint is reported at once).
    void probe();

    //! One entry as a single command read it.
    struct Entry
    {
        QString key;
        QNetworkCacheMetaData metaData;
        Descriptor descriptor;
        QByteArray inlineChunk; // sealed
    };

private:
    bool fetchEntry(const QString &key, Entry *entry);
    static bool decodeEntry(const QString &key, const redisReply *md, const redisReply *h,
                            Entry *entry);

    std::shared_ptr<Store> m_store;
    qint64 m_lastSize = 0;
};

} // namespace tiercache::redis
