// SPDX-License-Identifier: MIT
#include "disk/catalogue_p.h"
#include "logging_p.h"

#include <QtCore/QAtomicInteger>
#include <QtCore/QDateTime>
#include <QtCore/QFile>
#include <QtCore/QThread>
#include <QtSql/QSqlError>
#include <QtSql/QSqlDriver>
#include <QtSql/QSqlRecord>

#include <atomic>
#include <thread>
#include <sqlite3.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

namespace tiercache {

namespace {
constexpr int ApplicationId = 0x54434331; // "TCC1"
constexpr int SchemaVersion = 3;
// Version 2 lacks the invalidated table; it is upgraded in place (see createSchema()).
constexpr int UpgradableVersion = 2;
constexpr int BusyTimeoutMs = 10000;
// How long a restart of the log may hold up writers while it waits for readers.
constexpr int RestartWaitMs = 20;
// A log holding more than this is restarted even while writers are busy (see DiskStore::maintainWal()).
constexpr qint64 RestartLogBytes = 64 * 1024 * 1024;
constexpr qint64 WalFrameHeader = 24;

qint64 pageSize(sqlite3 *db)
{
    sqlite3_stmt *st = nullptr;
    qint64 size = 4096;
    if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        size = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return size;
}

// Entries invalidated by tag but not yet deleted (see Catalogue::invalidateTags()) are
// invisible to every read.
#define TC_LIVE(alias) " NOT EXISTS (SELECT 1 FROM invalidated i WHERE i.key = " alias ".key)"

enum Statement {
    StFind,
    StFindAny,
    StRevive,
    StFindBlob,
    StInsertBlob,
    StDeleteBlob,
    StUpsertEntry,
    StDeleteEntry,
    StUpdateMeta,
    StIsReferenced,
    StLru,
    StApplyHit,
    StTotal,
    StAddTotal,
    StDeleteTags,
    StInsertTag,
    StAddCounter,
    StAddSeries,
    StAddGarbage,
    StRemoveGarbage,
    StatementCount
};

const char InvalidatedTable[] =
        "CREATE TABLE IF NOT EXISTS invalidated (key TEXT PRIMARY KEY) WITHOUT ROWID";

const char EntryColumns[] =
        "e.key, e.digest, e.body_size, e.meta, e.status, e.content_type, e.expires, e.created, "
        "e.last_access, e.hits, e.row_size, b.alloc_size, b.chunk_size, b.sums";

EntryRecord entryFrom(const QSqlQuery &q)
{
    EntryRecord e;
    e.key = q.value(0).toString();
    e.digest = q.value(1).toByteArray();
    e.bodySize = q.value(2).toLongLong();
    e.meta = q.value(3).toByteArray();
    e.status = q.value(4).toInt();
    e.contentType = q.value(5).toByteArray();
    e.expiresMs = q.value(6).toLongLong();
    e.createdMs = q.value(7).toLongLong();
    e.lastAccessMs = q.value(8).toLongLong();
    e.hits = q.value(9).toLongLong();
    e.rowSize = q.value(10).toLongLong();
    e.allocSize = q.value(11).toLongLong();
    e.chunkSize = q.value(12).toUInt();
    e.sums = q.value(13).toByteArray();
    return e;
}

bool isCorruption(const QSqlError &error)
{
    // SQLITE_CORRUPT (11) and SQLITE_NOTADB (26), also as extended codes.
    bool ok = false;
    const int code = error.nativeErrorCode().toInt(&ok) & 0xff;
    if (ok && (code == 11 || code == 26))
        return true;
    const QString text = error.databaseText();
    return text.contains(QLatin1String("malformed")) || text.contains(QLatin1String("not a database"));
}
} // namespace

Catalogue::Catalogue()
{
    static QAtomicInteger<quint64> counter;
    m_connectionName = QStringLiteral("tiercache-catalogue-%1").arg(counter.fetchAndAddRelaxed(1));
}

Catalogue::~Catalogue()
{
    close();
}

void Catalogue::close()
{
    if (m_dataVersion) {
        sqlite3_finalize(m_dataVersion);
        m_dataVersion = nullptr;
    }
    m_statements.clear();
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

bool Catalogue::open(const QString &path, bool *wasReset)
{
    close();
    m_path = path;
    m_corrupted = false;
    *wasReset = false;
    int busyRetries = 0;
    for (int attempt = 0; attempt < 2; ++attempt) {
        m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
        if (!m_db.isValid()) {
            m_error = QStringLiteral("the Qt SQLite driver (QSQLITE) is not available; install libqt6sql6-sqlite");
            return false;
        }
        // Created 0600 before SQLite sees it: SQLite gives -wal and -shm the same mode, and
        // the default umask would make responses readable by every account on the machine.
        const int fd = ::open(QFile::encodeName(path).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0)
            ::close(fd);
        m_db.setDatabaseName(path);
        m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(BusyTimeoutMs));
        if (m_db.open() && createSchema())
            return true;
        if (m_error.isEmpty())
            m_error = m_db.lastError().text();
        // Several processes opening a new directory at once wait for each other's schema
        // creation and journal-mode switch; SQLite's busy handler does not cover all of it.
        if (!m_corrupted && busyRetries < 100
            && (m_error.contains(QLatin1String("locked")) || m_error.contains(QLatin1String("busy")))) {
            ++busyRetries;
            --attempt;
            close();
            m_error.clear();
            QThread::msleep(10);
            continue;
        }
        if (!m_corrupted || attempt > 0)
            break;
        // Not our database, or damaged beyond use: keep it for inspection, start afresh.
        qCWarning(lcCatalogue).noquote() << "catalogue" << path << "is unusable (" << m_error
                                         << "); moving it aside and starting an empty one";
        close();
        const QString aside = path + QLatin1String(".corrupt");
        QFile::remove(aside);
        QFile::rename(path, aside);
        QFile::remove(path + QLatin1String("-wal"));
        QFile::remove(path + QLatin1String("-shm"));
        m_corrupted = false;
        m_error.clear();
        *wasReset = true;
    }
    close();
    return false;
}

bool Catalogue::createSchema()
{
    // Read what the file is and create the schema under one write lock: several processes
    // (or threads) opening a new directory at once must not take each other's half-made
    // schema for a foreign database.
    Transaction lock(*this);
    if (!lock.isActive())
        return false;
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("PRAGMA application_id"))) {
        recordError(q);
        return false;
    }
    const int appId = q.next() ? q.value(0).toInt() : 0;
    q.finish();
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next()) {
        recordError(q);
        return false;
    }
    const int version = q.value(0).toInt();
    q.finish();
    if (appId == 0 && version == 0) {
        if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")) || !q.next()) {
            recordError(q);
            return false;
        }
        if (q.value(0).toInt() != 0) {
            m_error = QStringLiteral("%1 is some other SQLite database").arg(m_path);
            m_corrupted = true;
            return false;
        }
        q.finish();
    } else if (appId == ApplicationId && version == UpgradableVersion) {
        q.finish();
        if (!execSql(QLatin1String(InvalidatedTable))
            || !execSql(QStringLiteral("PRAGMA user_version=%1").arg(SchemaVersion)))
            return false;
        qCInfo(lcCatalogue).noquote() << "catalogue" << m_path << "upgraded to format" << SchemaVersion;
    } else if (appId != ApplicationId || version != SchemaVersion) {
        m_error = QStringLiteral("%1 has format %2/%3, expected %4/%5")
                          .arg(m_path).arg(appId).arg(version).arg(ApplicationId).arg(SchemaVersion);
        m_corrupted = true;
        return false;
    }

    if (appId == 0 && !createTables())
        return false;
    if (!lock.commit())
        return false;

    // WAL lets readers (another process, the Browser) run while one process writes.
    // synchronous=NORMAL: a killed process loses nothing committed; a power cut may lose the
    // last transactions, never consistency.
    // Checkpoints are run from a worker thread (checkpointInBackground()), never inside the
    // COMMIT of an insert, where their fsyncs cost tens of milliseconds.
    if (!execSql(QStringLiteral("PRAGMA journal_mode=WAL")) || !execSql(QStringLiteral("PRAGMA synchronous=NORMAL"))
        || !execSql(QStringLiteral("PRAGMA wal_autocheckpoint=0"))
        // Never cut the log file back in a COMMIT (journal_size_limit): after a bulk load with
        // a 6 GiB log that stalled an insert for 2 s. The checkpoint thread does it once
        // inserts pause (DiskStore::maintainWal()).
        || !execSql(QStringLiteral("PRAGMA journal_size_limit=-1"))
        || !execSql(QStringLiteral("PRAGMA cache_size=-16384")))
        return false;
    return true;
}

