// SPDX-License-Identifier: MIT
#include "qnamfetch.h"

#include <QtCore/QEventLoop>
#include <QtCore/QTimer>

namespace tiercache::test {

Fetched send(QNetworkAccessManager &nam, const QNetworkRequest &request, const QByteArray &verb,
             const QByteArray &body, int timeoutMs)
{
    QNetworkReply *reply = verb == "GET" ? nam.get(request)
            : verb == "POST"             ? nam.post(request, body)
                                         : nam.sendCustomRequest(request, verb, body);
    Fetched f;
    QEventLoop loop;
    QObject::connect(reply, &QIODevice::readyRead, &loop, [&] { f.body += reply->readAll(); });
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    f.finished = reply->isFinished();
    f.body += reply->readAll();
    f.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    f.fromCache = reply->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool();
    f.error = reply->error();
    f.headers = reply->rawHeaderPairs();
    if (!f.finished)
        reply->abort();
    delete reply;
    return f;
}

Fetched fetch(QNetworkAccessManager &nam, const QUrl &url,
              QNetworkRequest::CacheLoadControl control, int timeoutMs)
{
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, control);
    return send(nam, request, "GET", QByteArray(), timeoutMs);
}

QByteArray headerOf(const Fetched &f, const QByteArray &name)
{
    for (const auto &h : f.headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

bool hasHeader(const Fetched &f, const QByteArray &name)
{
    for (const auto &h : f.headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace tiercache::test
