// SPDX-License-Identifier: MIT
#include "sqlitestore.h"

#include <QtCore/QAtomicInteger>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QUrl>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

#include <sys/stat.h>

#include <limits>

namespace tiercache::sqlite {

Q_LOGGING_CATEGORY(lcSqlite, "tiercache.sqlite")

namespace {
    constexpr int ApplicationId = 0x54435331; // "TCS1"; the disk catalogue uses "TCC1"
    // 2: metadata in MetaDataCodec's format, chunk sums seeded ChunkChecksums. Version 1 files
    // (QDataStream metadata, FNV-1a sums) are upgraded in place by forgetting their entries.
    // 3: entries(stored_size, compression): chunks may hold the body compressed. Version 2
    // files are upgraded in place, their entries kept (stored as is).
    constexpr int SchemaVersion = 3;
    // A writer whose process died leaves a `writes` row; after this long it cannot be alive.
    constexpr qint64 StaleWriteMs = 24 * 3600 * 1000;
    constexpr int EvictBatch = 64;
    constexpr int EnumerateBatch = 256;

    qint64 nowMs()
    {
        return QDateTime::currentMSecsSinceEpoch();
    }

    // What a read-only reader opened immutable must notice: a live log (-2: a writer has the
    // file open) or a changed file (a writer that came and went); -1 when it is missing.
    qint64 fileStamp(const QString &path)
    {
        struct stat db;
        struct stat wal;
        if (::stat(QFile::encodeName(path).constData(), &db) != 0)
            return -1;
        if (::stat(QFile::encodeName(path + QLatin1String("-wal")).constData(), &wal) == 0)
            return -2;
        return qint64(db.st_mtim.tv_sec) * 1000000000 + db.st_mtim.tv_nsec + db.st_size;
    }

    qint64 rowSize(const QString &key, qint64 bodySize, qint64 metaSize)
    {
        // What the entry really occupies, roughly: body, metadata, and the key twice (row and
        // primary-key index). Honest enough for a budget, cheap to keep in a trigger.
        return bodySize + metaSize + 2 * key.toUtf8().size();
    }
} // namespace

Store::Store(const Options &options) : m_options(options)
{
    static QAtomicInteger<quint64> counter;
    m_connectionName = QStringLiteral("tiercache-sqlite-%1").arg(counter.fetchAndAddRelaxed(1));
}

Store::~Store()
{
    if (m_db.isOpen())
        flushTouches();
    closeConnection();
}

void Store::closeConnection()
{
    m_statements.clear(); // no statement may outlive the connection
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

bool Store::refuseChange(const char *what)
{
    if (!m_options.readOnly)
        return false;
    m_error = QStringLiteral("%1: cannot %2, the tier is open read-only")
                      .arg(m_options.path, QLatin1String(what));
    qCDebug(lcSqlite).noquote() << m_error;
    return true;
}

void Store::setError(const QString &error)
{
    m_error = error;
    qCWarning(lcSqlite).noquote() << error;
}

bool Store::open()
{
    const QString &path = m_options.path;
    const QFileInfo info(path);
    if (m_options.readOnly) {
        // Looking never creates anything: not the directory, not the file.
        if (!info.exists()) {
            m_error = QStringLiteral("%1 does not exist (a read-only sqlite tier only opens an "
                                     "existing file)")
                              .arg(path);
            return false;
        }
        if (!info.isFile()) {
            m_error = QStringLiteral("%1 is not a file").arg(path);
            return false;
        }
        if (!openReadOnlyConnection()) {
            if (!m_error.contains(path))
                m_error = QStringLiteral("cannot use %1: %2").arg(path, m_error);
            closeConnection();
            return false;
        }
        m_error.clear();
        return true;
    }
    if (!info.dir().exists() && !QDir().mkpath(info.absolutePath())) {
        m_error = QStringLiteral("cannot create the directory %1 for %2")
                          .arg(info.absolutePath(), path);
        return false;
    }
    if (info.exists() && !info.isFile()) {
        m_error = QStringLiteral("%1 is not a file").arg(path);
        return false;
    }
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    if (!m_db.isValid()) {
        m_error = QStringLiteral(
                "the Qt SQLite driver (QSQLITE) is not available; install libqt6sql6-sqlite");
        return false;
    }
    m_db.setDatabaseName(path);
    // Another process holding the write lock makes us wait this long, then fail (a miss or a
    // declined write) rather than stall the application.
    m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(m_options.timeoutMs));
    if (!m_db.open()) {
        m_error = QStringLiteral("cannot open %1: %2").arg(path, m_db.lastError().text());
        return false;
    }
    if (!createSchema()) {
        if (!m_error.contains(path))
            m_error = QStringLiteral("cannot use %1: %2").arg(path, m_error);
        return false;
    }
    sweep();
    m_error.clear();
    return true;
}

bool Store::readFormat(Format *format)
{
    QSqlQuery q(m_db);
    // The first statement touches the file: something that is not SQLite fails here
    // ("file is not a database"), and we leave it alone.
    if (!q.exec(QStringLiteral("PRAGMA application_id")) || !q.next()) {
        m_error = q.lastError().text();
        return false;
    }
    const int appId = q.value(0).toInt();
    q.finish();
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next()) {
        m_error = q.lastError().text();
        return false;
    }
    const int version = q.value(0).toInt();
    q.finish();
    if (appId == 0 && version == 0) {
        if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")) || !q.next()) {
            m_error = q.lastError().text();
            return false;
        }
        const int objects = q.value(0).toInt();
        q.finish();
        if (objects != 0) {
            // Somebody else's database: never touch it, the path is probably a mistake.
            m_error = QStringLiteral("%1 is an SQLite database that does not belong to tiercache; "
                                     "refusing to use it")
                              .arg(m_options.path);
            return false;
        }
        *format = Format::Empty;
        return true;
    }
    if (appId != ApplicationId) {
        m_error = QStringLiteral(
                          "%1 is an SQLite database of another application (application_id %2); "
                          "refusing to use it")
                          .arg(m_options.path)
                          .arg(appId);
        return false;
    }
    if (version == 1 || version == 2) {
        *format = version == 1 ? Format::Version1 : Format::Version2;
        return true;
    }
    if (version != SchemaVersion) {
        m_error = QStringLiteral(
                          "%1 has tiercache sqlite schema version %2, this build reads version %3")
                          .arg(m_options.path)
                          .arg(version)
                          .arg(SchemaVersion);
        return false;
    }
    *format = Format::Current;
    return true;
}

