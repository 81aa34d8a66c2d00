// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QStringList>

#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QThread;
QT_END_NAMESPACE

namespace tiercache {
class NetworkCache;
}

namespace tiercache::browser {

/*
    Where the Browser's views read the catalogue: a worker thread owning a read-only
    NetworkCache of its own on the window's directory (or tier chain), so that listing,
    counting and statistics never block the GUI thread. A NetworkCache belongs to the thread
    that uses it; the library supports several instances on one directory, so the worker's is
    simply another reader. Jobs run one after another in the order they were asked for; each
    answer comes back on the asking object's thread, and is dropped when that object is gone
    or the reader was reopened meanwhile (an answer about another cache).
*/
class CatalogueReader : public QObject
{
    Q_OBJECT
public:
    explicit CatalogueReader(QObject *parent = nullptr);
    ~CatalogueReader() override;

    //! Opens the worker's cache read-only on \a directory (may be empty) with \a tiers (empty:
    //! the default "disk:"), after the jobs already asked for. Never writes, never promotes.
    void open(const QString &directory, const QStringList &tiers = {});
    //! Drops the worker's cache; answers still on their way are discarded.
    void close();
    bool isOpen() const { return m_open; }
    //! Jobs asked for whose answer has not been delivered yet.
    int pendingJobs() const { return m_pending; }

    /*!
        Runs \a job with the worker's cache on the worker thread, then \a done with its
        result on \a context's thread. \a job gets nullptr when nothing is open.
    */
    template<typename Result>
    void run(QObject *context, std::function<Result(const NetworkCache *)> job,
             std::function<void(const Result &)> done)
    {
        post(context, [job = std::move(job), done = std::move(done)](const NetworkCache *cache) {
            auto result = std::make_shared<Result>(job(cache));
            return std::function<void()>([done, result] { done(*result); });
        });
    }

Q_SIGNALS:
    //! Every job asked for has been answered.
    void idle();

private:
    using Job = std::function<std::function<void()>(const NetworkCache *)>;
    void post(QObject *context, Job job);
    void delivered();

    QThread *m_thread;
    QObject *m_worker;                     // lives on m_thread
    std::unique_ptr<NetworkCache> m_cache; // made, used and deleted on m_thread only
    quint64 m_epoch = 0;
    int m_pending = 0;
    bool m_open = false;
};

} // namespace tiercache::browser
