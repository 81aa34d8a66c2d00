// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/accessmanager.h>

#include "autorefresh_p.h"
#include "http/freshnessdecision_p.h"
#include "http/requestdirectives_p.h"

#include <QtCore/QHash>
#include <QtCore/QPointer>
#include <QtCore/QSet>
#include <QtNetwork/QNetworkCacheMetaData>

namespace tiercache {

class AccessReply;
class NetworkCache;
class UpstreamFetch;

/*
    The request flow of AccessManager: look up (the variant of) the URL, let
    http::FreshnessDecision say how the stored response may be used, and serve it, fetch it, or
    revalidate it; store what the origin sends; invalidate after unsafe methods.
*/
class AccessManagerPrivate
{
    Q_DECLARE_PUBLIC(AccessManager)
public:
    explicit AccessManagerPrivate(AccessManager *q) : q_ptr(q) { }

    QNetworkReply *get(QNetworkAccessManager::Operation op, const QNetworkRequest &request);
    QNetworkReply *unsafe(QNetworkAccessManager::Operation op, const QNetworkRequest &request,
                          QIODevice *outgoingData, const QByteArray &verb);

    //! The URL a request's response is stored under (its variant when the URL varies).
    QUrl lookupUrl(const QNetworkRequest &request, bool *uncacheable) const;
    void serveStored(AccessReply *reply, const QUrl &url, const QNetworkCacheMetaData &md,
                     AccessManager::CacheResult result, const QByteArray &cacheStatus);
    //! Sends \a request to the origin for \a reply (nullptr: background revalidation).
    void fetch(AccessReply *reply, const QNetworkRequest &request, const QUrl &lookup,
               const QNetworkCacheMetaData &stored, bool conditional, bool coalescable);
    void onHeaders(UpstreamFetch *f);
    void onData(UpstreamFetch *f);
    void onFinished(UpstreamFetch *f);
    //! \a status: the origin's (5xx), 0 after a transport error.
    bool serveStaleOnError(UpstreamFetch *f, int status);
    void answerUnavailable(AccessReply *reply, const http::RequestDirectives &directives);
    void invalidate(const QUrl &url);
    QByteArray cacheStatus(const QByteArray &params) const;
    //! Starts a background revalidation of \a lookup unless one runs; false if one does.
    bool refreshInBackground(const QNetworkRequest &request, const QUrl &lookup, int kind);
    //! Counts the end of a background revalidation (once).
    void countRefresh(UpstreamFetch *f, bool failed);
    //! Adds a background revalidation's outcome to the cache's shared statistics.
    void countInStatistics(AutoRefresher::Outcome outcome);

    AccessManager *q_ptr;
    QPointer<NetworkCache> cache;
    bool cacheStatusEnabled = false;
    QByteArray cacheStatusName = "tiercache";
    http::StaleOptions staleOptions;
    bool offline = false;
    bool coalescing = true;
    qint64 originRequests = 0;
    qint64 refreshWindow = 0; // refresh before expiry, seconds
    AutoRefresher *autoRefresher = nullptr;
    UpstreamFetch *lastBackground = nullptr; // set by fetch() for a fetch without a reply

    // What the origin said varies per URL key, and the variants stored under it.
    QHash<QString, QList<QByteArray>> varyByKey;
    QHash<QString, QSet<QUrl>> variantsByKey;
    QHash<QString, UpstreamFetch *> inFlight; // coalescing key -> fetch, until headers arrive
    QSet<QString> revalidating;               // lookup keys with a background revalidation
};

} // namespace tiercache