bool Catalogue::createTables()
{
    const char *const schema[] = {
        "CREATE TABLE IF NOT EXISTS blobs ("
        " digest TEXT PRIMARY KEY, body_size INTEGER NOT NULL, alloc_size INTEGER NOT NULL,"
        " chunk_size INTEGER NOT NULL, sums BLOB NOT NULL) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS entries ("
        " key TEXT PRIMARY KEY, digest TEXT NOT NULL, body_size INTEGER NOT NULL,"
        " meta BLOB NOT NULL, status INTEGER NOT NULL, content_type TEXT,"
        " expires INTEGER NOT NULL, created INTEGER NOT NULL, last_access INTEGER NOT NULL,"
        " hits INTEGER NOT NULL DEFAULT 0, row_size INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS entries_lru ON entries(last_access)",
        "CREATE INDEX IF NOT EXISTS entries_digest ON entries(digest)",
        "CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
        "INSERT OR IGNORE INTO state VALUES ('total_size', 0)",
        // Cache tags, by key. Not tied to the entries table: an upper tier may still hold an
        // entry the disk tier evicted, and invalidating its tag must still reach it.
        "CREATE TABLE IF NOT EXISTS tags (tag TEXT NOT NULL, key TEXT NOT NULL,"
        " PRIMARY KEY (tag, key)) WITHOUT ROWID",
        "CREATE INDEX IF NOT EXISTS tags_key ON tags(key)",
        // Statistics shared by every process: cumulative counters and a per-minute series.
        "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS series (minute INTEGER NOT NULL, name TEXT NOT NULL,"
        " value INTEGER NOT NULL, PRIMARY KEY (minute, name)) WITHOUT ROWID",
        // Tombstones: bodies whose row is gone and whose file is still to be unlinked. Files
        // are unlinked in a later transaction (DiskStore::sweepGarbage()), never before the
        // COMMIT that drops their rows: a crash in between must not leave rows without files.
        "CREATE TABLE IF NOT EXISTS garbage (digest TEXT PRIMARY KEY) WITHOUT ROWID",
        // Keys invalidated by tag whose rows are still to be deleted: invalidating is one
        // small committed insert here, the deletion follows in steps (Catalogue::invalidateTags()).
        InvalidatedTable,
    };
    for (const char *sql : schema) {
        if (!execSql(QLatin1String(sql)))
            return false;
    }
    return execSql(QStringLiteral("PRAGMA application_id=%1").arg(ApplicationId))
            && execSql(QStringLiteral("PRAGMA user_version=%1").arg(SchemaVersion));
}

