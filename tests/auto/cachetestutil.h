// SPDX-License-Identifier: MIT
#pragma once

// Helpers shared by the end-to-end tests: fetch through a real QNetworkAccessManager and
// report what the application would see.

#include <loopbackserver.h>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

namespace tiercache::test {

struct Fetched
{
    QByteArray body;
    int status = 0;
    bool fromCache = false;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QList<QNetworkReply::RawHeaderPair> headers;
    bool finished = false;
};

// Reads in readyRead, as streaming applications do.
inline Fetched fetch(QNetworkAccessManager &nam, const QUrl &url,
                     QNetworkRequest::CacheLoadControl control = QNetworkRequest::PreferNetwork,
                     int timeoutMs = 30000)
{
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, control);
    QNetworkReply *reply = nam.get(request);
    Fetched f;
    QObject::connect(reply, &QIODevice::readyRead, reply, [&] { f.body += reply->readAll(); });
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        f.finished = finished.wait(timeoutMs);
    else
        f.finished = true;
    f.body += reply->readAll();
    f.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    f.fromCache = reply->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool();
    f.error = reply->error();
    f.headers = reply->rawHeaderPairs();
    delete reply;
    return f;
}

inline QStringList blobFiles(const QString &cacheDir)
{
    QStringList files;
    const QString blobs = cacheDir + QLatin1String("/blobs");
    const auto subdirs = QDir(blobs).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &sub : subdirs) {
        const auto names = QDir(blobs + QLatin1Char('/') + sub).entryList(QDir::Files);
        for (const QString &n : names)
            files.append(blobs + QLatin1Char('/') + sub + QLatin1Char('/') + n);
    }
    return files;
}

} // namespace tiercache::test
