// SPDX-License-Identifier: MIT
#include "networkcache_p.h"

#include "bodydevice_p.h"
#include "disk/disktier_p.h"
#include "freshness_p.h"
#include "insertdevice_p.h"
#include "logging_p.h"
#include "tags_p.h"

#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QMap>

#include <algorithm>
#include <QtCore/QPointer>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>

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

CacheEntryInfo toInfo(const EntryRecord &e)
{
    CacheEntryInfo info;
    info.url = QUrl(e.key, QUrl::StrictMode);
    info.digest = e.digest;
    info.bodySize = e.bodySize;
    info.storedSize = e.rowSize + e.allocSize;
    info.statusCode = e.status;
    info.contentType = e.contentType;
    info.created = QDateTime::fromMSecsSinceEpoch(e.createdMs, Qt::UTC);
    info.lastAccess = QDateTime::fromMSecsSinceEpoch(e.lastAccessMs, Qt::UTC);
    info.expires = QDateTime::fromMSecsSinceEpoch(e.expiresMs, Qt::UTC);
    info.hitCount = e.hits;
    return info;
}
} // namespace

NetworkCachePrivate::NetworkCachePrivate(NetworkCache *q) : q_ptr(q)
{
    tagCleanupTimer = new QTimer(q); // children of the cache: moveToThread() moves them too
    tagCleanupTimer->setSingleShot(true);
    tagCleanupTimer->setInterval(0);
    QObject::connect(tagCleanupTimer, &QTimer::timeout, q, [this] { forgetTagsOfEvicted(); });
    statisticsSignalTimer = new QTimer(q);
    statisticsSignalTimer->setSingleShot(true);
    statisticsSignalTimer->setInterval(1000);
    QObject::connect(statisticsSignalTimer, &QTimer::timeout, q, [this] {
        flushCounters();
        emit q_ptr->statisticsChanged();
    });
}

