// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QUrl>

#include <functional>

QT_BEGIN_NAMESPACE
class QNetworkReply;
class QObject;
QT_END_NAMESPACE

namespace tiercache {

class InsertDevice;

/*
    What the cache learns by following QNAM's replies, since QNAM does not tell it:
    - a download that was abandoned (an aborted reply with a Content-Length never calls
      insert() or remove(); a deleted reply calls nothing: qnetworkreplyhttpimpl.cpp);
    - a decoded body that the application drained before finished() (QNAM then never commits
      it: QNetworkReplyHttpImpl::readData);
    - the Cache-Group-Invalidation header of an unsafe request's response, which QNAM never
      shows a cache (it only calls remove(url) before sending the request);
    - whether an AlwaysCache request is waiting for an URL;
    - the response fields QNAM drops before the cache sees them (Connection), and the headers of
      the 304 or 5xx a revalidation got (QNAM hands the cache a merge of old and new fields).
    The replies are the children of the manager that owns the cache (QNAM::setCache()).
*/
class ReplyWatcher
{
public:
    using KeyOf = std::function<QString(const QUrl &)>;
    //! \a cache is the cache object (its parent is the manager); \a keyOf maps URLs to keys.
    ReplyWatcher(QObject *cache, KeyOf keyOf) : m_cache(cache), m_keyOf(std::move(keyOf)) { }

    struct OwnerCallbacks
    {
        std::function<void(InsertDevice *)> abandoned;      //!< the reply failed or was deleted
        std::function<void(InsertDevice *)> drainedAndDone; //!< decoded body read in full
    };
    //! Follows the reply that owns \a device (prepare()d for it).
    void watchOwner(InsertDevice *device, const OwnerCallbacks &callbacks);
    //! Follows the unsafe request for \a key; \a invalidate gets the groups its response names.
    void watchUnsafeRequest(const QString &key,
                            std::function<void(const QStringList &groups)> invalidate);
    //! Whether an unfinished AlwaysCache request asks for \a key.
    bool cacheOnlyRequestFor(const QString &key) const;
    /*!
        The response field \a name of the unfinished network replies for \a key that have a
        status (their headers arrived), joined with ", " when several have it; with \a status
        > 0 only replies with that status count.
    */
    QByteArray responseField(const QString &key, const char *name, int status = 0) const;
    //! Whether an unfinished reply for \a key got a 304 that QNAM is merging right now.
    bool isRevalidating(const QString &key) const;
    //! Whether an unfinished reply for \a key got a 5xx (QNAM then may serve the stored entry).
    bool hasServerError(const QString &key) const;

private:
    QList<QNetworkReply *> managerReplies() const;
    //! Unfinished replies for \a key with a network status in [\a low, \a high], not yet
    //! answered from the cache.
    QList<QNetworkReply *> answeredReplies(const QString &key, int low, int high) const;

    QObject *m_cache;
    KeyOf m_keyOf;
};

} // namespace tiercache