bool Store::openReadOnlyConnection()
{
    m_immutableStamp = fileStamp(m_options.path);
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    if (!m_db.isValid()) {
        m_error = QStringLiteral(
                "the Qt SQLite driver (QSQLITE) is not available; install libqt6sql6-sqlite");
        return false;
    }
    QUrl uri = QUrl::fromLocalFile(m_options.path);
    uri.setQuery(m_immutableStamp >= 0 ? QStringLiteral("mode=ro&immutable=1")
                                       : QStringLiteral("mode=ro"));
    m_db.setDatabaseName(uri.toString(QUrl::FullyEncoded));
    m_db.setConnectOptions(
            QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI;QSQLITE_BUSY_TIMEOUT=%1")
                    .arg(m_options.timeoutMs));
    if (!m_db.open()) {
        m_error = m_db.lastError().text();
        return false;
    }
    Format format = Format::Empty;
    if (!readFormat(&format))
        return false;
    switch (format) {
    case Format::Current:
        return true;
    case Format::Empty:
        m_error = QStringLiteral("%1 holds no tiercache sqlite tier yet (an empty database; a "
                                 "writer creates the tables)")
                          .arg(m_options.path);
        return false;
    case Format::Version1:
    case Format::Version2:
        m_error = QStringLiteral("%1 has tiercache sqlite schema version %2, which this build "
                                 "reads only after a writer upgraded it")
                          .arg(m_options.path)
                          .arg(format == Format::Version1 ? 1 : 2);
        return false;
    }
    return false;
}

