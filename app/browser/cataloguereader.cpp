// SPDX-License-Identifier: MIT
#include "cataloguereader.h"

#include <tiercache/networkcache.h>

#include <QtCore/QThread>

namespace tiercache::browser {

CatalogueReader::CatalogueReader(QObject *parent)
    : QObject(parent), m_thread(new QThread), m_worker(new QObject)
{
    m_thread->setObjectName(QStringLiteral("CatalogueReader"));
    m_worker->moveToThread(m_thread);
    m_thread->start();
}

CatalogueReader::~CatalogueReader()
{
    close();
    // The cache goes on its own thread, before the thread does.
    QMetaObject::invokeMethod(
            m_worker, [this] { m_cache.reset(); }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    // Its thread has finished: deleted here. (A queued deleteLater() posted before quit() may
    // never run: quit() ends the loop without draining the events still queued.)
    delete m_worker;
    delete m_thread;
}

void CatalogueReader::open(const QString &directory, const QStringList &tiers)
{
    ++m_epoch;
    m_open = true;
    QMetaObject::invokeMethod(
            m_worker,
            [this, directory, tiers] {
                m_cache = std::make_unique<NetworkCache>();
                m_cache->setReadOnly(true);
                // Listing and reading must not copy entries into upper tiers.
                m_cache->setPromotionPolicy(PromotionPolicy::never());
                m_cache->setStatisticsEnabled(false);
                if (!tiers.isEmpty())
                    m_cache->setTiers(tiers);
                if (!directory.isEmpty())
                    m_cache->setCacheDirectory(directory);
            },
            Qt::QueuedConnection);
}

void CatalogueReader::close()
{
    ++m_epoch;
    m_open = false;
    QMetaObject::invokeMethod(
            m_worker, [this] { m_cache.reset(); }, Qt::QueuedConnection);
}

void CatalogueReader::post(QObject *context, Job job)
{
    ++m_pending;
    const quint64 epoch = m_epoch;
    QPointer<QObject> target(context);
    QMetaObject::invokeMethod(
            m_worker,
            [this, job = std::move(job), epoch, target] {
                // A read-only cache opened while no process wrote is a frozen snapshot until
                // dataVersion() notices a writer (it reopens then): look before each job.
                if (m_cache)
                    m_cache->dataVersion();
                std::function<void()> deliver = job(m_cache.get());
                QMetaObject::invokeMethod(
                        this,
                        [this, deliver = std::move(deliver), epoch, target] {
                            if (epoch == m_epoch && target)
                                deliver();
                            delivered();
                        },
                        Qt::QueuedConnection);
            },
            Qt::QueuedConnection);
}

void CatalogueReader::delivered()
{
    if (--m_pending == 0)
        emit idle();
}

} // namespace tiercache::browser