QDateTime NetworkCachePrivate::expirationFor(const QUrl &url, const QNetworkCacheMetaData &md,
                                             const QDateTime &now, qint64 hookTtl) const
{
    QDateTime expires = computeExpiration(md, now);
    const CacheControl cc = CacheControl::parse(rawHeader(md, "cache-control"));
    const bool forbidden = cc.has("no-cache") || cc.has("no-store");
    if (!forbidden) {
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

const char *NetworkCachePrivate::counterName(Counter c)
{
    static const char *const names[CounterCount] = {
        "lookups", "hits", "stale_hits", "misses", "revalidations", "bytes_from_cache",
        "bytes_from_network", "inserts", "invalidations",
    };
    return names[c];
}

void NetworkCachePrivate::count(Counter counter, qint64 delta)
{
    if (!statisticsEnabled || delta == 0)
        return;
    sessionCounters[counter] += delta;
    if (!disk)
        return;
    unflushed[counter] += delta;
    if (!statisticsSignalTimer->isActive())
        statisticsSignalTimer->start(); // also hands the counters to the disk tier
}

void NetworkCachePrivate::flushCounters()
{
    if (!disk || !disk->ensureOpen())
        return;
    bool any = false;
    for (int c = 0; c < CounterCount; ++c) {
        if (unflushed[c]) {
            disk->store().addCounter(QLatin1String(counterName(Counter(c))), unflushed[c]);
            unflushed[c] = 0;
            any = true;
        }
    }
    if (any)
        disk->schedulePendingFlush();
}

void NetworkCachePrivate::forgetTagsOfEvicted()
{
    // Tags must outlive a disk eviction while an upper tier still holds the entry (an
    // invalidation has to reach it there); once no tier does, they are dropped.
    const QStringList keys = std::exchange(evictedFromDisk, {});
    if (!disk || !disk->ensureOpen())
        return;
    QStringList orphans;
    for (const QString &key : keys) {
        // Re-inserted since (with new tags), or still held by another tier: keep.
        bool held = disk->store().find(key).has_value();
        for (int i = 0; i < chain.size() && !held; ++i) {
            Tier *tier = chain.tier(i);
            held = tier != disk && tier->lookup(key) != nullptr;
        }
        if (!held)
            orphans.append(key);
    }
    disk->store().dropTags(orphans);
}

void NetworkCachePrivate::storeTags(const QString &key, const QStringList &tagList)
{
    if (disk && disk->ensureOpen()) {
        disk->store().setTags(key, tagList);
        return;
    }
    for (const QString &old : memoryTagsOf.take(key))
        memoryTags[old].remove(key);
    if (tagList.isEmpty())
        return;
    memoryTagsOf.insert(key, tagList);
    for (const QString &tag : tagList)
        memoryTags[tag].insert(key);
}

QStringList NetworkCachePrivate::keysForTags(const QStringList &tagList) const
{
    if (disk && disk->ensureOpen())
        return disk->store().keysForTags(tagList);
    QSet<QString> keys;
    for (const QString &tag : tagList)
        keys.unite(memoryTags.value(tag));
    return QStringList(keys.cbegin(), keys.cend());
}

int NetworkCachePrivate::invalidate(const QStringList &tagList, bool soft, const QString &sameOriginAs)
{
    QElapsedTimer timer;
    timer.start();
    // A pinned stale body may belong to an invalidated entry: it must not answer a later 304.
    unpinAll();
    // The common case, a hard delete with only the disk tier: one set-based statement chain,
    // without listing ten thousand keys through Qt Sql.
    if (!soft && sameOriginAs.isEmpty() && chain.size() == 1 && disk && chain.tier(0) == disk
        && disk->ensureOpen()) {
        forgetLookup();
        const int affected = disk->removeTagged(tagList);
        count(Invalidations, affected);
        if (eventLog.sample())
            eventLog.write("invalidate", QString(), QString::number(affected), QString(),
                           timer.nsecsElapsed() / 1000, tagList);
        return affected;
    }
    QStringList keys = keysForTags(tagList);
    if (!sameOriginAs.isEmpty()) {
        // RFC 9875: a response only invalidates groups of its own origin.
        const QUrl origin(sameOriginAs, QUrl::StrictMode);
        keys.erase(std::remove_if(keys.begin(), keys.end(), [&](const QString &key) {
                       const QUrl u(key, QUrl::StrictMode);
                       return u.scheme() != origin.scheme() || u.host() != origin.host() || u.port() != origin.port();
                   }),
                   keys.end());
    }
    if (keys.isEmpty())
        return 0;
    forgetLookup();
    int affected = 0;
    for (int i = 0; i < chain.size(); ++i) {
        Tier *tier = chain.tier(i);
        if (tier == disk) {
            // One transaction for all of them: fast, and durable before we return.
            affected = qMax(affected, soft ? disk->expireKeys(keys) : disk->removeKeys(keys));
            continue;
        }
        int n = 0;
        for (const QString &key : std::as_const(keys)) {
            if (!soft) {
                n += tier->remove(key) ? 1 : 0;
                continue;
            }
            const std::unique_ptr<TierEntry> entry = tier->lookup(key);
            if (!entry)
                continue;
            QNetworkCacheMetaData md = entry->record().metaData();
            md.setExpirationDate(QDateTime::fromMSecsSinceEpoch(0, Qt::UTC));
            n += tier->updateMetaData(key, md) ? 1 : 0;
        }
        affected = qMax(affected, n);
    }
    if (!soft && !(disk && disk->ensureOpen())) {
        for (const QString &key : std::as_const(keys))
            storeTags(key, {});
    } // the disk tier's batch delete dropped their tag rows with the entries
    count(Invalidations, affected);
    if (eventLog.sample())
        eventLog.write(soft ? "soft-purge" : "invalidate", QString(), QString::number(affected), QString(),
                       timer.nsecsElapsed() / 1000, tagList);
    qCDebug(lcCache) << (soft ? "soft-purged" : "invalidated") << affected << "entries for" << tagList;
    return affected;
}

QList<QNetworkReply *> NetworkCachePrivate::managerReplies() const
{
    // The replies are children of the manager, which owns the cache (QNAM::setCache()).
    auto *manager = qobject_cast<QNetworkAccessManager *>(q_ptr->parent());
    return manager ? manager->findChildren<QNetworkReply *>(Qt::FindDirectChildrenOnly)
                   : QList<QNetworkReply *>();
}

void NetworkCachePrivate::unpinAll()
{
    for (auto it = pins.begin(); it != pins.end(); ++it)
        delete it->body;
    pins.clear();
}

void NetworkCachePrivate::watchUnsafeRequest(const QString &key)
{
    // QNAM calls remove(url) for POST, PUT, DELETE and custom verbs before sending them, and
    // never shows the cache their responses. Follow the reply to read Cache-Group-Invalidation.
    const auto replies = managerReplies();
    for (QNetworkReply *reply : replies) {
        const auto op = reply->operation();
        if (op == QNetworkAccessManager::GetOperation || op == QNetworkAccessManager::HeadOperation
            || reply->property("_tiercache_unsafe").isValid() || policy.cacheKey(reply->url()) != key) {
            continue;
        }
        reply->setProperty("_tiercache_unsafe", true);
        QObject::connect(reply, &QNetworkReply::metaDataChanged, q_ptr, [this, reply, key] {
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QByteArray header = reply->rawHeader("Cache-Group-Invalidation");
            if (header.isEmpty() || status < 200 || status >= 400)
                return;
            QStringList problems;
            const QStringList groups = tags::parseStructuredStringList(header, &problems);
            for (const QString &p : std::as_const(problems))
                qCWarning(lcCache).noquote() << "Cache-Group-Invalidation from" << key << ":" << p;
            if (!groups.isEmpty())
                invalidate(groups, false, key);
        });
    }
}

namespace {
constexpr qint64 PinLifetimeMs = 120 * 1000;
constexpr qsizetype MaxPins = 32;
} // namespace

void NetworkCachePrivate::pin(const QString &key, const TierChain::Found &found)
{
    unpin(key);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (auto it = pins.begin(); it != pins.end();) {
        if (now - it->createdMs > PinLifetimeMs || pins.size() >= MaxPins) {
            delete it->body;
            it = pins.erase(it);
        } else {
            ++it;
        }
    }
    Pin p;
    p.found = found;
    p.createdMs = now;
    p.body = found.entry->openBody();
    if (!p.body)
        return;
    p.body->setParent(q_ptr);
    pins.insert(key, p);
}

void NetworkCachePrivate::unpin(const QString &key)
{
    const auto it = pins.find(key);
    if (it == pins.end())
        return;
    delete it->body;
    pins.erase(it);
}

const NetworkCachePrivate::Pin *NetworkCachePrivate::pinFor(const QString &key)
{
    const auto it = pins.constFind(key);
    if (it == pins.cend())
        return nullptr;
    if (QDateTime::currentMSecsSinceEpoch() - it->createdMs > PinLifetimeMs) {
        unpin(key);
        return nullptr;
    }
    return &*it;
}

bool NetworkCachePrivate::cacheOnlyRequestFor(const QString &key) const
{
    const auto replies = managerReplies();
    for (QNetworkReply *reply : replies) {
        if (!reply->isFinished()
            && reply->request().attribute(QNetworkRequest::CacheLoadControlAttribute).toInt() == QNetworkRequest::AlwaysCache
            && keyFor(reply->url()) == key) {
            return true;
        }
    }
    return false;
}

QList<CacheEntryInfo> NetworkCachePrivate::withTags(QList<CacheEntryInfo> infos) const
{
    for (CacheEntryInfo &info : infos) {
        const QString key = info.url.toString(QUrl::FullyEncoded);
        info.tags = disk && disk->ensureOpen() ? disk->store().tagsOf(key) : memoryTagsOf.value(key);
    }
    return infos;
}

NetworkCachePrivate::~NetworkCachePrivate() = default;

void NetworkCachePrivate::setError(NetworkCache::Error e, const QString &message)
{
    error = e;
    errorString = message;
    qCWarning(lcCache).noquote() << message;
}

void NetworkCachePrivate::watchOwner(InsertDevice *device)
{
    // QNAM never tells the cache that a download was abandoned: an aborted reply with a
    // Content-Length never calls insert() or remove() (qnetworkreplyhttpimpl.cpp, finished()),
    // and a deleted reply calls nothing. Find the reply this body belongs to and follow it.
    const auto replies = managerReplies();
    for (QNetworkReply *reply : replies) {
        if (!reply->isRunning() || reply->property("_tiercache_insert").isValid()
            || keyFor(reply->url()) != device->key()) {
            continue;
        }
        reply->setProperty("_tiercache_insert", true);
        QPointer<InsertDevice> guard(device);
        auto reap = [this, guard] {
            if (guard && pending.contains(guard.data())) {
                qCDebug(lcCache) << "reaping abandoned download of" << guard->key();
                abandon(guard.data());
            }
        };
        QObject::connect(reply, &QObject::destroyed, device, reap);
        QObject::connect(reply, &QNetworkReply::finished, device, [this, reply, guard, reap] {
            if (reply->error() != QNetworkReply::NoError) {
                QMetaObject::invokeMethod(guard.data(), reap, Qt::QueuedConnection);
                return;
            }
            // A body QNAM decompressed reaches the cache only as the application reads it,
            // and QNAM commits it only if the last read comes after finished()
            // (QNetworkReplyHttpImpl::readData). An application that drained the reply in
            // readyRead has written the whole body by now: commit it.
            if (guard && pending.contains(guard.data()) && reply->bytesAvailable() == 0
                && !rawHeader(guard->metaData(), "content-encoding").isEmpty()) {
                q_ptr->insert(guard.data());
            }
        });
        return;
    }
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
    : QAbstractNetworkCache(parent), m_d(std::make_unique<NetworkCachePrivate>(this))
{
    setTiers({QStringLiteral("disk:")});
}

NetworkCache::~NetworkCache()
{
    Q_D(NetworkCache);
    d->flushCounters();
    d->eventLog.close();
    for (InsertDevice *device : std::as_const(d->pending))
        device->discard();
    d->chain.setTiers({});
}

QString NetworkCache::cacheKey(const QUrl &url)
{
    if (!url.isValid() || url.isRelative() || url.host().isEmpty())
        return {};
    // The password never reaches the disk; the user name stays part of the key. Path
    // segments are normalized exactly as QNAM does before sending the request
    // (QHttpNetworkRequest::uri()), so the key names what the origin was asked for — even
    // where Qt 6.4's normalization differs from RFC 3986 ("/a/./b/../c" is sent as "/a//c").
    // Formatting options rather than QUrl::adjusted(): no copy of the URL on every lookup.
    QUrl::FormattingOptions options = QUrl::RemoveFragment | QUrl::RemovePassword
            | QUrl::NormalizePathSegments | QUrl::FullyEncoded;
    const int port = url.port();
    if (port >= 0) {
        const QString scheme = url.scheme();
        if ((port == 80 && scheme == QLatin1String("http")) || (port == 443 && scheme == QLatin1String("https")))
            options |= QUrl::RemovePort;
    }
    QByteArray encoded = url.toEncoded(options);
    // "http://host" and "http://host?q" ask for "/": make the path explicit.
    const qsizetype authority = encoded.indexOf("//");
    if (authority >= 0) {
        qsizetype end = authority + 2;
        while (end < encoded.size() && encoded.at(end) != '/' && encoded.at(end) != '?')
            ++end;
        if (end == encoded.size() || encoded.at(end) == '?')
            encoded.insert(end, '/');
    }
    return QString::fromLatin1(encoded);
}

QString NetworkCache::cacheDirectory() const
{
    Q_D(const NetworkCache);
    return d->directory;
}

void NetworkCache::setCacheDirectory(const QString &directory)
{
    Q_D(NetworkCache);
    d->directory = directory.isEmpty() ? QString() : QDir(directory).absolutePath();
    d->forgetLookup();
    if (d->disk)
        d->disk->setDirectory(d->directory);
    d->error = Error::NoError;
    d->errorString.clear();
}

qint64 NetworkCache::maximumCacheSize() const
{
    Q_D(const NetworkCache);
    return d->maximumSize;
}

void NetworkCache::setMaximumCacheSize(qint64 size)
{
    Q_D(NetworkCache);
    d->maximumSize = qMax<qint64>(0, size);
    if (d->disk)
        d->disk->setMaximumSize(d->maximumSize);
}

NetworkCache::SyncMode NetworkCache::syncMode() const
{
    Q_D(const NetworkCache);
    return d->syncMode;
}

void NetworkCache::setSyncMode(SyncMode mode)
{
    Q_D(NetworkCache);
    d->syncMode = mode;
    if (d->disk)
        d->disk->setSync(mode == SyncMode::SyncOnInsert);
}

bool NetworkCache::setTiers(const QStringList &specs)
{
    Q_D(NetworkCache);
    const QStringList wanted = specs.isEmpty() ? QStringList{QStringLiteral("disk:")} : specs;
    std::vector<TierChain::Slot> tierSlots;
    QStringList used;
    d->tierErrors.clear();
    d->disk = nullptr;
    d->forgetLookup();
    for (const QString &spec : wanted) {
        const TierSpec parsed(spec);
        std::unique_ptr<Tier> tier;
        QString why;
        if (parsed.isValid() && parsed.scheme() == QLatin1String("disk")) {
            if (d->disk) {
                why = QStringLiteral("tier \"%1\": only one disk tier per cache").arg(spec);
            } else if (!parsed.keys().isEmpty()) {
                why = QStringLiteral("tier \"%1\": the disk tier takes no options (use setCacheDirectory() and setMaximumCacheSize())").arg(spec);
            } else {
                auto disk = std::make_unique<DiskTier>(this);
                disk->setDirectory(d->directory);
                disk->setMaximumSize(d->maximumSize);
                disk->setSync(d->syncMode == SyncMode::SyncOnInsert);
                QPointer<NetworkCache> self(this);
                disk->setDamageHandler([self](const QString &key) {
                    if (!self)
                        return;
                    self->d_func()->setError(Error::ReadError,
                                             QStringLiteral("body of %1 failed while streaming; entry dropped").arg(key));
                    self->remove(QUrl(key, QUrl::StrictMode));
                });
                d->disk = disk.get();
                disk->store().setEvictionObserver([d](const QString &key, qint64 bytes) {
                    if (d->eventLog.sample())
                        d->eventLog.write("evict", key, QString(), QStringLiteral("disk"), -1, {}, bytes);
                    d->evictedFromDisk.append(key);
                    if (!d->tagCleanupTimer->isActive())
                        d->tagCleanupTimer->start();
                });
                tier = std::move(disk);
            }
        } else if (!parsed.isValid()) {
            why = parsed.errorString();
        } else {
            if (!d->loader)
                d->loader = std::make_unique<TierLoader>();
            tier = d->loader->create(spec, &why);
        }
        if (!tier) {
            qCWarning(lcCache).noquote() << why;
            d->tierErrors.append(why);
            continue;
        }
        TierChain::Slot slot;
        slot.stats.spec = parsed.redactedText();
        slot.stats.name = tier->name();
        slot.tier = std::move(tier);
        tierSlots.push_back(std::move(slot));
        used.append(parsed.redactedText());
    }
    // Devices in flight hold writers of the old tiers: let them go first.
    const auto inFlight = d->pending;
    for (InsertDevice *device : inFlight)
        d->abandon(device);
    d->chain.setTiers(std::move(tierSlots));
    d->specs = used;
    if (!d->tierErrors.isEmpty())
        d->setError(Error::DirectoryError, d->tierErrors.join(QLatin1Char('\n')));
    return d->tierErrors.isEmpty();
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
    return d->chain.statistics();
}

PromotionPolicy NetworkCache::promotionPolicy() const
{
    Q_D(const NetworkCache);
    return d->chain.policy;
}

void NetworkCache::setPromotionPolicy(const PromotionPolicy &policy)
{
    Q_D(NetworkCache);
    d->chain.policy = policy;
}

NetworkCache::WriteMode NetworkCache::writeMode() const
{
    Q_D(const NetworkCache);
    return d->chain.writeMode;
}

void NetworkCache::setWriteMode(WriteMode mode)
{
    Q_D(NetworkCache);
    d->chain.writeMode = mode;
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
    // An AlwaysCache request (QNetworkAccessCacheBackend) finishes its reply before reading
    // the body, so damage found while streaming could only end it early: the body is checked
    // whole, up front, and the checked device is the one data() hands out.
    QIODevice *verifiedBody = nullptr;
    if (found.isValid() && d->cacheOnlyRequestFor(key)) {
        verifiedBody = d->chain.open(found, TierEntry::ReadMode::Verified);
        if (!verifiedBody)
            found = {};
        else
            verifiedBody->setParent(this);
    }
    const NetworkCachePrivate::Pin *pinned = d->pinFor(key);
    if (pinned)
        found = pinned->found; // the second call of a revalidation: the body it is about
    const QDateTime expiration = found.isValid() ? found.record.metaData().expirationDate() : QDateTime();
    const bool stale = found.isValid()
            && (!expiration.isValid() || expiration.toMSecsSinceEpoch() <= QDateTime::currentMSecsSinceEpoch());
    // Around a 304 QNAM asks twice for the same stale entry; count that once.
    const bool counted = !(stale && d->lastCountedLookup == key);
    d->lastCountedLookup = stale ? key : QString();
    if (counted) {
        d->count(NetworkCachePrivate::Lookups);
        d->count(!found.isValid() ? NetworkCachePrivate::Misses
                         : stale        ? NetworkCachePrivate::StaleHits
                                        : NetworkCachePrivate::Hits);
        if (d->eventLog.sample()) {
            d->eventLog.write("lookup", key, !found.isValid() ? QStringLiteral("miss") : stale ? QStringLiteral("stale") : QStringLiteral("hit"),
                              found.isValid() ? d->chain.tier(found.index)->name() : QString(), timer.nsecsElapsed() / 1000);
        }
    }
    if (!found.isValid()) {
        delete verifiedBody;
        return {};
    }
    // Pin what QNAM may revalidate: stale entries, and those it always revalidates.
    if (!pinned && !verifiedBody && (stale || [&] {
            const CacheControl cc = CacheControl::parse(rawHeader(found.record.metaData(), "cache-control"));
            return cc.has("no-cache") || cc.has("must-revalidate");
        }())) {
        d->pin(key, found);
    }
    QNetworkCacheMetaData md = found.record.metaData();
    // QNAM calls an entry fresh while secsTo(expiration) >= 0, i.e. up to 999 ms after it
    // expired (QDateTime::secsTo truncates). Move expired entries a second further back so
    // that "stale" means stale, and a max-age=0 response is never reused.
    if (stale) {
        const QDateTime expires = md.expirationDate();
        md.setExpirationDate(expires.isValid() ? expires.addMSecs(-1000) : QDateTime::fromMSecsSinceEpoch(0, Qt::UTC));
    }
    d->lastKey = key;
    d->lastFound = std::move(found);
    d->lastBody = verifiedBody;
    return md;
}

void NetworkCache::updateMetaData(const QNetworkCacheMetaData &metaData)
{
    Q_D(NetworkCache);
    const QString key = d->keyFor(metaData.url());
    if (key.isEmpty())
        return;
    // QNAM recomputed the expiration from max-age alone; redo it per RFC 9111 with this
    // response's Date and Age, then apply the policy.
    QNetworkCacheMetaData md = d->policy.filterHeaders(metaData);
    // The request URL (minus password and fragment), not QUrl(key): QNAM hands it back to
    // updateMetaData(), and Qt 6.4's path normalization is not idempotent.
    md.setUrl(metaData.url().adjusted(QUrl::RemovePassword | QUrl::RemoveFragment));
    md.setExpirationDate(d->expirationFor(metaData.url(), metaData, QDateTime::currentDateTimeUtc(), -1));
    if (const NetworkCachePrivate::Pin *pinned = d->pinFor(key)) {
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
            if (current && !validator.isEmpty() && validatorOf(current->record().metaData()) == validator)
                tier->updateMetaData(key, md);
        }
        d->pins[key].found.record.setMetaData(md);
    } else {
        d->chain.updateMetaData(key, md);
    }
    if (d->lastKey == key)
        d->lastFound.record.setMetaData(md);
    d->count(NetworkCachePrivate::Revalidations);
    if (d->eventLog.sample())
        d->eventLog.write("revalidate", key, QString(), QString(), -1);
}

QIODevice *NetworkCache::data(const QUrl &url)
{
    Q_D(NetworkCache);
    const QString key = url == d->lastUrl ? d->lastUrlKey : d->keyFor(url);
    if (key.isEmpty())
        return nullptr;
    if (d->pins.contains(key)) {
        NetworkCachePrivate::Pin p = d->pins.take(key);
        if (p.body) {
            p.body->setParent(nullptr); // QNAM reparents it to the reply
            d->forgetLookup();
            d->lastCountedLookup.clear();
            d->count(NetworkCachePrivate::BytesFromCache, p.found.record.bodySize());
            return p.body;
        }
    }
    // metaData() just looked this key up (QNAM's pattern): serve the very entry it reported.
    TierChain::Found found = d->lastKey == key ? std::move(d->lastFound) : d->chain.lookup(key);
    QIODevice *device = d->lastKey == key ? std::exchange(d->lastBody, nullptr) : nullptr;
    d->forgetLookup();
    d->lastCountedLookup.clear();
    if (!found.isValid())
        return nullptr;
    if (device)
        device->setParent(nullptr); // QNAM reparents it to the reply
    else
        device = d->chain.open(found);
    if (device)
        d->count(NetworkCachePrivate::BytesFromCache, found.record.bodySize());
    return device;
}

bool NetworkCache::remove(const QUrl &url)
{
    Q_D(NetworkCache);
    const QString key = d->keyFor(url);
    if (key.isEmpty())
        return false;
    d->lastCountedLookup.clear();
    d->unpin(key);
    d->watchUnsafeRequest(key);
    const auto pending = d->pending;
    for (InsertDevice *device : pending) {
        if (device->key() == key)
            d->abandon(device);
    }
    if (d->lastKey == key)
        d->forgetLookup();
    const bool removed = d->chain.remove(key);
    d->storeTags(key, {});
    return removed;
}

qint64 NetworkCache::cacheSize() const
{
    Q_D(const NetworkCache);
    // maximumCacheSize() governs the disk tier; without one, report what all tiers hold.
    return d->disk ? d->disk->size() : const_cast<TierChain &>(d->chain).totalSize();
}

QIODevice *NetworkCache::prepare(const QNetworkCacheMetaData &metaData)
{
    Q_D(NetworkCache);
    const QString key = d->keyFor(metaData.url());
    d->lastCountedLookup.clear(); // a full response ends the stale lookup: the next one counts
    d->unpin(key);
    if (key.isEmpty() || !metaData.saveToDisk() || !d->policy.isCacheableStatus(statusCode(metaData)))
        return nullptr;

    bool ok = false;
    qint64 sizeHint = rawHeader(metaData, "content-length").trimmed().toLongLong(&ok);
    if (!ok || !rawHeader(metaData, "content-encoding").isEmpty())
        sizeHint = -1; // QNAM stores decoded bodies: the length on the wire says nothing
    const qint64 maxBody = d->policy.maximumBodySize();
    if (sizeHint >= 0 && ((maxBody >= 0 && sizeHint > maxBody) || sizeHint < d->policy.minimumBodySize()))
        return nullptr; // passed through uncached

    CachePolicy::Decision decision;
    if (const CachePolicy::Hook hook = d->policy.hook())
        hook(metaData.url(), metaData, &decision);
    if (!decision.store)
        return nullptr;

    // Freshness comes from every header the origin sent; the lists only decide what is kept.
    QNetworkCacheMetaData md = d->policy.filterHeaders(metaData);
    // The request URL (minus password and fragment), not QUrl(key): QNAM hands it back to
    // updateMetaData(), and Qt 6.4's path normalization is not idempotent.
    md.setUrl(metaData.url().adjusted(QUrl::RemovePassword | QUrl::RemoveFragment));
    md.setExpirationDate(d->expirationFor(metaData.url(), metaData, QDateTime::currentDateTimeUtc(), decision.ttlSeconds));

    QStringList problems;
    QStringList tagList = tags::fromHeaders(metaData, &problems);
    tags::merge(&tagList, decision.tags, &problems);
    if (d->tagCallback)
        tags::merge(&tagList, d->tagCallback(metaData.url(), metaData), &problems);
    for (const QString &p : std::as_const(problems))
        qCWarning(lcCache).noquote() << "tags of" << key << ":" << p;

    std::vector<InsertDevice::Target> targets = d->chain.beginWrite(key, md, sizeHint);
    if (targets.empty()) {
        if (d->disk && !d->disk->errorString().isEmpty())
            d->setError(Error::WriteError, d->disk->errorString());
        return nullptr;
    }
    auto *device = new InsertDevice(key, md, std::move(targets), this);
    device->setTags(tagList);
    device->setMaximumSize(maxBody);
    d->pending.insert(device);
    d->watchOwner(device);
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
        if (d->chain.tier(index) == d->disk)
            d->setError(Error::WriteError, why);
    }
    // QNAM 6.4 may finish a reply whose connection dropped mid-body without an error; a body
    // shorter or longer than its Content-Length is never stored.
    bool lengthOk = false;
    const qint64 announced = rawHeader(insert->metaData(), "content-length").trimmed().toLongLong(&lengthOk);
    if (lengthOk && rawHeader(insert->metaData(), "content-encoding").isEmpty()
        && announced != insert->bodySize()) {
        qCWarning(lcCache).noquote() << "not storing" << insert->key() << ": got" << insert->bodySize()
                                     << "bytes of" << announced;
        insert->discard();
    } else if (insert->bodySize() < d->policy.minimumBodySize()) {
        insert->discard();
    }
    // The final metadata and the tags go with the body: one commit per tier, one transaction
    // in a tier that stores tags.
    const QNetworkCacheMetaData fixed =
            withoutStaleContentEncoding(insert->metaData(), insert->leadingBytes());
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
        diskStored = diskStored || tier == d->disk;
        tagsStored = tagsStored || tier->capabilities().testFlag(Tier::Capability::StoresTags);
    }
    if (stored) {
        if (diskStored && (d->error == Error::WriteError || d->error == Error::DirectoryError)) {
            d->error = Error::NoError; // storing works again
            d->errorString.clear();
        }
        if (!tagsStored)
            d->storeTags(insert->key(), insert->tags());
        d->count(NetworkCachePrivate::Inserts);
        d->count(NetworkCachePrivate::BytesFromNetwork, insert->bodySize());
        if (d->eventLog.sample())
            d->eventLog.write("insert", insert->key(), QString(), QString(), -1, insert->tags(), insert->bodySize());
    }
    insert->close();
    delete insert;
}

