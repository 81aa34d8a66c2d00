// SPDX-License-Identifier: MIT
#include "accessmanager_p.h"

#include "accessreply_p.h"
#include "autorefresh_p.h"
#include "freshness_p.h"
#include "http/variantkey_p.h"
#include "logging_p.h"
#include "networkcache_p.h"
#include "storedheaders_p.h"
#include "tags_p.h"
#include "upstreamfetch_p.h"

#include <tiercache/networkcache.h>

#include <QtCore/QDateTime>

#include <limits>

namespace tiercache {

namespace {
    using Result = AccessManager::CacheResult;
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    int storedStatus(const QNetworkCacheMetaData &md)
    {
        return statusCode(md);
    }

    bool isSafe(QNetworkAccessManager::Operation op, const QByteArray &verb)
    {
        if (op == QNetworkAccessManager::GetOperation || op == QNetworkAccessManager::HeadOperation)
            return true;
        if (op != QNetworkAccessManager::CustomOperation)
            return false;
        const QByteArray v = verb.toUpper();
        return v == "GET" || v == "HEAD" || v == "OPTIONS" || v == "TRACE";
    }

    // RFC 9111 3: may a private cache store this response to a GET?
    bool storable(int status, const QNetworkCacheMetaData &md, bool negativeCaching)
    {
        if (status < 200 || status == 206 || status == 304 || status >= 600)
            return false;
        const CacheControl cc = CacheControl::parse(rawHeader(md, "cache-control"));
        if (cc.has("no-store"))
            return false;
        if (storedheaders::varyFields(md).contains("*"))
            return false;
        return negativeCaching || hasFreshnessInformation(md) || cc.has("public")
                || cc.has("private") || status == 200 || status == 203 || status == 204
                || status == 300 || status == 301 || status == 308 || status == 404 || status == 405
                || status == 410 || status == 414 || status == 501;
    }

    bool sameOrigin(const QUrl &a, const QUrl &b)
    {
        return a.scheme() == b.scheme() && a.host().compare(b.host(), Qt::CaseInsensitive) == 0
                && a.port(a.scheme() == QLatin1String("https") ? 443 : 80)
                == b.port(b.scheme() == QLatin1String("https") ? 443 : 80);
    }

