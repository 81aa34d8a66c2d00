// SPDX-License-Identifier: MIT
#pragma once

#include "disk/sqlstatement_p.h"

#include <tiercache/bodycompression.h>

#include <QtCore/QByteArray>
#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace tiercache {

//! One catalogue row joined with the row of the body it points to.
struct EntryRecord
{
    QString key;
    QByteArray digest; // hex SHA-256 of the (decoded) body
    qint64 bodySize = 0;
    QByteArray meta; // encoded QNetworkCacheMetaData
    int status = 0;
    QByteArray contentType;
    qint64 expiresMs = 0;
    qint64 createdMs = 0;
    qint64 lastAccessMs = 0;
    qint64 hits = 0;
    qint64 rowSize = 0; // bytes this row accounts for in the size budget
    // from the blobs table
    qint64 allocSize = 0;
    quint32 chunkSize = 0;
    QByteArray sums;         // one checksum per chunk of the stored bytes
    bool inlineBody = false; // the body is in the catalogue (Catalogue::inlineBody())
    qint64 storedSize = 0;   // bytes in the file or the row: the body, or it compressed
    BodyCompression::Algorithm compression = BodyCompression::Algorithm::None;
    //! The stored bytes of an inline body, when the lookup read them with the row
    //! (Catalogue::findWithBody()); null otherwise.
    QByteArray storedBytes;
};

/*
    One stored body, named by the SHA-256 of its decoded bytes: whichever copy was stored
    first (compressed or not) serves every entry with that digest. Invariants: the stored
    bytes (file after its header, or the body column) are storedSize long, with one checksum
    per chunk of them in sums; compression None means they are the body (storedSize ==
    bodySize), otherwise they decode (BodyDecoder) to exactly bodySize bytes.
*/
struct BlobRecord
{
    QByteArray digest;
    qint64 bodySize = 0;
    qint64 allocSize = 0;
    quint32 chunkSize = 0;
    QByteArray sums;
    bool isInline = false; // the body lives in the catalogue, not in a file
    QByteArray body;       // inline stored bytes, when inserting; reads use inlineBody()
    qint64 storedSize = 0;
    BodyCompression::Algorithm compression = BodyCompression::Algorithm::None;
};

//! A filter over catalogue entries, for tools (the Browser, the CLI).
struct EntryQuery
{
    enum class Order { RecentlyUsed, MostHits, Largest, Oldest, Key };
    QString urlContains;
    QString tag;
    QString contentType; // prefix, e.g. "image/"
    int status = 0;      // 0: any
    int expired = 0;     // 1: only expired, -1: only fresh, 0: both
    qint64 nowMs = 0;
    Order order = Order::RecentlyUsed;
};

struct HitUpdate
{
    qint64 hits = 0;
    qint64 lastAccessMs = 0;
};

/*
    The SQLite index of a cache directory (catalogue.db, WAL mode, shared by every process
    using the directory). It knows which key points to which body, the LRU order, and the
    running byte total; it never touches blob files. Writers use BEGIN IMMEDIATE, so the
    total a writer reads inside its transaction is the true one across processes, which is
    what keeps the size cap when several processes insert at once.

    Every method returns false/nullopt on a database error and records errorString();
    corrupted() tells the owner that the file is damaged and must be rebuilt.

    One class over one connection; its methods are implemented by concern, one file each
    (named above each group below). The tables themselves are described where they are
    created, in catalogueschema.cpp; the WAL checkpoint thread is WalCheckpointer.
*/
class Catalogue
{
public:
    // The connection (catalogue.cpp)

    Catalogue();
    ~Catalogue();
    Catalogue(const Catalogue &) = delete;
    Catalogue &operator=(const Catalogue &) = delete;

    //! Opens (creating if needed) the catalogue at \a path. A file that is not a catalogue
    //! of this format (garbage, another application's database, another version) is moved
    //! aside and replaced by an empty one; \a wasReset tells the caller.
    bool open(const QString &path, bool *wasReset);
    /*
        Opens an existing catalogue for reading only (the Browser, inspection tools): nothing
        is created, upgraded, moved aside or checkpointed, and any write fails. A missing file,
        a damaged one, another application's database or another format version is an error
        (errorString()), never repaired. While no -wal file exists (no process has the
        catalogue open), the file is opened immutable, because a read-only connection on a
        WAL database would otherwise create -wal and -shm files; dataVersion() notices when a
        writer appears and reopens it as a live reader.
    */
    bool openReadOnly(const QString &path);
    void close();
    bool isReadOnly() const { return m_readOnly; }
    bool isOpen() const { return m_db.isOpen(); }
    bool corrupted() const { return m_corrupted; }
    QString errorString() const { return m_error; }

