// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/cacheentryinfo.h>
#include <tiercache/cachepolicy.h>
#include <tiercache/promotionpolicy.h>
#include <tiercache/statistics.h>
#include <tiercache/tiercache_export.h>
#include <tiercache/writemode.h>

#include <QtCore/QHash>
#include <QtNetwork/QAbstractNetworkCache>

#include <functional>
#include <memory>

namespace tiercache {

class NetworkCachePrivate;

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
    \li Several processes (and several instances) may share one cache directory; small
        inserts reach the others within milliseconds (see SyncMode).
    \endlist

    All QAbstractNetworkCache calls must come from the thread the cache lives in, which is
    what QNetworkAccessManager does.
*/
class TIERCACHE_EXPORT NetworkCache : public QAbstractNetworkCache
{
    Q_OBJECT
    Q_PROPERTY(QString cacheDirectory READ cacheDirectory WRITE setCacheDirectory NOTIFY
                       cacheDirectoryChanged)
    Q_PROPERTY(qint64 maximumCacheSize READ maximumCacheSize WRITE setMaximumCacheSize NOTIFY
                       maximumCacheSizeChanged)
    Q_PROPERTY(SyncMode syncMode READ syncMode WRITE setSyncMode NOTIFY syncModeChanged)
    Q_PROPERTY(tiercache::WriteMode writeMode READ writeMode WRITE setWriteMode NOTIFY
                       writeModeChanged)
    Q_PROPERTY(tiercache::PromotionPolicy promotionPolicy READ promotionPolicy WRITE
                       setPromotionPolicy NOTIFY promotionPolicyChanged)
    Q_PROPERTY(bool statisticsEnabled READ statisticsEnabled WRITE setStatisticsEnabled NOTIFY
                       statisticsEnabledChanged)
    Q_PROPERTY(int statisticsRetention READ statisticsRetention WRITE setStatisticsRetention NOTIFY
                       statisticsRetentionChanged)
    Q_PROPERTY(bool readOnly READ isReadOnly WRITE setReadOnly NOTIFY readOnlyChanged)
    //! Read-only: setTiers() reports which specs were usable.
    Q_PROPERTY(QStringList tiers READ tiers NOTIFY tiersChanged)

public:
    //! What went wrong last; see errorString() for the details.
    enum class Error { NoError, DirectoryError, WriteError, ReadError };
    Q_ENUM(Error)

    /*!
        When inserts are made durable. Correctness never depends on it: nothing torn or wrong
        is ever served, and a body whose bytes were lost by a power cut fails its digest check
        and becomes a miss.

        \list
        \li \c NoSync (the default): a body of up to 32 KiB (stored in the catalogue) is
            committed together with the inserts around it, in batches of at most 64 inserts
            and 5 ms: after a kill -9, the inserts of the last batch may be missing although
            insert() had returned for them; nothing else is lost, and no entry is ever half
            there. This instance sees an insert at once; other instances and processes using
            the directory see it once its batch is committed, within about 5 ms, also when
            the application never returns to its event loop. A larger body, and every
            remove(), clear(), invalidateTag(), softPurgeTag() and updateMetaData(), is
            committed before the call returns (and commits the batch before it). Relies on
            the kernel: survives kill -9, not a power cut.
        \li \c SyncOnInsert: every insert is committed before insert() returns, and a body
            file (over 32 KiB) is fdatasync()ed before its catalogue row is written: what
            insert() returned for is there after a kill -9.
        \endlist
    */
    enum class SyncMode { NoSync, SyncOnInsert };
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
    //! Also records \a size in the cache directory (see recordedMaximumCacheSize()).
    void setMaximumCacheSize(qint64 size);
    /*!
        The budget recorded in cacheDirectory() by the last process that called
        setMaximumCacheSize() on it, or -1 when none did (or there is no directory tier). Tools
        that look at a cache they do not own (the CLI, the Browser) report and keep this budget
        instead of the library default; summary() of a cache that set no budget reports it.
    */
    qint64 recordedMaximumCacheSize() const;

    SyncMode syncMode() const;
    void setSyncMode(SyncMode mode);

    /*!
        Read-only mode, for tools that look at a cache another process uses (the Browser).
        The directory is opened as it is: nothing is created, moved aside, upgraded, trimmed,
        evicted, checkpointed or written, not even hit counts; the catalogue is opened with
        SQLITE_OPEN_READONLY. A directory that is not a cache, a damaged catalogue or one of
        another format version is an error (error(), errorString()) and is left untouched.
        Lookups, entries(), tags(), statistics() and verify() (which then reports damage
        without dropping anything) work; prepare() stores nothing, and remove(), clear(),
        invalidateTag(), softPurgeTag(), collectGarbage() and resetStatistics() change
        nothing. Switching the mode closes the directory; it is reopened on next use.

        The same holds for every tier of the chain: plugin tiers are created with the SDK's
        \c{readonly=true} option (see TierFactory), so a hit is served without being promoted
        to upper tiers, without recording its access (LRU order, hit counts, TTLs) and without
        removing an entry found damaged or expired; an SQLite tier whose file does not exist is
        an error in tierErrors(), never a new file. A plugin without that option is refused
        (tierErrors()). Call setReadOnly() before setTiers(): switching it later creates the
        plugin tiers anew (a memory tier starts empty).

        \code
        tiercache::NetworkCache cache;
        cache.setReadOnly(true);
        cache.setCacheDirectory(directory);
        if (!cache.open())
            qWarning() << cache.errorString(); // e.g. "... is not a Tiercache cache directory"
        \endcode
    */
    bool isReadOnly() const;
    void setReadOnly(bool readOnly);
    //! Opens cacheDirectory() now rather than on first use; false with errorString() when
    //! it cannot be used.
    bool open();
    //! Changes whenever any process commits to the catalogue of cacheDirectory(); -1 when it
    //! is not open. Cheap (no query): poll it to refresh a view only when something changed.
    qint64 dataVersion() const;