void Store::followWriters()
{
    if (!m_options.readOnly || m_immutableStamp < 0 || !m_db.isOpen()
        || fileStamp(m_options.path) == m_immutableStamp)
        return;
    // A writer has come since the file was opened immutable: that snapshot is stale. Readers
    // of the old connection's chunks re-prepare their statements on the new one.
    closeConnection();
    if (!openReadOnlyConnection()) {
        setError(QStringLiteral("cannot reopen %1: %2").arg(m_options.path, m_error));
        closeConnection();
    }
}

bool Store::createSchema()
{
    Format format = Format::Empty;
    if (!readFormat(&format))
        return false;
    // Version 1 rows are dropped, then its tables gain version 3's columns as version 2's do.
    if (format == Format::Version1 && !upgradeFromVersion1())
        return false;
    if ((format == Format::Version1 || format == Format::Version2) && !upgradeFromVersion2())
        return false;

    // WAL: readers (other processes, streaming bodies) never block the writer nor the other
    // way round. synchronous=NORMAL: a killed process loses nothing committed; a power cut
    // may lose the last commits, never consistency - right for a cache.
    if (!execSql(QStringLiteral("PRAGMA journal_mode=WAL"))
        || !execSql(QStringLiteral("PRAGMA synchronous=NORMAL")))
        return false;
    if (format != Format::Empty)
        return true;

    // Must precede the first table; lets clear() give pages back to the filesystem.
    if (!execSql(QStringLiteral("PRAGMA auto_vacuum=INCREMENTAL")))
        return false;
    if (!begin())
        return false;
    const char *const schema[] = {
            "CREATE TABLE IF NOT EXISTS entries ("
            " key TEXT PRIMARY KEY NOT NULL,"
            " gen INTEGER NOT NULL," // the generation whose chunks are the body
            " meta BLOB NOT NULL,"   // encodeMetaData()
            " body_size INTEGER NOT NULL,"
            " chunk_size INTEGER NOT NULL,"
            " stored_size INTEGER," // bytes in the chunks (version 2 rows: body_size)
            " compression INTEGER NOT NULL DEFAULT 0," // BodyCompression::Algorithm
            " row_size INTEGER NOT NULL,"              // what the entry counts against the budget
            " created INTEGER NOT NULL,"               // ms since the epoch
            " last_access INTEGER NOT NULL)",
            "CREATE INDEX IF NOT EXISTS entries_lru ON entries(last_access)",
            // Keyed by generation, not by URL: a generation names one version of one key, and
            // long URLs are not repeated per chunk. sum before data: checking it reads no blob.
            "CREATE TABLE IF NOT EXISTS chunks ("
            " gen INTEGER NOT NULL, seq INTEGER NOT NULL, sum INTEGER NOT NULL, data BLOB NOT NULL,"
            " PRIMARY KEY(gen, seq)) WITHOUT ROWID",
            // Generations being written; AUTOINCREMENT never hands out an id twice, even across
            // processes, so an id can only ever mean one version.
            "CREATE TABLE IF NOT EXISTS writes ("
            " gen INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, started INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value INTEGER NOT NULL) "
            "WITHOUT ROWID",
            "INSERT OR IGNORE INTO state VALUES ('total_size', 0)",
            // size() must be cheap and agree across processes: the total is kept by SQLite itself.
            "CREATE TRIGGER IF NOT EXISTS entries_size_insert AFTER INSERT ON entries BEGIN"
            " UPDATE state SET value = value + NEW.row_size WHERE name = 'total_size'; END",
            "CREATE TRIGGER IF NOT EXISTS entries_size_delete AFTER DELETE ON entries BEGIN"
            " UPDATE state SET value = value - OLD.row_size WHERE name = 'total_size'; END",
            "CREATE TRIGGER IF NOT EXISTS entries_size_update AFTER UPDATE OF row_size ON entries "
            "BEGIN"
            " UPDATE state SET value = value - OLD.row_size + NEW.row_size WHERE name = "
            "'total_size'; END",
    };
    for (const char *sql : schema) {
        if (!execSql(QLatin1String(sql))) {
            rollback();
            return false;
        }
    }
    if (!execSql(QStringLiteral("PRAGMA application_id=%1").arg(ApplicationId))
        || !execSql(QStringLiteral("PRAGMA user_version=%1").arg(SchemaVersion))) {
        rollback();
        return false;
    }
    return commit();
}

