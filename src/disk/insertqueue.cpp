// SPDX-License-Identifier: MIT
#include "disk/insertqueue_p.h"

#include <utility>

namespace tiercache {

namespace {
    // The queue whose thread this is (isApplying()); set once by that thread itself.
    thread_local const InsertQueue *t_applyingQueue = nullptr;
} // namespace

InsertQueue::InsertQueue(std::function<void(Insert &)> apply) : m_apply(std::move(apply)) { }

InsertQueue::~InsertQueue()
{
    {
        const std::lock_guard lock(m_mutex);
        m_stop = true;
        m_changed.notify_all();
    }
    if (m_thread.joinable())
        m_thread.join();
}

void InsertQueue::push(Insert insert)
{
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] { return int(m_queue.size()) < MaxQueued; });
    ++m_keys[insert.entry.key];
    m_queue.push_back(std::move(insert));
    ++m_pushed;
    m_waiting.fetch_add(1, std::memory_order_relaxed);
    if (!m_thread.joinable())
        m_thread = std::thread([this] { run(); });
    m_changed.notify_all();
}

void InsertQueue::drain()
{
    // Zero: what this thread pushed has been applied (acquire: and written).
    if (m_waiting.load(std::memory_order_acquire) == 0)
        return;
    std::unique_lock lock(m_mutex);
    const quint64 target = m_pushed;
    m_changed.wait(lock, [&] { return m_applied >= target; });
}

bool InsertQueue::holds(const QString &key) const
{
    if (m_waiting.load(std::memory_order_acquire) == 0)
        return false;
    const std::lock_guard lock(m_mutex);
    return m_keys.contains(key);
}

bool InsertQueue::isApplying() const
{
    return t_applyingQueue == this;
}

void InsertQueue::run()
{
    t_applyingQueue = this;
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_changed.wait(lock, [this] { return m_stop || !m_queue.empty(); });
        if (m_queue.empty())
            return; // stopped, and nothing left
        Insert insert = std::move(m_queue.front());
        m_queue.pop_front();
        m_changed.notify_all();               // room for push()
        const QString key = insert.entry.key; // m_apply may take the entry
        lock.unlock();
        m_apply(insert);
        lock.lock();
        const auto it = m_keys.find(key);
        if (it != m_keys.end() && --*it == 0)
            m_keys.erase(it);
        ++m_applied;
        m_waiting.fetch_sub(1, std::memory_order_release);
        m_changed.notify_all();
    }
}

} // namespace tiercache
