// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace tiercache {

/*
    Runs one body's write steps (hash, encode, checksum, write) in order, off the thread that
    receives the body: on the process's writer threads (at most one per core, at least two),
    shared by every cache. At most MaxQueued pieces wait; post() blocks while that many do, so
    a body arriving faster than the disk takes it waits where it comes from instead of piling
    up in memory. One owner's pieces never run on two threads at once, nor out of order.

    The owner calls post() and drain() from one thread; \a process runs on a writer thread,
    and everything it touches belongs to it until drain() returns.
*/
class SpoolWorker
{
public:
    //! Pieces handed over are about this size: large enough that a hand-over costs nothing
    //! next to hashing and writing it, small enough that few are in flight.
    static constexpr qsizetype PieceSize = 256 * 1024;
    static constexpr int MaxQueued = 4;

    explicit SpoolWorker(std::function<void(const QByteArray &)> process);
    //! Waits for the pieces already running; those not started are dropped (cancel()).
    ~SpoolWorker();
    SpoolWorker(const SpoolWorker &) = delete;
    SpoolWorker &operator=(const SpoolWorker &) = delete;

    //! Queues \a piece, waiting first while MaxQueued pieces wait already.
    void post(QByteArray piece);
    //! Waits until every posted piece has been processed (or dropped).
    void drain();
    //! Drops the pieces not started yet, and any posted later.
    void cancel();
    //! Whether a piece was ever handed to a writer thread.
    bool wasUsed() const { return m_used; }

    //! On a writer thread: processes the queued pieces, then returns (post() submits it).
    void run();

private:
    std::function<void(const QByteArray &)> m_process;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<QByteArray> m_queue;
    bool m_running = false; // a writer thread is on this queue
    bool m_cancelled = false;
    bool m_used = false; // owner's thread only
};

} // namespace tiercache
