// SPDX-License-Identifier: MIT
#include "accessreply_p.h"

#include <QtCore/QTimer>

#include <cstring>

namespace tiercache {

AccessReply::AccessReply(QNetworkAccessManager::Operation op, const QNetworkRequest &request,
                         QObject *parent)
    : QNetworkReply(parent)
{
    setOperation(op);
    setRequest(request);
    setUrl(request.url());
    open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    setFinished(false);
}

AccessReply::~AccessReply() = default;

namespace {
    // The error QNAM 6.4 gives a network response with this status (qhttpthreaddelegate.cpp).
    QNetworkReply::NetworkError errorForStatus(int status)
    {
        switch (status) {
        case 401:
            return QNetworkReply::AuthenticationRequiredError;
        case 403:
            return QNetworkReply::ContentAccessDenied;
        case 404:
            return QNetworkReply::ContentNotFoundError;
        case 405:
            return QNetworkReply::ContentOperationNotPermittedError;
        case 407:
            return QNetworkReply::ProxyAuthenticationRequiredError;
        case 409:
            return QNetworkReply::ContentConflictError;
        case 410:
            return QNetworkReply::ContentGoneError;
        case 418:
            return QNetworkReply::ProtocolInvalidOperationError;
        case 500:
            return QNetworkReply::InternalServerError;
        case 501:
            return QNetworkReply::OperationNotImplementedError;
        case 503:
            return QNetworkReply::ServiceUnavailableError;
        default:
            if (status >= 500)
                return QNetworkReply::UnknownServerError;
            if (status >= 400)
                return QNetworkReply::UnknownContentError;
            return QNetworkReply::NoError;
        }
    }
} // namespace

void AccessReply::completeStored()
{
    const int status = attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError error = errorForStatus(status);
    if (error == NoError) {
        complete();
        return;
    }
    // A stored error response (negative caching) ends as the network response did.
    complete(error,
             QStringLiteral("Error transferring %1 - server replied: %2")
                     .arg(url().toString(),
                          QString::fromLatin1(attribute(QNetworkRequest::HttpReasonPhraseAttribute)
                                                      .toByteArray())));
}

void AccessReply::setResponse(int status, const QByteArray &reason,
                              const QList<QPair<QByteArray, QByteArray>> &headers, bool fromCache)
{
    setAttribute(QNetworkRequest::HttpStatusCodeAttribute, status);
    setAttribute(QNetworkRequest::HttpReasonPhraseAttribute, reason);
    setAttribute(QNetworkRequest::SourceIsFromCacheAttribute, fromCache);
    for (const auto &h : headers)
        setRawHeader(h.first, h.second);
}

void AccessReply::setResult(AccessManager::CacheResult result)
{
    m_result = result;
    setAttribute(AccessManager::CacheResultAttribute, int(result));
}

void AccessReply::announce()
{
    if (m_announced)
        return;
    m_announced = true;
    QMetaObject::invokeMethod(
            this, [this] { emit metaDataChanged(); }, Qt::QueuedConnection);
}

void AccessReply::appendBody(const QByteArray &chunk)
{
    if (chunk.isEmpty() || m_completed || operation() == QNetworkAccessManager::HeadOperation)
        return;
    if (m_pos > 0 && m_pos == m_buffer.size()) {
        m_buffer.clear();
        m_pos = 0;
    }
    m_buffer.append(chunk);
    QMetaObject::invokeMethod(
            this,
            [this] {
                if (bytesAvailable() > 0)
                    emit readyRead();
            },
            Qt::QueuedConnection);
}

void AccessReply::complete(NetworkError error, const QString &message)
{
    if (m_completed)
        return;
    m_completed = true;
    announce();
    QMetaObject::invokeMethod(
            this,
            [this, error, message] {
                if (error != NoError) {
                    setError(error, message);
                    emit errorOccurred(error);
                }
                setFinished(true);
                emit finished();
            },
            Qt::QueuedConnection);
}

qint64 AccessReply::bytesAvailable() const
{
    return (m_buffer.size() - m_pos) + QNetworkReply::bytesAvailable();
}

qint64 AccessReply::readData(char *data, qint64 maxSize)
{
    const qint64 available = m_buffer.size() - m_pos;
    if (available <= 0)
        return m_completed && isFinished() ? -1 : 0;
    const qint64 n = qMin(maxSize, available);
    std::memcpy(data, m_buffer.constData() + m_pos, size_t(n));
    m_pos += n;
    if (m_pos == m_buffer.size()) {
        m_buffer.clear();
        m_pos = 0;
        QMetaObject::invokeMethod(
                this, [this] { emit drained(); }, Qt::QueuedConnection);
    }
    return n;
}

void AccessReply::abort()
{
    if (isFinished())
        return;
    m_buffer.clear();
    m_pos = 0;
    if (!m_completed) {
        m_completed = true;
        setError(OperationCanceledError, tr("Operation canceled"));
        emit errorOccurred(OperationCanceledError);
        setFinished(true);
        emit finished();
    }
}

// ---------------------------------------------------------------------------------------------

CacheBodyPump::CacheBodyPump(AccessReply *reply, QIODevice *body)
    : QObject(reply), m_reply(reply), m_body(body)
{
    if (body) {
        body->setParent(reply); // the checked device aborts this reply on damage
        connect(body, &QIODevice::readyRead, this, &CacheBodyPump::pump);
        connect(body, &QIODevice::readChannelFinished, this, &CacheBodyPump::pump);
    }
    connect(reply, &AccessReply::drained, this, &CacheBodyPump::pump);
    QMetaObject::invokeMethod(this, &CacheBodyPump::pump, Qt::QueuedConnection);
}

void CacheBodyPump::pump()
{
    if (!m_reply || m_reply->isCompleted())
        return;
    if (!m_body || m_reply->operation() == QNetworkAccessManager::HeadOperation) {
        m_reply->completeStored();
        delete m_body.data();
        return;
    }
    constexpr qint64 Chunk = 64 * 1024;
    // The device hands out one checked window per readyRead(): an application reading in
    // readyRead() holds a window at most; one that waits for finished() gets the whole body,
    // as from QNAM's own cache path.
    for (;;) {
        QByteArray chunk(Chunk, Qt::Uninitialized);
        const qint64 n = m_body->read(chunk.data(), Chunk);
        if (n < 0) {
            m_reply->completeStored();
            m_body->deleteLater();
            return;
        }
        if (n == 0) {
            // A random-access device (the memory tier's QBuffer) says "no more" with 0, not
            // -1, and never emits readyRead() again: at its end, the body is complete.
            if (!m_body->isSequential() && m_body->atEnd()) {
                m_reply->completeStored();
                m_body->deleteLater();
            }
            return; // more after the device's readyRead(), or it failed and aborts the reply
        }
        chunk.truncate(n);
        m_reply->appendBody(chunk);
    }
}

} // namespace tiercache
