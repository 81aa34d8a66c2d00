// SPDX-License-Identifier: MIT
#pragma once

#include "redisconnection.h"

#include <tiercache/tier.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QIODevice>

#include <memory>

namespace tiercache::redis {

/*
    Layout, for prefix P and cache key K (the normalized URL, UTF-8):

      P m:K           hash  md = encoded QNetworkCacheMetaData (magic "TCMD", version 1)
                            h  = body descriptor (magic "TCRH"): size, chunk size, chunk count,
                                 generation, accounted cost
                            b  = the whole body as one chunk, when it is at most "inline" bytes
      P b:K:G:N       string chunk N of generation G (hex): bytes + CRC-32 of (G, N, bytes)
      P bytes         integer, approximate sum of accounted costs (INCRBY/DECRBY)

    A writer stores its chunks first, under a fresh random generation, then flips the hash in
    one MULTI/EXEC (which also returns the previous descriptor, whose chunks it then unlinks).
    A reader therefore never mixes generations: the descriptor it read names its chunks, and a
    chunk that is missing or fails its checksum ends the stream as a failure. TTLs: the hash
    lives (expires - now) + stale_ttl, chunks a minute longer.
*/
struct Settings
{
    QByteArray prefix = "tc:";
    qint64 maxEntry = 8 * 1024 * 1024;
    qint64 chunkSize = 256 * 1024;
    qint64 inlineMax = 16 * 1024;
    qint64 staleTtlMs = 24 * 3600 * 1000LL;
};

struct Descriptor
{
    qint64 bodySize = -1;
    qint64 chunkSize = 0;
    qint64 chunkCount = 0; // 0: the body is inline (field b)
    quint64 generation = 0;
    qint64 cost = 0;

    bool isValid() const { return bodySize >= 0; }
    bool isInline() const { return chunkCount == 0; }
    qint64 chunkLength(qint64 index) const;
    QByteArray encode() const;
    static Descriptor decode(const QByteArray &bytes);
};

// Shared by the tier, its writers and its body devices, which may outlive the tier.
class Store
{
public:
    Store(const Connection::Options &options, const Settings &settings);

    Connection connection;
    const Settings settings;

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
    void unlinkChunks(const QString &key, quint64 generation, qint64 count, std::vector<Command> *extra = nullptr);
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
    std::unique_ptr<TierWriter> beginWrite(const QString &key, const QNetworkCacheMetaData &metaData,
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
    static bool decodeEntry(const QString &key, const redisReply *md, const redisReply *h, Entry *entry);

    std::shared_ptr<Store> m_store;
    qint64 m_lastSize = 0;
};

/*
    Delivers a chunked body, one verified chunk in memory at a time. Like the disk tier's
    BodyDevice: the first chunk is fetched by openBody() (so bytesAvailable() > 0 at once),
    later ones in a queued call followed by readyRead(); a failure stops delivery for good and
    queues abort() on the QNetworkReply that owns the device.
*/
class BodyDevice final : public QIODevice
{
    Q_OBJECT
public:
    BodyDevice(std::shared_ptr<Store> store, const QString &key, const Descriptor &descriptor,
               const QByteArray &firstChunk);

    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override;
    bool atEnd() const override;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    void scheduleRefill();
    void refill();
    void fail(const QString &reason);

    std::shared_ptr<Store> m_store;
    QString m_key;
    Descriptor m_descriptor;
    QByteArray m_window;
    qint64 m_windowPos = 0;
    qint64 m_nextChunk = 1;
    qint64 m_delivered = 0; // bytes of chunks before the window
    bool m_refillPending = false;
    bool m_failed = false;
};

} // namespace tiercache::redis