    // RFC 9111 3.2: the stored fields, updated with those of the 304.
    QNetworkCacheMetaData merge304(const QNetworkCacheMetaData &stored, const Headers &fresh)
    {
        QNetworkCacheMetaData md = stored;
        QNetworkCacheMetaData::RawHeaderList headers;
        for (const auto &h : stored.rawHeaders()) {
            if (h.first.compare("age", Qt::CaseInsensitive) != 0)
                headers.append(h);
        }
        for (const auto &n : fresh) {
            const QByteArray name = n.first.toLower();
            // RFC 9111 3.2: all but Content-Length, the fields the stored body depends on and
            // those not stored at all (3.1, dropped again when the entry is refreshed).
            if (name == "content-length" || name == "content-encoding" || name == "content-range"
                || name == "connection" || name == "transfer-encoding" || name == "keep-alive")
                continue;
            bool replaced = false;
            for (auto &h : headers) {
                if (h.first.compare(name, Qt::CaseInsensitive) == 0) {
                    h.second = n.second;
                    replaced = true;
                }
            }
            if (!replaced)
                headers.append(n);
        }
        md.setRawHeaders(headers);
        return md;
    }
} // namespace

AccessManager::AccessManager(NetworkCache *cache, QObject *parent)
    : QNetworkAccessManager(parent), d_ptr(std::make_unique<AccessManagerPrivate>(this))
{
    d_ptr->cache = cache;
    if (cache)
        cache->setParent(this);
    AccessManagerPrivate *d = d_ptr.get();
    d->autoRefresher = new AutoRefresher(
            [d](const AutoRefresher::Entry &e) -> qint64 {
                const QNetworkCacheMetaData md =
                        d->cache ? d->cache->metaData(e.lookupUrl) : QNetworkCacheMetaData();
                if (!md.isValid())
                    return std::numeric_limits<qint64>::min();
                return http::FreshnessDecision::decide(
                               md, http::RequestDirectives::fromRequest(e.request),
                               QDateTime::currentDateTimeUtc(), d->staleOptions)
                        .ttl;
            },
            [d](const AutoRefresher::Entry &e) {
                return d->refreshInBackground(e.request, e.lookupUrl,
                                              int(UpstreamFetch::Refresh::Auto));
            },
            [d](AutoRefresher::Outcome outcome) { d->countInStatistics(outcome); }, this);
}

AccessManager::~AccessManager() = default;

NetworkCache *AccessManager::networkCache() const
{
    return d_ptr->cache;
}

void AccessManager::setCacheStatusEnabled(bool enabled)
{
    d_ptr->cacheStatusEnabled = enabled;
}

bool AccessManager::isCacheStatusEnabled() const
{
    return d_ptr->cacheStatusEnabled;
}

void AccessManager::setCacheStatusName(const QByteArray &name)
{
    d_ptr->cacheStatusName = name.isEmpty() ? QByteArray("tiercache") : name;
}

void AccessManager::setStaleWhileRevalidate(qint64 seconds)
{
    d_ptr->staleOptions.staleWhileRevalidate = qMax<qint64>(0, seconds);
}

void AccessManager::setStaleIfError(qint64 seconds)
{
    d_ptr->staleOptions.staleIfError = qMax<qint64>(0, seconds);
}

void AccessManager::setOfflineFallback(bool enabled)
{
    d_ptr->offline = enabled;
}

void AccessManager::setCoalescingEnabled(bool enabled)
{
    d_ptr->coalescing = enabled;
}

bool AccessManager::isCoalescingEnabled() const
{
    return d_ptr->coalescing;
}

qint64 AccessManager::originRequestCount() const
{
    return d_ptr->originRequests;
}

void AccessManager::setRefreshBeforeExpiry(qint64 seconds)
{
    d_ptr->refreshWindow = qMax<qint64>(0, seconds);
}

qint64 AccessManager::refreshBeforeExpiry() const
{
    return d_ptr->refreshWindow;
}

void AccessManager::setAutoRefresh(bool enabled, const AutoRefreshOptions &options)
{
    d_ptr->autoRefresher->setEnabled(enabled, options);
}

void AccessManager::setAutoRefresh(bool enabled)
{
    setAutoRefresh(enabled, AutoRefreshOptions());
}

bool AccessManager::isAutoRefreshEnabled() const
{
    return d_ptr->autoRefresher->isEnabled();
}

AccessManager::AutoRefreshOptions AccessManager::autoRefreshOptions() const
{
    return d_ptr->autoRefresher->options();
}

AccessManager::RefreshCounters AccessManager::refreshCounters() const
{
    return d_ptr->autoRefresher->counters();
}

QNetworkReply *AccessManager::createRequest(Operation op, const QNetworkRequest &request,
                                            QIODevice *outgoingData)
{
    Q_D(AccessManager);
    const QByteArray verb = request.attribute(QNetworkRequest::CustomVerbAttribute).toByteArray();
    if (!d->cache)
        return QNetworkAccessManager::createRequest(op, request, outgoingData);
    if (!isSafe(op, verb))
        return d->unsafe(op, request, outgoingData, verb);
    // Range requests pass through untouched (the cache stores whole responses only).
    if ((op != GetOperation && op != HeadOperation) || request.hasRawHeader("Range"))
        return QNetworkAccessManager::createRequest(op, request, outgoingData);
    return d->get(op, request);
}

// ---------------------------------------------------------------------------------------------

QByteArray AccessManagerPrivate::cacheStatus(const QByteArray &params) const
{
    return cacheStatusName + (params.isEmpty() ? QByteArray() : "; " + params);
}

QUrl AccessManagerPrivate::lookupUrl(const QNetworkRequest &request, bool *uncacheable) const
{
    *uncacheable = false;
    const QList<QByteArray> vary = varyByKey.value(cache->cacheKey(request.url()));
    if (vary.isEmpty())
        return request.url();
    if (vary.contains("*")) {
        *uncacheable = true;
        return request.url();
    }
    return http::variantUrl(request.url(), http::variantHash(vary, request));
}

QNetworkReply *AccessManagerPrivate::get(QNetworkAccessManager::Operation op,
                                         const QNetworkRequest &request)
{
    Q_Q(AccessManager);
    auto *reply = new AccessReply(op, request, q);
    const http::RequestDirectives directives = http::RequestDirectives::fromRequest(request);
    if (directives.bypass) { // AlwaysNetwork: the response may still be stored
        fetch(reply, request, request.url(), {}, false, false);
        reply->setResult(Result::Bypass);
        return reply;
    }
    bool uncacheable = false;
    const QUrl lookup = lookupUrl(request, &uncacheable);
    const QNetworkCacheMetaData md =
            uncacheable ? QNetworkCacheMetaData() : cache->metaData(lookup);
    if (!md.isValid()) {
        if (directives.onlyIfCached || directives.cacheOnly) {
            answerUnavailable(reply, directives);
            return reply;
        }
        fetch(reply, request, lookup, {}, false, true);
        return reply;
    }
    const http::FreshnessDecision decision = http::FreshnessDecision::decide(
            md, directives, QDateTime::currentDateTimeUtc(), staleOptions);
    using Use = http::FreshnessDecision::Use;
    if (op == QNetworkAccessManager::GetOperation)
        autoRefresher->noteRequest(cache->cacheKey(lookup), request, lookup);
    switch (decision.use) {
    case Use::Fresh:
        serveStored(reply, lookup, md, Result::Hit, "hit; ttl=" + QByteArray::number(decision.ttl));
        // Refresh before expiry: this reader is answered now, the next finds it fresh.
        if (refreshWindow > 0 && decision.ttl <= refreshWindow)
            refreshInBackground(request, lookup, int(UpstreamFetch::Refresh::Background));
        return reply;
    case Use::Stale:
        serveStored(reply, lookup, md, Result::Stale,
                    "hit; ttl=" + QByteArray::number(decision.ttl));
        return reply;
    case Use::StaleWhileRevalidate: {
        serveStored(reply, lookup, md, Result::Stale,
                    "hit; ttl=" + QByteArray::number(decision.ttl)
                            + "; detail=stale-while-revalidate");
        refreshInBackground(request, lookup, int(UpstreamFetch::Refresh::None));
        return reply;
    }
    case Use::Revalidate:
        if (directives.onlyIfCached || directives.cacheOnly) {
            answerUnavailable(reply, directives);
            return reply;
        }
        fetch(reply, request, lookup, md, true, !directives.noCache);
        return reply;
    }
    return reply;
}

bool AccessManagerPrivate::refreshInBackground(const QNetworkRequest &request, const QUrl &lookup,
                                               int kind)
{
    const QString key = cache->cacheKey(lookup);
    if (revalidating.contains(key))
        return false;
    revalidating.insert(key);
    fetch(nullptr, request, lookup, cache->metaData(lookup), true, false);
    if (lastBackground)
        lastBackground->refresh = UpstreamFetch::Refresh(kind);
    return true;
}

void AccessManagerPrivate::countRefresh(UpstreamFetch *f, bool failed)
{
    if (f->refresh == UpstreamFetch::Refresh::None || f->refreshCounted)
        return;
    f->refreshCounted = true;
    if (f->refresh == UpstreamFetch::Refresh::Auto) {
        autoRefresher->finished(failed);
    } else {
        autoRefresher->count(failed ? AutoRefresher::Outcome::Failed
                                    : AutoRefresher::Outcome::Done);
    }
}

void AccessManagerPrivate::countInStatistics(AutoRefresher::Outcome outcome)
{
    if (!cache)
        return;
    using Counter = StatisticsCounters::Counter;
    cache->d_func()->counters.count(outcome == AutoRefresher::Outcome::Done ? Counter::RefreshesDone
                                            : outcome == AutoRefresher::Outcome::Skipped
                                            ? Counter::RefreshesSkipped
                                            : Counter::RefreshesFailed);
}

void AccessManagerPrivate::answerUnavailable(AccessReply *reply,
                                             const http::RequestDirectives &directives)
{
    reply->setResult(Result::Unavailable);
    if (directives.onlyIfCached && !directives.cacheOnly) {
        // RFC 9111 5.2.1.7: "respond using a stored response ... or respond with a 504".
        reply->setResponse(504, "Gateway Timeout", {}, false);
        if (cacheStatusEnabled)
            reply->setHeader("Cache-Status", cacheStatus("fwd=miss; detail=only-if-cached"));
        reply->complete(QNetworkReply::ProxyTimeoutError,
                        QStringLiteral("only-if-cached: no usable stored response"));
        return;
    }
    // Qt's documented AlwaysCache behaviour.
    reply->complete(QNetworkReply::ContentNotFoundError,
                    QStringLiteral("AlwaysCache: nothing usable in the cache"));
}

void AccessManagerPrivate::serveStored(AccessReply *reply, const QUrl &url,
                                       const QNetworkCacheMetaData &md,
                                       AccessManager::CacheResult result, const QByteArray &status)
{
    QIODevice *body = nullptr;
    if (reply->operation() != QNetworkAccessManager::HeadOperation) {
        body = cache->data(url);
        if (!body) { // gone meanwhile: fetch it
            fetch(reply, reply->request(), url, {}, false, false);
            return;
        }
    }
    const QUrl redirect =
            md.attributes().value(QNetworkRequest::RedirectionTargetAttribute).toUrl();
    if (redirect.isValid())
        reply->setRedirect(redirect);
    reply->setResponse(
            storedStatus(md),
            md.attributes().value(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray(),
            md.rawHeaders(), true);
    if (cacheStatusEnabled)
        reply->setHeader("Cache-Status", cacheStatus(status));
    reply->setResult(result);
    reply->announce();
    new CacheBodyPump(reply, body);
}

void AccessManagerPrivate::fetch(AccessReply *reply, const QNetworkRequest &request,
                                 const QUrl &lookup, const QNetworkCacheMetaData &stored,
                                 bool conditional, bool coalescable)
{
    Q_Q(AccessManager);
    // Identical requests (same URL and variant, same fields) share one origin request.
    QString coalescingKey;
    if (coalescing && coalescable && reply
        && reply->operation() == QNetworkAccessManager::GetOperation) {
        coalescingKey = cache->cacheKey(lookup);
        for (const QByteArray &name : request.rawHeaderList())
            coalescingKey += QLatin1Char('\n') + QString::fromLatin1(name.toLower()) + u':'
                    + QString::fromLatin1(request.rawHeader(name));
        if (UpstreamFetch *f = inFlight.value(coalescingKey); f && !f->headersArrived) {
            reply->setResult(Result::Coalesced);
            f->subscribers.append(reply);
            return;
        }
    }
    QNetworkRequest upstream = request;
    upstream.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                          QNetworkRequest::PreferNetwork);
    if (conditional) {
        const QByteArray etag = rawHeader(stored, "etag");
        if (!etag.isEmpty() && !upstream.hasRawHeader("If-None-Match"))
            upstream.setRawHeader("If-None-Match", etag);
        const QByteArray lastModified = rawHeader(stored, "last-modified");
        if (!lastModified.isEmpty() && !upstream.hasRawHeader("If-Modified-Since"))
            upstream.setRawHeader("If-Modified-Since", lastModified);
    }
    // HEAD from the cache's point of view is a GET whose body is not wanted: a background
    // revalidation or a miss for HEAD asks with HEAD, and is not stored.
    const auto op = reply ? reply->operation() : QNetworkAccessManager::GetOperation;
    QNetworkReply *network = q->QNetworkAccessManager::createRequest(op, upstream, nullptr);
    ++originRequests;
    auto *f = new UpstreamFetch(network, request, q);
    lastBackground = reply ? nullptr : f;
    f->background = !reply;
    if (reply) {
        if (reply->result() != Result::Coalesced)
            reply->setResult(conditional ? Result::Revalidated : Result::Miss);
        f->subscribers.append(reply);
    }
    f->lookupUrl = lookup;
    f->stored = stored;
    f->conditional = conditional;
    f->coalescingKey = coalescingKey;
    if (!coalescingKey.isEmpty())
        inFlight.insert(coalescingKey, f);
    network->setParent(f);
    QObject::connect(network, &QNetworkReply::metaDataChanged, f, [this, f] { onHeaders(f); });
    QObject::connect(network, &QIODevice::readyRead, f, [this, f] { onData(f); });
    QObject::connect(network, &QNetworkReply::finished, f, [this, f] { onFinished(f); });
}

bool AccessManagerPrivate::serveStaleOnError(UpstreamFetch *f, int status)
{
    if (!f->stored.isValid())
        return false;
    const http::FreshnessDecision decision = http::FreshnessDecision::decide(
            f->stored, http::RequestDirectives::fromRequest(f->request()),
            QDateTime::currentDateTimeUtc(), staleOptions);
    const CacheControl cc = CacheControl::parse(rawHeader(f->stored, "cache-control"));
    const bool allowed = decision.mayServeStaleOnError
            || (offline && !cc.has("must-revalidate") && !cc.hasWithoutArgument("no-cache"));
    if (!allowed)
        return false;
    const QNetworkCacheMetaData md = cache->metaData(f->lookupUrl);
    if (!md.isValid())
        return false;
    // RFC 9211: the request went forward (because the entry was stale, or the request asked
    // for it), then the stored response answered.
    QByteArray params = decision.ttl < 0 ? "fwd=stale" : "fwd=request";
    if (status > 0)
        params += "; fwd-status=" + QByteArray::number(status);
    params += "; ttl=" + QByteArray::number(decision.ttl) + "; detail=stale-if-error";
    for (const QPointer<AccessReply> &reply : std::as_const(f->subscribers)) {
        if (reply)
            serveStored(reply, f->lookupUrl, cache->metaData(f->lookupUrl), Result::Stale, params);
    }
    f->subscribers.clear();
    return true;
}

void AccessManagerPrivate::onHeaders(UpstreamFetch *f)
{
    if (f->headersArrived)
        return;
    f->headersArrived = true;
    if (!f->coalescingKey.isEmpty())
        inFlight.remove(f->coalescingKey);
    QNetworkReply *network = f->network();
    const int status = network->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const Headers headers = network->rawHeaderPairs();

    if (status == 304 && f->conditional && f->stored.isValid()) {
        QNetworkCacheMetaData merged = merge304(f->stored, headers);
        merged.setUrl(f->lookupUrl);
        // The refreshed entry's age is the 304's own (its Date and Age: RFC 9111 4.3.4, 4.2.3).
        NetworkCachePrivate::NotModified response;
        response.age = network->rawHeader("Age");
        response.connection = network->rawHeader("Connection");
        response.hasDate = network->hasRawHeader("Date");
        cache->d_func()->refresh(merged, &response);
        revalidating.remove(cache->cacheKey(f->lookupUrl));
        countRefresh(f, false);
        for (const QPointer<AccessReply> &reply : std::as_const(f->subscribers)) {
            if (!reply)
                continue;
            const QNetworkCacheMetaData md = cache->metaData(f->lookupUrl);
            if (!md.isValid()) {
                reply->complete(QNetworkReply::ContentNotFoundError,
                                QStringLiteral("the revalidated entry is gone"));
                continue;
            }
            serveStored(reply, f->lookupUrl, md, Result::Revalidated, "fwd=stale; fwd-status=304");
        }
        f->subscribers.clear();
        return; // a 304 has no body: the network reply finishes by itself
    }
    if (status >= 500 && serveStaleOnError(f, status)) {
        // Not from inside its own signal: Qt's HTTP reply then reports its error twice.
        QMetaObject::invokeMethod(network, &QNetworkReply::abort, Qt::QueuedConnection);
        return;
    }

    // A response to pass on, and maybe to store.
    QNetworkCacheMetaData md;
    md.setUrl(f->request().url());
    md.setRawHeaders(headers);
    md.setAttributes({{QNetworkRequest::HttpStatusCodeAttribute, status},
                      {QNetworkRequest::HttpReasonPhraseAttribute,
                       network->attribute(QNetworkRequest::HttpReasonPhraseAttribute)}});
    const QUrl redirect = network->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
    if (redirect.isValid()) {
        auto attributes = md.attributes();
        attributes.insert(QNetworkRequest::RedirectionTargetAttribute, redirect);
        md.setAttributes(attributes);
    }
    const http::RequestDirectives directives = http::RequestDirectives::fromRequest(f->request());
    const bool isGet = network->operation() == QNetworkAccessManager::GetOperation;
    bool stored = false;
    const bool negativeCaching = cache->policy().negativeTtlFor(f->request().url(), status) > 0;
    if (isGet && !directives.noStore && !(f->background && status >= 500)
        && storable(status, md, negativeCaching)) {
        const QString key = cache->cacheKey(f->request().url());
        const QList<QByteArray> vary = storedheaders::varyFields(md);
        QUrl storeUrl = f->request().url();
        if (!vary.isEmpty()) {
            const QList<QByteArray> fields =
                    http::varyFieldNames(vary.join(QByteArrayLiteral(", ")));
            if (varyByKey.value(key) != fields) {
                // The origin varies on other fields now: earlier variants cannot be found.
                for (const QUrl &old : variantsByKey.take(key))
                    cache->remove(old);
                varyByKey.insert(key, fields);
            }
            cache->remove(f->request().url()); // no response without Vary any more
            storeUrl =
                    http::variantUrl(f->request().url(), http::variantHash(fields, f->request()));
            variantsByKey[key].insert(storeUrl);
        } else if (varyByKey.contains(key)) {
            varyByKey.remove(key);
            for (const QUrl &old : variantsByKey.take(key))
                cache->remove(old);
        }
        QNetworkCacheMetaData toStore =
                storedheaders::withoutUnstorableFields(md, network->rawHeader("Connection"));
        toStore.setUrl(storeUrl);
        toStore.setSaveToDisk(true);
        toStore.setLastModified(parseHttpDate(rawHeader(md, "last-modified")));
        if (QIODevice *writer = cache->prepare(toStore)) {
            f->setProperty("_tc_store_url", storeUrl);
            f->setProperty("_tc_writer", QVariant::fromValue<QObject *>(writer));
            stored = true;
        }
    } else if (isGet && status >= 200 && status < 600 && status != 304) {
        // RFC 9111 4.4 in spirit: an uncacheable answer replaces nothing, but what was stored
        // under this URL is no longer what the origin sends.
        if (CacheControl::parse(network->rawHeader("Cache-Control")).has("no-store"))
            cache->remove(f->lookupUrl);
    }
    QByteArray statusParams = f->conditional ? "fwd=stale" : "fwd=uri-miss";
    statusParams += "; fwd-status=" + QByteArray::number(status);
    if (stored)
        statusParams += "; stored";
    for (const QPointer<AccessReply> &reply : std::as_const(f->subscribers)) {
        if (!reply)
            continue;
        if (redirect.isValid())
            reply->setRedirect(redirect);
        reply->setResponse(
                status,
                network->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray(),
                headers, false);
        if (reply->result() == Result::Revalidated)
            reply->setResult(Result::Miss); // the origin sent a new response
        if (cacheStatusEnabled)
            reply->setHeader(
                    "Cache-Status",
                    cacheStatus(statusParams
                                + (reply->result() == Result::Coalesced ? QByteArray("; collapsed")
                                                                        : QByteArray())));
        reply->announce();
    }
}

void AccessManagerPrivate::onData(UpstreamFetch *f)
{
    QNetworkReply *network = f->network();
    if (!f->headersArrived)
        onHeaders(f);
    if (!network || !network->isOpen())
        return;
    const QByteArray chunk = network->readAll();
    if (chunk.isEmpty())
        return;
    if (auto *writer = qobject_cast<QIODevice *>(f->property("_tc_writer").value<QObject *>()))
        writer->write(chunk);
    for (const QPointer<AccessReply> &reply : std::as_const(f->subscribers)) {
        if (reply)
            reply->appendBody(chunk);
    }
}

void AccessManagerPrivate::onFinished(UpstreamFetch *f)
{
    QNetworkReply *network = f->network();
    if (!f->coalescingKey.isEmpty() && inFlight.value(f->coalescingKey) == f)
        inFlight.remove(f->coalescingKey);
    revalidating.remove(cache ? cache->cacheKey(f->lookupUrl) : QString());
    f->deleteLater();
    if (f->refresh != UpstreamFetch::Refresh::None && !f->refreshCounted) {
        const int status =
                network ? network->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() : 0;
        const bool failed = !network || status >= 500
                || (status == 0 && network->error() != QNetworkReply::NoError);
        countRefresh(f, failed);
    }
    if (!network || f->subscribers.isEmpty()) {
        if (network && network->error() == QNetworkReply::NoError)
            onData(f);
    }
    const QNetworkReply::NetworkError error =
            network ? network->error() : QNetworkReply::UnknownNetworkError;
    const bool transportError = network && error != QNetworkReply::NoError
            && network->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 0;
    if (transportError && !f->headersArrived) {
        if (!f->coalescingKey.isEmpty())
            inFlight.remove(f->coalescingKey);
        if (serveStaleOnError(f, 0))
            return;
    }
    if (network && f->headersArrived)
        onData(f);
    auto *writer = qobject_cast<QIODevice *>(f->property("_tc_writer").value<QObject *>());
    if (writer && cache) {
        if (error == QNetworkReply::NoError
            || network->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() >= 400)
            cache->insert(writer);
        else
            cache->remove(f->property("_tc_store_url").toUrl()); // abandons the writer
    }
    for (const QPointer<AccessReply> &reply : std::as_const(f->subscribers)) {
        if (!reply)
            continue;
        if (!f->headersArrived)
            reply->setResponse(0, {}, {}, false);
        reply->complete(error, network ? network->errorString() : QString());
    }
    f->subscribers.clear();
}

// RFC 9111 4.4: a non-error response to an unsafe request invalidates the target URI and the
// same-origin URIs in Location and Content-Location; RFC 9875: Cache-Group-Invalidation.
QNetworkReply *AccessManagerPrivate::unsafe(QNetworkAccessManager::Operation op,
                                            const QNetworkRequest &request, QIODevice *outgoingData,
                                            const QByteArray &verb)
{
    Q_Q(AccessManager);
    Q_UNUSED(verb);
    QNetworkReply *reply = q->QNetworkAccessManager::createRequest(op, request, outgoingData);
    ++originRequests;
    QObject::connect(reply, &QNetworkReply::metaDataChanged, q, [this, reply] {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status < 200 || status >= 400 || !cache)
            return;
        const QUrl target = reply->url();
        invalidate(target);
        for (const char *field : {"Location", "Content-Location"}) {
            const QByteArray value = reply->rawHeader(field);
            if (value.isEmpty())
                continue;
            const QUrl other = target.resolved(QUrl::fromEncoded(value.trimmed()));
            if (other.isValid() && sameOrigin(other, target))
                invalidate(other);
        }
        const QByteArray groups = reply->rawHeader("Cache-Group-Invalidation");
        if (!groups.isEmpty()) {
            QStringList problems;
            const QStringList list = tags::parseStructuredStringList(groups, &problems);
            if (!list.isEmpty())
                cache->d_func()->invalidate(list, false, cache->cacheKey(target));
        }
    });
    return reply;
}

void AccessManagerPrivate::invalidate(const QUrl &url)
{
    const QString key = cache->cacheKey(url);
    cache->remove(url);
    for (const QUrl &variant : variantsByKey.take(key))
        cache->remove(variant);
}

} // namespace tiercache