bool Store::upgradeFromVersion1()
{
    // Its rows cannot be read by this build (a record of an old format is a miss): a cache
    // may forget them all at once, in one transaction with the new version number.
    if (!begin())
        return false;
    if (!execSql(QStringLiteral("DELETE FROM entries"))
        || !execSql(QStringLiteral("DELETE FROM chunks"))
        || !execSql(QStringLiteral("DELETE FROM writes"))
        || !execSql(QStringLiteral("PRAGMA user_version=%1").arg(SchemaVersion))) {
        rollback();
        return false;
    }
    if (!commit())
        return false;
    qCInfo(lcSqlite) << "upgraded" << m_options.path << "to schema version" << SchemaVersion
                     << "(entries dropped)";
    return true;
}

bool Store::upgradeFromVersion2()
{
    // Version 2 rows are bodies stored as is: they stay, with their stored size.
    if (!begin())
        return false;
    if (!execSql(QStringLiteral("ALTER TABLE entries ADD COLUMN stored_size INTEGER"))
        || !execSql(QStringLiteral(
                "ALTER TABLE entries ADD COLUMN compression INTEGER NOT NULL DEFAULT 0"))
        || !execSql(QStringLiteral("UPDATE entries SET stored_size = body_size"))
        || !execSql(QStringLiteral("PRAGMA user_version=%1").arg(SchemaVersion))) {
        rollback();
        return false;
    }
    if (!commit())
        return false;
    qCInfo(lcSqlite) << "upgraded" << m_options.path << "to schema version" << SchemaVersion;
    return true;
}

void Store::sweep()
{
    // Leftovers of processes that died mid-write or while a reader pinned an old version:
    // chunks no entry and no live write refer to. Best effort; failure only wastes space.
    if (!begin())
        return;
    QSqlQuery &stale = statement("DELETE FROM writes WHERE started < ?");
    stale.addBindValue(nowMs() - StaleWriteMs);
    QSqlQuery &orphans = statement("DELETE FROM chunks WHERE gen NOT IN (SELECT gen FROM entries)"
                                   " AND gen NOT IN (SELECT gen FROM writes)");
    if (exec(stale) && exec(orphans)) {
        if (orphans.numRowsAffected() > 0)
            qCInfo(lcSqlite) << "removed" << orphans.numRowsAffected() << "orphaned chunks from"
                             << m_options.path;
        commit();
    } else {
        rollback();
    }
}

QSqlQuery &Store::statement(const char *sql)
{
    std::unique_ptr<QSqlQuery> &q = m_statements[sql];
    if (!q) {
        q = std::make_unique<QSqlQuery>(m_db);
        if (!q->prepare(QLatin1String(sql)))
            qCWarning(lcSqlite).noquote()
                    << "cannot prepare" << sql << ":" << q->lastError().text();
    }
    q->finish();
    return *q;
}

bool Store::exec(QSqlQuery &q)
{
    if (q.exec())
        return true;
    setError(QStringLiteral("%1: %2").arg(m_options.path, q.lastError().text()));
    return false;
}

bool Store::execSql(const QString &sql)
{
    QSqlQuery q(m_db);
    if (q.exec(sql))
        return true;
    m_error = q.lastError().text();
    return false;
}

bool Store::begin()
{
    // IMMEDIATE takes the write lock up front (waiting up to the busy timeout): a deferred
    // transaction that reads first could fail to upgrade without waiting at all in WAL mode.
    m_retiring.clear();
    if (refuseChange("write"))
        return false;
    QSqlQuery &q = statement("BEGIN IMMEDIATE");
    return exec(q);
}

bool Store::commit()
{
    QSqlQuery &q = statement("COMMIT");
    if (exec(q)) {
        // Only now is a pinned generation really no longer shown.
        m_retired.unite(m_retiring);
        m_retiring.clear();
        return true;
    }
    rollback();
    return false;
}

void Store::rollback()
{
    m_retiring.clear();
    QSqlQuery &q = statement("ROLLBACK");
    q.exec();
}