    class Transaction
    {
    public:
        //! Wait: blocks up to the busy timeout for the write lock. NoWait: gives up at once if
        //! another connection (process, checkpoint thread) holds it; busy() then says so, and
        //! no error is recorded. Background steps use NoWait and are retried later.
        enum class Lock { Wait, NoWait };
        /*
            Own: a write transaction of its own, durable once commit() returns; an open batch
            is committed first. Batched: joins the open batch, opening one if there is none,
            as a savepoint: commit() keeps its changes in the batch (visible to this connection
            at once, to others once commitBatch() ran), and a failure rolls back this
            transaction's changes only. An open batch holds the write lock until commitBatch().
        */
        enum class Kind { Own, Batched };
        explicit Transaction(Catalogue &c, Lock lock = Lock::Wait, Kind kind = Kind::Own);
        ~Transaction();
        bool isActive() const { return m_active; }
        bool busy() const { return m_busy; }
        bool commit();

    private:
        bool begin(Lock lock);
        Catalogue &m_c;
        Kind m_kind;
        bool m_active = false;
        bool m_busy = false;
    };
    //! Whether a Transaction with Lock::NoWait gave up on the lock since the last call.
    bool takeLockWasBusy() { return std::exchange(m_lockWasBusy, false); }

    // Batched commits (see Transaction::Kind::Batched)

    bool batchOpen() const { return m_batchOpen; }
    //! batchOpen() for a thread that does not hold the store's lock: a hint, as it may change
    //! right after.
    bool batchOpenHint() const { return m_batchOpen.load(std::memory_order_relaxed); }
    //! Batched transactions committed into the open batch (0: none open).
    int batchCount() const { return m_batchOpen ? m_batchCount : 0; }
    //! Commits the open batch (nothing to do without one). On failure the batch is rolled
    //! back, its changes are lost, and errorString() says why. May be called from another
    //! thread than the one that opened the batch, as long as calls never overlap.
    bool commitBatch();
    /*
        Whether a writer of another connection is waiting for the write lock (a Transaction
        with Lock::Wait that found it taken says so with a shared flock() of the cache
        directory while it waits): the holder of a batch commits it at once rather than keep
        the neighbour waiting until the batch is full or old.
    */
    bool othersWaiting() const;

    //! Changes whenever another connection (process) commits to the catalogue; -1 on error.
    //! Cheap (no Qt Sql round trip): lets callers cache rows between changes.
    qint64 dataVersion();
    //! Bytes in the write-ahead log; auto-checkpointing is off so commits never pay for it
    //! (WalCheckpointer does).
    qint64 walSize() const;
    /*
        Checkpoints the whole log on this connection and makes the next writer start it from
        its beginning (SQLITE_CHECKPOINT_RESTART), waiting at most \a waitMs for readers of
        other connections. Costs two syncs: for the writer of a small cache whose log would
        otherwise outgrow it (DiskStore::maintainWal()). With LogReset::Truncate the file is
        also cut to nothing (SQLITE_CHECKPOINT_TRUNCATE), for a log that outgrew the room the
        cap keeps for it. False when readers or writers kept it from finishing.
    */
    enum class LogReset { Restart, Truncate };
    bool restartLog(int waitMs, LogReset reset = LogReset::Restart);
    //! What the log held after this connection's last COMMIT (its file may be larger: it
    //! keeps its high-water mark).
    qint64 logBytes() const;
    //! How many write transactions this connection has committed since it was opened.
    qint64 commits() const { return m_log.commits; }
    //! What SQLite's WAL hook records after each COMMIT of this connection.
    struct LogWatch
    {
        qint64 frames = 0;  // in the log after this connection's last COMMIT
        qint64 commits = 0; // COMMITs of this connection that wrote to the log
    };

