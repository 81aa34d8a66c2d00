// SPDX-License-Identifier: MIT
#include "disk/waitingwriterflag_p.h"
#include "disk/walcheckpointer_p.h"
#include "logging_p.h"

#include <QtCore/QElapsedTimer>
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
    // What a restart may copy with the write lock held (a copy and two syncs: 4-5 ms for
    // 1 MiB), and how many passive passes may try to leave no more than that.
    constexpr qint64 CheapRestartBytes = 1024 * 1024;
    constexpr int MaxPassivePasses = 3;
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
            // Passive passes copy the log into the database while writers go on. What they
            // leave is what a restart must copy with the write lock held: while it is more
            // than a restart may cost, copy again (the next pass has only the frames written
            // meanwhile).
            const qint64 frameBytes = pageSize(db) + WalFrameHeader;
            int logFrames = -1, checkpointed = -1;
            const auto leftToCopy = [&] { return qint64(logFrames - checkpointed) * frameBytes; };
            int rc = SQLITE_OK;
            QElapsedTimer clock;
            for (int pass = 0; pass < MaxPassivePasses; ++pass) {
                clock.start();
                rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &logFrames,
                                               &checkpointed);
                qCDebug(lcCatalogue, "passive checkpoint: %d of %d frames in %.1f ms", checkpointed,
                        logFrames, double(clock.nsecsElapsed()) / 1e6);
                if (rc != SQLITE_OK || leftToCopy() <= CheapRestartBytes)
                    break;
            }
            // BUSY: another process is checkpointing right now, which is just as good.
            if (rc == SQLITE_BUSY)
                qCDebug(lcCatalogue, "WAL checkpoint of %s left to another process",
                        file.constData());
            else if (rc != SQLITE_OK || logFrames < 0)
                qCWarning(lcCatalogue, "WAL checkpoint of %s did not run (%s)", file.constData(),
                          sqlite3_errstr(rc));
            // RESTART and TRUNCATE hold the write lock while they copy the last frames, sync
            // and wait for readers of the log; the next writer then starts the log from its
            // beginning. Readers of another process may keep them waiting: give up soon rather
            // than hold our writers up, try next time. A restart is done when it is cheap (the
            // passes above left little) or when the log holds much (the size of the file says
            // nothing, it keeps its high-water mark). Restarting only past the limit let a
            // full cache's inserts grow the log to the room the cap keeps (39 MB beside a
            // 512 MB cache), which the inserter then cut back itself: 70-290 ms.
            const qint64 logBytes = qint64(logFrames) * frameBytes;
            const bool cheap = leftToCopy() <= CheapRestartBytes;
            if (rc == SQLITE_OK
                && (reset == Reset::Truncate || cheap || logBytes > restartLogBytes)) {
                sqlite3_busy_timeout(db, RestartWaitMs);
                const int mode = reset == Reset::Truncate ? SQLITE_CHECKPOINT_TRUNCATE
                                                          : SQLITE_CHECKPOINT_RESTART;
                // It waits for the write lock like any writer: say so.
                const int dirFd = ::open(dir.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                int rrc;
                clock.start();
                {
                    const WaitingWriterFlag waiting(dirFd);
                    rrc = sqlite3_wal_checkpoint_v2(db, nullptr, mode, nullptr, nullptr);
                }
                if (dirFd >= 0)
                    ::close(dirFd);
                qCDebug(lcCatalogue, "%s: %s in %.1f ms",
                        reset == Reset::Truncate ? "truncate" : "restart",
                        rrc == SQLITE_OK ? "done" : sqlite3_errstr(rrc),
                        double(clock.nsecsElapsed()) / 1e6);
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