Store::Entry Store::entry(const QString &key, bool withMetaData)
{
    followWriters();
    QSqlQuery &q = withMetaData
            ? statement("SELECT gen, body_size, chunk_size, last_access, "
                        "coalesce(stored_size, body_size), compression, meta FROM entries WHERE "
                        "key = ?")
            : statement("SELECT gen, body_size, chunk_size, last_access, "
                        "coalesce(stored_size, body_size), compression FROM entries WHERE key = ?");
    q.addBindValue(key);
    if (!exec(q) || !q.next())
        return {};
    Entry e;
    e.generation = q.value(0).toLongLong();
    e.bodySize = q.value(1).toLongLong();
    e.chunkSize = q.value(2).toLongLong();
    e.lastAccess = QDateTime::fromMSecsSinceEpoch(q.value(3).toLongLong(), Qt::UTC);
    e.storedSize = q.value(4).toLongLong();
    const bool knownCompression =
            BodyCompression::algorithmFromValue(q.value(5).toInt(), &e.compression);
    const QByteArray meta = withMetaData ? q.value(6).toByteArray() : QByteArray();
    q.finish();
    if (chunkCount(e.bodySize, e.chunkSize) < 0 || chunkCount(e.storedSize, e.chunkSize) < 0
        || !knownCompression
        || (e.compression == BodyCompression::Algorithm::None ? e.storedSize != e.bodySize
                                                              : e.storedSize >= e.bodySize)
        || (withMetaData && !decodeMetaData(meta, &e.metaData))) {
        qCWarning(lcSqlite).noquote() << (m_options.readOnly ? "ignoring undecodable entry"
                                                             : "dropping undecodable entry")
                                      << key << "in" << m_options.path;
        removeDamaged(key, e.generation);
        return {};
    }
    return e;
}

bool Store::hasAllChunks(const Entry &entry)
{
    // length() of a BLOB comes from the record header: still no body bytes are read.
    QSqlQuery &q = statement(
            "SELECT count(*), total(length(data)), min(seq), max(seq) FROM chunks WHERE gen = ?");
    q.addBindValue(entry.generation);
    if (!exec(q) || !q.next())
        return false;
    const qint64 count = q.value(0).toLongLong();
    const qint64 bytes = qint64(q.value(1).toDouble());
    const qint64 first = q.value(2).isNull() ? 0 : q.value(2).toLongLong();
    const qint64 last = q.value(3).isNull() ? -1 : q.value(3).toLongLong();
    q.finish();
    // (gen, seq) is the primary key: count chunks from 0 to count - 1 are exactly 0..count-1.
    return count == chunkCount(entry.storedSize, entry.chunkSize) && bytes == entry.storedSize
            && first == 0 && last == count - 1;
}

void Store::touch(const QString &key)
{
    // Batched: a hit costs no write of its own (it used to be a committed UPDATE, 57 µs).
    // A read-only reader leaves the LRU order as it is.
    if (m_options.readOnly)
        return;
    m_touches.insert(key, nowMs());
    if (m_touches.size() >= TouchBatch || !m_touchClock.isValid()
        || m_touchClock.hasExpired(TouchFlushMs))
        flushTouches();
}

void Store::flushTouches()
{
    m_touchClock.start();
    if (m_touches.isEmpty())
        return;
    if (begin()) {
        applyTouches();
        commit();
    }
    m_touches.clear(); // recency is a hint: losing it to a busy database is fine
}

void Store::applyTouches()
{
    QSqlQuery &q = statement("UPDATE entries SET last_access = max(last_access, ?) WHERE key = ?");
    for (auto it = m_touches.cbegin(); it != m_touches.cend(); ++it) {
        q.addBindValue(it.value());
        q.addBindValue(it.key());
        q.exec();
    }
    m_touches.clear();
}

bool Store::readChunk(qint64 generation, qint64 seq, qint64 expectedSize, QByteArray *data,
                      QString *reason)
{
    QSqlQuery &q = statement("SELECT sum, data FROM chunks WHERE gen = ? AND seq = ?");
    q.addBindValue(generation);
    q.addBindValue(seq);
    if (!q.exec()) {
        *reason = QStringLiteral("cannot read chunk %1: %2").arg(seq).arg(q.lastError().text());
        return false;
    }
    if (!q.next()) {
        *reason =
                QStringLiteral("chunk %1 is missing (the entry was replaced or damaged)").arg(seq);
        return false;
    }
    const qint64 sum = q.value(0).toLongLong();
    *data = q.value(1).toByteArray();
    q.finish();
    return checkChunk(generation, seq, *data, sum, expectedSize, reason);
}

