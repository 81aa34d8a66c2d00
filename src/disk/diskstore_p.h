// SPDX-License-Identifier: MIT
#pragma once

#include "disk/catalogue_p.h"
#include "disk/insertqueue_p.h"

#include <tiercache/cacheentryinfo.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QHash>
#include <QtCore/QString>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace tiercache {

class SpoolDevice;

/*
    The built-in "disk" tier: blob files plus the catalogue, with the rules that tie them
    together. A body is on disk (renamed into blobs/) before any row points to it; rows are
    removed, and unreferenced bodies unlinked, inside one write transaction, so neither a
    crash nor another process can make a row point to someone else's bytes. Everything here
    runs on the cache's thread, except the writing of inserts that commit() queued (the
    InsertQueue's thread) and the commit of a batch of inserts when it gets old (a flushing
    thread): every method holds m_mutex for that, and lets the queued inserts through first.
    Cross-process safety comes from SQLite's write lock.
*/
class DiskStore
{
public:
    /*
        Bodies up to this size are stored in the catalogue instead of a file each (see
        catalogueschema.cpp): chosen by measurement, see README "Figures". At most one chunk
        (blob::ChunkSize), which SpoolDevice holds in memory anyway.
    */
    static constexpr qint64 InlineMax = 32 * 1024;
    //! Bytes an inline body of \a bodySize takes in the catalogue file (SQLite pages).
    static qint64 inlineAllocation(qint64 bodySize);

    DiskStore();
    ~DiskStore();

    bool open(const QString &root);
    /*
        Opens an existing cache directory for reading only: no directory is created, no
        temporary file reaped, no body unlinked, no row written (Catalogue::openReadOnly()).
        Hits are not recorded; verify() reports damage without dropping anything; every other
        change fails with an error.
    */
    bool openReadOnly(const QString &root);
    void close();
    bool isReadOnly() const { return m_readOnly; }
    bool isOpen() const { return m_catalogue.isOpen(); }
    const QString &root() const { return m_root; }
    QString errorString() const
    {
        const QueuedLaterGuard guard(m_mutex); // what went wrong so far
        return m_error;
    }

    std::optional<EntryRecord> find(const QString &key);
    //! find(), with an inline body's stored bytes in storedBytes (openBody() checks them).
    std::optional<EntryRecord> findWithBody(const QString &key);

    /*
        Checks that the body of \a e is present, complete and intact as far as the first
        window goes, and returns that window (the whole body when it is small). When more
        remains, \a fd receives an open descriptor for the rest (else -1). On damage the entry
        is removed and false returned, with the reason in \a why. \a windowSize must be a
        whole number of chunks (e.chunkSize): the checksums cover whole chunks, so a window
        ending inside one fails them and the entry is dropped as damaged.
    */
    bool openBody(const EntryRecord &e, qint64 windowSize, QByteArray *window, int *fd,
                  QString *why);
    //! openBody() for a body stored in the catalogue: the window is the whole body.
    bool openInlineBody(const EntryRecord &e, QByteArray *window, QString *why);
    //! Whether \a e carries one checksum per chunk of its body.
    static bool hasValidSums(const EntryRecord &e);
    //! Drops the damaged entry \a e (removeDamaged()), sets \a why to \a reason; false.
    bool dropDamaged(const EntryRecord &e, const QString &reason, QString *why);

    //! Reads and checks every chunk of \a e's stored bytes and, for a compressed body,
    //! decodes it whole (frame checksums, exact size); a damaged entry is removed (false).
    bool verifyBody(const EntryRecord &e);

