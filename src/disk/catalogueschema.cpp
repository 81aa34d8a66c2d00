// SPDX-License-Identifier: MIT
#include "disk/catalogue_p.h"
#include "logging_p.h"

#include <QtSql/QSqlQuery>

namespace tiercache {

namespace {
    constexpr int ApplicationId = 0x54434331; // "TCC1"
    constexpr int SchemaVersion = 6;
    // Older formats upgraded in place (see createSchema()): version 2 lacks the invalidated
    // table, versions 2 and 3 the blobs.body column (their bodies are all files, body NULL),
    // versions 2 to 4 the blobs.stored_size and blobs.compression columns (their bodies are
    // stored as they are), versions 2 to 5 name bodies by digest (both tables are rebuilt:
    // RebuildTables).
    constexpr int OldestUpgradableVersion = 2;

    /*
        Format 6 (see createTables()): blobs has rowids of its own (id) and the digest in an
        index; an entry names its body by that id. Up to format 5 blobs was a WITHOUT ROWID
        table keyed by digest, whose b-tree holds whole rows: SQLite compares a search key with
        a cell spilling onto overflow pages (every inline body) by reading all of it, so every
        lookup and insert read a dozen bodies (perf: findBlob() was 7 % of a 4 KiB insert,
        three quarters of it in that copy). And each entry carried the 64-character digest,
        once in its row and once in an index: 120 bytes of 5 400 per 4 KiB entry.
    */
    const char BlobsTable[] =
            "CREATE TABLE %1 ("
            " id INTEGER PRIMARY KEY, digest TEXT NOT NULL UNIQUE, body_size INTEGER NOT NULL,"
            " alloc_size INTEGER NOT NULL, chunk_size INTEGER NOT NULL, sums BLOB NOT NULL,"
            " stored_size INTEGER NOT NULL, compression INTEGER NOT NULL DEFAULT 0, body BLOB)";
    const char EntriesTable[] =
            "CREATE TABLE %1 ("
            " key TEXT PRIMARY KEY, blob_id INTEGER NOT NULL, body_size INTEGER NOT NULL,"
            " meta BLOB NOT NULL, status INTEGER NOT NULL, content_type TEXT,"
            " expires INTEGER NOT NULL, created INTEGER NOT NULL, last_access INTEGER NOT NULL,"
            " hits INTEGER NOT NULL DEFAULT 0, row_size INTEGER NOT NULL)";
    const char *const EntriesIndexes[] = {
            // LRU order for eviction and listings. The key rides along so that a listing
            // filtered by URL tests it on the index and reads only the rows that match (a
            // 200 000-entry filter: 50 ms instead of 150 ms).
            "CREATE INDEX IF NOT EXISTS entries_lru ON entries(last_access, key)",
            // Whether another entry still uses a body (dropBlobIfUnreferenced).
            "CREATE INDEX IF NOT EXISTS entries_blob ON entries(blob_id)",
    };
    // From entries naming their body by digest (formats 2 to 5); run after the blobs columns
    // of formats 2 to 4 were added. An entry without its blob row (never written so) is left
    // behind: it could not be served.
    const char *const RebuildTables[] = {
            "INSERT INTO blobs_v6 (digest, body_size, alloc_size, chunk_size, sums, stored_size,"
            " compression, body) SELECT digest, body_size, alloc_size, chunk_size, sums,"
            " stored_size, compression, body FROM blobs",
            "INSERT INTO entries_v6 (key, blob_id, body_size, meta, status, content_type,"
            " expires, created, last_access, hits, row_size) SELECT e.key, b.id, e.body_size,"
            " e.meta, e.status, e.content_type, e.expires, e.created, e.last_access, e.hits,"
            " e.row_size FROM entries e JOIN blobs_v6 b ON b.digest = e.digest",
            "DROP TABLE entries",
            "DROP TABLE blobs",
            "ALTER TABLE blobs_v6 RENAME TO blobs",
            "ALTER TABLE entries_v6 RENAME TO entries",
    };

