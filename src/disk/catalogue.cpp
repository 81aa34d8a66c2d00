// SPDX-License-Identifier: MIT
#include "disk/catalogue_p.h"
#include "disk/cataloguesql_p.h"
#include "disk/waitingwriterflag_p.h"
#include "logging_p.h"

#include <QtCore/QAtomicInteger>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QThread>
#include <QtCore/QUrl>
#include <QtSql/QSqlDriver>
#include <QtSql/QSqlError>

#include <cerrno>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tiercache {

using namespace cataloguesql;

namespace {
    constexpr int BusyTimeoutMs = 10000;

    bool isCorruption(const QSqlError &error)
    {
        // SQLITE_CORRUPT (11) and SQLITE_NOTADB (26), also as extended codes.
        bool ok = false;
        const int code = error.nativeErrorCode().toInt(&ok) & 0xff;
        if (ok && (code == 11 || code == 26))
            return true;
        const QString text = error.databaseText();
        return text.contains(QLatin1String("malformed"))
                || text.contains(QLatin1String("not a database"));
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
    commitBatch(); // what insert() returned for is kept
    if (m_directoryFd >= 0) {
        ::close(m_directoryFd);
        m_directoryFd = -1;
    }
    if (m_dataVersion) {
        sqlite3_finalize(m_dataVersion);
        m_dataVersion = nullptr;
    }
    m_statements.clear(); // finalized before the connection closes
    m_handle = nullptr;
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

bool Catalogue::open(const QString &path, bool *wasReset)
{
    close();
    m_readOnly = false;
    m_immutable = false;
    m_path = path;
    m_walPath = QFile::encodeName(path + QLatin1String("-wal"));
    m_corrupted = false;
    *wasReset = false;
    int busyRetries = 0;
    for (int attempt = 0; attempt < 2; ++attempt) {
        m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
        if (!m_db.isValid()) {
            m_error = QStringLiteral(
                    "the Qt SQLite driver (QSQLITE) is not available; install libqt6sql6-sqlite");
            return false;
        }
        // Created 0600 before SQLite sees it: SQLite gives -wal and -shm the same mode, and
        // the default umask would make responses readable by every account on the machine.
        const int fd =
                ::open(QFile::encodeName(path).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0)
            ::close(fd);
        m_db.setDatabaseName(path);
        m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(BusyTimeoutMs));
        if (m_db.open() && createSchema()) {
            watchLog();
            m_directoryFd = ::open(QFile::encodeName(QFileInfo(path).absolutePath()).constData(),
                                   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            return true;
        }
        if (m_error.isEmpty())
            m_error = m_db.lastError().text();
        // Several processes opening a new directory at once wait for each other's schema
        // creation and journal-mode switch; SQLite's busy handler does not cover all of it.
        if (!m_corrupted && busyRetries < 100
            && (m_error.contains(QLatin1String("locked"))
                || m_error.contains(QLatin1String("busy")))) {
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
        // Every earlier copy is kept too (numbered): a second damage must not erase the
        // evidence of the first.
        close();
        QString aside;
        for (int n = 1; aside.isEmpty() || QFileInfo::exists(aside); ++n)
            aside = path + QLatin1String(".corrupt.") + QString::number(n);
        qCWarning(lcCatalogue).noquote()
                << "catalogue" << path << "is unusable (" << m_error << "); kept it as"
                << QFileInfo(aside).fileName() << "and started an empty one";
        QFile::rename(path, aside);
        QFile::rename(path + QLatin1String("-wal"), aside + QLatin1String("-wal"));
        QFile::remove(path + QLatin1String("-wal"));
        QFile::remove(path + QLatin1String("-shm"));
        m_corrupted = false;
        m_error.clear();
        *wasReset = true;
    }
    close();
    return false;
}

namespace {
    // What changes when a writer comes to a catalogue opened immutable: it creates the log,
    // or (a writer that came and went) changes the file itself.
    qint64 fileStamp(const QString &path)
    {
        struct stat db;
        struct stat wal;
        if (::stat(QFile::encodeName(path).constData(), &db) != 0)
            return -1;
        if (::stat(QFile::encodeName(path + QLatin1String("-wal")).constData(), &wal) == 0)
            return -2; // a live log: open as a normal reader
        return qint64(db.st_mtim.tv_sec) * 1000000000 + db.st_mtim.tv_nsec + db.st_size;
    }
} // namespace

bool Catalogue::openReadOnly(const QString &path)
{
    close();
    m_path = path;
    m_walPath = QFile::encodeName(path + QLatin1String("-wal"));
    m_corrupted = false;
    m_readOnly = true;
    m_generation = 0;
    m_error.clear();
    if (!QFileInfo(path).isFile()) {
        m_error = QStringLiteral("%1 does not exist").arg(path);
        return false;
    }
    return openReadOnlyConnection();
}

bool Catalogue::openReadOnlyConnection()
{
    m_immutableStamp = fileStamp(m_path);
    m_immutable = m_immutableStamp >= 0;
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    if (!m_db.isValid()) {
        m_error = QStringLiteral(
                "the Qt SQLite driver (QSQLITE) is not available; install libqt6sql6-sqlite");
        return false;
    }
    QUrl uri = QUrl::fromLocalFile(m_path);
    uri.setQuery(m_immutable ? QStringLiteral("mode=ro&immutable=1") : QStringLiteral("mode=ro"));
    m_db.setDatabaseName(uri.toString(QUrl::FullyEncoded));
    m_db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI;"
                                          "QSQLITE_BUSY_TIMEOUT=%1")
                                   .arg(BusyTimeoutMs));
    if (!m_db.open()) {
        m_error = m_db.lastError().text();
        close();
        return false;
    }
    if (!checkFormat() || !execSql(QStringLiteral("PRAGMA cache_size=-16384"))) {
        close();
        return false;
    }
    return true;
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

ScopedStatement Catalogue::use(int id, const char *sql)
{
    if (m_statements.empty())
        m_statements.resize(StatementCount);
    auto &slot = m_statements[size_t(id)];
    if (!slot)
        slot = std::make_unique<SqlStatement>();
    if (!slot->isPrepared() && !slot->prepare(handle(), sql)) {
        // exec() and next() report it when the statement is run.
        qCWarning(lcCatalogue).noquote() << "catalogue" << m_path << ": cannot prepare" << sql;
    }
    return ScopedStatement(*slot);
}

bool Catalogue::exec(SqlStatement &s)
{
    const int rc = s.step();
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return true;
    recordError(rc);
    return false;
}

bool Catalogue::next(SqlStatement &s)
{
    const int rc = s.step();
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        recordError(rc);
    return false;
}

int Catalogue::changes() const
{
    sqlite3 *db = handle();
    return db ? sqlite3_changes(db) : 0;
}

bool Catalogue::execRaw(const char *sql)
{
    sqlite3 *db = handle();
    const int rc = db ? sqlite3_exec(db, sql, nullptr, nullptr, nullptr) : SQLITE_MISUSE;
    if (rc == SQLITE_OK)
        return true;
    recordError(rc);
    return false;
}

bool Catalogue::execKept(int id, const char *sql)
{
    const ScopedStatement q = use(id, sql);
    return exec(*q);
}

void Catalogue::recordError(int rc)
{
    sqlite3 *db = handle();
    if (!db)
        m_error = QStringLiteral("%1 is not open").arg(m_path);
    else if (rc == SQLITE_MISUSE && sqlite3_errcode(db) != SQLITE_MISUSE)
        m_error = QStringLiteral("statement not prepared: %1")
                          .arg(QString::fromUtf8(sqlite3_errmsg(db)));
    else
        m_error = QString::fromUtf8(sqlite3_errmsg(db));
    const int code = (db ? sqlite3_extended_errcode(db) : rc) & 0xff;
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT
        || (rc & 0xff) == SQLITE_NOTADB)
        m_corrupted = true;
    qCWarning(lcCatalogue).noquote() << "catalogue" << m_path << ":" << m_error;
}

Catalogue::Transaction::Transaction(Catalogue &c, Lock lock, Kind kind) : m_c(c), m_kind(kind)
{
    if (m_c.m_readOnly) {
        // The connection would refuse too; saying why here gives a clearer message.
        m_c.m_error = QStringLiteral("%1 is open read-only").arg(m_c.m_path);
        return;
    }
    if (kind == Kind::Batched && m_c.m_batchOpen && m_c.handle()
        && sqlite3_get_autocommit(m_c.handle())) {
        // SQLite rolled the batch back itself (a full disk, an I/O error): start afresh.
        m_c.m_batchOpen = false;
        qCWarning(lcCatalogue).noquote()
                << "catalogue" << m_c.m_path << ": batched inserts lost to an earlier error";
    }
    if (kind == Kind::Own || !m_c.m_batchOpen) {
        // Everything but a batched insert is durable (and visible to other processes) when
        // its commit() returns, so the inserts batched before it are committed first.
        m_c.commitBatch(); // a failure lost the batch (and said so); this one may still work
        if (!begin(lock))
            return;
        if (kind == Kind::Own)
            return;
        m_c.m_batchOpen = true;
        m_c.m_batchCount = 0;
    }
    // Kept prepared: parsed on every insert, the savepoint and its release took 4 % of an
    // insert's samples (perf).
    m_active = m_c.execKept(StSavepoint, "SAVEPOINT tc_batched");
    if (!m_active && m_c.m_batchCount == 0) {
        m_c.m_batchOpen = false;
        m_c.execRaw("ROLLBACK");
    }
}

bool Catalogue::Transaction::begin(Lock lock)
{
    // IMMEDIATE takes the write lock up front, so the running total read inside is current.
    sqlite3 *db = m_c.handle();
    if (!db) {
        m_active = m_c.execRaw("BEGIN IMMEDIATE"); // records that the catalogue is not open
        return m_active;
    }
    if (lock == Lock::NoWait && m_c.othersWaiting()) {
        // Background work gives way to a writer waiting for the lock (a log restart by the
        // checkpoint thread, another process's insert): the trim steps between the inserts
        // into a full cache took the lock whenever it came free, the restarts gave up, and
        // the log grew until one did not (286 ms, an insert waiting for it).
        m_busy = true;
        m_c.m_lockWasBusy = true;
        return false;
    }
    sqlite3_busy_timeout(db, 0);
    const int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    sqlite3_busy_timeout(db, BusyTimeoutMs);
    m_active = rc == SQLITE_OK;
    if (m_active)
        return true;
    const bool busy = (rc & 0xff) == SQLITE_BUSY;
    if (busy && lock == Lock::Wait) {
        // Wait for it, and let a holder of a batch know.
        const WaitingWriterFlag waiting(m_c.m_directoryFd);
        m_active = m_c.execRaw("BEGIN IMMEDIATE");
        return m_active;
    }
    m_busy = busy;
    if (m_busy)
        m_c.m_lockWasBusy = true;
    else
        m_c.recordError(rc);
    return false;
}

Catalogue::Transaction::~Transaction()
{
    if (!m_active)
        return;
    if (m_kind == Kind::Own) {
        if (sqlite3 *db = m_c.handle())
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr); // keeps the error at hand
        return;
    }
    // This one failed; the batched transactions before it stay.
    m_c.execKept(StRollbackTo, "ROLLBACK TO tc_batched");
    m_c.execKept(StRelease, "RELEASE tc_batched");
    if (m_c.m_batchCount == 0) { // nothing else in the batch: let the write lock go
        m_c.m_batchOpen = false;
        m_c.execRaw("ROLLBACK");
    }
}

