// SPDX-License-Identifier: MIT
// NetworkCache: the QAbstractNetworkCache adapter over a tier chain. Each call here turns a
// QNAM request into work for the chain and its collaborators (networkcache_p.h).
#include "networkcache_p.h"

#include "cachekey_p.h"
#include "freshness_p.h"
#include "http/variantkey_p.h"
#include "insertdevice_p.h"
#include "logging_p.h"
#include "responseage_p.h"
#include "storedheaders_p.h"
#include "storedtime_p.h"
#include "taginvalidation_p.h"
#include "tags_p.h"
#include "tierlisting_p.h"

#include <tiercache/tierspec.h>

#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QLocale>
#include <QtCore/QPointer>

#include <algorithm>

#include <utility>

namespace tiercache {

namespace {
    // QNAM decompresses gzip/deflate/br bodies it asked for itself and hands the cache the
    // decoded bytes, yet keeps "Content-Encoding" in the metadata: a hit would then announce an
    // encoding the body does not have. Drop the header when the body is evidently decoded.
    QNetworkCacheMetaData withoutStaleContentEncoding(const QNetworkCacheMetaData &md,
                                                      const QByteArray &leading)
    {
        const QByteArray encoding = rawHeader(md, "content-encoding").trimmed().toLower();
        if (encoding.isEmpty() || encoding == "identity")
            return md;
        bool decoded = false;
        if (encoding == "gzip" || encoding == "x-gzip")
            decoded = !leading.startsWith("\x1f\x8b");
        else if (encoding == "deflate")
            decoded = leading.isEmpty() || leading.at(0) != '\x78';
        else if (encoding == "br")
            decoded = rawHeader(md, "content-length").isNull(); // QNAM strips it when it decodes
        if (!decoded)
            return md;
        QNetworkCacheMetaData fixed = md;
        QNetworkCacheMetaData::RawHeaderList headers;
        for (const auto &h : md.rawHeaders()) {
            if (h.first.compare("content-encoding", Qt::CaseInsensitive) != 0)
                headers.append(h);
        }
        fixed.setRawHeaders(headers);
        return fixed;
    }

