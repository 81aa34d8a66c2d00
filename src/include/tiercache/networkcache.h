// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/cacheentryinfo.h>
#include <tiercache/tiercache_export.h>

#include <QtNetwork/QAbstractNetworkCache>

#include <functional>
#include <memory>

namespace tiercache {

class NetworkCachePrivate;

/*!
    \brief When a hit in a lower tier is copied into the tiers above it.
*/
struct TIERCACHE_EXPORT PromotionPolicy
{
    enum class Strategy {
        Always,   //!< on every lower-tier hit
        HitCount, //!< once the entry has been hit \c hits times in that tier
        HitRate,  //!< once it has been hit \c hits times within the last \c windowSeconds
        Never,    //!< tiers are filled only by writes
    };
    Strategy strategy = Strategy::HitCount;
    int hits = 2;
    int windowSeconds = 60;

    static PromotionPolicy always() { return {Strategy::Always, 1, 0}; }
    static PromotionPolicy never() { return {Strategy::Never, 0, 0}; }
    static PromotionPolicy hitCount(int n) { return {Strategy::HitCount, n, 0}; }
    static PromotionPolicy hitRate(int n, int windowSeconds) { return {Strategy::HitRate, n, windowSeconds}; }
};

/*!
    \brief Counters of one tier in the chain, since the cache was created.
*/
struct TIERCACHE_EXPORT TierStatistics
{
    QString spec;           //!< the spec string it was created from
    QString name;           //!< the tier's name ("memory", "disk", ...)
    qint64 lookups = 0;     //!< lookups that reached this tier
    qint64 hits = 0;
    qint64 misses = 0;
    qint64 promotions = 0;  //!< bodies copied into this tier from a lower one
    qint64 writes = 0;      //!< bodies committed into this tier (inserts and promotions)
    qint64 writeFailures = 0;
    qint64 size = 0;        //!< bytes used, as the tier reports it
    qint64 maxEntrySize = -1;
};

/*!
    \brief A drop-in replacement for QNetworkDiskCache with streaming, content-addressed storage.

    Set it on a QNetworkAccessManager exactly like QNetworkDiskCache:

    \code
    auto *nam = new QNetworkAccessManager(this);
    auto *cache = new tiercache::NetworkCache;
    cache->setCacheDirectory(QStandardPaths::writableLocation(QStandardPaths::CacheLocation));
    cache->setMaximumCacheSize(512 * 1024 * 1024);
    nam->setCache(cache); // the manager takes ownership
    \endcode

    What it does differently from QNetworkDiskCache:
    \list
    \li Bodies are streamed to a temporary file while being hashed (SHA-256), then renamed to
        \c{blobs/<aa>/<digest>}; identical bodies are stored once. Memory use does not grow
        with the body size, neither when storing nor when serving.
    \li Entries live in a SQLite catalogue (\c{catalogue.db}, WAL mode) keyed by the full
        normalized URL; a 304 rewrites the entry row, never the body.
    \li Every body carries per-chunk checksums. A damaged entry is reported as a miss by
        metaData(), or, when the damage is found while streaming, the reply is aborted with an
        error and the entry dropped. A wrong, short or altered body is never served.
    \li Expiration follows RFC 9111 section 4.2 (Date, Age, max-age, Expires, heuristics).
    \li Eviction is least-recently-used over a byte budget counted in allocated blocks,
        driven by the catalogue; no directory walk at start-up or on insert.
    \li Several processes (and several instances) may share one cache directory.
    \endlist

    All QAbstractNetworkCache calls must come from the thread the cache lives in, which is
    what QNetworkAccessManager does.
*/
class TIERCACHE_EXPORT NetworkCache : public QAbstractNetworkCache
{
    Q_OBJECT
    Q_PROPERTY(QString cacheDirectory READ cacheDirectory WRITE setCacheDirectory)
    Q_PROPERTY(qint64 maximumCacheSize READ maximumCacheSize WRITE setMaximumCacheSize)

public:
    //! What went wrong last; see errorString() for the details.
    enum class Error { NoError, DirectoryError, CatalogueError, WriteError, ReadError };
    Q_ENUM(Error)