qint64 Store::beginGeneration(const QString &key)
{
    if (refuseChange("store a body"))
        return -1;
    QSqlQuery &q = statement("INSERT INTO writes (key, started) VALUES (?, ?)");
    q.addBindValue(key);
    q.addBindValue(nowMs());
    if (!exec(q))
        return -1;
    return q.lastInsertId().toLongLong();
}

bool Store::insertChunk(qint64 generation, qint64 seq, const QByteArray &data)
{
    if (refuseChange("store a body"))
        return false;
    QSqlQuery &q = statement("INSERT INTO chunks (gen, seq, sum, data) VALUES (?, ?, ?, ?)");
    q.addBindValue(generation);
    q.addBindValue(seq);
    q.addBindValue(chunkSum(generation, seq, data.constData(), data.size()));
    q.addBindValue(data);
    return exec(q);
}

bool Store::commitGeneration(const QString &key, qint64 generation, const QByteArray &meta,
                             qint64 bodySize, qint64 storedSize,
                             BodyCompression::Algorithm compression, qint64 lastSeq,
                             const QByteArray &lastChunk)
{
    const qint64 size = rowSize(key, storedSize, meta.size());
    if (size > m_options.maxBytes) {
        setError(QStringLiteral("an entry of %1 bytes does not fit the budget of %2 bytes")
                         .arg(size)
                         .arg(m_options.maxBytes));
        return false;
    }
    if (!begin())
        return false;
    if (generation < 0) {
        // Allocated and released in this transaction: AUTOINCREMENT still never reuses it.
        generation = beginGeneration(key);
        if (generation < 0) {
            rollback();
            return false;
        }
    } else {
        QSqlQuery &live = statement("SELECT 1 FROM writes WHERE gen = ?");
        live.addBindValue(generation);
        if (!exec(live) || !live.next()) {
            // Swept as stale by another process: its chunks may be gone.
            live.finish();
            rollback();
            setError(QStringLiteral("write of %1 was abandoned").arg(key));
            return false;
        }
        live.finish();
    }
    if (!lastChunk.isEmpty() && !insertChunk(generation, lastSeq, lastChunk)) {
        rollback();
        return false;
    }

    QSqlQuery &old = statement("SELECT gen FROM entries WHERE key = ?");
    old.addBindValue(key);
    if (!exec(old)) {
        rollback();
        return false;
    }
    const qint64 oldGeneration = old.next() ? old.value(0).toLongLong() : -1;
    old.finish();

    const qint64 now = nowMs();
    QSqlQuery &put = oldGeneration >= 0
            ? statement("UPDATE entries SET gen = ?, meta = ?, body_size = ?, chunk_size = ?, "
                        "stored_size = ?, compression = ?, row_size = ?,"
                        " created = ?, last_access = ? WHERE key = ?")
            : statement("INSERT INTO entries (gen, meta, body_size, chunk_size, stored_size, "
                        "compression, row_size, created, last_access, key)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    put.addBindValue(generation);
    put.addBindValue(meta);
    put.addBindValue(bodySize);
    put.addBindValue(ChunkSize);
    put.addBindValue(storedSize);
    put.addBindValue(int(compression));
    put.addBindValue(size);
    put.addBindValue(now);
    put.addBindValue(now);
    put.addBindValue(key);
    QSqlQuery &done = statement("DELETE FROM writes WHERE gen = ?");
    if (!exec(put)) {
        rollback();
        return false;
    }
    done.addBindValue(generation);
    if (!exec(done) || (oldGeneration >= 0 && !dropGeneration(oldGeneration)) || !evict(key)) {
        rollback();
        return false;
    }
    return commit();
}

void Store::abandonGeneration(qint64 generation)
{
    if (!begin())
        return; // the sweep of a later open() collects what stays behind
    QSqlQuery &chunks = statement("DELETE FROM chunks WHERE gen = ?");
    chunks.addBindValue(generation);
    QSqlQuery &write = statement("DELETE FROM writes WHERE gen = ?");
    write.addBindValue(generation);
    if (exec(chunks) && exec(write))
        commit();
    else
        rollback();
}

bool Store::dropGeneration(qint64 generation)
{
    if (m_pins.contains(generation)) {
        m_retiring.insert(generation);
        return true;
    }
    QSqlQuery &q = statement("DELETE FROM chunks WHERE gen = ?");
    q.addBindValue(generation);
    return exec(q);
}

bool Store::evict(const QString &keep)
{
    applyTouches(); // inside the caller's transaction: the LRU order includes the latest hits
    for (;;) {
        const qint64 total = totalSize();
        if (total < 0)
            return false;
        if (total <= m_options.maxBytes)
            return true;
        QSqlQuery &q = statement("SELECT key, gen, row_size FROM entries WHERE key != ?"
                                 " ORDER BY last_access LIMIT ?");
        q.addBindValue(keep);
        q.addBindValue(EvictBatch);
        if (!exec(q))
            return false;
        struct Victim
        {
            QString key;
            qint64 generation;
            qint64 size;
        };
        QList<Victim> victims;
        qint64 freed = 0;
        while (total - freed > m_options.maxBytes && q.next()) {
            victims.append(
                    {q.value(0).toString(), q.value(1).toLongLong(), q.value(2).toLongLong()});
            freed += victims.last().size;
        }
        q.finish();
        if (victims.isEmpty())
            return true; // only `keep` is left, and it fits on its own (checked before)
        for (const Victim &v : victims) {
            QSqlQuery &del = statement("DELETE FROM entries WHERE key = ?");
            del.addBindValue(v.key);
            if (!exec(del) || !dropGeneration(v.generation))
                return false;
        }
    }
}

bool Store::remove(const QString &key)
{
    if (!begin())
        return false;
    QSqlQuery &q = statement("SELECT gen FROM entries WHERE key = ?");
    q.addBindValue(key);
    if (!exec(q) || !q.next()) {
        q.finish();
        rollback();
        return false;
    }
    const qint64 generation = q.value(0).toLongLong();
    q.finish();
    QSqlQuery &del = statement("DELETE FROM entries WHERE key = ?");
    del.addBindValue(key);
    if (!exec(del) || !dropGeneration(generation)) {
        rollback();
        return false;
    }
    return commit();
}

void Store::removeDamaged(const QString &key, qint64 generation)
{
    if (m_options.readOnly)
        return; // a miss for this reader; the next writer to meet it drops it
    if (!begin())
        return;
    QSqlQuery &del = statement("DELETE FROM entries WHERE key = ? AND gen = ?");
    del.addBindValue(key);
    del.addBindValue(generation);
    if (!exec(del)) {
        rollback();
        return;
    }
    const bool wasCurrent = del.numRowsAffected() > 0;
    if (wasCurrent && !dropGeneration(generation)) {
        rollback();
        return;
    }
    commit();
}

bool Store::updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData,
                           qint64 ifGeneration)
{
    if (refuseChange("update metadata"))
        return false;
    const QByteArray meta = encodeMetaData(metaData);
    QSqlQuery &q = ifGeneration < 0
            ? statement("UPDATE entries SET meta = ?, row_size = coalesce(stored_size, body_size) "
                        "+ ? + ? WHERE key = ?")
            : statement("UPDATE entries SET meta = ?, row_size = coalesce(stored_size, body_size) "
                        "+ ? + ? WHERE key = ? AND gen = ?");
    q.addBindValue(meta);
    q.addBindValue(qint64(meta.size()));
    q.addBindValue(qint64(2 * key.toUtf8().size()));
    q.addBindValue(key);
    if (ifGeneration >= 0)
        q.addBindValue(ifGeneration);
    return exec(q) && q.numRowsAffected() > 0;
}