    const char InvalidatedTable[] =
            "CREATE TABLE IF NOT EXISTS invalidated (key TEXT PRIMARY KEY) WITHOUT ROWID";
    const char AddBodyColumn[] = "ALTER TABLE blobs ADD COLUMN body BLOB";
    const char *const AddStoredColumns[] = {
            "ALTER TABLE blobs ADD COLUMN stored_size INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE blobs ADD COLUMN compression INTEGER NOT NULL DEFAULT 0",
            "UPDATE blobs SET stored_size = body_size",
    };
} // namespace

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
    } else if (appId == ApplicationId && version >= OldestUpgradableVersion
               && version < SchemaVersion) {
        q.finish();
        auto hasColumn = [&](const char *name, bool *has, const char *table = "blobs") {
            q.prepare(QStringLiteral("SELECT count(*) FROM pragma_table_info(?) WHERE name = ?"));
            q.addBindValue(QLatin1String(table));
            q.addBindValue(QLatin1String(name));
            if (!q.exec() || !q.next()) {
                recordError(q);
                return false;
            }
            *has = q.value(0).toInt() > 0;
            q.finish();
            return true;
        };
        bool hasBody = false;
        bool hasStoredSize = false;
        bool namesByDigest = false;
        if (!hasColumn("body", &hasBody) || !hasColumn("stored_size", &hasStoredSize)
            || !hasColumn("digest", &namesByDigest, "entries"))
            return false;
        if ((version < 3 && !execSql(QLatin1String(InvalidatedTable)))
            || (!hasBody && !execSql(QLatin1String(AddBodyColumn))))
            return false;
        if (!hasStoredSize && !execAll(AddStoredColumns))
            return false;
        // One pass over every row and inline body, once: 13 s for 100 000 entries of 4 KiB
        // on a loaded 2-core machine. Other processes wait for the lock meanwhile.
        if (namesByDigest) {
            qCInfo(lcCatalogue).noquote() << "catalogue" << m_path << "is being upgraded to format"
                                          << SchemaVersion << "(one pass over its rows)";
            if (!execSql(QLatin1String(BlobsTable).arg(QLatin1String("blobs_v6")))
                || !execSql(QLatin1String(EntriesTable).arg(QLatin1String("entries_v6")))
                || !execAll(RebuildTables) || !execAll(EntriesIndexes))
                return false;
        }
        if (!execSql(QStringLiteral("PRAGMA user_version=%1").arg(SchemaVersion)))
            return false;
        qCInfo(lcCatalogue).noquote()
                << "catalogue" << m_path << "upgraded to format" << SchemaVersion;
    } else if (appId == ApplicationId && version > SchemaVersion) {
        // Another application version shares the directory: its cache is not ours to wipe.
        m_error = QStringLiteral("%1 was written by a newer Tiercache (format %2; this version "
                                 "reads format %3); left as it is")
                          .arg(m_path)
                          .arg(version)
                          .arg(SchemaVersion);
        return false;
    } else if (appId != ApplicationId || version != SchemaVersion) {
        m_error = QStringLiteral("%1 has format %2/%3, expected %4/%5")
                          .arg(m_path)
                          .arg(appId)
                          .arg(version)
                          .arg(ApplicationId)
                          .arg(SchemaVersion);
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
    // Checkpoints are run from a worker thread (WalCheckpointer), never inside the
    // COMMIT of an insert, where their fsyncs cost tens of milliseconds.
    if (!execSql(QStringLiteral("PRAGMA journal_mode=WAL"))
        || !execSql(QStringLiteral("PRAGMA synchronous=NORMAL"))
        || !execSql(QStringLiteral("PRAGMA wal_autocheckpoint=0"))
        // Never cut the log file back in a COMMIT (journal_size_limit): after a bulk load with
        // a 6 GiB log that stalled an insert for 2 s. The checkpoint thread does it once
        // inserts pause (DiskStore::maintainWal()).
        || !execSql(QStringLiteral("PRAGMA journal_size_limit=-1"))
        // Debian builds SQLite with SECURE_DELETE: every freed page zeroed and written to the
        // log, so evicting a 16 KiB inline body wrote its four overflow pages again (perf of
        // 20 000 evicting inserts: deleteBlob() 9 % of the samples). FAST zeroes what is
        // overwritten anyway, as unlink() leaves a file body's blocks as they were.
        || !execSql(QStringLiteral("PRAGMA secure_delete=FAST"))
        || !execSql(QStringLiteral("PRAGMA cache_size=-16384")))
        return false;
    return true;
}