void NetworkCache::clear()
{
    Q_D(NetworkCache);
    d->forgetLookup();
    d->unpinAll();
    d->chain.clear();
}

CacheEntryInfo NetworkCache::entryInfo(const QUrl &url) const
{
    Q_D(const NetworkCache);
    const QString key = d->keyFor(url);
    if (key.isEmpty() || !d->disk || !d->disk->ensureOpen())
        return {};
    d->disk->store().flushHits();
    const auto e = d->disk->store().find(key);
    if (!e)
        return {};
    CacheEntryInfo info = toInfo(*e);
    info.tags = d->disk->store().tagsOf(key);
    return info;
}

QList<CacheEntryInfo> NetworkCache::entries(int offset, int limit) const
{
    Q_D(const NetworkCache);
    QList<CacheEntryInfo> result;
    if (!d->disk || !d->disk->ensureOpen())
        return result;
    const QList<EntryRecord> records = d->disk->store().entries(offset, limit);
    result.reserve(records.size());
    for (const EntryRecord &e : records)
        result.append(toInfo(e));
    return result;
}

CacheSummary NetworkCache::summary() const
{
    Q_D(const NetworkCache);
    CacheSummary s;
    s.maximumSize = d->maximumSize;
    if (!d->disk || !d->disk->ensureOpen())
        return s;
    const Catalogue::Counts c = d->disk->store().counts();
    s.entryCount = c.entries;
    s.blobCount = c.blobs;
    s.bodyBytes = c.bodyBytes;
    s.totalHits = c.hits;
    s.storedBytes = d->disk->store().totalSize();
    return s;
}