bool Catalogue::execSql(const QString &sql)
{
    QSqlQuery q(m_db);
    if (!q.exec(sql)) {
        recordError(q);
        return false;
    }
    return true;
}

void Catalogue::recordError(const QSqlQuery &q)
{
    const QSqlError error = q.lastError();
    m_error = error.text();
    if (isCorruption(error))
        m_corrupted = true;
    qCWarning(lcCatalogue).noquote() << "catalogue" << m_path << ":" << m_error;
}

bool Catalogue::exec(QSqlQuery &q)
{
    const bool ok = q.exec();
    if (!ok)
        recordError(q);
    return ok;
}

QSqlQuery &Catalogue::prepared(int id, const char *sql)
{
    if (m_statements.empty())
        m_statements.resize(StatementCount);
    auto &slot = m_statements[size_t(id)];
    if (!slot) {
        slot = std::make_unique<QSqlQuery>(m_db);
        slot->setForwardOnly(true);
        if (!slot->prepare(QLatin1String(sql)))
            recordError(*slot);
    }
    slot->finish();
    return *slot;
}

Catalogue::Transaction::Transaction(Catalogue &c, Lock lock) : m_c(c)
{
    // IMMEDIATE takes the write lock up front, so the running total read inside is current.
    sqlite3 *db = lock == Lock::NoWait ? m_c.handle() : nullptr;
    if (!db) {
        m_active = m_c.execSql(QStringLiteral("BEGIN IMMEDIATE"));
        return;
    }
    sqlite3_busy_timeout(db, 0);
    QSqlQuery q(m_c.m_db);
    m_active = q.exec(QStringLiteral("BEGIN IMMEDIATE"));
    sqlite3_busy_timeout(db, BusyTimeoutMs);
    if (!m_active) {
        m_busy = sqlite3_errcode(db) == SQLITE_BUSY || q.lastError().nativeErrorCode() == QLatin1String("5");
        if (m_busy)
            m_c.m_lockWasBusy = true;
        else
            m_c.recordError(q);
    }
}

Catalogue::Transaction::~Transaction()
{
    if (m_active) {
        for (auto &s : m_c.m_statements) {
            if (s)
                s->finish();
        }
        QSqlQuery q(m_c.m_db);
        q.exec(QStringLiteral("ROLLBACK"));
    }
}

bool Catalogue::Transaction::commit()
{
    if (!m_active)
        return false;
    for (auto &s : m_c.m_statements) {
        if (s)
            s->finish();
    }
    m_active = false;
    if (m_c.execSql(QStringLiteral("COMMIT")))
        return true;
    QSqlQuery q(m_c.m_db);
    q.exec(QStringLiteral("ROLLBACK"));
    return false;
}

std::optional<EntryRecord> Catalogue::find(const QString &key)
{
    static const QByteArray sql = QByteArray("SELECT ") + EntryColumns
            + " FROM entries e JOIN blobs b ON b.digest = e.digest WHERE e.key = ? AND" TC_LIVE("e");
    return findWith(prepared(StFind, sql.constData()), key);
}

std::optional<EntryRecord> Catalogue::findAny(const QString &key)
{
    static const QByteArray sql = QByteArray("SELECT ") + EntryColumns
            + " FROM entries e JOIN blobs b ON b.digest = e.digest WHERE e.key = ?";
    return findWith(prepared(StFindAny, sql.constData()), key);
}

std::optional<EntryRecord> Catalogue::findWith(QSqlQuery &q, const QString &key)
{
    q.bindValue(0, key);
    if (!exec(q) || !q.next())
        return std::nullopt;
    EntryRecord e = entryFrom(q);
    q.finish();
    return e;
}