void Store::enumerate(const std::function<bool(const TierRecord &)> &visitor)
{
    followWriters();
    flushTouches();
    // Pages of rows, most recent first, each page read completely before the visitor runs:
    // memory stays bounded and the visitor may call back into the tier (remove, lookup).
    qint64 afterAccess = std::numeric_limits<qint64>::max();
    QString afterKey;
    bool first = true;
    for (;;) {
        QSqlQuery &q = first
                ? statement("SELECT key, meta, body_size, last_access, gen, "
                            "coalesce(stored_size, body_size) FROM entries"
                            " ORDER BY last_access DESC, key DESC LIMIT ?")
                : statement("SELECT key, meta, body_size, last_access, gen, "
                            "coalesce(stored_size, body_size) FROM entries"
                            " WHERE (last_access, key) < (?, ?) ORDER BY last_access DESC, key "
                            "DESC LIMIT ?");
        if (!first) {
            q.addBindValue(afterAccess);
            q.addBindValue(afterKey);
        }
        q.addBindValue(EnumerateBatch);
        if (!exec(q))
            return;
        QList<TierRecord> page;
        QList<QPair<QString, qint64>> damaged;
        while (q.next()) {
            const QString key = q.value(0).toString();
            afterAccess = q.value(3).toLongLong();
            afterKey = key;
            QNetworkCacheMetaData md;
            if (!decodeMetaData(q.value(1).toByteArray(), &md)) {
                damaged.append({key, q.value(4).toLongLong()});
                continue;
            }
            TierRecord r(key, md, q.value(2).toLongLong());
            r.setStoredSize(q.value(5).toLongLong());
            r.setLastAccess(QDateTime::fromMSecsSinceEpoch(afterAccess, Qt::UTC));
            r.setVersion(QByteArray::number(q.value(4).toLongLong()));
            page.append(std::move(r));
        }
        q.finish();
        const bool last = page.size() + damaged.size() < EnumerateBatch;
        first = false;
        for (const auto &[key, generation] : std::as_const(damaged))
            removeDamaged(key, generation);
        for (const TierRecord &r : std::as_const(page)) {
            if (!visitor(r))
                return;
        }
        if (last)
            return;
    }
}