    /*
        Stores the spooled body, its entry and its \a tags in one transaction, replacing any
        previous entry for the key: the whole tagged entry or nothing, whatever happens.

        With \a sync, or a body that goes into a file, the transaction is committed before
        this returns. Without \a sync, a body kept in the catalogue is queued (InsertQueue)
        and this returns at once: the queue's thread stores it while the caller goes on, and
        every other use of this store waits for the inserts queued before it (a lookup only
        when its own key is queued). Such an insert that fails there is lost, like one of a
        batch whose COMMIT fails: errorString() and a warning say why. Stored, it joins a
        batch of such
        inserts (Catalogue::Transaction::Kind::Batched), committed as a whole when it holds
        BatchInserts of them or about a 64th of the maximum size, when another writer waits
        for the lock (Catalogue::othersWaiting()), when this insert left a body file to unlink,
        before any other write (but dropTags(), which joins it), at close(), and at the latest
        BatchDelayMs after it opened
        (by a flushing thread, even if the cache is never called again). A kill -9 may lose the
        inserts of that last batch, never anything else, and never half of one. This
        connection sees the batch at once; other processes once it is committed.
    */
    bool commit(SpoolDevice *spool, EntryRecord entry, const QStringList &tags, bool sync,
                qint64 maximumSize);
    static constexpr int BatchInserts = 64;
    //! The room the cap keeps for the log file beside a catalogue of \a maximumSize (from
    //! DirectoryCapFrom on); a writer that finds the file larger cuts it back before it
    //! writes, and stores nothing while other connections keep it from doing so.
    static qint64 walReserve(qint64 maximumSize);
    static constexpr int BatchDelayMs = 5;
    //! Commits the open batch of inserts now, if there is one.
    bool commitBatch();
    //! Write transactions committed through this store's connection (for tests and tuning).
    qint64 commits() const
    {
        const Guard guard(m_mutex);
        return m_catalogue.commits();
    }
    bool remove(const QString &key);
    //! Rewrites the row of \a key; with a non-empty \a digest only if that is still its body.
    bool updateMeta(const QString &key, const QByteArray &meta, qint64 expiresMs,
                    const QByteArray &digest = QByteArray());

    void recordHit(const QString &key, qint64 nowMs);
    bool hasPendingHits() const
    {
        const QueuedLaterGuard guard(m_mutex); // in memory
        return !m_pendingHits.isEmpty() || !m_pendingCounters.isEmpty();
    }
    using Lock = Catalogue::Transaction::Lock;
    /*
        Writes the hits (and counters) recorded so far, in one transaction: all of them, or at
        most \a limit entries' (-1: no limit). What is not written (the lock was taken, or past
        the limit) stays pending. Returns true when hits remain pending.
    */
    bool flushHits(Lock lock = Lock::Wait, int limit = -1);
    /*
        Has the flushing thread write the hits (and counters) recorded so far, so that the
        caller's thread (the GUI thread) never waits for those UPDATEs: in slices of
        HitsPerSlice entries, each joining the batch of inserts, letting go of the store
        between slices, so that a lookup waits for one slice or one commit at most, and
        committed every HitsPerCommit entries. What the write lock keeps out (another
        connection holds it or waits for it) stays pending, and is tried again HitsRetryMs
        later. Returns at once.

        Hits are written while lookups pause: once no hit has come for HitsIdleMs, and a hit
        that comes meanwhile stops the writing after the slice in hand. While lookups go on,
        they are written anyway HitsMaxDelayMs after the last writing began. recordHit() asks
        for this itself, without waiting for lookups to pause, once HitsWhileBusy entries are
        pending: a tool without an event loop never calls this.
    */
    void writeHitsInBackground();
    static constexpr int HitsPerSlice = 8;
    //! A lookup that comes during a commit waits for all of it: the COMMIT writes each hit's
    //! row and index pages to the log (about 4 KB a hit), and 256 hits held QNAM hits up
    //! for 2.0-4.1 ms (their maximum in 9 of 10 benchmark runs). Smaller commits rewrite the
    //! same pages more often: 64 hits per commit wrote three times the log of 256, and the
    //! checkpoints that followed held hits up as long.
    static constexpr int HitsPerCommit = 128;
    //! Entries the table of pending hits has room for from the start: growing it by doubling
    //! rehashes every key, which held the hit that made it 2 048 or 4 096 long up for 1.2-2.4
    //! ms (QNAM hits of 5 000 URLs).
    static constexpr qsizetype PendingHitsRoom = 8192;
    //! How long lookups must pause before the hits are written (writeHitsInBackground()).
    static constexpr int HitsIdleMs = 100;
    //! How long hits wait at most while lookups go on: another process (the Browser) sees
    //! hit counts and statistics this late at worst.
    static constexpr int HitsMaxDelayMs = 2000;
    //! Pending entries that are written while lookups go on (a bound on memory, about 200
    //! bytes each). Below PendingHitsRoom: the hits that come while they are written must not
    //! make the table rehash.
    static constexpr qsizetype HitsWhileBusy = PendingHitsRoom * 3 / 4;

