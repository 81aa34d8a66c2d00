// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/cacheentryinfo.h>
#include <tiercache/tier.h>

#include "disk/diskstore_p.h"
#include "tierfacets_p.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QTimer>

#include <utility>

namespace tiercache {

/*
    The built-in "disk:" tier: DiskStore (blob files + catalogue) behind the Tier interface,
    plus what QNAM's calling pattern asks of it. lookup() verifies the first window of the
    body before it reports an entry (QNAM cannot recover from a damaged body found in data())
    and returns a DiskEntry holding that window and the open file: its openBody() hands both to
    a BodyDevice that streams and verifies the rest, however much later it is called.
*/
class DiskTier final : public Tier,
                       public DirectoryTier,
                       public TagIndex,
                       public BulkInvalidation,
                       public StatisticsStore,
                       public CatalogueInspection
{
public:
    //! \a timerParent owns the tier's timers, so that they follow it to another thread.
    explicit DiskTier(QObject *timerParent = nullptr);
    ~DiskTier() override;

    /*!
        How bodies written from now on are stored (the spec's compress= option): compressible
        content types compressed when that saves space (BodyEncoder), others as they are.
        Bodies already stored keep the codec their blob row records, so a directory written
        with another setting stays readable.
    */
    void setCompression(const BodyCompression &compression) { m_compression = compression; }
    const BodyCompression &compression() const { return m_compression; }

    // DirectoryTier
    void setDirectory(const QString &directory) override;
    const QString &directory() const { return m_directory; }
    void setMaximumSize(qint64 size) override;
    qint64 maximumSize() const { return m_maximumSize; }
    void setSync(bool sync) override { m_sync = sync; }
    void setReadOnly(bool readOnly) override;
    bool isReadOnly() const { return m_readOnly; }
    //! Opens the directory on first use; false (with errorString()) when it cannot.
    bool ensureOpen() override;
    void recordMaximumSize(qint64 bytes) override;
    qint64 recordedMaximumSize() override;
    qint64 dataVersion() override { return ensureOpen() ? m_store.dataVersion() : -1; }
    void setDamageHandler(std::function<void(const QString &key)> handler) override
    {
        m_onDamage = std::move(handler);
    }
    void setEvictionObserver(
            std::function<void(const QString &key, qint64 bytes)> observer) override
    {
        m_store.setEvictionObserver(std::move(observer));
    }

    // TagIndex
    bool setTags(const QString &key, const QStringList &tags) override;
    QStringList tagsOf(const QString &key) override;
    QStringList keysForTags(const QStringList &tags) override;
    QList<QPair<QString, qint64>> tagCounts() override;
    bool dropTags(const QStringList &keys) override;

    // BulkInvalidation: batched hard delete / soft purge of many keys (tag invalidation).
    int removeTagged(const QStringList &tags) override;
    int removeKeys(const QStringList &keys) override;
    int expireKeys(const QStringList &keys) override;

    // StatisticsStore
    bool addCounters(const QHash<QString, qint64> &deltas) override;
    QHash<QString, qint64> counters() override;
    QList<Point> series(qint64 sinceMinute) override;
    void setSeriesRetention(int minutes) override;
    bool resetStatistics() override;

    // CatalogueInspection
    CacheEntryInfo entryInfo(const QString &key) override;
    bool holds(const QString &key) override;
    void recordHit(const QString &key) override;
    QList<CacheEntryInfo> entries(const EntryFilter &filter, int offset, int limit) override;
    qint64 entryCount(const EntryFilter &filter) override;
    QHash<QString, qint64> tagBytes() override;
    CacheSummary summary() override;
    VerifyReport verify(const std::function<bool(qint64, qint64)> &progress) override;
    qint64 collectGarbage() override;

    // Tier
    QString name() const override { return QStringLiteral("disk"); }
    Capabilities capabilities() const override;
    qint64 maxEntrySize() const override { return -1; }
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
    QString errorString() const override { return m_error; }
    //! Stores the spooled body with \a metaData and \a tags in one catalogue transaction.
    bool commit(class SpoolDevice *spool, const QNetworkCacheMetaData &metaData,
                const QStringList &tags);
    //! Drops the decoded rows; called after the catalogue changed under them.
    void forgetRows()
    {
        m_rows.clear();
        m_rowBodyBytes = 0;
    }
    //! Reclaims bodies left by removeKeys() from the event loop, in small steps.
    void scheduleSweep();
    //! Hit counts and statistics are written in batches, at most once a second.
    void schedulePendingFlush();
    void flushPending();

private:
    friend class DiskEntry;
    enum class Outcome { Found, Missing, Raced };
    std::unique_ptr<TierEntry> lookupOnce(const QString &key, Outcome *outcome);
    /*!
        Hands a device over the stored bytes of \a e to the caller: a BodyDevice over \a fd
        (owned by it from now on) and the verified first \a window of them, decoded through
        a DecodingBodyDevice when the blob is compressed. nullptr when the compressed body is
        damaged from its start (the entry is dropped).
    */
    QIODevice *openBody(const EntryRecord &e, int fd, const QByteArray &window);
    void scheduleTrim();
    void trimStep();
    void setError(const QString &message) { m_error = message; }

    QString m_directory;
    qint64 m_maximumSize = 50 * 1024 * 1024;
    qint64 m_budgetToRecord = -1; //!< recorded in the catalogue once it is open for writing
    bool m_sync = false;
    bool m_readOnly = false;
    BodyCompression m_compression;
    DiskStore m_store;
    QElapsedTimer m_lastOpenAttempt;
    QString m_error;
    std::function<void(const QString &)> m_onDamage;

    // Handles outlive nothing: they check this token before they call back into the tier.
    std::shared_ptr<DiskTier *> m_self = std::make_shared<DiskTier *>(this);

    // Decoded catalogue rows of recent lookups, valid while the catalogue's data version
    // (other processes' commits) stays the same; our own writes clear it. Saves the catalogue
    // round trip and the metadata decoding on hits. A body kept in the catalogue comes with
    // its row once it has been read and verified, up to MaxCachedBodyBytes in all: a hit on
    // it then reads nothing (the inline body's query was a third of a QNAM hit's cache work).
    // A body never changes under its digest, and the row goes when its entry may have.
    struct CachedRow
    {
        EntryRecord entry;
        QNetworkCacheMetaData metaData;
        QByteArray storedBytes; // the verified inline body, or null
    };
    void dropRow(QHash<QString, CachedRow>::iterator it);
    static constexpr qint64 MaxCachedBodyBytes = 4 * 1024 * 1024;
    QHash<QString, CachedRow> m_rows;
    qint64 m_rowBodyBytes = 0;
    qint64 m_rowsVersion = -1;

    QTimer *m_hitFlushTimer;
    QTimer *m_trimTimer;
    bool m_sweepPending = false;
    bool m_trimming = false;
};

} // namespace tiercache