bool Catalogue::Transaction::commit()
{
    if (!m_active)
        return false;
    if (m_kind == Kind::Batched) {
        if (!m_c.execKept(StRelease, "RELEASE tc_batched"))
            return false; // the destructor rolls it back
        m_active = false;
        ++m_c.m_batchCount;
        return true;
    }
    m_active = false;
    if (m_c.execRaw("COMMIT"))
        return true;
    if (sqlite3 *db = m_c.handle())
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr); // keeps COMMIT's error
    return false;
}

bool Catalogue::commitBatch()
{
    if (!m_batchOpen)
        return true;
    m_batchOpen = false;
    // On the SQLite handle, not through Qt Sql: this may run on the flushing thread.
    sqlite3 *db = handle();
    if (db && sqlite3_get_autocommit(db)) {
        m_error = QStringLiteral("the batch was rolled back by an earlier error");
        qCWarning(lcCatalogue).noquote()
                << "catalogue" << m_path << ": batched inserts lost:" << m_error;
        return false;
    }
    if (db && sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK)
        return true;
    m_error = db ? QString::fromUtf8(sqlite3_errmsg(db)) : QStringLiteral("catalogue closed");
    const int code = db ? sqlite3_errcode(db) & 0xff : 0;
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
        m_corrupted = true;
    qCWarning(lcCatalogue).noquote()
            << "catalogue" << m_path << ": batched inserts lost:" << m_error;
    if (db)
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return false;
}