    qint64 totalSize();
    //! What the catalogue holds once the queued inserts are written (what they replace or
    //! evict not taken off), without waiting for them: for deciding whether to trim.
    qint64 heldBytesHint() const
    {
        return m_heldBytes.load(std::memory_order_relaxed)
                + m_queuedBytes.load(std::memory_order_relaxed);
    }
    //! Reports the entries the queue's thread evicted since the last call to the eviction
    //! observer, on the calling thread (the cache's): commit() does so itself.
    void reportEvictions();
    //! The budget the last writer that set one recorded in the catalogue; -1 when none did.
    qint64 recordedMaximumSize();
    bool recordMaximumSize(qint64 bytes);
    //! Evicts least recently used entries until the total is at most \a target, for at most
    //! \a budgetMs milliseconds (-1: no limit). Returns true when the target is reached.
    bool evictTo(qint64 target, int budgetMs);
    //! See Catalogue::dataVersion().
    qint64 dataVersion()
    {
        const QueuedLaterGuard guard(m_mutex); // other connections' commits: every lookup asks
        return m_catalogue.isOpen() ? m_catalogue.dataVersion() : -1;
    }
    /*
        Starts a background WAL checkpoint when the log has grown; returns true while the file
        is to be cut back (once writes pause), or (EventLoop) a batch kept it from looking: call
        again later. An Inserter (an insert, its
        batch's commit) past the log's limit while inserts stream restarts the log itself, as
        back-pressure; the EventLoop (hit counts) leaves that to the checkpoint thread unless
        the log outgrew the room the cap keeps for it.
    */
    enum class WalCaller { Inserter, EventLoop };
    bool maintainWal(WalCaller caller = WalCaller::Inserter);
    //! Whether a background step (evictTo(), reclaimInvalidated(), sweepGarbage(Lock::NoWait),
    //! flushHits(Lock::NoWait)) found the write lock taken since the last call: retry later.
    bool takeBusy()
    {
        const Guard guard(m_mutex);
        return m_catalogue.takeLockWasBusy();
    }
    bool clear();

    QList<EntryRecord> entries(int offset, int limit);
    Catalogue::Counts counts();
    VerifyReport verify(const std::function<bool(qint64, qint64)> &progress);
    qint64 collectGarbage();

    //! Removes temporary files whose writer is gone (crash, kill -9). Returns bytes freed.
    qint64 sweepTemp();