qint64 Store::totalSize()
{
    followWriters();
    QSqlQuery &q = statement("SELECT value FROM state WHERE name = 'total_size'");
    if (!exec(q) || !q.next())
        return -1;
    const qint64 total = q.value(0).toLongLong();
    q.finish();
    return total;
}

void Store::clear()
{
    m_touches.clear();
    if (refuseChange("clear")) {
        qCWarning(lcSqlite).noquote() << m_error;
        return;
    }
    if (!begin())
        return;
    // Pinned generations survive as retired ones so that bodies being read stay intact.
    QSqlQuery &pinned = statement("SELECT gen FROM entries");
    if (!exec(pinned)) {
        rollback();
        return;
    }
    QSet<qint64> retire;
    while (pinned.next()) {
        const qint64 generation = pinned.value(0).toLongLong();
        if (m_pins.contains(generation))
            retire.insert(generation);
    }
    pinned.finish();
    m_retiring = retire;
    QStringList keep;
    for (qint64 generation : std::as_const(retire))
        keep.append(QString::number(generation));
    QSqlQuery q(m_db);
    const QString chunks =
            QStringLiteral("DELETE FROM chunks WHERE gen IN (SELECT gen FROM entries)")
            + (keep.isEmpty()
                       ? QString()
                       : QStringLiteral(" AND gen NOT IN (%1)").arg(keep.join(QLatin1Char(','))));
    if (!q.exec(chunks) || !q.exec(QStringLiteral("DELETE FROM entries"))) {
        setError(QStringLiteral("%1: %2").arg(m_options.path, q.lastError().text()));
        rollback();
        return;
    }
    if (!commit())
        return;
    execSql(QStringLiteral("PRAGMA incremental_vacuum")); // give the space back
}

void Store::pin(qint64 generation)
{
    ++m_pins[generation];
}

void Store::unpin(qint64 generation)
{
    auto it = m_pins.find(generation);
    if (it == m_pins.end())
        return;
    if (--*it > 0)
        return;
    m_pins.erase(it);
    if (m_retired.remove(generation)) {
        QSqlQuery &q = statement("DELETE FROM chunks WHERE gen = ?");
        q.addBindValue(generation);
        exec(q); // if this fails the sweep of a later open() collects them
    }
}

} // namespace tiercache::sqlite