    // What a conditional request was made with: the ETag, else Last-Modified.
    QByteArray validatorOf(const QNetworkCacheMetaData &md)
    {
        const QByteArray etag = rawHeader(md, "etag");
        return etag.isEmpty() ? rawHeader(md, "last-modified") : etag;
    }

} // namespace

NetworkCachePrivate::NetworkCachePrivate(NetworkCache *q)
    : q_ptr(q),
      builder(q),
      pins(q),
      replies(q, [this](const QUrl &url) { return keyFor(url); }),
      counters(q, [q] { emit q->statisticsChanged(); })
{
    counters.setExtraDeltas([this] { return chain.takeCounterDeltas(); });
    tagCleanupTimer = new QTimer(q); // children of the cache: moveToThread() moves them too
    tagCleanupTimer->setSingleShot(true);
    tagCleanupTimer->setInterval(0);
    QObject::connect(tagCleanupTimer, &QTimer::timeout, q, [this] { forgetTagsOfEvicted(); });
}

NetworkCachePrivate::~NetworkCachePrivate() = default;

QDateTime NetworkCachePrivate::expirationFor(const QUrl &url, const QNetworkCacheMetaData &md,
                                             const QDateTime &now, qint64 hookTtl) const
{
    QDateTime expires = computeExpiration(md, now);
    const CacheControl cc = CacheControl::parse(rawHeader(md, "cache-control"));
    const bool forbidden = cc.has("no-cache") || cc.has("no-store");
    const int status = statusCode(md);
    const qint64 negativeTtl = policy.negativeTtlFor(url, status);
    if (!forbidden && policy.negativeStatuses().contains(status)) {
        // Negative caching: the TTL when the response says nothing, never longer than what
        // it says; the default TTL and the rules' positive TTLs are for other statuses.
        if (negativeTtl > 0 && !hasExplicitFreshness(md))
            expires = now.addSecs(negativeTtl);
        if (hookTtl >= 0)
            expires = now.addSecs(hookTtl);
    } else if (!forbidden) {
        if (policy.defaultTtl() > 0 && !hasFreshnessInformation(md))
            expires = now.addSecs(policy.defaultTtl());
        if (const qint64 rule = policy.ruleTtl(url); rule >= 0)
            expires = now.addSecs(rule);
        if (hookTtl >= 0)
            expires = now.addSecs(hookTtl);
    }
    if (policy.maximumTtl() >= 0 && expires > now.addSecs(policy.maximumTtl()))
        expires = now.addSecs(policy.maximumTtl());
    return expires;
}

QDateTime NetworkCachePrivate::storedTimeOf(const QString &key,
                                            const RevalidationPins::Pin *pinned) const
{
    if (pinned)
        return storedtime::storedTime(pinned->found.record.metaData());
    if (lastKey == key && lastFound.isValid())
        return storedtime::storedTime(lastFound.record.metaData());
    // Straight from the tiers, not through the chain's lookup: this is no lookup to count.
    for (int i = 0; i < chain.size(); ++i) {
        if (const std::unique_ptr<TierEntry> entry = chain.tier(i)->lookup(key))
            return storedtime::storedTime(entry->record().metaData());
    }
    return {};
}

void NetworkCachePrivate::setError(NetworkCache::Error e, const QString &message)
{
    error = e;
    errorString = message;
    qCWarning(lcCache).noquote() << message;
}

bool NetworkCachePrivate::refuseWrite(const char *what)
{
    if (!readOnly)
        return false;
    setError(NetworkCache::Error::WriteError,
             QStringLiteral("%1: the cache is open read-only").arg(QLatin1String(what)));
    return true;
}

void NetworkCachePrivate::attachFacets()
{
    directoryTier = chain.firstFacet<DirectoryTier>();
    directoryTierAsTier = dynamic_cast<Tier *>(directoryTier);
    tags = chain.firstFacet<TagIndex>();
    inspection = chain.firstFacet<CatalogueInspection>();
    counters.setStore(chain.firstFacet<StatisticsStore>());
    chain.tagsOf = [this](const QString &key) { return tagIndex().tagsOf(key); };
    if (!directoryTier)
        return;
    directoryTier->setDirectory(directory);
    directoryTier->setMaximumSize(maximumSize);
    if (maximumSizeSet)
        directoryTier->recordMaximumSize(maximumSize);
    directoryTier->setSync(syncMode == NetworkCache::SyncMode::SyncOnInsert);
    directoryTier->setReadOnly(readOnly);
    QPointer<NetworkCache> self(q_ptr);
    directoryTier->setDamageHandler([self](const QString &key) {
        if (!self)
            return;
        self->d_func()->setError(
                NetworkCache::Error::ReadError,
                QStringLiteral("body of %1 failed while streaming; entry dropped").arg(key));
        self->remove(QUrl(key, QUrl::StrictMode));
    });
    const QString tierName = directoryTierAsTier ? directoryTierAsTier->name() : QString();
    directoryTier->setEvictionObserver([this, tierName](const QString &key, qint64 bytes) {
        if (eventLog.sample())
            eventLog.write("evict", key, QString(), tierName, -1, {}, bytes);
        evictedFromDisk.append(key);
        if (!tagCleanupTimer->isActive())
            tagCleanupTimer->start();
    });
}

void NetworkCachePrivate::forgetTagsOfEvicted()
{
    // Tags must outlive an eviction while another tier still holds the entry (an invalidation
    // has to reach it there); once no tier does, they are dropped.
    const QStringList keys = std::exchange(evictedFromDisk, {});
    QStringList orphans;
    for (const QString &key : keys) {
        // Re-inserted since (with new tags), or still held by another tier: keep.
        bool held = false;
        for (int i = 0; i < chain.size() && !held; ++i)
            held = chain.tier(i)->lookup(key) != nullptr;
        if (!held)
            orphans.append(key);
    }
    tagIndex().dropTags(orphans);
}

int NetworkCachePrivate::invalidate(const QStringList &tagList, bool soft,
                                    const QString &sameOriginAs)
{
    QElapsedTimer timer;
    timer.start();
    // A pinned stale body may belong to an invalidated entry: it must not answer a later 304.
    pins.clear();
    forgetLookup();
    const int affected = TagInvalidation(chain, tagIndex()).run(tagList, soft, sameOriginAs);
    if (affected == 0)
        return 0;
    counters.count(StatisticsCounters::Invalidations, affected);
    if (eventLog.sample())
        eventLog.write(soft ? "soft-purge" : "invalidate", QString(), QString::number(affected),
                       QString(), timer.nsecsElapsed() / 1000, tagList);
    qCDebug(lcCache) << (soft ? "soft-purged" : "invalidated") << affected << "entries for"
                     << tagList;
    return affected;
}

void NetworkCachePrivate::abandon(InsertDevice *device)
{
    pending.remove(device);
    device->close(); // aboutToClose(): QNAM drops its pointer to the device
    device->discard();
    device->deleteLater();
}

// ---------------------------------------------------------------------------------------------

NetworkCache::NetworkCache(QObject *parent)
    : QAbstractNetworkCache(parent), d_ptr(std::make_unique<NetworkCachePrivate>(this))
{
    qRegisterMetaType<PromotionPolicy>();
    qRegisterMetaType<WriteMode>();
    setTiers({QStringLiteral("disk:")});
}

NetworkCache::~NetworkCache()
{
    Q_D(NetworkCache);
    d->counters.flush();
    d->eventLog.close();
    for (InsertDevice *device : std::as_const(d->pending))
        device->discard();
    d->pins.clear();
    d->forgetLookup();
    d->chain.setTiers({});
}

QString NetworkCache::cacheKey(const QUrl &url)
{
    return normalizedCacheKey(url);
}

QString NetworkCache::cacheDirectory() const
{
    Q_D(const NetworkCache);
    return d->directory;
}

void NetworkCache::setCacheDirectory(const QString &directory)
{
    Q_D(NetworkCache);
    const QString absolute = directory.isEmpty() ? QString() : QDir(directory).absolutePath();
    const bool changed = absolute != d->directory;
    d->directory = absolute;
    d->forgetLookup();
    if (d->directoryTier)
        d->directoryTier->setDirectory(d->directory);
    d->error = Error::NoError;
    d->errorString.clear();
    if (changed)
        emit cacheDirectoryChanged(absolute);
}

qint64 NetworkCache::maximumCacheSize() const
{
    Q_D(const NetworkCache);
    return d->maximumSize;
}

void NetworkCache::setMaximumCacheSize(qint64 size)
{
    Q_D(NetworkCache);
    size = qMax<qint64>(0, size);
    d->maximumSizeSet = true;
    if (d->directoryTier)
        d->directoryTier->recordMaximumSize(size);
    if (size == d->maximumSize)
        return;
    d->maximumSize = size;
    if (d->directoryTier)
        d->directoryTier->setMaximumSize(d->maximumSize);
    emit maximumCacheSizeChanged(size);
}

NetworkCache::SyncMode NetworkCache::syncMode() const
{
    Q_D(const NetworkCache);
    return d->syncMode;
}

void NetworkCache::setSyncMode(SyncMode mode)
{
    Q_D(NetworkCache);
    if (mode == d->syncMode)
        return;
    d->syncMode = mode;
    if (d->directoryTier)
        d->directoryTier->setSync(mode == SyncMode::SyncOnInsert);
    emit syncModeChanged(mode);
}

bool NetworkCache::isReadOnly() const
{
    Q_D(const NetworkCache);
    return d->readOnly;
}

void NetworkCache::setReadOnly(bool readOnly)
{
    Q_D(NetworkCache);
    if (readOnly == d->readOnly)
        return;
    d->forgetLookup();
    d->pins.clear();
    if (readOnly) {
        // Nothing half-written may be committed once the directory is read-only.
        const auto pending = d->pending;
        for (InsertDevice *device : pending)
            d->abandon(device);
    }
    d->readOnly = readOnly;
    d->error = Error::NoError;
    d->errorString.clear();
    // Plugin tiers learn it from their spec ("readonly=true"): they are created anew, which
    // setReadOnly() before setTiers() avoids. The disk tier switches at its next opening.
    const bool pluginTiers = std::any_of(
            d->requestedSpecs.cbegin(), d->requestedSpecs.cend(),
            [](const QString &spec) { return TierSpec(spec).scheme() != QLatin1String("disk"); });
    if (pluginTiers) {
        d->buildChain(d->requestedSpecs);
    } else {
        d->chain.readOnly = readOnly;
        if (d->directoryTier)
            d->directoryTier->setReadOnly(readOnly);
    }
    emit readOnlyChanged(readOnly);
}

bool NetworkCache::open()
{
    Q_D(NetworkCache);
    if (d->directory.isEmpty()) {
        d->setError(Error::DirectoryError, QStringLiteral("no cache directory set"));
        return false;
    }
    if (!d->directoryTier) {
        d->setError(Error::DirectoryError,
                    QStringLiteral("no tier of this cache keeps a directory (add \"disk:\")"));
        return false;
    }
    d->error = Error::NoError;
    d->errorString.clear();
    return d->directoryTier->ensureOpen();
}

qint64 NetworkCache::recordedMaximumCacheSize() const
{
    Q_D(const NetworkCache);
    return d->directoryTier ? d->directoryTier->recordedMaximumSize() : -1;
}

qint64 NetworkCache::dataVersion() const
{
    Q_D(const NetworkCache);
    return d->directoryTier ? d->directoryTier->dataVersion() : -1;
}

bool NetworkCache::setTiers(const QStringList &specs)
{
    Q_D(NetworkCache);
    return d->buildChain(specs.isEmpty() ? QStringList {QStringLiteral("disk:")} : specs);
}

bool NetworkCachePrivate::buildChain(const QStringList &requested)
{
    Q_Q(NetworkCache);
    ChainBuilder::Result built = builder.build(requested, readOnly);
    // Devices in flight hold writers of the old tiers, pins and the last lookup hold their
    // entries: let them go first.
    const auto inFlight = pending;
    for (InsertDevice *device : inFlight)
        abandon(device);
    pins.clear();
    forgetLookup();
    counters.setStore(nullptr); // hands what is counted to the old store
    chain.setTiers(std::move(built.tiers));
    chain.readOnly = readOnly;
    requestedSpecs = requested;
    const bool changed = built.specs != specs;
    specs = built.specs;
    tierErrors = built.errors;
    attachFacets();
    if (!tierErrors.isEmpty())
        setError(NetworkCache::Error::DirectoryError, tierErrors.join(QLatin1Char('\n')));
    if (changed)
        emit q->tiersChanged(specs);
    return tierErrors.isEmpty();
}

QStringList NetworkCache::tiers() const
{
    Q_D(const NetworkCache);
    return d->specs;
}

QStringList NetworkCache::tierErrors() const
{
    Q_D(const NetworkCache);
    return d->tierErrors;
}

QList<TierStatistics> NetworkCache::tierStatistics() const
{
    Q_D(const NetworkCache);
    QList<TierStatistics> tiers = d->chain.statistics();
    // With a persistent store every process counts into it: report what all of them did.
    if (d->counters.isPersistent())
        TierChain::applyStoredCounters(
                &tiers, const_cast<StatisticsCounters &>(d->counters).storedCounters());
    return tiers;
}

PromotionPolicy NetworkCache::promotionPolicy() const
{
    Q_D(const NetworkCache);
    return d->chain.policy;
}

void NetworkCache::setPromotionPolicy(const PromotionPolicy &policy)
{
    Q_D(NetworkCache);
    if (policy == d->chain.policy)
        return;
    d->chain.policy = policy;
    emit promotionPolicyChanged(policy);
}

NetworkCache::WriteMode NetworkCache::writeMode() const
{
    Q_D(const NetworkCache);
    return d->chain.writeMode;
}

void NetworkCache::setWriteMode(WriteMode mode)
{
    Q_D(NetworkCache);
    if (mode == d->chain.writeMode)
        return;
    d->chain.writeMode = mode;
    emit writeModeChanged(mode);
}

QNetworkCacheMetaData NetworkCache::metaData(const QUrl &url)
{
    Q_D(NetworkCache);
    const QString key = url == d->lastUrl ? d->lastUrlKey : d->keyFor(url);
    d->lastUrl = url;
    d->lastUrlKey = key;
    d->forgetLookup();
    if (key.isEmpty())
        return {};
    QElapsedTimer timer;
    timer.start();
    QString readError;
    TierChain::Found found = d->chain.lookup(key, &readError);
    if (!readError.isEmpty())
        d->setError(Error::ReadError, readError);
    // QNetworkReplyHttpImpl (6.4) waits for bytesAvailable() > 0 before it finishes a cache
    // load, so a hit on an empty body would never finish: offer only bodies with bytes.
    if (found.isValid() && found.record.bodySize() == 0)
        found = {};
    // A variant is reused only after the origin confirmed it for the asking request (a 304 to
    // If-None-Match), which QNAM's AlwaysCache path and its 5xx fallback never ask for.
    const auto noVariantWanted = [&] {
        return d->replies.cacheOnlyRequestFor(key) || d->replies.hasServerError(key);
    };
    const bool variantKey = http::isVariantUrl(url);
    const auto varies = [variantKey](const TierChain::Found &f) {
        return f.isValid() && !variantKey
                && !storedheaders::varyFields(f.record.metaData()).isEmpty();
    };
    if (varies(found) && noVariantWanted())
        found = {};
    // An AlwaysCache request (QNetworkAccessCacheBackend) finishes its reply before reading
    // the body, so damage found while streaming could only end it early: the body is checked
    // whole, up front, and the checked device is the one data() hands out.
    QIODevice *verifiedBody = nullptr;
    if (found.isValid() && d->replies.cacheOnlyRequestFor(key)) {
        verifiedBody = d->chain.open(found, TierEntry::ReadMode::Verified);
        if (!verifiedBody)
            found = {};
        else
            verifiedBody->setParent(this);
    }
    const RevalidationPins::Pin *pinned = d->pins.find(key);
    if (pinned)
        found = pinned->found; // the second call of a revalidation: the body it is about
    if (varies(found) && noVariantWanted())
        found = {};
    // QNAM 6.4 answers a 5xx with the stored response (its accidental stale-if-error): a stored
    // error response (negative caching) is never that fallback, the new error is the answer.
    if (found.isValid() && statusCode(found.record.metaData()) >= 400
        && d->replies.hasServerError(key))
        found = {};
    const bool variant = varies(found);
    const QDateTime expiration =
            found.isValid() ? found.record.metaData().expirationDate() : QDateTime();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const bool stale = found.isValid()
            && (variant || !expiration.isValid()
                || expiration.toMSecsSinceEpoch() <= now.toMSecsSinceEpoch());
    // Around a 304 QNAM asks twice for the same stale entry; count that once.
    const bool counted = !(stale && d->lastCountedLookup == key);
    d->lastCountedLookup = stale ? key : QString();
    if (counted) {
        d->counters.count(StatisticsCounters::Lookups);
        d->counters.count(!found.isValid() ? StatisticsCounters::Misses
                                  : stale  ? StatisticsCounters::StaleHits
                                           : StatisticsCounters::Hits);
        if (d->eventLog.sample()) {
            d->eventLog.write("lookup", key,
                              !found.isValid() ? QStringLiteral("miss")
                                      : stale  ? QStringLiteral("stale")
                                               : QStringLiteral("hit"),
                              found.isValid() ? d->chain.tier(found.index)->name() : QString(),
                              timer.nsecsElapsed() / 1000);
        }
    }
    if (!found.isValid()) {
        delete verifiedBody;
        return {};
    }
    // Pin what QNAM may revalidate: stale entries, and those it always revalidates.
    if (!pinned && !verifiedBody && (stale || [&] {
            const CacheControl cc =
                    CacheControl::parse(rawHeader(found.record.metaData(), "cache-control"));
            return cc.has("no-cache") || cc.has("must-revalidate");
        }())) {
        d->pins.pin(key, found);
    }
    // Age: stored age plus resident time; in the middle of a 304, that of the 304 itself
    // (QNAM serves the merge of what this returns and the 304's fields). The tags travel in
    // the record (tags_p.h); QNAM never sees them.
    const bool revalidating = d->replies.isRevalidating(key);
    QNetworkCacheMetaData md = responseage::forServing(
            storedtime::withoutStoredTime(tags::withoutRecordTags(found.record.metaData())),
            revalidating ? responseage::correctedInitialAge(
                    d->replies.responseField(key, "date", 304),
                    d->replies.responseField(key, "age", 304), now)
                         : responseage::currentAge(found.record.metaData(), now));
    // QNAM calls an entry fresh while secsTo(expiration) >= 0, i.e. up to 999 ms after it
    // expired (QDateTime::secsTo truncates). Move expired entries a second further back so
    // that "stale" means stale, and a max-age=0 response is never reused.
    if (stale) {
        const QDateTime expires = md.expirationDate();
        md.setExpirationDate(expires.isValid() && !variant
                                     ? qMin(expires, now).addMSecs(-1000)
                                     : QDateTime::fromMSecsSinceEpoch(0, Qt::UTC));
    }
    // Only If-None-Match may confirm a variant: If-Modified-Since says nothing about which
    // one the origin would select.
    if (variant)
        md.setLastModified(QDateTime());
    d->lastKey = key;
    d->lastFound = std::move(found);
    d->lastBody = verifiedBody;
    return md;
}

void NetworkCache::updateMetaData(const QNetworkCacheMetaData &metaData)
{
    Q_D(NetworkCache);
    if (d->readOnly)
        return;
    const QString key = d->keyFor(metaData.url());
    if (key.isEmpty())
        return;
    // QNAM merged the 304's fields into what metaData() served: the Age there may be the one
    // this cache computed, and the Date the stored one when the 304 had none. The age of the
    // refreshed response comes from the 304's own Date and Age (RFC 9111 4.3.4, 4.2.3).
    if (d->replies.isRevalidating(key)) {
        NetworkCachePrivate::NotModified response;
        response.age = d->replies.responseField(key, "age", 304);
        response.connection = d->replies.responseField(key, "connection", 304);
        response.hasDate = !d->replies.responseField(key, "date", 304).isNull();
        d->refresh(metaData, &response);
    } else {
        d->refresh(metaData, nullptr);
    }
}

void NetworkCachePrivate::refresh(const QNetworkCacheMetaData &metaData,
                                  const NotModified *response)
{
    NetworkCachePrivate *d = this;
    if (d->readOnly)
        return;
    const QString key = d->keyFor(metaData.url());
    if (key.isEmpty())
        return;
    // A 304 without Date gets the time of receipt (RFC 9110 6.6.1).
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QNetworkCacheMetaData merged = metaData;
    QByteArray age;
    QByteArray connection;
    QNetworkCacheMetaData::RawHeaderList headers;
    for (const auto &h : metaData.rawHeaders()) {
        if (h.first.compare("age", Qt::CaseInsensitive) != 0)
            headers.append(h);
    }
    if (response) {
        age = response->age;
        connection = response->connection;
        if (!response->hasDate) {
            for (auto &h : headers) {
                if (h.first.compare("date", Qt::CaseInsensitive) == 0)
                    h.second = QLocale::c()
                                       .toString(now,
                                                 QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
                                       .toLatin1();
            }
        }
        if (!age.isNull())
            headers.append({QByteArrayLiteral("Age"), age});
    }
    merged.setRawHeaders(headers);
    // Then freshness per RFC 9111 with this response's Date and Age, and the policy.
    QNetworkCacheMetaData md =
            storedheaders::withoutUnstorableFields(d->policy.filterHeaders(merged), connection);
    md = responseage::forStorage(
            md, responseage::correctedInitialAge(rawHeader(merged, "date"), age, now), now);
    // The request URL (minus password and fragment), not QUrl(key): QNAM hands it back to
    // updateMetaData(), and Qt 6.4's path normalization is not idempotent.
    md.setUrl(metaData.url().adjusted(QUrl::RemovePassword | QUrl::RemoveFragment));
    md.setExpirationDate(d->expirationFor(metaData.url(), merged, now, -1));
    // The stored record keeps its tags and the time its body was stored (QNAM hands back what
    // metaData() showed, without them).
    md = tags::withRecordTags(md, d->tagIndex().tagsOf(key));
    RevalidationPins::Pin *pinned = d->pins.find(key);
    md = storedtime::withStoredTime(md, d->storedTimeOf(key, pinned));
    if (pinned) {
        // Only if the stored body is still the one the 304 confirmed (another process may
        // have replaced it meanwhile: its metadata must not describe this body).
        // The tier the body came from gets the new headers (the disk tier only if it still
        // holds that body). Another tier may hold another version by now (a promotion or a
        // write-through that finished meanwhile): it is updated only if its entry carries the
        // validator the 304 confirmed.
        const QByteArray validator = validatorOf(pinned->found.record.metaData());
        for (int i = 0; i < d->chain.size(); ++i) {
            Tier *tier = d->chain.tier(i);
            if (i == pinned->found.index) {
                tier->updateMetaData(key, md, pinned->found.record.version());
                continue;
            }
            const std::unique_ptr<TierEntry> current = tier->lookup(key);
            if (current && !validator.isEmpty()
                && validatorOf(current->record().metaData()) == validator)
                tier->updateMetaData(key, md);
        }
        pinned->found.record.setMetaData(md);
    } else {
        d->chain.updateMetaData(key, md);
    }
    if (d->lastKey == key)
        d->lastFound.record.setMetaData(md);
    d->counters.count(StatisticsCounters::Revalidations);
    if (d->eventLog.sample())
        d->eventLog.write("revalidate", key, QString(), QString(), -1);
}

QIODevice *NetworkCache::data(const QUrl &url)
{
    Q_D(NetworkCache);
    const QString key = url == d->lastUrl ? d->lastUrlKey : d->keyFor(url);
    if (key.isEmpty())
        return nullptr;
    qint64 bodySize = 0;
    if (QIODevice *pinned = d->pins.takeBody(key, &bodySize)) {
        d->forgetLookup();
        d->lastCountedLookup.clear();
        d->counters.count(StatisticsCounters::BytesFromCache, bodySize);
        return pinned;
    }
    // metaData() just looked this key up (QNAM's pattern): serve the very entry it reported.
    const bool looked = d->lastKey == key;
    TierChain::Found found = looked ? std::move(d->lastFound) : d->chain.lookup(key);
    QIODevice *device = looked ? std::exchange(d->lastBody, nullptr) : nullptr;
    d->forgetLookup();
    d->lastCountedLookup.clear();
    if (!found.isValid())
        return nullptr;
    if (device)
        device->setParent(nullptr); // QNAM reparents it to the reply
    else
        device = d->chain.open(found);
    if (device) {
        d->counters.count(StatisticsCounters::BytesFromCache, found.record.bodySize());
        // The catalogue counts the hits of the bodies it serves; those of other tiers too, so
        // that per-entry hits add up to what the counters say.
        if (d->inspection && !d->readOnly
            && d->chain.tier(found.index) != dynamic_cast<Tier *>(d->inspection))
            d->inspection->recordHit(key);
    }
    return device;
}

bool NetworkCache::remove(const QUrl &url)
{
    Q_D(NetworkCache);
    if (d->refuseWrite("remove"))
        return false;
    const QString key = d->keyFor(url);
    if (key.isEmpty())
        return false;
    d->lastCountedLookup.clear();
    d->pins.unpin(key);
    d->replies.watchUnsafeRequest(
            key, [d, key](const QStringList &groups) { d->invalidate(groups, false, key); });
    const auto pending = d->pending;
    InsertDevice *negative = nullptr;
    for (InsertDevice *device : pending) {
        if (device->key() != key)
            continue;
        // QNAM 6.4 answers an error status with remove() instead of insert(): an error
        // response prepared for negative caching is stored then (it replaces the old entry).
        if (device->isNegative() && !negative)
            negative = device;
        else
            d->abandon(device);
    }
    if (d->lastKey == key)
        d->forgetLookup();
    if (negative) {
        insert(negative);
        return true;
    }
    const bool removed = d->chain.remove(key);
    d->tagIndex().setTags(key, {});
    return removed;
}

qint64 NetworkCache::cacheSize() const
{
    Q_D(const NetworkCache);
    // maximumCacheSize() governs the directory tier; without one, report what all tiers hold.
    return d->directoryTierAsTier ? d->directoryTierAsTier->size()
                                  : const_cast<TierChain &>(d->chain).totalSize();
}

QIODevice *NetworkCache::prepare(const QNetworkCacheMetaData &metaData)
{
    Q_D(NetworkCache);
    if (d->readOnly)
        return nullptr; // QNAM's contract: nothing is stored, no error
    const QString key = d->keyFor(metaData.url());
    d->lastCountedLookup.clear(); // a full response ends the stale lookup: the next one counts
    d->pins.unpin(key);
    if (key.isEmpty() || !metaData.saveToDisk()
        || !d->policy.isCacheableStatus(statusCode(metaData)))
        return nullptr;

    bool ok = false;
    qint64 sizeHint = rawHeader(metaData, "content-length").trimmed().toLongLong(&ok);
    if (!ok || !rawHeader(metaData, "content-encoding").isEmpty())
        sizeHint = -1; // QNAM stores decoded bodies: the length on the wire says nothing
    // The directory's budget holds at every moment: a body that could not fit is not stored.
    const qint64 maxBody = d->directoryTier ? d->policy.maximumBodySizeFor(d->maximumSize)
                                            : d->policy.maximumBodySize();
    if (sizeHint >= 0
        && ((maxBody >= 0 && sizeHint > maxBody) || sizeHint < d->policy.minimumBodySize()))
        return nullptr; // passed through uncached

    CachePolicy::Decision decision;
    if (const CachePolicy::Hook hook = d->policy.hook())
        hook(metaData.url(), metaData, &decision);
    if (!decision.store())
        return nullptr;

    // A variant key (AccessManager) already says which request headers the entry is for.
    if (const QString why = http::isVariantUrl(metaData.url())
                ? QString()
                : storedheaders::varyRefusal(metaData);
        !why.isEmpty()) {
        qCDebug(lcCache).noquote() << "not storing" << key << ":" << why;
        return nullptr;
    }

    // Freshness comes from every header the origin sent; the lists only decide what is kept.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QNetworkCacheMetaData md = storedheaders::withoutUnstorableFields(
            d->policy.filterHeaders(metaData), d->replies.responseField(key, "connection"));
    md = responseage::forStorage(md,
                                 responseage::correctedInitialAge(rawHeader(metaData, "date"),
                                                                  rawHeader(metaData, "age"), now),
                                 now);
    // The request URL (minus password and fragment), not QUrl(key): QNAM hands it back to
    // updateMetaData(), and Qt 6.4's path normalization is not idempotent.
    md.setUrl(metaData.url().adjusted(QUrl::RemovePassword | QUrl::RemoveFragment));
    md.setExpirationDate(d->expirationFor(metaData.url(), metaData, now, decision.ttlSeconds()));

    QStringList problems;
    QStringList tagList = tags::fromHeaders(metaData, &problems);
    tags::merge(&tagList, decision.tags(), &problems);
    if (d->tagCallback)
        tags::merge(&tagList, d->tagCallback(metaData.url(), metaData), &problems);
    for (const QString &p : std::as_const(problems))
        qCWarning(lcCache).noquote() << "tags of" << key << ":" << p;

    std::vector<InsertDevice::Target> targets = d->chain.beginWrite(key, md, sizeHint);
    if (targets.empty()) {
        if (d->directoryTierAsTier && !d->directoryTierAsTier->errorString().isEmpty())
            d->setError(Error::WriteError, d->directoryTierAsTier->errorString());
        return nullptr;
    }
    auto *device = new InsertDevice(key, md, std::move(targets), this);
    device->setTags(tagList);
    device->setMaximumSize(maxBody);
    device->setNegative(d->policy.negativeTtlFor(metaData.url(), statusCode(metaData)) > 0);
    d->pending.insert(device);
    d->replies.watchOwner(device,
                          {[d](InsertDevice *abandoned) {
                               if (d->pending.contains(abandoned)) {
                                   qCDebug(lcCache)
                                           << "reaping abandoned download of" << abandoned->key();
                                   d->abandon(abandoned);
                               }
                           },
                           [this, d](InsertDevice *drained) {
                               if (d->pending.contains(drained))
                                   insert(drained);
                           }});
    return device;
}

void NetworkCache::insert(QIODevice *device)
{
    Q_D(NetworkCache);
    auto *insert = qobject_cast<InsertDevice *>(device);
    if (!insert || !d->pending.contains(insert)) {
        qCWarning(lcCache) << "insert() called with a device this cache did not prepare()";
        return;
    }
    d->pending.remove(insert);
    if (d->lastKey == insert->key())
        d->forgetLookup();
    for (const auto &[index, why] : insert->takeDropped()) {
        d->chain.noteWrite(index, false);
        // A tier declining a body it does not want (too large for memory) is not an error;
        // the disk tier failing to write one is.
        if (d->chain.tier(index) == d->directoryTierAsTier)
            d->setError(Error::WriteError, why);
    }
    // QNAM 6.4 may finish a reply whose connection dropped mid-body without an error; a body
    // shorter or longer than its Content-Length is never stored.
    bool lengthOk = false;
    const qint64 announced =
            rawHeader(insert->metaData(), "content-length").trimmed().toLongLong(&lengthOk);
    if (lengthOk && rawHeader(insert->metaData(), "content-encoding").isEmpty()
        && announced != insert->bodySize()) {
        qCWarning(lcCache).noquote() << "not storing" << insert->key() << ": got"
                                     << insert->bodySize() << "bytes of" << announced;
        insert->discard();
    } else if (insert->bodySize() < d->policy.minimumBodySize()) {
        insert->discard();
    }
    // The final metadata, the tags and the time of storing go with the body: one commit per
    // tier, one transaction in a tier that stores tags.
    const QNetworkCacheMetaData fixed = storedtime::withStoredTime(
            tags::withRecordTags(
                    withoutStaleContentEncoding(insert->metaData(), insert->leadingBytes()),
                    insert->tags()),
            QDateTime::currentDateTimeUtc());
    bool stored = false;
    bool diskStored = false;
    bool tagsStored = false;
    for (InsertDevice::Target &t : insert->takeTargets()) {
        const bool committed = t.writer->commit(fixed, insert->tags());
        d->chain.noteWrite(t.index, committed);
        if (!committed) {
            d->setError(Error::WriteError, t.writer->errorString());
            continue;
        }
        stored = true;
        Tier *tier = d->chain.tier(t.index);
        diskStored = diskStored || tier == d->directoryTierAsTier;
        // The tags went in with the body only if this tier holds the chain's tag index.
        tagsStored = tagsStored
                || (d->tags && tier->capabilities().testFlag(Tier::Capability::StoresTags)
                    && dynamic_cast<TagIndex *>(tier) == d->tags);
    }
    if (stored) {
        if (diskStored && (d->error == Error::WriteError || d->error == Error::DirectoryError)) {
            d->error = Error::NoError; // storing works again
            d->errorString.clear();
        }
        if (!tagsStored)
            d->tagIndex().setTags(insert->key(), insert->tags());
        d->counters.count(StatisticsCounters::Inserts);
        d->counters.count(StatisticsCounters::BytesFromNetwork, insert->bodySize());
        if (d->eventLog.sample())
            d->eventLog.write("insert", insert->key(), QString(), QString(), -1, insert->tags(),
                              insert->bodySize());
    }
    insert->close();
    delete insert;
}

void NetworkCache::clear()
{
    Q_D(NetworkCache);
    if (d->refuseWrite("clear"))
        return;
    d->forgetLookup();
    d->pins.clear();
    d->chain.clear();
}

CacheEntryInfo NetworkCache::entryInfo(const QUrl &url) const
{
    Q_D(const NetworkCache);
    const QString key = d->keyFor(url);
    if (key.isEmpty())
        return {};
    return findChainEntry(const_cast<TierChain &>(d->chain), d->inspection, d->tagIndex(), key);
}

QList<CacheEntryInfo> NetworkCache::entries(int offset, int limit) const
{
    return entries(EntryFilter(), offset, limit);
}

CacheSummary NetworkCache::summary() const
{
    Q_D(const NetworkCache);
    CacheSummary s = d->inspection ? d->inspection->summary() : CacheSummary();
    // A cache that set no budget of its own reports the one its owner recorded.
    const qint64 recorded = d->maximumSizeSet ? -1 : recordedMaximumCacheSize();
    s.setMaximumSize(recorded >= 0 ? recorded : d->maximumSize);
    if (d->inspection && d->chain.size() == 1)
        return s;
    // Other tiers hold entries the catalogue does not: those count too, each key once.
    const QList<CacheEntryInfo> extra = entriesOutsideCatalogue(
            const_cast<TierChain &>(d->chain), d->inspection, d->tagIndex(), EntryFilter());
    qint64 bodyBytes = 0;
    qint64 hits = 0;
    for (const CacheEntryInfo &e : extra) {
        bodyBytes += e.bodySize();
        hits += e.hitCount();
    }
    s.setEntryCount(s.entryCount() + extra.size());
    s.setBodyBytes(s.bodyBytes() + bodyBytes);
    s.setDistinctBodyBytes(s.distinctBodyBytes() + bodyBytes);
    s.setTotalHits(s.totalHits() + hits);
    s.setBlobCount(s.blobCount() + extra.size());
    if (!d->directoryTierAsTier)
        s.setStoredBytes(const_cast<TierChain &>(d->chain).totalSize());
    return s;
}

VerifyReport NetworkCache::verify(const std::function<bool(qint64, qint64)> &progress)
{
    Q_D(NetworkCache);
    d->forgetLookup();
    return d->inspection ? d->inspection->verify(progress) : VerifyReport();
}

qint64 NetworkCache::collectGarbage()
{
    Q_D(NetworkCache);
    if (d->refuseWrite("collect garbage"))
        return 0;
    return d->inspection ? d->inspection->collectGarbage() : 0;
}

CachePolicy NetworkCache::policy() const
{
    Q_D(const NetworkCache);
    return d->policy;
}

void NetworkCache::setPolicy(const CachePolicy &policy)
{
    Q_D(NetworkCache);
    d->policy = policy;
    d->forgetLookup();
    d->lastUrl.clear(); // its key depended on the old policy
    d->lastUrlKey.clear();
}

void NetworkCache::setTagCallback(const TagCallback &callback)
{
    Q_D(NetworkCache);
    d->tagCallback = callback;
}

NetworkCache::TagCallback NetworkCache::tagCallback() const
{
    Q_D(const NetworkCache);
    return d->tagCallback;
}

int NetworkCache::invalidateTag(const QString &tag)
{
    return invalidateTags({tag});
}

int NetworkCache::invalidateTags(const QStringList &tagList)
{
    Q_D(NetworkCache);
    if (d->refuseWrite("invalidate tags"))
        return 0;
    return d->invalidate(tagList, false);
}

int NetworkCache::softPurgeTag(const QString &tag)
{
    return softPurgeTags({tag});
}

int NetworkCache::softPurgeTags(const QStringList &tagList)
{
    Q_D(NetworkCache);
    if (d->refuseWrite("soft-purge tags"))
        return 0;
    return d->invalidate(tagList, true);
}

QList<QPair<QString, qint64>> NetworkCache::tags() const
{
    Q_D(const NetworkCache);
    return d->tagIndex().tagCounts();
}

QHash<QString, qint64> NetworkCache::tagBytes() const
{
    Q_D(const NetworkCache);
    if (d->inspection)
        return d->inspection->tagBytes();
    // No catalogue: the body size of each key from a walk of the chain, upper tier first.
    QHash<QString, qint64> sizes;
    for (int i = 0; i < d->chain.size(); ++i) {
        d->chain.tier(i)->enumerate([&sizes](const TierRecord &r) {
            if (!sizes.contains(r.key()))
                sizes.insert(r.key(), r.bodySize());
            return true;
        });
    }
    QHash<QString, qint64> result;
    for (const auto &[tag, count] : d->tagIndex().tagCounts()) {
        qint64 bytes = 0;
        for (const QString &key : d->tagIndex().keysForTags({tag}))
            bytes += sizes.value(key);
        result.insert(tag, bytes);
    }
    return result;
}

QList<CacheEntryInfo> NetworkCache::entries(const EntryFilter &filter, int offset, int limit) const
{
    Q_D(const NetworkCache);
    // The catalogue of the tier that has one when it is the whole chain or the tier asked
    // for; the whole chain merged; or a walk of the named tier.
    auto *catalogueTier = dynamic_cast<Tier *>(d->inspection);
    if (catalogueTier
        && (filter.tier().isEmpty() ? d->chain.size() == 1
                                    : filter.tier() == catalogueTier->name())) {
        EntryFilter asKeys = filter;
        asKeys.setUrlContains(keyForm(filter.urlContains()));
        return d->inspection->entries(asKeys, offset, limit);
    }
    if (filter.tier().isEmpty())
        return listChainEntries(const_cast<TierChain &>(d->chain), d->inspection, d->tagIndex(),
                                filter, offset, limit);
    for (int i = 0; i < d->chain.size(); ++i) {
        if (d->chain.tier(i)->name() == filter.tier())
            return listTierEntries(*d->chain.tier(i), d->tagIndex(), filter, offset, limit);
    }
    return {};
}

qint64 NetworkCache::entryCount(const EntryFilter &filter) const
{
    Q_D(const NetworkCache);
    auto *catalogueTier = dynamic_cast<Tier *>(d->inspection);
    if (catalogueTier
        && (filter.tier().isEmpty() ? d->chain.size() == 1
                                    : filter.tier() == catalogueTier->name())) {
        EntryFilter asKeys = filter;
        asKeys.setUrlContains(keyForm(filter.urlContains()));
        return d->inspection->entryCount(asKeys);
    }
    if (filter.tier().isEmpty()) {
        qint64 count = 0;
        if (d->inspection) {
            EntryFilter asKeys = filter;
            asKeys.setUrlContains(keyForm(filter.urlContains()));
            count = d->inspection->entryCount(asKeys);
        }
        return count
                + entriesOutsideCatalogue(const_cast<TierChain &>(d->chain), d->inspection,
                                          d->tagIndex(), filter)
                          .size();
    }
    return entries(filter, 0, -1).size();
}

Statistics NetworkCache::statistics(int topN) const
{
    Q_D(const NetworkCache);
    Statistics st;
    const QList<TierStatistics> tiers = tierStatistics();
    st.setTiers(tiers);
    const_cast<StatisticsCounters &>(d->counters).fill(&st);
    qint64 promotions = 0;
    for (const TierStatistics &t : tiers)
        promotions += t.promotions();
    st.setPromotions(promotions);
    if (topN > 0 && d->counters.isPersistent()) {
        EntryFilter f;
        f.setOrder(EntryFilter::Order::MostHits);
        st.setHottest(entries(f, 0, topN));
        f.setOrder(EntryFilter::Order::Largest);
        st.setLargest(entries(f, 0, topN));
        f.setOrder(EntryFilter::Order::Oldest);
        st.setOldest(entries(f, 0, topN));
    }
    return st;
}

void NetworkCache::resetStatistics()
{
    Q_D(NetworkCache);
    if (d->refuseWrite("reset statistics"))
        return;
    d->counters.reset();
    emit statisticsChanged();
}

bool NetworkCache::statisticsEnabled() const
{
    Q_D(const NetworkCache);
    return d->counters.isEnabled();
}

void NetworkCache::setStatisticsEnabled(bool enabled)
{
    Q_D(NetworkCache);
    if (enabled == d->counters.isEnabled())
        return;
    d->counters.setEnabled(enabled);
    emit statisticsEnabledChanged(enabled);
}

int NetworkCache::statisticsRetention() const
{
    Q_D(const NetworkCache);
    return d->counters.retention();
}

void NetworkCache::setStatisticsRetention(int minutes)
{
    Q_D(NetworkCache);
    const int before = d->counters.retention();
    d->counters.setRetention(minutes);
    if (d->counters.retention() != before)
        emit statisticsRetentionChanged(d->counters.retention());
}

bool NetworkCache::setEventLog(const QString &path, double sampleRate, bool hashKeys)
{
    Q_D(NetworkCache);
    if (path.isEmpty()) {
        d->eventLog.close();
        return true;
    }
    QString error;
    if (!d->eventLog.open(path, sampleRate, hashKeys, &error)) {
        d->setError(Error::WriteError, error);
        return false;
    }
    return true;
}

QString NetworkCache::eventLogPath() const
{
    Q_D(const NetworkCache);
    return d->eventLog.path();
}

double NetworkCache::eventLogSampleRate() const
{
    Q_D(const NetworkCache);
    return d->eventLog.isOpen() ? d->eventLog.sampleRate() : 1.0;
}

bool NetworkCache::eventLogHashesKeys() const
{
    Q_D(const NetworkCache);
    return d->eventLog.isOpen() && d->eventLog.hashesKeys();
}

NetworkCache::Error NetworkCache::error() const
{
    Q_D(const NetworkCache);
    if (d->error == Error::NoError && d->directoryTierAsTier
        && !d->directoryTierAsTier->errorString().isEmpty())
        return Error::DirectoryError;
    return d->error;
}

QString NetworkCache::errorString() const
{
    Q_D(const NetworkCache);
    if (d->errorString.isEmpty() && d->directoryTierAsTier)
        return d->directoryTierAsTier->errorString();
    return d->errorString;
}

} // namespace tiercache
