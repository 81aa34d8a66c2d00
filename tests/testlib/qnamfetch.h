// SPDX-License-Identifier: MIT
#pragma once

// Fetching through a real QNetworkAccessManager and reporting what the application would see,
// shared by the end-to-end test suites.

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QUrl>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>

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

//! Sends \a request with operation \a verb ("GET", "POST", ...) and waits at most \a timeoutMs
//! for the reply to finish, reading in readyRead as streaming applications do. A reply that
//! did not finish in time is aborted.
Fetched send(QNetworkAccessManager &nam, const QNetworkRequest &request,
             const QByteArray &verb = "GET", const QByteArray &body = QByteArray(),
             int timeoutMs = 30000);

//! GET of \a url with the cache load control \a control, as send().
Fetched fetch(QNetworkAccessManager &nam, const QUrl &url,
              QNetworkRequest::CacheLoadControl control = QNetworkRequest::PreferNetwork,
              int timeoutMs = 30000);

//! The value of the response header \a name (case-insensitive), or an empty array.
QByteArray headerOf(const Fetched &f, const QByteArray &name);

bool hasHeader(const Fetched &f, const QByteArray &name);

} // namespace tiercache::test