bool Catalogue::checkFormat()
{
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("PRAGMA application_id")) || !q.next()) {
        recordError(q);
        m_error = QStringLiteral("%1 is damaged or not a database (%2)").arg(m_path, m_error);
        return false;
    }
    const int appId = q.value(0).toInt();
    q.finish();
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next()) {
        recordError(q);
        return false;
    }
    const int version = q.value(0).toInt();
    q.finish();
    if (appId == 0) {
        // SQLite reads a file shorter than its header as an empty database.
        // (or fails to read it at all).
        const bool hasTables = q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master"))
                && q.next() && q.value(0).toInt() > 0;
        if (!hasTables) {
            m_error = QStringLiteral("%1 is damaged or not a database (it holds no tables)")
                              .arg(m_path);
            return false;
        }
        q.finish();
    }
    if (appId != ApplicationId) {
        m_error = QStringLiteral("%1 is not a Tiercache catalogue (some other SQLite database)")
                          .arg(m_path);
        return false;
    }
    if (version > SchemaVersion) {
        m_error = QStringLiteral("%1 was written by a newer Tiercache (format %2; this version "
                                 "reads format %3)")
                          .arg(m_path)
                          .arg(version)
                          .arg(SchemaVersion);
        return false;
    }
    if (version != SchemaVersion) {
        // Upgrading is a write; a read-only reader leaves that to the next writer.
        m_error = QStringLiteral("%1 has the older format %2; open it once for writing to "
                                 "upgrade it to format %3")
                          .arg(m_path)
                          .arg(version)
                          .arg(SchemaVersion);
        return false;
    }
    // Damage deeper in the file (a bad page) is not looked for here: that would read the
    // whole file, seconds for a million entries. Queries that meet it fail with an error.
    return true;
}

bool Catalogue::createTables()
{
    // A body is a file under blobs/ (body NULL) or, when its stored bytes are small, the
    // body column itself (DiskStore::InlineMax): a file each costs a create, a rename, an
    // unlink and whole blocks. Checksums and digest are the same for both. The stored bytes
    // are the body (compression 0) or it compressed with the BodyCompression::Algorithm in
    // compression: stored_size bytes, checksummed per chunk (sums); digest and body_size are
    // the decoded body's. Body last, so that reading the others never touches a body's
    // overflow pages. An entry names its body by id (blob_id); a body's id never changes.
    if (!execSql(QLatin1String(BlobsTable).arg(QLatin1String("blobs")))
        || !execSql(QLatin1String(EntriesTable).arg(QLatin1String("entries")))
        || !execAll(EntriesIndexes))
        return false;
    const char *const schema[] = {
            "CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value INTEGER NOT NULL) "
            "WITHOUT ROWID",
            "INSERT OR IGNORE INTO state VALUES ('total_size', 0)",
            // Cache tags, by key. Not tied to the entries table: an upper tier may still hold an
            // entry the disk tier evicted, and invalidating its tag must still reach it.
            "CREATE TABLE IF NOT EXISTS tags (tag TEXT NOT NULL, key TEXT NOT NULL,"
            " PRIMARY KEY (tag, key)) WITHOUT ROWID",
            "CREATE INDEX IF NOT EXISTS tags_key ON tags(key)",
            // Statistics shared by every process: cumulative counters and a per-minute series.
            "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) "
            "WITHOUT ROWID",
            "CREATE TABLE IF NOT EXISTS series (minute INTEGER NOT NULL, name TEXT NOT NULL,"
            " value INTEGER NOT NULL, PRIMARY KEY (minute, name)) WITHOUT ROWID",
            // Tombstones: bodies whose row is gone and whose file is still to be unlinked. Files
            // are unlinked in a later transaction (DiskStore::sweepGarbage()), never before the
            // COMMIT that drops their rows: a crash in between must not leave rows without files.
            "CREATE TABLE IF NOT EXISTS garbage (digest TEXT PRIMARY KEY) WITHOUT ROWID",
            // Keys invalidated by tag whose rows are still to be deleted: invalidating is one
            // small committed insert here, the deletion follows in steps
            // (Catalogue::invalidateTags()).
            InvalidatedTable,
    };
    return execAll(schema) && execSql(QStringLiteral("PRAGMA application_id=%1").arg(ApplicationId))
            && execSql(QStringLiteral("PRAGMA user_version=%1").arg(SchemaVersion));
}

} // namespace tiercache
