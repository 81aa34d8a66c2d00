// SPDX-License-Identifier: MIT
#include "disk/spoolworker_p.h"

#include <QtCore/QThread>

#include <thread>
#include <utility>

namespace tiercache {

namespace {

    /*
        The writer threads, the process's own: an application keeping QThreadPool::globalInstance()
        busy never holds back a download it is receiving. Plain threads with a std::mutex
        hand-over, so that ThreadSanitizer sees every hand-over (a QThreadPool queue is invisible
        to it). They are started as work comes, at most one per core (at least two), and then
        wait for the next body for the life of the process: nothing waits for them at exit.
    */
    class WriterThreads
    {
    public:
        static WriterThreads &instance()
        {
            static WriterThreads *const threads = new WriterThreads; // never destroyed, see above
            return *threads;
        }

        //! Runs \a worker's run() on a writer thread.
        void submit(SpoolWorker *worker)
        {
            std::unique_lock lock(m_mutex);
            m_ready.push_back(worker);
            if (m_idle > 0) {
                m_wake.notify_one();
                return;
            }
            if (m_threads < qMax(2, QThread::idealThreadCount())) {
                ++m_threads;
                std::thread([this] { loop(); }).detach();
            }
        }

    private:
        void loop()
        {
            std::unique_lock lock(m_mutex);
            for (;;) {
                ++m_idle;
                m_wake.wait(lock, [this] { return !m_ready.empty(); });
                --m_idle;
                SpoolWorker *const worker = m_ready.front();
                m_ready.pop_front();
                lock.unlock();
                worker->run();
                lock.lock();
            }
        }

        std::mutex m_mutex;
        std::condition_variable m_wake;
        std::deque<SpoolWorker *> m_ready;
        int m_threads = 0;
        int m_idle = 0;
    };

} // namespace

SpoolWorker::SpoolWorker(std::function<void(const QByteArray &)> process)
    : m_process(std::move(process))
{
}

SpoolWorker::~SpoolWorker()
{
    cancel();
    drain();
}

void SpoolWorker::post(QByteArray piece)
{
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] { return m_cancelled || int(m_queue.size()) < MaxQueued; });
    if (m_cancelled)
        return;
    m_queue.push_back(std::move(piece));
    m_used = true;
    if (!m_running) {
        m_running = true;
        lock.unlock();
        WriterThreads::instance().submit(this);
    }
}

void SpoolWorker::run()
{
    std::unique_lock lock(m_mutex);
    while (!m_queue.empty() && !m_cancelled) {
        const QByteArray &piece = m_queue.front(); // stays put: deque never moves its elements
        lock.unlock();
        m_process(piece);
        lock.lock();
        m_queue.pop_front();
        m_changed.notify_all();
    }
    m_queue.clear();
    m_running = false;
    m_changed.notify_all();
}

void SpoolWorker::drain()
{
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] { return !m_running && m_queue.empty(); });
}

void SpoolWorker::cancel()
{
    const std::lock_guard lock(m_mutex);
    m_cancelled = true;
    m_changed.notify_all();
}

} // namespace tiercache