    // Tags (persistent, shared by every process using the directory).
    bool setTags(const QString &key, const QStringList &tags);
    QStringList keysForTags(const QStringList &tags);
    //! Drops the tag rows of \a keys in one transaction, which joins the batch of inserts
    //! (the tags of evicted entries go after each evicting insert).
    bool dropTags(const QStringList &keys);
    QStringList tagsOf(const QString &key);
    QList<QPair<QString, qint64>> tagCounts();
    QHash<QString, qint64> tagBytes();
    //! How many live entries use the body \a digest.
    qint64 sharingCount(const QByteArray &digest);
    //! Hard-deletes \a keys in one transaction; their bodies are reclaimed later by
    //! sweepGarbage(). Returns how many entries existed.
    int removeKeys(const QStringList &keys);
    //! Removes every entry carrying one of \a tags: gone for every reader once this returns
    //! (one small transaction), deleted by reclaimInvalidated() steps. Returns how many existed.
    int removeTagged(const QStringList &tags);
    //! Deletes invalidated entries for about \a budgetMs; returns true when more remain.
    bool reclaimInvalidated(int budgetMs);
    //! Marks \a keys stale in one transaction; returns how many existed.
    int expireKeys(const QStringList &keys);
    //! Unlinks up to \a limit body files whose rows are gone (tombstones), stopping early once
    //! \a budgetMs (-1: no limit) is spent; returns true when more remain (or, with
    //! Lock::NoWait, when the write lock was taken).
    bool sweepGarbage(int limit, int budgetMs = -1, Lock lock = Lock::Wait);

    // Statistics: counted in memory, written with the batched hit updates.
    void addCounter(const QString &name, qint64 delta)
    {
        const QueuedLaterGuard guard(m_mutex); // in memory
        m_pendingCounters[name] += delta;
    }
    bool hasPendingCounters() const
    {
        const QueuedLaterGuard guard(m_mutex); // in memory
        return !m_pendingCounters.isEmpty();
    }
    QHash<QString, qint64> counters();
    QList<Catalogue::SeriesPoint> series(qint64 sinceMinute);
    void setSeriesRetentionMinutes(int minutes) { m_retentionMinutes = minutes; }
    bool resetStatistics();
    //! Called on the cache's thread: with the insert that evicted, or for an insert the
    //! queue's thread wrote, at the next commit() or reportEvictions().
    void setEvictionObserver(std::function<void(const QString &key, qint64 bytes)> observer)
    {
        const Guard guard(m_mutex); // the queue's thread calls it
        m_onEvict = std::move(observer);
    }

    QList<EntryRecord> query(const EntryQuery &filter, int offset, int limit);
    qint64 count(const EntryQuery &filter);

    static qint64 rowSize(const EntryRecord &e);
    //! Whether the last failed openBody() was an I/O error (the entry was kept) rather than damage.
    bool lastFailureWasIo() const { return m_lastFailureWasIo; }

private:
    /*
        m_mutex: every use of m_catalogue. A thread that takes it without holding it already
        first waits for the inserts queued before (InsertQueue::drain()), so that what it
        reads or writes comes after them; the queue's thread, and a lookup whose key is not
        queued, take it without waiting (QueuedLaterGuard). Recursive, as the store's methods
        call each other.
    */
    class StoreMutex
    {
    public:
        explicit StoreMutex(InsertQueue *queue) : m_queue(queue) { }
        void lock()
        {
            if (!isHeldHere() && !m_queue->isApplying())
                m_queue->drain();
            lockQueuedLater();
        }
        void lockQueuedLater()
        {
            m_mutex.lock();
            if (m_depth++ == 0)
                m_owner.store(std::this_thread::get_id(), std::memory_order_relaxed);
        }
        void unlock()
        {
            if (--m_depth == 0)
                m_owner.store(std::thread::id(), std::memory_order_relaxed);
            m_mutex.unlock();
        }

    private:
        // Only the owner stores its own id: another thread never reads its id here.
        bool isHeldHere() const
        {
            return m_owner.load(std::memory_order_relaxed) == std::this_thread::get_id();
        }
        InsertQueue *m_queue;
        std::recursive_mutex m_mutex;
        std::atomic<std::thread::id> m_owner {};
        int m_depth = 0; // the owner's
    };
    //! Holds m_mutex, taken with StoreMutex::lockQueuedLater(): no waiting for the queue.
    class QueuedLaterGuard
    {
    public:
        explicit QueuedLaterGuard(StoreMutex &mutex) : m_mutex(mutex) { m_mutex.lockQueuedLater(); }
        ~QueuedLaterGuard() { m_mutex.unlock(); }
        QueuedLaterGuard(const QueuedLaterGuard &) = delete;
        QueuedLaterGuard &operator=(const QueuedLaterGuard &) = delete;