bool Catalogue::othersWaiting() const
{
    if (m_directoryFd < 0 || ::flock(m_directoryFd, LOCK_EX | LOCK_NB) == 0) {
        if (m_directoryFd >= 0)
            ::flock(m_directoryFd, LOCK_UN);
        return false;
    }
    return errno == EWOULDBLOCK;
}

sqlite3 *Catalogue::handle() const
{
    if (m_handle || !m_db.isOpen())
        return m_handle;
    const QVariant handle = m_db.driver()->handle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return nullptr;
    m_handle = *static_cast<sqlite3 *const *>(handle.data());
    return m_handle;
}

bool Catalogue::reopenIfStale()
{
    if (m_readOnly && m_immutable && m_db.isOpen() && fileStamp(m_path) != m_immutableStamp) {
        // A writer has come: the immutable snapshot is stale. Reopen (as a live reader if
        // the log is there now); the generation keeps the version moving.
        close();
        ++m_generation;
        return openReadOnlyConnection();
    }
    return true;
}

qint64 Catalogue::dataVersion()
{
    if (!reopenIfStale())
        return -1;
    if (!m_dataVersion) {
        sqlite3 *db = handle();
        if (!db
            || sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &m_dataVersion, nullptr)
                    != SQLITE_OK) {
            m_dataVersion = nullptr;
            return -1;
        }
    }
    qint64 version = -1;
    if (sqlite3_step(m_dataVersion) == SQLITE_ROW)
        version = sqlite3_column_int64(m_dataVersion, 0) + (m_generation << 32);
    sqlite3_reset(m_dataVersion);
    return version;
}