    //! When bodies are forced to stable storage. Correctness never depends on it: a body
    //! whose bytes were lost by a power cut fails its digest check and becomes a miss.
    enum class SyncMode {
        NoSync,      //!< rely on the kernel (survives kill -9, not a power cut); the default
        SyncOnInsert //!< fdatasync() every body before its catalogue row is written
    };
    Q_ENUM(SyncMode)

    explicit NetworkCache(QObject *parent = nullptr);
    ~NetworkCache() override;

    //! The directory holding \c{catalogue.db}, \c{blobs/} and \c{tmp/}. Empty by default:
    //! without a directory nothing is stored (like QNetworkDiskCache). Created with mode 0700.
    QString cacheDirectory() const;
    void setCacheDirectory(const QString &directory);

    //! The byte budget (default 50 MiB, as QNetworkDiskCache). When it is exceeded the least
    //! recently used entries are evicted down to 90 % of it (the low-water mark).
    qint64 maximumCacheSize() const;
    void setMaximumCacheSize(qint64 size);

    SyncMode syncMode() const;
    void setSyncMode(SyncMode mode);

    //! Where new bodies are written.
    enum class WriteMode {
        WriteThrough,  //!< into every tier whose maximum entry size allows it (the default)
        LowestTierOnly //!< into the last tier only; upper tiers fill by promotion
    };
    Q_ENUM(WriteMode)

    /*!
        Composes the cache from tiers, first = L1. Each spec names a tier: \c{"disk:"} is the
        built-in streaming store in cacheDirectory(); others come from plugins, e.g.
        \c{"memory:?max=64MiB"}, \c{"sqlite:?path=/tmp/c.db"}, \c{"redis://127.0.0.1:6379/0"}.
        The default is \c{{"disk:"}}. A spec that cannot be used (unknown scheme, bad option,
        unreachable host) is skipped with a message in tierErrors(); the cache keeps working
        with the others. Returns true when every spec was usable. Entries of tiers that are
        dropped by a later call are not touched.
    */
    bool setTiers(const QStringList &specs);
    //! The specs of the tiers in use, L1 first.
    QStringList tiers() const;
    //! One message per spec of the last setTiers() that could not be used.
    QStringList tierErrors() const;
    QList<TierStatistics> tierStatistics() const;

    PromotionPolicy promotionPolicy() const;
    void setPromotionPolicy(const PromotionPolicy &policy);
    WriteMode writeMode() const;
    void setWriteMode(WriteMode mode);

    // QAbstractNetworkCache
    QNetworkCacheMetaData metaData(const QUrl &url) override;
    void updateMetaData(const QNetworkCacheMetaData &metaData) override;
    QIODevice *data(const QUrl &url) override;
    bool remove(const QUrl &url) override;
    qint64 cacheSize() const override;
    QIODevice *prepare(const QNetworkCacheMetaData &metaData) override;
    void insert(QIODevice *device) override;

    //! The entry stored for \a url, or an invalid value.
    CacheEntryInfo entryInfo(const QUrl &url) const;
    //! Up to \a limit entries (all when negative) starting at \a offset, most recently used first.
    QList<CacheEntryInfo> entries(int offset = 0, int limit = -1) const;
    //! Totals for the whole directory (all processes' entries).
    CacheSummary summary() const;

    //! Re-reads every body and checks its digest and chunk checksums; damaged entries are
    //! removed. \a progress (may be empty) gets (bytes done, bytes total) and may return
    //! false to stop early.
    VerifyReport verify(const std::function<bool(qint64, qint64)> &progress = {});

    //! Reclaims disk space nothing refers to: bodies without entries, body files without a
    //! catalogue row (left by a crash between rename and commit), and stale temporary files.
    //! Walks the blob directory, so it is not done implicitly. Returns the bytes reclaimed.
    qint64 collectGarbage();

    //! The key an URL is stored under: fragment dropped, path segments normalized, fully
    //! encoded. Returns an empty string for URLs that cannot be cached (invalid, relative).
    static QString cacheKey(const QUrl &url);

    Error error() const;
    QString errorString() const;

public Q_SLOTS:
    void clear() override;

private:
    Q_DECLARE_PRIVATE_D(m_d, NetworkCache)
    std::unique_ptr<NetworkCachePrivate> m_d;
};

} // namespace tiercache
