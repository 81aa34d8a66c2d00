// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/accessmanager.h>

#include <QtCore/QByteArray>
#include <QtCore/QPointer>
#include <QtNetwork/QNetworkReply>

namespace tiercache {

/*
    The reply AccessManager hands out for every request it answers through the cache: status,
    headers and body are pushed into it (from a stored body or from an origin response shared
    by coalesced requests) and it emits metaDataChanged, readyRead and finished like QNAM's
    own replies - always from the event loop, never inside get(). It holds only what the
    application has not read yet: the sources feed it a chunk at a time.
*/
class AccessReply : public QNetworkReply
{
    Q_OBJECT
public:
    AccessReply(QNetworkAccessManager::Operation op, const QNetworkRequest &request,
                QObject *parent);
    ~AccessReply() override;

    void setResponse(int status, const QByteArray &reason,
                     const QList<QPair<QByteArray, QByteArray>> &headers, bool fromCache);
    void setHeader(const QByteArray &name, const QByteArray &value) { setRawHeader(name, value); }
    void setRedirect(const QUrl &target)
    {
        setAttribute(QNetworkRequest::RedirectionTargetAttribute, target);
    }
    void setResult(AccessManager::CacheResult result);
    AccessManager::CacheResult result() const { return m_result; }
    //! Emits metaDataChanged() (queued) once.
    void announce();
    //! Appends body bytes (ignored for HEAD) and emits readyRead() (queued).
    void appendBody(const QByteArray &chunk);
    //! Finishes (queued, after what is queued already), with \a error if any.
    void complete(NetworkError error = NoError, const QString &message = {});
    //! Finishes a reply served from the cache: with the error QNAM gives its status (>= 400).
    void completeStored();
    bool isCompleted() const { return m_completed; }
    qint64 buffered() const { return m_buffer.size() - m_pos; }

    qint64 bytesAvailable() const override;
    bool isSequential() const override { return true; }
    void abort() override;

Q_SIGNALS:
    //! The application read something: a source may push more.
    void drained();

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    QByteArray m_buffer;
    qsizetype m_pos = 0;
    bool m_announced = false;
    bool m_completed = false;
    AccessManager::CacheResult m_result = AccessManager::CacheResult::Bypass;
};

/*
    Streams a stored body (NetworkCache::data()) into an AccessReply a window at a time: the
    device is parented to the reply, so ChunkedBodyDevice checks each chunk before it is handed
    out and aborts the reply on damage.
*/
class CacheBodyPump : public QObject
{
    Q_OBJECT
public:
    //! Takes \a body (may be null for HEAD / no body) and starts pumping from the event loop.
    CacheBodyPump(AccessReply *reply, QIODevice *body);

private:
    void pump();

    QPointer<AccessReply> m_reply;
    QPointer<QIODevice> m_body;
};

} // namespace tiercache