std::optional<BlobRecord> Catalogue::findBlob(const QByteArray &digest)
{
    QSqlQuery &q = prepared(StFindBlob,
                            "SELECT body_size, alloc_size, chunk_size, sums FROM blobs WHERE digest = ?");
    q.bindValue(0, QString::fromLatin1(digest));
    if (!exec(q) || !q.next())
        return std::nullopt;
    BlobRecord b;
    b.digest = digest;
    b.bodySize = q.value(0).toLongLong();
    b.allocSize = q.value(1).toLongLong();
    b.chunkSize = q.value(2).toUInt();
    b.sums = q.value(3).toByteArray();
    q.finish();
    return b;
}

bool Catalogue::insertBlob(const BlobRecord &b)
{
    QSqlQuery &q = prepared(StInsertBlob,
                            "INSERT OR REPLACE INTO blobs (digest, body_size, alloc_size, chunk_size, sums)"
                            " VALUES (?, ?, ?, ?, ?)");
    q.bindValue(0, QString::fromLatin1(b.digest));
    q.bindValue(1, b.bodySize);
    q.bindValue(2, b.allocSize);
    q.bindValue(3, b.chunkSize);
    q.bindValue(4, b.sums);
    return exec(q);
}

bool Catalogue::deleteBlob(const QByteArray &digest)
{
    QSqlQuery &q = prepared(StDeleteBlob, "DELETE FROM blobs WHERE digest = ?");
    q.bindValue(0, QString::fromLatin1(digest));
    return exec(q);
}

bool Catalogue::upsertEntry(const EntryRecord &e)
{
    QSqlQuery &q = prepared(StUpsertEntry,
                            "INSERT OR REPLACE INTO entries (key, digest, body_size, meta, status,"
                            " content_type, expires, created, last_access, hits, row_size)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.bindValue(0, e.key);
    q.bindValue(1, QString::fromLatin1(e.digest));
    q.bindValue(2, e.bodySize);
    q.bindValue(3, e.meta);
    q.bindValue(4, e.status);
    q.bindValue(5, QString::fromLatin1(e.contentType));
    q.bindValue(6, e.expiresMs);
    q.bindValue(7, e.createdMs);
    q.bindValue(8, e.lastAccessMs);
    q.bindValue(9, e.hits);
    q.bindValue(10, e.rowSize);
    if (!exec(q))
        return false;
    // A new version of an invalidated entry: it lives again, without the old version's tags.
    QSqlQuery &revive = prepared(StRevive, "DELETE FROM invalidated WHERE key = ?");
    revive.bindValue(0, e.key);
    if (!exec(revive))
        return false;
    return revive.numRowsAffected() == 0 || setTags(e.key, {});
}

bool Catalogue::deleteEntry(const QString &key)
{
    QSqlQuery &q = prepared(StDeleteEntry, "DELETE FROM entries WHERE key = ?");
    q.bindValue(0, key);
    return exec(q) && q.numRowsAffected() > 0;
}

bool Catalogue::updateMeta(const QString &key, const QByteArray &meta, qint64 expiresMs,
                           qint64 rowSize)
{
    QSqlQuery &q = prepared(StUpdateMeta,
                            "UPDATE entries SET meta = ?, expires = ?, row_size = ? WHERE key = ? AND" TC_LIVE("entries"));
    q.bindValue(0, meta);
    q.bindValue(1, expiresMs);
    q.bindValue(2, rowSize);
    q.bindValue(3, key);
    return exec(q) && q.numRowsAffected() > 0;
}

bool Catalogue::isReferenced(const QByteArray &digest)
{
    QSqlQuery &q = prepared(StIsReferenced, "SELECT 1 FROM entries WHERE digest = ? LIMIT 1");
    q.bindValue(0, QString::fromLatin1(digest));
    const bool referenced = exec(q) && q.next();
    q.finish();
    return referenced;
}

QList<EntryRecord> Catalogue::lruVictims(int count)
{
    QSqlQuery &q = prepared(StLru,
                            "SELECT key, digest, row_size FROM entries e WHERE" TC_LIVE("e")
                            " ORDER BY last_access LIMIT ?");
    q.bindValue(0, count);
    QList<EntryRecord> victims;
    if (!exec(q))
        return victims;
    while (q.next()) {
        EntryRecord e;
        e.key = q.value(0).toString();
        e.digest = q.value(1).toByteArray();
        e.rowSize = q.value(2).toLongLong();
        victims.append(e);
    }
    q.finish();
    return victims;
}

bool Catalogue::applyHits(const QHash<QString, HitUpdate> &hits)
{
    QSqlQuery &q = prepared(StApplyHit,
                            "UPDATE entries SET hits = hits + ?, last_access = max(last_access, ?)"
                            " WHERE key = ?");
    for (auto it = hits.cbegin(); it != hits.cend(); ++it) {
        q.bindValue(0, it->hits);
        q.bindValue(1, it->lastAccessMs);
        q.bindValue(2, it.key());
        if (!exec(q))
            return false;
    }
    return true;
}

sqlite3 *Catalogue::handle() const
{
    const QVariant handle = m_db.isOpen() ? m_db.driver()->handle() : QVariant();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(handle.data());
}

qint64 Catalogue::dataVersion()
{
    if (!m_dataVersion) {
        sqlite3 *db = handle();
        if (!db || sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &m_dataVersion, nullptr) != SQLITE_OK) {
            m_dataVersion = nullptr;
            return -1;
        }
    }
    qint64 version = -1;
    if (sqlite3_step(m_dataVersion) == SQLITE_ROW)
        version = sqlite3_column_int64(m_dataVersion, 0);
    sqlite3_reset(m_dataVersion);
    return version;
}