    //! Bytes of free pages inside the catalogue file (kept by SQLite for reuse).
    qint64 freeBytes();

    // Entries, the LRU order and the size budget (catalogueentries.cpp)

    //! The entry of \a key, unless it was invalidated (see invalidateTags()).
    std::optional<EntryRecord> find(const QString &key);
    /*
        find(), with the stored bytes of an inline body in storedBytes: a lookup's one
        statement, kept prepared on the raw connection. An absent key costs one probe of the
        key's index (no blob row is read).
    */
    std::optional<EntryRecord> findWithBody(const QString &key);
    //! The row of \a key even if it was invalidated, for the paths that replace or delete it.
    std::optional<EntryRecord> findAny(const QString &key);
    //! Stores \a e (replacing the entry with the same key); the blob row must exist.
    bool upsertEntry(const EntryRecord &e);
    bool deleteEntry(const QString &key);
    bool updateMeta(const QString &key, const QByteArray &meta, qint64 expiresMs, qint64 rowSize);
    //! The least recently used entries (key, digest, rowSize), oldest first.
    QList<EntryRecord> lruVictims(int count);
    bool applyHits(const QHash<QString, HitUpdate> &hits);

    qint64 totalSize();
    bool addToTotal(qint64 delta);
    //! A named value of the state table (e.g. "maximum_size"), or -1 when there is none.
    qint64 stateValue(const QString &name);
    bool setStateValue(const QString &name, qint64 value);
    //! Recomputes the running total from the rows (used by repair paths, O(n)).
    qint64 recomputeTotal();

    // Bodies and their tombstones (catalogueblobs.cpp)

    std::optional<BlobRecord> findBlob(const QByteArray &digest);
    //! Stores \a blob; with isInline, its body goes into the catalogue.
    bool insertBlob(const BlobRecord &blob);
    //! The stored bytes of \a digest kept in the catalogue; nullopt when it has none (a file
    //! body, no such row, or an error).
    std::optional<QByteArray> inlineBody(const QByteArray &digest);
    bool deleteBlob(const QByteArray &digest);
    bool isReferenced(const QByteArray &digest);
    //! How many live entries use the body \a digest.
    qint64 sharingCount(const QByteArray &digest);
    QList<BlobRecord> blobs();
    QList<QByteArray> unreferencedBlobs();
    //! key and rowSize of every entry using the body \a digest.
    QList<EntryRecord> entriesWithDigest(const QByteArray &digest);
    // Tombstones (see the garbage table).
    bool addGarbage(const QByteArray &digest);
    bool removeGarbage(const QByteArray &digest);
    QList<QByteArray> garbage(int limit);

    // Removing entries: in batches, by tag, soft expiry, everything (catalogueinvalidation.cpp)

    struct BatchResult
    {
        qint64 entries = 0;
        qint64 freedBytes = 0; // rows, plus bodies no other entry uses
    };
    //! Deletes the entries of \a keys, and the rows of bodies no other entry uses (their
    //! files become tombstones). Call inside a transaction.
    std::optional<BatchResult> deleteEntriesBatch(const QStringList &keys);
    //! Invalidates every entry carrying one of \a tags at once: from the COMMIT on, every
    //! read (find(), query(), tags...) skips them; their rows and bodies are deleted later,
    //! in steps, by deleteInvalidated(). Returns how many entries were live. Call inside a
    //! transaction.
    std::optional<qint64> invalidateTags(const QStringList &tags);
    bool hasInvalidated();
    //! Deletes up to \a limit invalidated entries like deleteEntriesBatch() does.
    std::optional<BatchResult> deleteInvalidated(int limit);
    //! Marks entries stale at once (soft purge): the next use revalidates.
    bool expireKeys(const QStringList &keys);
    bool clearAll();
    //! clearAll(), with every body file turned into a tombstone.
    bool clearToGarbage();

    // Cache tags (cataloguetags.cpp)

    bool setTags(const QString &key, const QStringList &tags);
    QStringList keysForTags(const QStringList &tags);
    QStringList tagsOf(const QString &key);
    QList<QPair<QString, qint64>> tagCounts();
    //! Tag -> sum of the body sizes of the live entries carrying it.
    QHash<QString, qint64> tagBytes();

