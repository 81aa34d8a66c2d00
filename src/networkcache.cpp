// SPDX-License-Identifier: MIT
#include "networkcache_p.h"

#include "disktier_p.h"
#include "freshness_p.h"
#include "insertdevice_p.h"
#include "logging_p.h"

#include <QtCore/QDir>
#include <QtCore/QPointer>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>

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

NetworkCachePrivate::NetworkCachePrivate(NetworkCache *q) : q_ptr(q) { }

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
    // and a deleted reply calls nothing. The replies are children of the manager, which owns
    // the cache, so find the one this body belongs to and follow it.
    auto *manager = qobject_cast<QNetworkAccessManager *>(q_ptr->parent());
    if (!manager)
        return;
    const auto replies = manager->findChildren<QNetworkReply *>(Qt::FindDirectChildrenOnly);
    for (QNetworkReply *reply : replies) {
        if (!reply->isRunning() || reply->property("_tiercache_insert").isValid()
            || NetworkCache::cacheKey(reply->url()) != device->key()) {
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
    for (InsertDevice *device : std::as_const(d->pending))
        device->discard();
    d->chain.setTiers({});
}

QString NetworkCache::cacheKey(const QUrl &url)
{
    if (!url.isValid() || url.isRelative() || url.host().isEmpty())
        return {};
    // The password never reaches the disk; the user name stays part of the key.
    QUrl u = url.adjusted(QUrl::RemoveFragment | QUrl::RemovePassword | QUrl::NormalizePathSegments);
    const QString scheme = u.scheme();
    if ((scheme == QLatin1String("http") && u.port() == 80)
        || (scheme == QLatin1String("https") && u.port() == 443)) {
        u.setPort(-1);
    }
    if (u.path().isEmpty())
        u.setPath(QStringLiteral("/"));
    return QString::fromLatin1(u.toEncoded(QUrl::FullyEncoded));
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
    d->lastKey.clear();
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
    d->lastKey.clear();
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
                auto disk = std::make_unique<DiskTier>();
                disk->setDirectory(d->directory);
                disk->setMaximumSize(d->maximumSize);
                disk->setSync(d->syncMode == SyncMode::SyncOnInsert);
                QPointer<NetworkCache> self(this);
                disk->setDamageHandler([self](const QString &key) {
                    if (self)
                        self->remove(QUrl(key, QUrl::StrictMode));
                });
                d->disk = disk.get();
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
        slot.stats.spec = spec;
        slot.stats.name = tier->name();
        slot.tier = std::move(tier);
        tierSlots.push_back(std::move(slot));
        used.append(spec);
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
    const QString key = cacheKey(url);
    d->lastKey.clear();
    if (key.isEmpty())
        return {};
    TierChain::Found found = d->chain.lookup(key);
    // QNetworkReplyHttpImpl (6.4) waits for bytesAvailable() > 0 before it finishes a cache
    // load, so a hit on an empty body would never finish: offer only bodies with bytes.
    if (!found.isValid() || found.record.bodySize == 0)
        return {};
    QNetworkCacheMetaData md = found.record.metaData;
    // QNAM calls an entry fresh while secsTo(expiration) >= 0, i.e. up to 999 ms after it
    // expired (QDateTime::secsTo truncates). Move expired entries a second further back so
    // that "stale" means stale, and a max-age=0 response is never reused.
    const QDateTime expires = md.expirationDate();
    if (!expires.isValid() || expires <= QDateTime::currentDateTimeUtc())
        md.setExpirationDate(expires.isValid() ? expires.addMSecs(-1000) : QDateTime::fromMSecsSinceEpoch(0, Qt::UTC));
    d->lastKey = key;
    d->lastFound = std::move(found);
    return md;
}

void NetworkCache::updateMetaData(const QNetworkCacheMetaData &metaData)
{
    Q_D(NetworkCache);
    const QString key = cacheKey(metaData.url());
    if (key.isEmpty())
        return;
    // QNAM recomputed the expiration from max-age alone; redo it per RFC 9111 with this
    // response's Date and Age.
    QNetworkCacheMetaData md = metaData;
    md.setUrl(QUrl(key, QUrl::StrictMode));
    md.setExpirationDate(computeExpiration(md, QDateTime::currentDateTimeUtc()));
    d->chain.updateMetaData(key, md);
    if (d->lastKey == key)
        d->lastFound.record.metaData = md;
}

QIODevice *NetworkCache::data(const QUrl &url)
{
    Q_D(NetworkCache);
    const QString key = cacheKey(url);
    if (key.isEmpty())
        return nullptr;
    if (d->lastKey != key) {
        d->lastFound = d->chain.lookup(key);
        if (!d->lastFound.isValid())
            return nullptr;
    }
    d->lastKey.clear();
    return d->chain.open(d->lastFound);
}

bool NetworkCache::remove(const QUrl &url)
{
    Q_D(NetworkCache);
    const QString key = cacheKey(url);
    if (key.isEmpty())
        return false;
    const auto pending = d->pending;
    for (InsertDevice *device : pending) {
        if (device->key() == key)
            d->abandon(device);
    }
    if (d->lastKey == key)
        d->lastKey.clear();
    return d->chain.remove(key);
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
    const QString key = cacheKey(metaData.url());
    if (key.isEmpty() || !metaData.saveToDisk())
        return nullptr;

    QNetworkCacheMetaData md = metaData;
    md.setUrl(QUrl(key, QUrl::StrictMode));
    md.setExpirationDate(computeExpiration(md, QDateTime::currentDateTimeUtc()));
    bool ok = false;
    qint64 sizeHint = rawHeader(md, "content-length").trimmed().toLongLong(&ok);
    if (!ok || !rawHeader(md, "content-encoding").isEmpty())
        sizeHint = -1; // QNAM stores decoded bodies: the length on the wire says nothing
    std::vector<InsertDevice::Target> targets = d->chain.beginWrite(key, md, sizeHint);
    if (targets.empty()) {
        if (d->disk && !d->disk->errorString().isEmpty())
            d->setError(Error::WriteError, d->disk->errorString());
        return nullptr;
    }
    auto *device = new InsertDevice(key, md, std::move(targets), this);
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
        d->lastKey.clear();
    for (int index : insert->takeDropped())
        d->chain.noteWrite(index, false);
    // QNAM 6.4 may finish a reply whose connection dropped mid-body without an error; a body
    // shorter or longer than its Content-Length is never stored.
    bool lengthOk = false;
    const qint64 announced = rawHeader(insert->metaData(), "content-length").trimmed().toLongLong(&lengthOk);
    if (lengthOk && rawHeader(insert->metaData(), "content-encoding").isEmpty()
        && announced != insert->bodySize()) {
        qCWarning(lcCache).noquote() << "not storing" << insert->key() << ": got" << insert->bodySize()
                                     << "bytes of" << announced;
        insert->discard();
    }
    const QNetworkCacheMetaData fixed =
            withoutStaleContentEncoding(insert->metaData(), insert->leadingBytes());
    const bool rewrite = !(fixed == insert->metaData());
    for (InsertDevice::Target &t : insert->takeTargets()) {
        const bool committed = t.writer->commit();
        d->chain.noteWrite(t.index, committed);
        if (!committed) {
            d->setError(Error::WriteError, t.writer->errorString());
            continue;
        }
        if (rewrite)
            d->chain.tier(t.index)->updateMetaData(insert->key(), fixed);
    }
    insert->close();
    delete insert;
}

void NetworkCache::clear()
{
    Q_D(NetworkCache);
    d->lastKey.clear();
    d->chain.clear();
}

CacheEntryInfo NetworkCache::entryInfo(const QUrl &url) const
{
    Q_D(const NetworkCache);
    const QString key = cacheKey(url);
    if (key.isEmpty() || !d->disk || !d->disk->ensureOpen())
        return {};
    d->disk->store().flushHits();
    const auto e = d->disk->store().find(key);
    return e ? toInfo(*e) : CacheEntryInfo();
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
    d->lastKey.clear();
    if (!d->disk || !d->disk->ensureOpen())
        return {};
    return d->disk->store().verify(progress);
}

qint64 NetworkCache::collectGarbage()
{
    Q_D(NetworkCache);
    return d->disk && d->disk->ensureOpen() ? d->disk->store().collectGarbage() : 0;
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