qint64 Catalogue::walSize() const
{
    struct stat st;
    if (::stat(QFile::encodeName(m_path + QLatin1String("-wal")).constData(), &st) != 0)
        return 0;
    return qint64(st.st_size);
}

void Catalogue::checkpointInBackground(const QString &path, LogReset reset)
{
    static std::atomic<int> running{0};
    if (running.fetch_add(1) > 0) {
        running.fetch_sub(1);
        return; // one at a time is plenty
    }
    // A plain thread: the hand-over of `file` is then visible to ThreadSanitizer (a
    // QThreadPool queue is not), and nothing waits for it at exit.
    const QByteArray file = QFile::encodeName(path);
    std::thread([file, reset] {
        sqlite3 *db = nullptr;
        if (sqlite3_open_v2(file.constData(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
            sqlite3_busy_timeout(db, 1000);
            // A fresh connection does not know the file is in WAL mode until it has read the
            // schema; a checkpoint before that silently does nothing.
            sqlite3_exec(db, "PRAGMA journal_mode", nullptr, nullptr, nullptr);
            int logFrames = -1, checkpointed = -1;
            const int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                                     &logFrames, &checkpointed);
            // BUSY: another process is checkpointing right now, which is just as good.
            if (rc == SQLITE_BUSY)
                qCDebug(lcCatalogue, "WAL checkpoint of %s left to another process", file.constData());
            else if (rc != SQLITE_OK || logFrames < 0)
                qCWarning(lcCatalogue, "WAL checkpoint of %s did not run (%s)", file.constData(), sqlite3_errstr(rc));
            // RESTART and TRUNCATE hold the write lock while they copy the last frames (the
            // passive pass above left few), sync and wait for readers of the log; the next
            // writer then starts the log from its beginning. Readers of another process may
            // keep them waiting: give up soon rather than hold our writers up, try next time.
            // A restart is only worth that when the log holds much; the size of the file says
            // nothing, it keeps its high-water mark.
            const qint64 logBytes = qint64(logFrames) * (pageSize(db) + WalFrameHeader);
            if (rc == SQLITE_OK && (reset == LogReset::Truncate || logBytes > RestartLogBytes)) {
                sqlite3_busy_timeout(db, RestartWaitMs);
                const int mode = reset == LogReset::Truncate ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_RESTART;
                const int rrc = sqlite3_wal_checkpoint_v2(db, nullptr, mode, nullptr, nullptr);
                if (rrc != SQLITE_OK && rrc != SQLITE_BUSY)
                    qCWarning(lcCatalogue, "WAL restart of %s failed (%s)", file.constData(), sqlite3_errstr(rrc));
            }
        }
        sqlite3_close(db);
        running.fetch_sub(1);
    }).detach();
}

qint64 Catalogue::totalSize()
{
    QSqlQuery &q = prepared(StTotal, "SELECT value FROM state WHERE name = 'total_size'");
    if (!exec(q) || !q.next())
        return 0;
    const qint64 total = q.value(0).toLongLong();
    q.finish();
    return total;
}

bool Catalogue::addToTotal(qint64 delta)
{
    if (delta == 0)
        return true;
    QSqlQuery &q = prepared(StAddTotal,
                            "UPDATE state SET value = max(0, value + ?) WHERE name = 'total_size'");
    q.bindValue(0, delta);
    return exec(q);
}

qint64 Catalogue::recomputeTotal()
{
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("SELECT (SELECT coalesce(sum(alloc_size), 0) FROM blobs)"
                               " + (SELECT coalesce(sum(row_size), 0) FROM entries)"))
        || !q.next()) {
        recordError(q);
        return -1;
    }
    const qint64 total = q.value(0).toLongLong();
    q.finish();
    QSqlQuery u(m_db);
    u.prepare(QStringLiteral("UPDATE state SET value = ? WHERE name = 'total_size'"));
    u.bindValue(0, total);
    if (!u.exec())
        recordError(u);
    return total;
}

QList<BlobRecord> Catalogue::blobs()
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    QList<BlobRecord> result;
    if (!q.exec(QStringLiteral("SELECT digest, body_size, alloc_size, chunk_size, sums FROM blobs"))) {
        recordError(q);
        return result;
    }
    while (q.next()) {
        BlobRecord b;
        b.digest = q.value(0).toByteArray();
        b.bodySize = q.value(1).toLongLong();
        b.allocSize = q.value(2).toLongLong();
        b.chunkSize = q.value(3).toUInt();
        b.sums = q.value(4).toByteArray();
        result.append(b);
    }
    return result;
}

QList<QByteArray> Catalogue::unreferencedBlobs()
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    QList<QByteArray> result;
    if (!q.exec(QStringLiteral("SELECT b.digest FROM blobs b WHERE NOT EXISTS"
                               " (SELECT 1 FROM entries e WHERE e.digest = b.digest)"))) {
        recordError(q);
        return result;
    }
    while (q.next())
        result.append(q.value(0).toByteArray());
    return result;
}