    // Shared statistics (cataloguestatistics.cpp)

    //! Adds \a deltas to the shared counters and to the series row of \a minute.
    bool addCounters(const QHash<QString, qint64> &deltas, qint64 minute);
    QHash<QString, qint64> counters();
    struct SeriesPoint
    {
        qint64 minute;
        QString name;
        qint64 value;
    };
    QList<SeriesPoint> series(qint64 sinceMinute);
    bool pruneSeries(qint64 beforeMinute);
    bool resetStatistics();

    struct Counts
    {
        qint64 entries = 0, blobs = 0, bodyBytes = 0, distinctBodyBytes = 0, hits = 0;
    };
    Counts counts();

    // Filtered listings for tools (cataloguequeries.cpp)

    QList<EntryRecord> query(const EntryQuery &filter, int offset, int limit);
    qint64 count(const EntryQuery &filter);

private:
    // catalogueschema.cpp
    bool createSchema();
    bool createTables();
    //! Checks, without writing, that the file is a catalogue of the current format.
    bool checkFormat();
    // catalogueentries.cpp
    //! The entry row of \a key from statement \a id; with \a withBody, its column after
    //! EntryColumns is an inline body's stored bytes (storedBytes).
    std::optional<EntryRecord> findWith(int id, const char *sql, const QString &key,
                                        bool withBody = false);
    // catalogueinvalidation.cpp
    bool prepareDoomed();
    std::optional<BatchResult> deleteDoomed();
    // catalogue.cpp
    //! The connection's SQLite handle, or null when it is not open.
    sqlite3 *handle() const;
    bool exec(QSqlQuery &q);
    bool execSql(const QString &sql);
    //! execSql() of each of \a statements in turn; false at the first that fails.
    template<std::size_t N>
    bool execAll(const char *const (&statements)[N])
    {
        for (const char *sql : statements) {
            if (!execSql(QLatin1String(sql)))
                return false;
        }
        return true;
    }
    //! The statement \a id (see cataloguesql_p.h) on the raw connection, prepared from \a sql
    //! on first use; reset when the returned scope ends.
    ScopedStatement use(int id, const char *sql);
    //! Runs \a s to its end (a write); false on an error, recorded.
    bool exec(SqlStatement &s);
    //! Steps \a s to its next row; false at the end or on an error (recorded).
    bool next(SqlStatement &s);
    //! Rows the last write statement changed.
    int changes() const;
    //! Runs \a sql (no result) on the raw connection; false on an error, recorded.
    bool execRaw(const char *sql);
    //! execRaw() of the statement \a id, kept prepared (see use()).
    bool execKept(int id, const char *sql);
    void recordError(const QSqlQuery &q);
    //! Records the error \a rc of a statement run on the raw connection.
    void recordError(int rc);

    QString m_connectionName;
    QString m_path;
    QByteArray m_walPath; // m_path + "-wal", encoded for stat()
    QSqlDatabase m_db;
    mutable sqlite3 *m_handle = nullptr; // m_db's, looked up once (handle())
    std::vector<std::unique_ptr<SqlStatement>> m_statements;
    QString m_error;
    bool m_corrupted = false;
    sqlite3_stmt *m_dataVersion = nullptr;
    bool m_lockWasBusy = false; // a Lock::NoWait transaction found the write lock taken
    std::atomic<bool> m_batchOpen {
            false}; // a write transaction holding committed Batched ones is open
    int m_batchCount = 0;
    int m_directoryFd = -1; // the cache directory, flock()ed shared by waiting writers
    void watchLog();
    LogWatch m_log; // set by SQLite's WAL hook after each COMMIT
    qint64 m_pageSize = 4096;

    // Read-only opening (openReadOnly()): what the files looked like when opened immutable,
    // so that dataVersion() can tell a writer has come since.
    bool openReadOnlyConnection();
    //! Reopens an immutable read-only connection once a writer has come (see openReadOnly());
    //! false when that failed.
    bool reopenIfStale();
    bool m_readOnly = false;
    bool m_immutable = false;
    qint64 m_immutableStamp = 0;
    qint64 m_generation = 0; // reopenings; keeps dataVersion() changing across them
};

} // namespace tiercache