VerifyReport NetworkCache::verify(const std::function<bool(qint64, qint64)> &progress)
{
    Q_D(NetworkCache);
    d->forgetLookup();
    if (!d->disk || !d->disk->ensureOpen())
        return {};
    const VerifyReport report = d->disk->store().verify(progress);
    d->disk->forgetRows();
    return report;
}

qint64 NetworkCache::collectGarbage()
{
    Q_D(NetworkCache);
    if (!d->disk || !d->disk->ensureOpen())
        return 0;
    const qint64 reclaimed = d->disk->store().collectGarbage();
    d->disk->forgetRows();
    return reclaimed;
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

int NetworkCache::invalidateTag(const QString &tag)
{
    return invalidateTags({tag});
}

int NetworkCache::invalidateTags(const QStringList &tagList)
{
    Q_D(NetworkCache);
    return d->invalidate(tagList, false);
}

int NetworkCache::softPurgeTag(const QString &tag)
{
    return softPurgeTags({tag});
}

int NetworkCache::softPurgeTags(const QStringList &tagList)
{
    Q_D(NetworkCache);
    return d->invalidate(tagList, true);
}

QList<QPair<QString, qint64>> NetworkCache::tags() const
{
    Q_D(const NetworkCache);
    if (d->disk && d->disk->ensureOpen())
        return d->disk->store().tagCounts();
    QList<QPair<QString, qint64>> result;
    for (auto it = d->memoryTags.cbegin(); it != d->memoryTags.cend(); ++it) {
        if (!it.value().isEmpty())
            result.append({it.key(), qint64(it.value().size())});
    }
    std::sort(result.begin(), result.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    return result;
}

namespace {
EntryQuery toQuery(const EntryFilter &filter)
{
    EntryQuery q;
    q.urlContains = filter.urlContains;
    q.tag = filter.tag;
    q.contentType = filter.contentType;
    q.expired = filter.expiry == EntryFilter::Expiry::ExpiredOnly ? 1
            : filter.expiry == EntryFilter::Expiry::FreshOnly     ? -1
                                                                  : 0;
    q.nowMs = QDateTime::currentMSecsSinceEpoch();
    switch (filter.order) {
    case EntryFilter::Order::RecentlyUsed: q.order = EntryQuery::Order::RecentlyUsed; break;
    case EntryFilter::Order::MostHits: q.order = EntryQuery::Order::MostHits; break;
    case EntryFilter::Order::Largest: q.order = EntryQuery::Order::Largest; break;
    case EntryFilter::Order::Oldest: q.order = EntryQuery::Order::Oldest; break;
    case EntryFilter::Order::Url: q.order = EntryQuery::Order::Key; break;
    }
    return q;
}
} // namespace

QList<CacheEntryInfo> NetworkCache::entries(const EntryFilter &filter, int offset, int limit) const
{
    Q_D(const NetworkCache);
    QList<CacheEntryInfo> result;
    if (filter.tier.isEmpty() || filter.tier == QLatin1String("disk")) {
        if (!d->disk || !d->disk->ensureOpen())
            return result;
        for (const EntryRecord &e : d->disk->store().query(toQuery(filter), offset, limit))
            result.append(toInfo(e));
        return d->withTags(result);
    }
    // Another tier: walk it and filter here (tiers other than disk have no query language).
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < d->chain.size(); ++i) {
        Tier *tier = d->chain.tier(i);
        if (tier->name() != filter.tier)
            continue;
        const QStringList tagged = filter.tag.isEmpty() ? QStringList() : d->keysForTags({filter.tag});
        int skipped = 0;
        tier->enumerate([&](const TierRecord &r) {
            const QString key = r.key();
            const QNetworkCacheMetaData md = r.metaData();
            if (!filter.urlContains.isEmpty() && !key.contains(filter.urlContains))
                return true;
            if (!filter.tag.isEmpty() && !tagged.contains(key))
                return true;
            if (!filter.contentType.isEmpty()
                && !QString::fromLatin1(rawHeader(md, "content-type")).startsWith(filter.contentType))
                return true;
            const bool expired = md.expirationDate() <= now;
            if ((filter.expiry == EntryFilter::Expiry::ExpiredOnly && !expired)
                || (filter.expiry == EntryFilter::Expiry::FreshOnly && expired))
                return true;
            if (skipped++ < offset)
                return true;
            CacheEntryInfo info;
            info.url = QUrl(key, QUrl::StrictMode);
            info.bodySize = r.bodySize();
            info.statusCode = statusCode(md);
            info.contentType = rawHeader(md, "content-type");
            info.lastAccess = r.lastAccess();
            info.expires = md.expirationDate();
            result.append(info);
            return limit < 0 || result.size() < limit;
        });
        break;
    }
    return d->withTags(result);
}

qint64 NetworkCache::entryCount(const EntryFilter &filter) const
{
    Q_D(const NetworkCache);
    if (filter.tier.isEmpty() || filter.tier == QLatin1String("disk"))
        return d->disk && d->disk->ensureOpen() ? d->disk->store().count(toQuery(filter)) : 0;
    return entries(filter, 0, -1).size();
}

Statistics NetworkCache::statistics(int topN) const
{
    Q_D(const NetworkCache);
    Statistics st;
    st.tiers = d->chain.statistics();
    const bool persistent = d->disk && d->disk->ensureOpen();
    QHash<QString, qint64> c;
    if (persistent) {
        const_cast<NetworkCachePrivate *>(d)->flushCounters();
        c = d->disk->store().counters();
    } else {
        for (int i = 0; i < NetworkCachePrivate::CounterCount; ++i)
            c.insert(QLatin1String(NetworkCachePrivate::counterName(NetworkCachePrivate::Counter(i))), d->sessionCounters[i]);
    }
    st.lookups = c.value(QStringLiteral("lookups"));
    st.hits = c.value(QStringLiteral("hits"));
    st.staleHits = c.value(QStringLiteral("stale_hits"));
    st.misses = c.value(QStringLiteral("misses"));
    st.revalidations = c.value(QStringLiteral("revalidations"));
    st.bytesFromCache = c.value(QStringLiteral("bytes_from_cache"));
    st.bytesFromNetwork = c.value(QStringLiteral("bytes_from_network"));
    st.inserts = c.value(QStringLiteral("inserts"));
    st.evictions = c.value(QStringLiteral("evictions"));
    st.invalidations = c.value(QStringLiteral("invalidations"));
    for (const TierStatistics &t : std::as_const(st.tiers))
        st.promotions += t.promotions;
    if (!persistent)
        return st;
    const qint64 since = QDateTime::currentMSecsSinceEpoch() / 60000 - 24 * 60 * 365;
    QMap<qint64, Statistics::Minute> minutes;
    for (const Catalogue::SeriesPoint &p : d->disk->store().series(since)) {
        Statistics::Minute &m = minutes[p.minute];
        m.start = QDateTime::fromMSecsSinceEpoch(p.minute * 60000, Qt::UTC);
        if (p.name == QLatin1String("lookups")) m.lookups = p.value;
        else if (p.name == QLatin1String("hits")) m.hits = p.value;
        else if (p.name == QLatin1String("stale_hits")) m.staleHits = p.value;
        else if (p.name == QLatin1String("misses")) m.misses = p.value;
        else if (p.name == QLatin1String("revalidations")) m.revalidations = p.value;
        else if (p.name == QLatin1String("bytes_from_cache")) m.bytesFromCache = p.value;
        else if (p.name == QLatin1String("bytes_from_network")) m.bytesFromNetwork = p.value;
        else if (p.name == QLatin1String("inserts")) m.inserts = p.value;
        else if (p.name == QLatin1String("evictions")) m.evictions = p.value;
    }
    st.series = minutes.values();
    if (topN > 0) {
        EntryFilter f;
        f.order = EntryFilter::Order::MostHits;
        st.hottest = entries(f, 0, topN);
        f.order = EntryFilter::Order::Largest;
        st.largest = entries(f, 0, topN);
        f.order = EntryFilter::Order::Oldest;
        st.oldest = entries(f, 0, topN);
    }
    return st;
}

void NetworkCache::resetStatistics()
{
    Q_D(NetworkCache);
    std::fill(std::begin(d->sessionCounters), std::end(d->sessionCounters), 0);
    std::fill(std::begin(d->unflushed), std::end(d->unflushed), 0);
    if (d->disk && d->disk->ensureOpen())
        d->disk->store().resetStatistics();
    emit statisticsChanged();
}

bool NetworkCache::statisticsEnabled() const
{
    Q_D(const NetworkCache);
    return d->statisticsEnabled;
}

void NetworkCache::setStatisticsEnabled(bool enabled)
{
    Q_D(NetworkCache);
    d->statisticsEnabled = enabled;
}

void NetworkCache::setStatisticsRetention(int minutes)
{
    Q_D(NetworkCache);
    if (d->disk)
        d->disk->store().setSeriesRetentionMinutes(qMax(1, minutes));
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

NetworkCache::Error NetworkCache::error() const
{
    Q_D(const NetworkCache);
    if (d->error == Error::NoError && d->disk && !d->disk->errorString().isEmpty())
        return Error::DirectoryError;
    return d->error;
}

QString NetworkCache::errorString() const
{
    Q_D(const NetworkCache);
    if (d->errorString.isEmpty() && d->disk)
        return d->disk->errorString();
    return d->errorString;
}

} // namespace tiercache