bool Catalogue::clearAll()
{
    return execSql(QStringLiteral("DELETE FROM entries")) && execSql(QStringLiteral("DELETE FROM blobs"))
            && execSql(QStringLiteral("DELETE FROM tags")) && execSql(QStringLiteral("DELETE FROM invalidated"))
            && execSql(QStringLiteral("UPDATE state SET value = 0 WHERE name = 'total_size'"));
}

QList<EntryRecord> Catalogue::entriesWithDigest(const QByteArray &digest)
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT key, row_size FROM entries WHERE digest = ?"));
    q.bindValue(0, QString::fromLatin1(digest));
    QList<EntryRecord> result;
    if (!exec(q))
        return result;
    while (q.next()) {
        EntryRecord e;
        e.key = q.value(0).toString();
        e.digest = digest;
        e.rowSize = q.value(1).toLongLong();
        result.append(e);
    }
    return result;
}

bool Catalogue::addGarbage(const QByteArray &digest)
{
    QSqlQuery &g = prepared(StAddGarbage, "INSERT OR IGNORE INTO garbage (digest) VALUES (?)");
    g.bindValue(0, QString::fromLatin1(digest));
    return exec(g);
}

bool Catalogue::removeGarbage(const QByteArray &digest)
{
    QSqlQuery &g = prepared(StRemoveGarbage, "DELETE FROM garbage WHERE digest = ?");
    g.bindValue(0, QString::fromLatin1(digest));
    return exec(g);
}

QList<QByteArray> Catalogue::garbage(int limit)
{
    QList<QByteArray> digests;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT digest FROM garbage LIMIT ?"));
    q.bindValue(0, limit);
    if (!exec(q))
        return digests;
    while (q.next())
        digests.append(q.value(0).toByteArray());
    return digests;
}

namespace {
void prepareWithList(QSqlQuery &q, const char *sql, const QStringList &values);
} // namespace

bool Catalogue::prepareDoomed()
{
    const char *const setup[] = {
        "CREATE TEMP TABLE IF NOT EXISTS doomed (key TEXT PRIMARY KEY) WITHOUT ROWID",
        "CREATE TEMP TABLE IF NOT EXISTS doomed_bodies (digest TEXT PRIMARY KEY) WITHOUT ROWID",
        "DELETE FROM doomed",
        "DELETE FROM doomed_bodies",
    };
    for (const char *sql : setup) {
        if (!execSql(QLatin1String(sql)))
            return false;
    }
    return true;
}

std::optional<Catalogue::BatchResult> Catalogue::deleteEntriesBatch(const QStringList &keys)
{
    // Set-based, so that invalidating ten thousand entries is a handful of statements.
    if (!prepareDoomed())
        return std::nullopt;
    QSqlQuery ins(m_db);
    ins.prepare(QStringLiteral("INSERT OR IGNORE INTO doomed (key) VALUES (?)"));
    for (const QString &key : keys) {
        ins.bindValue(0, key);
        if (!exec(ins))
            return std::nullopt;
    }
    return deleteDoomed();
}

std::optional<qint64> Catalogue::invalidateTags(const QStringList &tags)
{
    if (tags.isEmpty())
        return 0;
    // Deleting ten thousand rows scattered over a large table rewrites most of its pages
    // and of its indexes' (half a second at 200 000 entries). Listing the keys here is a
    // sequential read of the tag index and a small append; reads skip these keys from now
    // on, and deleteInvalidated() removes the rows in short steps.
    QSqlQuery q(m_db);
    prepareWithList(q, "SELECT count(*) FROM entries e WHERE e.key IN (SELECT key FROM tags WHERE tag IN (%1))"
                       " AND" TC_LIVE("e"), tags);
    if (!exec(q) || !q.next())
        return std::nullopt;
    const qint64 affected = q.value(0).toLongLong();
    q.finish();
    QSqlQuery ins(m_db);
    prepareWithList(ins, "INSERT OR IGNORE INTO invalidated (key) SELECT key FROM tags WHERE tag IN (%1)", tags);
    if (!exec(ins))
        return std::nullopt;
    return affected;
}

bool Catalogue::hasInvalidated()
{
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("SELECT EXISTS (SELECT 1 FROM invalidated)")) || !q.next()) {
        recordError(q);
        return false;
    }
    return q.value(0).toBool();
}

std::optional<Catalogue::BatchResult> Catalogue::deleteInvalidated(int limit)
{
    if (!prepareDoomed())
        return std::nullopt;
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("INSERT INTO doomed (key) SELECT key FROM invalidated LIMIT ?"));
    q.bindValue(0, limit);
    if (!exec(q))
        return std::nullopt;
    auto result = deleteDoomed();
    if (!result || !execSql(QStringLiteral("DELETE FROM invalidated WHERE key IN (SELECT key FROM doomed)")))
        return std::nullopt;
    return result;
}

