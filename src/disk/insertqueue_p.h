// SPDX-License-Identifier: MIT
#pragma once

#include "disk/catalogue_p.h"

#include <QtCore/QHash>
#include <QtCore/QStringList>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace tiercache {

/*
    The inserts a DiskStore has accepted but not yet written to its catalogue, and the thread
    that writes them, in the order they came. The caller of push() goes on at once (hashing
    and preparing its next insert) while this thread does the SQLite work of the last one:
    on two cores, the two halves of a stream of small inserts overlap.

    At most MaxQueued wait; push() blocks while that many do, so a caller faster than the
    catalogue waits where it inserts instead of piling bodies up in memory (they are inline
    bodies: at most DiskStore::InlineMax each). drain() waits for everything pushed before it
    was called: DiskStore calls it before any other use of the catalogue, so that every read
    and every write sees the inserts that were accepted before it.
*/
class InsertQueue
{
public:
    struct Insert
    {
        EntryRecord entry; // filled in, inline body included (storedBytes)
        QStringList tags;
        qint64 maximumSize = 0;
    };
    static constexpr int MaxQueued = 16;

    //! \a apply writes one insert; it runs on this queue's thread, in push() order.
    explicit InsertQueue(std::function<void(Insert &)> apply);
    //! Applies what is queued, then stops the thread.
    ~InsertQueue();
    InsertQueue(const InsertQueue &) = delete;
    InsertQueue &operator=(const InsertQueue &) = delete;

    void push(Insert insert);
    //! Waits until every insert pushed before this call has been applied. Never call it from
    //! \a apply, nor while holding a lock \a apply needs.
    void drain();
    //! Whether an insert of \a key is pushed but not applied yet.
    bool holds(const QString &key) const;
    //! Whether the calling thread is this queue's (inside \a apply).
    bool isApplying() const;

private:
    void run();

    std::function<void(Insert &)> m_apply;
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Insert> m_queue;
    QHash<QString, int> m_keys; // keys in m_queue or being applied, with how many times
    quint64 m_pushed = 0;
    quint64 m_applied = 0;
    // m_pushed - m_applied, readable without m_mutex: drain() and holds() of an empty queue
    // (every lookup asks holds()) take no lock.
    std::atomic<int> m_waiting {0};
    bool m_stop = false;
    std::thread m_thread; // started by the first push()
};

} // namespace tiercache