    private:
        StoreMutex &m_mutex;
    };
    using Guard = std::lock_guard<StoreMutex>;
    using StoreLock = std::unique_lock<StoreMutex>;
    //! commit() once the body is finished and \a entry filled in: with \a spool, or (null)
    //! the queued insert of an inline body, whose stored bytes are entry.storedBytes.
    bool commitLocked(SpoolDevice *spool, EntryRecord entry, const QStringList &tags, bool sync,
                      qint64 maximumSize);
    //! The queue's thread: writes \a insert (InsertQueue's apply).
    void applyQueued(InsertQueue::Insert &insert);
    //! What a queued insert of inline body \a e adds to the catalogue (heldBytesHint()).
    static qint64 heldBy(const EntryRecord &e);
    //! Checks the \a storedSize bytes after the header of \a fd against \a sums, feeding
    //! them to \a body (when given); what is wrong, or empty.
    static QString checkChunks(int fd, qint64 storedSize, quint32 chunkSize, const QByteArray &sums,
                               class DecodedBodyCheck *body,
                               const std::function<bool(qint64)> &onBytes);
    //! What is wrong with the inline body \a b (empty: nothing).
    QString checkInline(const BlobRecord &b);
    bool ensureCatalogue();
    //! Deletes invalidated entries until *\a total is at most \a target (-1: all of them) or
    //! \a budgetMs (-1: none) is spent; returns true when more remain.
    bool reclaimInvalidatedLocked(qint64 target, int budgetMs, qint64 *total);
    //! One batch of reclaimInvalidatedLocked(); whether invalidated entries remain, nullopt on error.
    std::optional<bool> reclaimBatchLocked(qint64 *total);
    bool evictLocked(qint64 target, int budgetMs, const QString &keep, qint64 *total);
    qint64 dropEntryLocked(const QString &key, const QByteArray &digest, qint64 rowSize);
    qint64 dropBlobIfUnreferencedLocked(const QByteArray &digest);
    void removeDamaged(const QString &key, const QByteArray &digest, const QString &why);
    bool setError(const QString &message);
    bool commitBatchLocked(WalCaller caller = WalCaller::Inserter);
    //! One step of flushHits() or of writeHitsInBackground(); true when something was written.
    bool writeHitStep(Lock lock, int limit, Catalogue::Transaction::Kind kind);
    //! The flushing thread's share of writeHitsInBackground(), with m_mutex held in \a lock.
    void writeRequestedHits(StoreLock &lock);
    //! From when the pending hits are written whether or not lookups go on: at once at the
    //! bound (or with counters alone), else HitsMaxDelayMs after the last writing began.
    std::chrono::steady_clock::time_point hitsOverdueAtLocked() const;
    //! When lookups will have paused (no hit for HitsIdleMs), unless another hit comes.
    std::chrono::steady_clock::time_point lookupsPauseAtLocked() const;
    void batchJoinedLocked();
    void startFlusherLocked();
    //! Has the flushing thread write the pending hits (writeHitsInBackground()).
    void requestHitsLocked();
    //! Forgets the pending hits; the table keeps PendingHitsRoom.
    void dropPendingHitsLocked();
    //! find() and findWithBody(): \a read of the catalogue, which is rebuilt when damaged.
    std::optional<EntryRecord> findVia(
            std::optional<EntryRecord> (Catalogue::*read)(const QString &), const QString &key);
    void runFlusher();
    //! The flushing thread's share of cutting the log back once writes pause, with or without
    //! an event loop (maintainWal()), with m_mutex held in \a lock.
    void cutBackWhenQuiet(StoreLock &lock);
    //! Notes a write: the log file is to be cut back once writes pause.
    void wroteLocked();
    //! Log bytes that start a checkpoint: a share of the maximum size (the cap includes it).
    qint64 walBudget() const;
    //! The most the log may hold before the writer restarts it itself: a share of what the
    //! cache holds, at most walReserve()'s share of its maximum.
    qint64 walLimit() const;
    static constexpr int RestartWaitMs = 20;
    //! How long all writes must have paused before the log file is cut back (maintainWal()).
    static constexpr qint64 QuietMs = 2000;
    //! How soon the flushing thread looks again at a log file not yet cut back.
    static constexpr int CutBackRetryMs = 1000;
    //! How soon the flushing thread tries again to write hits the write lock kept out.
    static constexpr int HitsRetryMs = 50;
    //! How long close() waits for other connections to let the log be cut back.
    static constexpr int CloseWaitMs = 200;
    static constexpr int SweepBudgetMs = 2;
    //! How long an insert into a cache already past its cap evicts beyond its own room.
    static constexpr int OverCapStepMs = 2;
    //! Counted with each file body: at most one blobs/<aa> directory block per file.
    static constexpr qint64 DirectoryShare = 4096;
    //! What a directory holds whatever its entries: catalogue-shm, the root, tmp/, blobs/.
    static constexpr qint64 FixedFiles = 32 * 1024 + 3 * 4096;
    //! From this maximum size on, the cap counts the log, free pages and FixedFiles too.
    static constexpr qint64 DirectoryCapFrom = 4 * 1024 * 1024;
    qint64 m_maximumSize = 50 * 1024 * 1024; // as the last commit() was given it
    std::atomic<qint64> m_heldBytes {0};     // the catalogue's total after the last commit()
    std::atomic<qint64> m_queuedBytes {0};   // rows and inline bodies of the queued inserts
    int m_tombstones = 0;                    // file bodies tombstoned so far (a counter)
    QElapsedTimer m_lastCheckpoint;
    QElapsedTimer m_lastInsert;
    QElapsedTimer m_lastWrite; // an insert or hit counts
    int m_reclaimBatch = 16; // entries per reclaimInvalidated() transaction, adapted to the budget