std::optional<Catalogue::BatchResult> Catalogue::deleteDoomed()
{
    BatchResult r;
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("SELECT count(*), coalesce(sum(row_size), 0) FROM entries"
                               " WHERE key IN (SELECT key FROM doomed)")) || !q.next()) {
        recordError(q);
        return std::nullopt;
    }
    r.entries = q.value(0).toLongLong();
    r.freedBytes = q.value(1).toLongLong();
    q.finish();
    const char *const work[] = {
        "INSERT OR IGNORE INTO doomed_bodies SELECT digest FROM entries WHERE key IN (SELECT key FROM doomed)",
        "DELETE FROM entries WHERE key IN (SELECT key FROM doomed)",
        "DELETE FROM tags WHERE key IN (SELECT key FROM doomed)",
        "DELETE FROM doomed_bodies WHERE EXISTS (SELECT 1 FROM entries e WHERE e.digest = doomed_bodies.digest)",
    };
    for (const char *sql : work) {
        if (!execSql(QLatin1String(sql)))
            return std::nullopt;
    }
    if (!q.exec(QStringLiteral("SELECT coalesce(sum(alloc_size), 0) FROM blobs"
                               " WHERE digest IN (SELECT digest FROM doomed_bodies)")) || !q.next()) {
        recordError(q);
        return std::nullopt;
    }
    r.freedBytes += q.value(0).toLongLong();
    q.finish();
    if (!execSql(QStringLiteral("DELETE FROM blobs WHERE digest IN (SELECT digest FROM doomed_bodies)"))
        || !execSql(QStringLiteral("INSERT OR IGNORE INTO garbage SELECT digest FROM doomed_bodies")))
        return std::nullopt;
    return r;
}

bool Catalogue::clearToGarbage()
{
    return execSql(QStringLiteral("INSERT OR IGNORE INTO garbage SELECT digest FROM blobs"))
            && clearAll();
}

bool Catalogue::setTags(const QString &key, const QStringList &tags)
{
    QSqlQuery &del = prepared(StDeleteTags, "DELETE FROM tags WHERE key = ?");
    del.bindValue(0, key);
    if (!exec(del))
        return false;
    QSqlQuery &ins = prepared(StInsertTag, "INSERT OR IGNORE INTO tags (tag, key) VALUES (?, ?)");
    for (const QString &tag : tags) {
        ins.bindValue(0, tag);
        ins.bindValue(1, key);
        if (!exec(ins))
            return false;
    }
    return true;
}

namespace {
QString placeholders(qsizetype n)
{
    QString p;
    for (qsizetype i = 0; i < n; ++i)
        p += i ? QLatin1String(", ?") : QLatin1String("?");
    return p;
}

//! Prepares \a sql with its %1 replaced by one placeholder per value, and binds \a values.
void prepareWithList(QSqlQuery &q, const char *sql, const QStringList &values)
{
    q.prepare(QLatin1String(sql).arg(placeholders(values.size())));
    for (qsizetype i = 0; i < values.size(); ++i)
        q.bindValue(int(i), values[i]);
}
} // namespace

QStringList Catalogue::keysForTags(const QStringList &tags)
{
    QStringList keys;
    if (tags.isEmpty())
        return keys;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    prepareWithList(q, "SELECT DISTINCT key FROM tags t WHERE tag IN (%1) AND" TC_LIVE("t"), tags);
    if (!exec(q))
        return keys;
    while (q.next())
        keys.append(q.value(0).toString());
    return keys;
}

QStringList Catalogue::tagsOf(const QString &key)
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT tag FROM tags t WHERE key = ? AND" TC_LIVE("t") " ORDER BY tag"));
    q.bindValue(0, key);
    QStringList result;
    if (exec(q)) {
        while (q.next())
            result.append(q.value(0).toString());
    }
    return result;
}

QList<QPair<QString, qint64>> Catalogue::tagCounts()
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    QList<QPair<QString, qint64>> result;
    if (!q.exec(QStringLiteral("SELECT tag, count(*) FROM tags t WHERE" TC_LIVE("t")
                               " GROUP BY tag ORDER BY count(*) DESC, tag"))) {
        recordError(q);
        return result;
    }
    while (q.next())
        result.append({q.value(0).toString(), q.value(1).toLongLong()});
    return result;
}

bool Catalogue::expireKeys(const QStringList &keys)
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("UPDATE entries SET expires = 0 WHERE key = ?"));
    for (const QString &key : keys) {
        q.bindValue(0, key);
        if (!exec(q))
            return false;
    }
    return true;
}

bool Catalogue::addCounters(const QHash<QString, qint64> &deltas, qint64 minute)
{
    QSqlQuery &c = prepared(StAddCounter,
                            "INSERT INTO counters (name, value) VALUES (?, ?)"
                            " ON CONFLICT(name) DO UPDATE SET value = value + excluded.value");
    QSqlQuery &s = prepared(StAddSeries,
                            "INSERT INTO series (minute, name, value) VALUES (?, ?, ?)"
                            " ON CONFLICT(minute, name) DO UPDATE SET value = value + excluded.value");
    for (auto it = deltas.cbegin(); it != deltas.cend(); ++it) {
        if (it.value() == 0)
            continue;
        c.bindValue(0, it.key());
        c.bindValue(1, it.value());
        s.bindValue(0, minute);
        s.bindValue(1, it.key());
        s.bindValue(2, it.value());
        if (!exec(c) || !exec(s))
            return false;
    }
    return true;
}

