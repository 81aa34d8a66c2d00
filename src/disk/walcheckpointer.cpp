// SPDX-License-Identifier: MIT
#include "disk/waitingwriterflag_p.h"
#include "disk/walcheckpointer_p.h"
#include "logging_p.h"

#include <QtCore/QFile>
#include <QtCore/QFileInfo>

#include <atomic>
#include <sqlite3.h>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

namespace tiercache {

namespace {
    // How long a restart of the log may hold up writers while it waits for readers.
    constexpr int RestartWaitMs = 20;
    constexpr qint64 WalFrameHeader = 24;

    qint64 pageSize(sqlite3 *db)
    {
        sqlite3_stmt *st = nullptr;
        qint64 size = 4096;
        if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, nullptr) == SQLITE_OK
            && sqlite3_step(st) == SQLITE_ROW)
            size = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return size;
    }
} // namespace

void WalCheckpointer::start(const QString &path, Reset reset, qint64 restartLogBytes)
{
    static std::atomic<int> running {0};
    if (running.fetch_add(1) > 0) {
        running.fetch_sub(1);
        return; // one at a time is plenty
    }
    // A plain thread: the hand-over of `file` is then visible to ThreadSanitizer (a
    // QThreadPool queue is not), and nothing waits for it at exit.
    const QByteArray file = QFile::encodeName(path);
    const QByteArray dir = QFile::encodeName(QFileInfo(path).absolutePath());
    std::thread([file, dir, reset, restartLogBytes] {
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
                qCDebug(lcCatalogue, "WAL checkpoint of %s left to another process",
                        file.constData());
            else if (rc != SQLITE_OK || logFrames < 0)
                qCWarning(lcCatalogue, "WAL checkpoint of %s did not run (%s)", file.constData(),
                          sqlite3_errstr(rc));
            // RESTART and TRUNCATE hold the write lock while they copy the last frames (the
            // passive pass above left few), sync and wait for readers of the log; the next
            // writer then starts the log from its beginning. Readers of another process may
            // keep them waiting: give up soon rather than hold our writers up, try next time.
            // A restart is only worth that when the log holds much; the size of the file says
            // nothing, it keeps its high-water mark.
            const qint64 logBytes = qint64(logFrames) * (pageSize(db) + WalFrameHeader);
            if (rc == SQLITE_OK && (reset == Reset::Truncate || logBytes > restartLogBytes)) {
                sqlite3_busy_timeout(db, RestartWaitMs);
                const int mode = reset == Reset::Truncate ? SQLITE_CHECKPOINT_TRUNCATE
                                                          : SQLITE_CHECKPOINT_RESTART;
                // It waits for the write lock like any writer: say so.
                const int dirFd = ::open(dir.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                int rrc;
                {
                    const WaitingWriterFlag waiting(dirFd);
                    rrc = sqlite3_wal_checkpoint_v2(db, nullptr, mode, nullptr, nullptr);
                }
                if (dirFd >= 0)
                    ::close(dirFd);
                if (rrc != SQLITE_OK && rrc != SQLITE_BUSY)
                    qCWarning(lcCatalogue, "WAL restart of %s failed (%s)", file.constData(),
                              sqlite3_errstr(rrc));
            }
        }
        sqlite3_close(db);
        running.fetch_sub(1);
    }).detach();
}

} // namespace tiercache
