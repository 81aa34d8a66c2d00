// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/networkcache.h>
#include <tiercache/tier.h>

#include "disk/diskstore_p.h"

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
class DiskTier final : public Tier
{
public:
    //! \a timerParent owns the tier's timers, so that they follow it to another thread.
    explicit DiskTier(QObject *timerParent = nullptr);
    ~DiskTier() override;

    void setDirectory(const QString &directory);
    const QString &directory() const { return m_directory; }
    void setMaximumSize(qint64 size);
    qint64 maximumSize() const { return m_maximumSize; }
    void setSync(bool sync) { m_sync = sync; }
    //! Opens the directory on first use; false (with errorString()) when it cannot.
    bool ensureOpen();
    DiskStore &store() { return m_store; }
    //! Called when a body turns out damaged while streaming.
    void setDamageHandler(std::function<void(const QString &key)> handler) { m_onDamage = std::move(handler); }

    // Tier
    QString name() const override { return QStringLiteral("disk"); }
    Capabilities capabilities() const override;
    qint64 maxEntrySize() const override { return -1; }
    std::unique_ptr<TierEntry> lookup(const QString &key) override;
    std::unique_ptr<TierWriter> beginWrite(const QString &key, const QNetworkCacheMetaData &metaData,
                                           qint64 sizeHint) override;
    bool remove(const QString &key) override;
    bool updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData,
                        const QByteArray &ifVersion = {}) override;
    void enumerate(const std::function<bool(const TierRecord &)> &visitor) override;
    qint64 size() override;
    void clear() override;
    QString errorString() const override { return m_error; }
    //! Stores the spooled body with \a metaData and \a tags in one catalogue transaction.
    bool commit(class SpoolDevice *spool, const QNetworkCacheMetaData &metaData, const QStringList &tags);
    //! Batched hard delete / soft purge of many keys (tag invalidation).
    int removeKeys(const QStringList &keys);
    int removeTagged(const QStringList &tags);
    int expireKeys(const QStringList &keys);
    //! Must be called after changing the catalogue through store() directly.
    void forgetRows() { m_rows.clear(); }
    //! Reclaims bodies left by removeKeys() from the event loop, in small steps.
    void scheduleSweep();
    //! Hit counts and statistics are written in batches, at most once a second.
    void schedulePendingFlush();
    void flushPending();

private:
    friend class DiskEntry;
    enum class Outcome { Found, Missing, Raced };
    std::unique_ptr<TierEntry> lookupOnce(const QString &key, Outcome *outcome);
    //! Hands a BodyDevice over \a fd (owned by it from now on) and \a window to the caller.
    QIODevice *openBody(const EntryRecord &e, int fd, const QByteArray &window);
    void scheduleTrim();
    void trimStep();
    void setError(const QString &message) { m_error = message; }

    QString m_directory;
    qint64 m_maximumSize = 50 * 1024 * 1024;
    bool m_sync = false;
    DiskStore m_store;
    QElapsedTimer m_lastOpenAttempt;
    QString m_error;
    std::function<void(const QString &)> m_onDamage;

    // Handles outlive nothing: they check this token before they call back into the tier.
    std::shared_ptr<DiskTier *> m_self = std::make_shared<DiskTier *>(this);

    // Decoded catalogue rows of recent lookups, valid while the catalogue's data version
    // (other processes' commits) stays the same; our own writes clear it. Saves the Qt Sql
    // round trip and the metadata decoding on hits.
    struct CachedRow
    {
        EntryRecord entry;
        QNetworkCacheMetaData metaData;
    };
    QHash<QString, CachedRow> m_rows;
    qint64 m_rowsVersion = -1;

    QTimer *m_hitFlushTimer;
    QTimer *m_trimTimer;
    bool m_sweepPending = false;
    bool m_trimming = false;
};

} // namespace tiercache
