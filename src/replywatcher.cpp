// SPDX-License-Identifier: MIT
#include "replywatcher_p.h"

#include "freshness_p.h"
#include "insertdevice_p.h"
#include "logging_p.h"
#include "tags_p.h"

#include <QtCore/QPointer>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>

namespace tiercache {

QList<QNetworkReply *> ReplyWatcher::managerReplies() const
{
    auto *manager = qobject_cast<QNetworkAccessManager *>(m_cache->parent());
    return manager ? manager->findChildren<QNetworkReply *>(Qt::FindDirectChildrenOnly)
                   : QList<QNetworkReply *>();
}

void ReplyWatcher::watchOwner(InsertDevice *device, const OwnerCallbacks &callbacks)
{
    const auto replies = managerReplies();
    for (QNetworkReply *reply : replies) {
        if (!reply->isRunning() || reply->property("_tiercache_insert").isValid()
            || m_keyOf(reply->url()) != device->key()) {
            continue;
        }
        reply->setProperty("_tiercache_insert", true);
        QPointer<InsertDevice> guard(device);
        auto reap = [guard, abandoned = callbacks.abandoned] {
            if (guard)
                abandoned(guard.data());
        };
        QObject::connect(reply, &QObject::destroyed, device, reap);
        QObject::connect(reply, &QNetworkReply::finished, device,
                         [reply, guard, reap, done = callbacks.drainedAndDone] {
                             if (reply->error() != QNetworkReply::NoError) {
                                 QMetaObject::invokeMethod(guard.data(), reap,
                                                           Qt::QueuedConnection);
                                 return;
                             }
                             // A body QNAM decompressed reaches the cache only as the application
                             // reads it, and QNAM commits it only if the last read comes after
                             // finished(). An application that drained the reply in readyRead has
                             // written the whole body by now.
                             if (guard && reply->bytesAvailable() == 0
                                 && !rawHeader(guard->metaData(), "content-encoding").isEmpty()) {
                                 done(guard.data());
                             }
                         });
        return;
    }
}

void ReplyWatcher::watchUnsafeRequest(const QString &key,
                                      std::function<void(const QStringList &)> invalidate)
{
    const auto replies = managerReplies();
    for (QNetworkReply *reply : replies) {
        const auto op = reply->operation();
        if (op == QNetworkAccessManager::GetOperation || op == QNetworkAccessManager::HeadOperation
            || reply->property("_tiercache_unsafe").isValid() || m_keyOf(reply->url()) != key) {
            continue;
        }
        reply->setProperty("_tiercache_unsafe", true);
        QObject::connect(reply, &QNetworkReply::metaDataChanged, m_cache, [reply, key, invalidate] {
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QByteArray header = reply->rawHeader("Cache-Group-Invalidation");
            if (header.isEmpty() || status < 200 || status >= 400)
                return;
            QStringList problems;
            const QStringList groups = tags::parseStructuredStringList(header, &problems);
            for (const QString &p : std::as_const(problems))
                qCWarning(lcCache).noquote() << "Cache-Group-Invalidation from" << key << ":" << p;
            if (!groups.isEmpty())
                invalidate(groups);
        });
    }
}

bool ReplyWatcher::cacheOnlyRequestFor(const QString &key) const
{
    const auto replies = managerReplies();
    for (QNetworkReply *reply : replies) {
        if (!reply->isFinished()
            && reply->request().attribute(QNetworkRequest::CacheLoadControlAttribute).toInt()
                    == QNetworkRequest::AlwaysCache
            && m_keyOf(reply->url()) == key) {
            return true;
        }
    }
    return false;
}

QList<QNetworkReply *> ReplyWatcher::answeredReplies(const QString &key, int low, int high) const
{
    QList<QNetworkReply *> result;
    const auto replies = managerReplies();
    for (QNetworkReply *reply : replies) {
        if (reply->isFinished()
            || reply->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool())
            continue;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status < low || status > high || m_keyOf(reply->url()) != key)
            continue;
        result.append(reply);
    }
    return result;
}

QByteArray ReplyWatcher::responseField(const QString &key, const char *name, int status) const
{
    QByteArray joined;
    const auto replies = answeredReplies(key, status > 0 ? status : 100, status > 0 ? status : 999);
    for (QNetworkReply *reply : replies) {
        if (!reply->hasRawHeader(name))
            continue;
        if (!joined.isNull())
            joined += ", ";
        joined += reply->rawHeader(name);
    }
    return joined;
}

bool ReplyWatcher::isRevalidating(const QString &key) const
{
    return !answeredReplies(key, 304, 304).isEmpty();
}

bool ReplyWatcher::hasServerError(const QString &key) const
{
    return !answeredReplies(key, 500, 599).isEmpty();
}

} // namespace tiercache