    //! Where new bodies are written; kept for source compatibility, see tiercache::WriteMode.
    using WriteMode = tiercache::WriteMode;

    /*!
        Composes the cache from tiers, first = L1. Each spec names a tier: \c{"disk:"} is the
        built-in streaming store in cacheDirectory(); others come from plugins, e.g.
        \c{"memory:?max=64MiB"}, \c{"sqlite:?path=/tmp/c.db"}, \c{"redis://127.0.0.1:6379/0"}.
        The default is \c{{"disk:"}}. A spec that cannot be used (unknown scheme, bad option)
        is skipped with a message in tierErrors(); the cache keeps working with the others. A
        tier that is built but unreachable (e.g. a Redis server that is down) stays in the
        chain, misses until it answers again, and is also named in tierErrors(). Returns true
        when every tier was usable and reachable. Entries of tiers that are dropped by a later
        call are not touched.
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
    //! The policy may normalize further (see CachePolicy::cacheKey()).
    static QString cacheKey(const QUrl &url);

    //! What is stored and for how long; see CachePolicy. Applies to responses stored from now on.
    CachePolicy policy() const;
    void setPolicy(const CachePolicy &policy);

    //! Extra cache tags for a response, besides its Cache-Tag, Surrogate-Key and Cache-Groups
    //! headers (RFC 9875).
    using TagCallback =
            std::function<QStringList(const QUrl &url, const QNetworkCacheMetaData &metaData)>;
    void setTagCallback(const TagCallback &callback);
    TagCallback tagCallback() const;

    //! Removes every entry carrying \a tag from every tier, at once and durably. Returns the
    //! number of entries removed. Tags are persistent with a disk tier (in its catalogue,
    //! shared by all processes using the directory), in memory otherwise.
    int invalidateTag(const QString &tag);
    int invalidateTags(const QStringList &tags);
    //! Marks every entry carrying \a tag stale: the next request revalidates it, and a 304
    //! keeps the stored body. Returns the number of entries marked.
    int softPurgeTag(const QString &tag);
    int softPurgeTags(const QStringList &tags);
    //! Every tag with its number of entries, most used first.
    QList<QPair<QString, qint64>> tags() const;
    //! Every tag of tags() with the body bytes of its entries (each entry counts its body,
    //! also when entries share one): those of the catalogue with a disk tier, those the
    //! chain's tiers hold otherwise.
    QHash<QString, qint64> tagBytes() const;

    //! Entries matching \a filter, page by page.
    QList<CacheEntryInfo> entries(const EntryFilter &filter, int offset, int limit) const;
    qint64 entryCount(const EntryFilter &filter = {}) const;

    //! Counters, per-minute series and top-\a topN lists; see Statistics.
    Statistics statistics(int topN = 10) const;
    void resetStatistics();
    bool statisticsEnabled() const;
    void setStatisticsEnabled(bool enabled);
    //! How long the per-minute series is kept (default 1440 minutes, one day).
    int statisticsRetention() const;
    void setStatisticsRetention(int minutes);

    //! Opt-in structured event log: one JSON line per lookup, insert, eviction and
    //! invalidation, appended to \a path. \a sampleRate in (0, 1] keeps that fraction of
    //! events; \a hashKeys writes a SHA-256 prefix instead of the URL. An empty path stops it.
    bool setEventLog(const QString &path, double sampleRate = 1.0, bool hashKeys = false);
    //! The event log being written; empty when there is none.
    QString eventLogPath() const;
    //! The sample rate and key hashing of the event log being written (1.0 and false without one).
    double eventLogSampleRate() const;
    bool eventLogHashesKeys() const;

    Error error() const;
    QString errorString() const;

public Q_SLOTS:
    void clear() override;

Q_SIGNALS:
    //! Counters changed; emitted at most once a second.
    void statisticsChanged();
    // Emitted by the setters when the value changes, not when it is set again.
    void cacheDirectoryChanged(const QString &directory);
    void maximumCacheSizeChanged(qint64 size);
    void syncModeChanged(tiercache::NetworkCache::SyncMode mode);
    void writeModeChanged(tiercache::WriteMode mode);
    void promotionPolicyChanged(const tiercache::PromotionPolicy &policy);
    void statisticsEnabledChanged(bool enabled);
    void statisticsRetentionChanged(int minutes);
    void readOnlyChanged(bool readOnly);
    //! setTiers() changed the specs in use.
    void tiersChanged(const QStringList &specs);

private:
    Q_DECLARE_PRIVATE(NetworkCache)
    friend class AccessManagerPrivate; // origin-scoped Cache-Group-Invalidation (RFC 9875)
    std::unique_ptr<NetworkCachePrivate> d_ptr;
};

} // namespace tiercache
