// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QString>

namespace tiercache {

/*
    Checkpoints the write-ahead log of a catalogue file on a worker thread with its own
    connection. The catalogue turns SQLite's auto-checkpoint off because a checkpoint inside
    the COMMIT of an insert costs tens of milliseconds of fsyncs; the owner of the catalogue
    (DiskStore::maintainWal()) decides when the log has grown enough to start one here.
    At most one runs per process at a time; a request while one runs is dropped.
*/
class WalCheckpointer
{
public:
    //! What to do after the passive checkpoint. Restart: if the passive passes left at most
    //! about 1 MiB to copy, or the log holds more than restartLogBytes, make the next writer
    //! start it afresh (writers wait meanwhile). Truncate: that, and cut the file to nothing,
    //! whatever the log holds.
    enum class Reset { Restart, Truncate };

    //! Checkpoints the WAL of the catalogue at \a path in the background, then applies \a reset.
    static void start(const QString &path, Reset reset, qint64 restartLogBytes);
};

} // namespace tiercache