QHash<QString, qint64> Catalogue::counters()
{
    QHash<QString, qint64> result;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT name, value FROM counters"))) {
        recordError(q);
        return result;
    }
    while (q.next())
        result.insert(q.value(0).toString(), q.value(1).toLongLong());
    return result;
}

QList<Catalogue::SeriesPoint> Catalogue::series(qint64 sinceMinute)
{
    QList<SeriesPoint> result;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT minute, name, value FROM series WHERE minute >= ? ORDER BY minute"));
    q.bindValue(0, sinceMinute);
    if (!exec(q))
        return result;
    while (q.next())
        result.append({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toLongLong()});
    return result;
}

bool Catalogue::pruneSeries(qint64 beforeMinute)
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("DELETE FROM series WHERE minute < ?"));
    q.bindValue(0, beforeMinute);
    return exec(q);
}

bool Catalogue::resetStatistics()
{
    return execSql(QStringLiteral("DELETE FROM counters")) && execSql(QStringLiteral("DELETE FROM series"))
            && execSql(QStringLiteral("UPDATE entries SET hits = 0"));
}

namespace {
// The WHERE clause of an EntryQuery, shared by query() and count().
QString whereClause(const EntryQuery &filter, QVariantList *binds)
{
    QString sql = QStringLiteral(" WHERE" TC_LIVE("e"));
    if (!filter.urlContains.isEmpty()) {
        sql += QLatin1String(" AND instr(e.key, ?) > 0");
        binds->append(filter.urlContains);
    }
    if (!filter.tag.isEmpty()) {
        sql += QLatin1String(" AND e.key IN (SELECT key FROM tags WHERE tag = ?)");
        binds->append(filter.tag);
    }
    if (!filter.contentType.isEmpty()) {
        sql += QLatin1String(" AND substr(e.content_type, 1, ?) = ?");
        binds->append(filter.contentType.size());
        binds->append(filter.contentType);
    }
    if (filter.expired != 0) {
        sql += filter.expired > 0 ? QLatin1String(" AND e.expires <= ?") : QLatin1String(" AND e.expires > ?");
        binds->append(filter.nowMs);
    }
    return sql;
}
} // namespace

QList<EntryRecord> Catalogue::query(const EntryQuery &filter, int offset, int limit)
{
    QVariantList binds;
    QString sql = QLatin1String("SELECT ") + QLatin1String(EntryColumns)
            + QLatin1String(" FROM entries e JOIN blobs b ON b.digest = e.digest") + whereClause(filter, &binds);
    switch (filter.order) {
    case EntryQuery::Order::RecentlyUsed: sql += QLatin1String(" ORDER BY e.last_access DESC"); break;
    case EntryQuery::Order::MostHits: sql += QLatin1String(" ORDER BY e.hits DESC, e.last_access DESC"); break;
    case EntryQuery::Order::Largest: sql += QLatin1String(" ORDER BY e.body_size DESC"); break;
    case EntryQuery::Order::Oldest: sql += QLatin1String(" ORDER BY e.created ASC"); break;
    case EntryQuery::Order::Key: sql += QLatin1String(" ORDER BY e.key"); break;
    }
    sql += QLatin1String(" LIMIT ? OFFSET ?");
    binds.append(limit < 0 ? -1 : limit);
    binds.append(qMax(0, offset));
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(sql);
    for (qsizetype i = 0; i < binds.size(); ++i)
        q.bindValue(int(i), binds[i]);
    QList<EntryRecord> result;
    if (!exec(q))
        return result;
    while (q.next())
        result.append(entryFrom(q));
    return result;
}

qint64 Catalogue::count(const EntryQuery &filter)
{
    QVariantList binds;
    QSqlQuery q(m_db);
    q.prepare(QLatin1String("SELECT count(*) FROM entries e") + whereClause(filter, &binds));
    for (qsizetype i = 0; i < binds.size(); ++i)
        q.bindValue(int(i), binds[i]);
    if (!exec(q) || !q.next())
        return 0;
    return q.value(0).toLongLong();
}

Catalogue::Counts Catalogue::counts()
{
    Counts c;
    QSqlQuery q(m_db);
    if (q.exec(QStringLiteral("SELECT count(*), coalesce(sum(body_size), 0), coalesce(sum(hits), 0)"
                              " FROM entries e WHERE" TC_LIVE("e")))
        && q.next()) {
        c.entries = q.value(0).toLongLong();
        c.bodyBytes = q.value(1).toLongLong();
        c.hits = q.value(2).toLongLong();
    } else {
        recordError(q);
    }
    q.finish();
    if (q.exec(QStringLiteral("SELECT count(*) FROM blobs")) && q.next())
        c.blobs = q.value(0).toLongLong();
    return c;
}

} // namespace tiercache