    QString m_root;
    Catalogue m_catalogue;
    QHash<QString, HitUpdate> m_pendingHits;
    QHash<QString, qint64> m_pendingCounters;
    int m_retentionMinutes = 24 * 60;
    std::function<void(const QString &, qint64)> m_onEvict;
    QString m_error;
    bool m_lastFailureWasIo = false;
    bool m_readOnly = false;

    // The batch of inserts (commit()); the flushing thread commits it when it gets old.
    // Declared before m_mutex, which drains it; destroyed after it is stopped (~DiskStore()).
    InsertQueue m_queue {[this](InsertQueue::Insert &insert) { applyQueued(insert); }};
    mutable StoreMutex m_mutex {&m_queue};
    // Evictions by the queue's thread, reported on the cache's (reportEvictions()).
    std::mutex m_evictedMutex;
    QList<QPair<QString, qint64>> m_evictedMeanwhile;
    std::condition_variable_any m_flushWake;
    std::thread m_flusher;
    bool m_stopFlusher = false;
    bool m_hitsRequested = false; // writeHitsInBackground() was called
    bool m_cutBackDue = false;    // written since the log file was last found small enough
    std::chrono::steady_clock::time_point m_hitsRetryAt; // not before (the lock was taken)
    std::chrono::steady_clock::time_point m_lastHitAt;   // the last recordHit()
    // When the oldest pending hit came, or the last writing of hits began if later.
    std::chrono::steady_clock::time_point m_hitsPendingSince;
    std::chrono::steady_clock::time_point m_batchDeadline;
    qint64 m_batchBytes = 0; // log bytes the batch will write when it is committed, estimated
};

} // namespace tiercache