qint64 Catalogue::freeBytes()
{
    // Asked on every insert into a cache of some size: a prepared statement.
    const ScopedStatement q = use(StFreeBytes,
                                  "SELECT freelist_count * page_size FROM pragma_freelist_count,"
                                  " pragma_page_size");
    return next(*q) ? q->int64(0) : 0;
}

namespace {
    // Called by SQLite after every COMMIT of this connection with the frames the log holds
    // (auto-checkpointing is off: this hook replaces it).
    int onWalCommit(void *watch, sqlite3 *, const char *, int frames)
    {
        auto *log = static_cast<Catalogue::LogWatch *>(watch);
        log->frames = frames;
        ++log->commits;
        return SQLITE_OK;
    }
} // namespace

void Catalogue::watchLog()
{
    m_log = LogWatch();
    m_pageSize = 4096;
    QSqlQuery q(m_db);
    if (q.exec(QStringLiteral("PRAGMA page_size")) && q.next())
        m_pageSize = q.value(0).toLongLong();
    if (sqlite3 *db = handle())
        sqlite3_wal_hook(db, onWalCommit, &m_log);
}

qint64 Catalogue::logBytes() const
{
    return m_log.frames * (m_pageSize + 24); // a frame is a page and a 24-byte header
}

bool Catalogue::restartLog(int waitMs, LogReset reset)
{
    sqlite3 *db = handle();
    if (!db || m_readOnly)
        return false;
    // A restart waits for the write lock like any writer: say so.
    const WaitingWriterFlag waiting(m_directoryFd);
    // SQLite's busy handler covers the write lock and the readers, but a checkpoint running
    // on another connection (the checkpoint thread, another process's) makes this one fail
    // at once: with several processes that was most attempts. So: try again until waitMs.
    QElapsedTimer waited;
    waited.start();
    int rc = SQLITE_BUSY;
    for (;;) {
        sqlite3_busy_timeout(db,
                             int(qBound(qint64(0), qint64(waitMs) - waited.elapsed(), qint64(10))));
        rc = sqlite3_wal_checkpoint_v2(db, nullptr,
                                       reset == LogReset::Truncate ? SQLITE_CHECKPOINT_TRUNCATE
                                                                   : SQLITE_CHECKPOINT_RESTART,
                                       nullptr, nullptr);
        if (rc != SQLITE_BUSY || waited.elapsed() >= waitMs)
            break;
        ::usleep(500);
    }
    sqlite3_busy_timeout(db, BusyTimeoutMs);
    if (rc == SQLITE_OK)
        m_log.frames = 0; // the next writer starts the log from its beginning
    return rc == SQLITE_OK;
}

qint64 Catalogue::walSize() const
{
    struct stat st;
    if (m_walPath.isEmpty() || ::stat(m_walPath.constData(), &st) != 0)
        return 0;
    return qint64(st.st_size);
}

} // namespace tiercache
