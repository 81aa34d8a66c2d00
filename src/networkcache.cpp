// SPDX-License-Identifier: MIT
#include "networkcache_p.h"

#include "blobstore_p.h"
#include "bodydevice_p.h"
#include "freshness_p.h"
#include "logging_p.h"
#include "metadatacodec_p.h"
#include "spooldevice_p.h"

#include <QtCore/QDir>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>

namespace tiercache {

namespace {
constexpr int HitFlushIntervalMs = 1000;
constexpr qint64 ReopenIntervalMs = 5000;

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

NetworkCachePrivate::NetworkCachePrivate(NetworkCache *q) : q_ptr(q)
{
    hitFlushTimer.setSingleShot(true);
    hitFlushTimer.setInterval(HitFlushIntervalMs);
    QObject::connect(&hitFlushTimer, &QTimer::timeout, q, [this] { store.flushHits(); });
    trimTimer.setSingleShot(true);
    trimTimer.setInterval(0);
    QObject::connect(&trimTimer, &QTimer::timeout, q, [this] { trimStep(); });
}

void NetworkCachePrivate::setError(NetworkCache::Error e, const QString &message)
{
    error = e;
    errorString = message;
    qCWarning(lcCache).noquote() << message;
}

bool NetworkCachePrivate::ensureOpen()
{
    if (store.isOpen())
        return true;
    if (directory.isEmpty())
        return false;
    // Do not retry a failing directory (read-only, full disk) on every request.
    if (lastOpenAttempt.isValid() && !lastOpenAttempt.hasExpired(ReopenIntervalMs))
        return false;
    lastOpenAttempt.start();
    if (!store.open(directory)) {
        setError(NetworkCache::Error::DirectoryError, store.errorString());
        return false;
    }
    lastOpenAttempt.invalidate();
    return true;
}

void NetworkCachePrivate::forgetLookup()
{
    blob::closeFd(last.fd);
    last = Lookup();
}

QNetworkCacheMetaData NetworkCachePrivate::presentable(const EntryRecord &e) const
{
    QNetworkCacheMetaData md = last.metaData;
    // QNAM calls an entry fresh while secsTo(expiration) >= 0, i.e. up to 999 ms after it
    // expired (QDateTime::secsTo truncates). Move expired entries a second further back so
    // that "stale" means stale, and a max-age=0 response is never reused.
    const QDateTime expires = QDateTime::fromMSecsSinceEpoch(e.expiresMs, Qt::UTC);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    md.setExpirationDate(expires > now ? expires : expires.addMSecs(-1000));
    return md;
}

bool NetworkCachePrivate::lookup(const QString &key)
{
    auto e = store.find(key);
    if (!e) {
        forgetLookup();
        return false;
    }
    if (last.key == key && last.entry.digest == e->digest && !last.window.isEmpty() == (e->bodySize > 0)) {
        // Same body as the previous lookup: its verified window is still good (blobs never
        // change in place); only the row (metadata, 304 updates) may have.
        QNetworkCacheMetaData md;
        if (!decodeMetaData(e->meta, &md)) {
            store.remove(key);
            forgetLookup();
            return false;
        }
        last.entry = *e;
        last.metaData = md;
        return true;
    }
    forgetLookup();
    QNetworkCacheMetaData md;
    if (!decodeMetaData(e->meta, &md)) {
        qCWarning(lcCache).noquote() << "dropping entry with unreadable metadata:" << key;
        store.remove(key);
        return false;
    }
    QString why;
    if (!store.openBody(*e, BodyDevice::WindowSize, &last.window, &last.fd, &why))
        return false;
    last.key = key;
    last.entry = *e;
    last.metaData = md;
    return true;
}

void NetworkCachePrivate::watchOwner(SpoolDevice *spool)
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
        if (!reply->isRunning() || reply->property("_tiercache_spool").isValid()
            || NetworkCache::cacheKey(reply->url()) != spool->key()) {
            continue;
        }
        reply->setProperty("_tiercache_spool", true);
        QPointer<SpoolDevice> guard(spool);
        auto reap = [this, guard] {
            if (guard && pending.contains(guard.data())) {
                qCDebug(lcCache) << "reaping abandoned download of" << guard->key();
                abandon(guard.data());
            }
        };
        QObject::connect(reply, &QObject::destroyed, spool, reap);
        QObject::connect(reply, &QNetworkReply::finished, spool, [this, reply, guard, reap] {
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

void NetworkCachePrivate::abandon(SpoolDevice *spool)
{
    pending.remove(spool);
    spool->close(); // aboutToClose(): QNAM drops its pointer to the device
    spool->discard();
    spool->deleteLater();
}

void NetworkCachePrivate::scheduleHitFlush()
{
    if (!hitFlushTimer.isActive())
        hitFlushTimer.start();
}

void NetworkCachePrivate::scheduleTrim()
{
    if (!trimTimer.isActive())
        trimTimer.start();
}

void NetworkCachePrivate::trimStep()
{
    if (!store.isOpen())
        return;
    // Small steps from the event loop keep every insert and every frame short.
    if (!store.evictTo(maximumSize - maximumSize / 10, 64))
        scheduleTrim();
}

// ---------------------------------------------------------------------------------------------

NetworkCache::NetworkCache(QObject *parent)
    : QAbstractNetworkCache(parent), m_d(std::make_unique<NetworkCachePrivate>(this))
{
}

NetworkCache::~NetworkCache()
{
    Q_D(NetworkCache);
    for (SpoolDevice *spool : std::as_const(d->pending))
        spool->discard();
    d->forgetLookup();
    d->store.close();
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
    const QString absolute = directory.isEmpty() ? QString() : QDir(directory).absolutePath();
    if (absolute == d->directory)
        return;
    d->forgetLookup();
    d->store.close();
    d->directory = absolute;
    d->lastOpenAttempt.invalidate();
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
    if (d->store.isOpen())
        d->scheduleTrim();
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
}

QNetworkCacheMetaData NetworkCache::metaData(const QUrl &url)
{
    Q_D(NetworkCache);
    const QString key = cacheKey(url);
    if (key.isEmpty() || !d->ensureOpen() || !d->lookup(key))
        return {};
    // QNetworkReplyHttpImpl (6.4) waits for bytesAvailable() > 0 before it finishes a cache
    // load, so a hit on an empty body would never finish: offer only bodies with bytes.
    if (d->last.entry.bodySize == 0)
        return {};
    return d->presentable(d->last.entry);
}

void NetworkCache::updateMetaData(const QNetworkCacheMetaData &metaData)
{
    Q_D(NetworkCache);
    const QString key = cacheKey(metaData.url());
    if (key.isEmpty() || !d->ensureOpen())
        return;
    // QNAM recomputed the expiration from max-age alone; redo it per RFC 9111 with this
    // response's Date and Age.
    QNetworkCacheMetaData md = metaData;
    const QDateTime expires = computeExpiration(md, QDateTime::currentDateTimeUtc());
    md.setExpirationDate(expires);
    if (!d->store.updateMeta(key, encodeMetaData(md), expires.toMSecsSinceEpoch()))
        return;
    if (d->last.key == key) {
        d->last.metaData = md;
        d->last.entry.expiresMs = expires.toMSecsSinceEpoch();
    }
}

QIODevice *NetworkCache::data(const QUrl &url)
{
    Q_D(NetworkCache);
    const QString key = cacheKey(url);
    if (key.isEmpty() || !d->ensureOpen())
        return nullptr;
    if (d->last.key != key && !d->lookup(key))
        return nullptr;
    const EntryRecord &e = d->last.entry;
    QPointer<NetworkCache> self(this);
    auto onDamage = [self, key](const QString &) {
        if (self)
            self->remove(QUrl(key, QUrl::StrictMode));
    };
    auto *device = new BodyDevice(d->last.fd, e.bodySize, e.chunkSize, e.sums, d->last.window,
                                  std::move(onDamage));
    d->last.fd = -1; // now owned by the device
    d->last.key.clear(); // the next lookup re-reads: the window has been handed out
    d->store.recordHit(key, QDateTime::currentMSecsSinceEpoch());
    d->scheduleHitFlush();
    return device;
}

bool NetworkCache::remove(const QUrl &url)
{
    Q_D(NetworkCache);
    const QString key = cacheKey(url);
    if (key.isEmpty())
        return false;
    const auto pending = d->pending;
    for (SpoolDevice *spool : pending) {
        if (spool->key() == key)
            d->abandon(spool);
    }
    if (d->last.key == key)
        d->forgetLookup();
    return d->ensureOpen() && d->store.remove(key);
}

qint64 NetworkCache::cacheSize() const
{
    auto *d = const_cast<NetworkCachePrivate *>(d_func());
    return d->ensureOpen() ? d->store.totalSize() : 0;
}

QIODevice *NetworkCache::prepare(const QNetworkCacheMetaData &metaData)
{
    Q_D(NetworkCache);
    const QString key = cacheKey(metaData.url());
    if (key.isEmpty() || !metaData.saveToDisk() || !d->ensureOpen())
        return nullptr;

    QNetworkCacheMetaData md = metaData;
    md.setUrl(QUrl(key, QUrl::StrictMode));
    md.setExpirationDate(computeExpiration(md, QDateTime::currentDateTimeUtc()));
    auto *spool = new SpoolDevice(key, md, this);
    if (!spool->begin(blob::tempDir(d->store.root()))) {
        d->setError(Error::WriteError, spool->errorString());
        delete spool;
        return nullptr;
    }
    d->pending.insert(spool);
    d->watchOwner(spool);
    return spool;
}

void NetworkCache::insert(QIODevice *device)
{
    Q_D(NetworkCache);
    auto *spool = qobject_cast<SpoolDevice *>(device);
    if (!spool || !d->pending.contains(spool)) {
        qCWarning(lcCache) << "insert() called with a device this cache did not prepare()";
        return;
    }
    d->pending.remove(spool);
    const QNetworkCacheMetaData md =
            withoutStaleContentEncoding(spool->metaData(), spool->leadingBytes());
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    EntryRecord entry;
    entry.meta = encodeMetaData(md);
    entry.status = statusCode(md);
    entry.contentType = rawHeader(md, "content-type");
    entry.expiresMs = md.expirationDate().toMSecsSinceEpoch();
    entry.createdMs = now;
    entry.lastAccessMs = now;
    if (spool->hasFailed()) {
        d->setError(Error::WriteError, spool->errorString());
    } else if (!d->store.commit(spool, entry, d->syncMode == SyncMode::SyncOnInsert, d->maximumSize)) {
        d->setError(Error::WriteError, d->store.errorString());
    } else if (d->store.totalSize() > d->maximumSize - d->maximumSize / 10) {
        d->scheduleTrim();
    }
    if (d->last.key == spool->key())
        d->forgetLookup();
    spool->close();
    delete spool;
}

void NetworkCache::clear()
{
    Q_D(NetworkCache);
    d->forgetLookup();
    if (d->ensureOpen() && !d->store.clear())
        d->setError(Error::CatalogueError, d->store.errorString());
}

CacheEntryInfo NetworkCache::entryInfo(const QUrl &url) const
{
    auto *d = const_cast<NetworkCachePrivate *>(d_func());
    const QString key = cacheKey(url);
    if (key.isEmpty() || !d->ensureOpen())
        return {};
    d->store.flushHits();
    const auto e = d->store.find(key);
    return e ? toInfo(*e) : CacheEntryInfo();
}

QList<CacheEntryInfo> NetworkCache::entries(int offset, int limit) const
{
    auto *d = const_cast<NetworkCachePrivate *>(d_func());
    QList<CacheEntryInfo> result;
    if (!d->ensureOpen())
        return result;
    const QList<EntryRecord> records = d->store.entries(offset, limit);
    result.reserve(records.size());
    for (const EntryRecord &e : records)
        result.append(toInfo(e));
    return result;
}

CacheSummary NetworkCache::summary() const
{
    auto *d = const_cast<NetworkCachePrivate *>(d_func());
    CacheSummary s;
    s.maximumSize = d->maximumSize;
    if (!d->ensureOpen())
        return s;
    const Catalogue::Counts c = d->store.counts();
    s.entryCount = c.entries;
    s.blobCount = c.blobs;
    s.bodyBytes = c.bodyBytes;
    s.totalHits = c.hits;
    s.storedBytes = d->store.totalSize();
    return s;
}

VerifyReport NetworkCache::verify(const std::function<bool(qint64, qint64)> &progress)
{
    Q_D(NetworkCache);
    d->forgetLookup();
    if (!d->ensureOpen())
        return {};
    return d->store.verify(progress);
}

qint64 NetworkCache::collectGarbage()
{
    Q_D(NetworkCache);
    return d->ensureOpen() ? d->store.collectGarbage() : 0;
}

NetworkCache::Error NetworkCache::error() const
{
    Q_D(const NetworkCache);
    return d->error;
}

QString NetworkCache::errorString() const
{
    Q_D(const NetworkCache);
    return d->errorString;
}

} // namespace tiercache
