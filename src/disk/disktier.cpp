// SPDX-License-Identifier: MIT
#include "disk/disktier_p.h"

#include "bodydevice_p.h"
#include "disk/blobstore_p.h"
#include "disk/spooldevice_p.h"
#include "freshness_p.h"
#include "logging_p.h"
#include "metadatacodec_p.h"

#include <tiercache/decodingbodydevice.h>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>

#include <unistd.h>

namespace tiercache {

namespace {
    constexpr int HitFlushIntervalMs = 1000;
    constexpr qint64 ReopenIntervalMs = 1000;
    constexpr int TrimStepBudgetMs = 2;
    constexpr int BusyRetryMs = 20;
    constexpr int ExitSweepBodies = 1024;
    constexpr int ExitSweepBudgetMs = 100;
    constexpr int SweepStepBodies = 128;
    constexpr qsizetype MaxCachedRows = 4096;
} // namespace

class DiskWriter final : public TierWriter
{
public:
    DiskWriter(DiskTier *tier, std::unique_ptr<SpoolDevice> spool)
        : m_tier(tier), m_spool(std::move(spool))
    {
    }
    bool write(const char *data, qint64 size) override
    {
        return m_spool->write(data, size) == size;
    }
    bool commit(const QNetworkCacheMetaData &metaData, const QStringList &tags) override
    {
        return m_tier->commit(m_spool.get(), metaData, tags);
    }
    QString errorString() const override
    {
        return m_spool->hasFailed() ? m_spool->errorString() : m_tier->errorString();
    }

private:
    DiskTier *m_tier;
    std::unique_ptr<SpoolDevice> m_spool; // its destructor deletes an uncommitted temp file
};

/*
    One hit on the disk tier: the catalogue row as the lookup read it, and the body's verified
    first window with the file still open. A blob never changes in place (it is named by its
    digest), so the handle stays right for as long as it lives: a first openBody() hands out
    the window and the descriptor; later ones open the blob again, and miss if it is gone.
*/
class DiskEntry final : public TierEntry
{
public:
    DiskEntry(std::weak_ptr<DiskTier *> tier, EntryRecord entry, TierRecord record,
              QByteArray window, int fd)
        : m_tier(std::move(tier)),
          m_entry(std::move(entry)),
          m_record(std::move(record)),
          m_window(std::move(window)),
          m_fd(fd)
    {
    }
    ~DiskEntry() override { blob::closeFd(m_fd); }

    TierRecord record() const override { return m_record; }
    QIODevice *openBody(ReadMode mode) override
    {
        const auto alive = m_tier.lock();
        if (!alive)
            return nullptr;
        DiskTier *tier = *alive;
        // A compressed body is decoded whole first: its frames' checksums and its exact size
        // are checked before the reader gets a byte.
        const bool compressed = m_entry.compression != BodyCompression::Algorithm::None;
        if (mode == ReadMode::Verified
            && (compressed || m_entry.storedSize > BodyDevice::WindowSize)
            && !tier->m_store.verifyBody(m_entry)) {
            tier->forgetRows();
            return nullptr;
        }
        if (m_window.isNull()) { // handed out before: read the blob again
            QString why;
            if (!tier->m_store.openBody(m_entry, BodyDevice::WindowSize, &m_window, &m_fd, &why)) {
                tier->forgetRows();
                return nullptr;
            }
        }
        QIODevice *device = tier->openBody(m_entry, std::exchange(m_fd, -1), m_window);
        m_window = QByteArray();
        return device;
    }

private:
    std::weak_ptr<DiskTier *> m_tier;
    EntryRecord m_entry;
    TierRecord m_record;
    QByteArray m_window;
    int m_fd;
};

DiskTier::DiskTier(QObject *timerParent)
    : m_hitFlushTimer(new QTimer(timerParent)), m_trimTimer(new QTimer(timerParent))
{
    m_hitFlushTimer->setSingleShot(true);
    m_hitFlushTimer->setInterval(HitFlushIntervalMs);
    m_hitFlushTimer->callOnTimeout([this] { flushPending(); });
    m_trimTimer->setSingleShot(true);
    m_trimTimer->setInterval(0);
    m_trimTimer->callOnTimeout([this] { trimStep(); });
}

void DiskTier::flushPending()
{
    // From the event loop: never wait for the write lock here, nor commit a batch (the
    // flushing thread does; committed from here, the hits' batch restarted the log on the GUI
    // thread after inserts: a 15 ms hit); what is not written stays pending for the next flush.
    // A second of hits at QNAM's pace is thousands of rows. Written from here, all at once,
    // that transaction held a hit that came in meanwhile up for 27 ms; in steps of 256, for
    // 3-4 ms. The flushing thread writes them, letting lookups in between slices.
    const bool walLater = m_store.maintainWal(DiskStore::WalCaller::EventLoop);
    m_store.writeHitsInBackground();
    const bool busy = m_store.takeBusy();
    if (busy || walLater)
        schedulePendingFlush(); // look again in a second
}

DiskTier::~DiskTier()
{
    delete m_hitFlushTimer; // children of the cache, but they must not outlive this tier
    delete m_trimTimer;
    // Steps of the event loop may have left bodies to unlink (they give up when another
    // process holds the lock): do a bounded share now rather than leave them to the next user.
    if (m_store.isOpen() && !m_readOnly)
        m_store.sweepGarbage(ExitSweepBodies, ExitSweepBudgetMs);
    m_store.close();
}

Tier::Capabilities DiskTier::capabilities() const
{
    return Capability::Persistent | Capability::Shared | Capability::VerifiesBodies
            | Capability::StoresTags;
}

void DiskTier::setDirectory(const QString &directory)
{
    if (directory == m_directory)
        return;
    forgetRows();
    m_rowsVersion = -1; // data versions only compare within one connection
    m_store.close();
    m_directory = directory;
    m_lastOpenAttempt.invalidate();
    m_error.clear();
}

void DiskTier::setReadOnly(bool readOnly)
{
    if (readOnly == m_readOnly)
        return;
    forgetRows();
    m_rowsVersion = -1;
    if (m_store.isOpen() && !m_readOnly)
        m_store.flushHits(); // what this writer counted is kept
    m_store.close();
    m_hitFlushTimer->stop();
    m_trimTimer->stop();
    m_readOnly = readOnly;
    m_lastOpenAttempt.invalidate();
    m_error.clear();
}

void DiskTier::setMaximumSize(qint64 size)
{
    m_maximumSize = qMax<qint64>(0, size);
    if (m_store.isOpen())
        scheduleTrim();
}

void DiskTier::recordMaximumSize(qint64 bytes)
{
    m_budgetToRecord = bytes;
    if (!m_readOnly && m_store.isOpen())
        m_store.recordMaximumSize(bytes);
}

qint64 DiskTier::recordedMaximumSize()
{
    return ensureOpen() ? m_store.recordedMaximumSize() : -1;
}

bool DiskTier::ensureOpen()
{
    if (m_store.isOpen())
        return true;
    if (m_directory.isEmpty())
        return false;
    // Do not retry a failing directory (read-only, full disk) on every request.
    if (m_lastOpenAttempt.isValid() && !m_lastOpenAttempt.hasExpired(ReopenIntervalMs))
        return false;
    m_lastOpenAttempt.start();
    forgetRows();
    m_rowsVersion = -1;
    if (m_readOnly) {
        if (!m_store.openReadOnly(m_directory)) {
            m_error = m_store.errorString();
            return false;
        }
        m_lastOpenAttempt.invalidate();
        m_error.clear();
        return true; // no sweep, no trim: a reader changes nothing
    }
    if (!m_store.open(m_directory)) {
        m_error = m_store.errorString();
        return false;
    }
    m_lastOpenAttempt.invalidate();
    if (m_budgetToRecord >= 0)
        m_store.recordMaximumSize(m_budgetToRecord);
    // The budget may have shrunk since the directory was last used, and a crash may have
    // left bodies queued for the sweep.
    scheduleSweep();
    return true;
}

std::unique_ptr<TierEntry> DiskTier::lookup(const QString &key)
{
    // A second try covers a row replaced by another process between our reading it and
    // opening its body (the old body may be gone already): the new row is served.
    for (int attempt = 0; attempt < 2; ++attempt) {
        Outcome outcome = Outcome::Missing;
        auto entry = lookupOnce(key, &outcome);
        if (outcome != Outcome::Raced)
            return entry;
    }
    return nullptr;
}

std::unique_ptr<TierEntry> DiskTier::lookupOnce(const QString &key, Outcome *outcome)
{
    *outcome = Outcome::Missing;
    if (!ensureOpen())
        return nullptr;
    // A cached row is used while the catalogue's data version says no other connection has
    // committed since it was read. Any other key is read with one statement, its row and an
    // inline body together: when absent, as for most lookups of a browsing session, that is
    // all it costs. Such a row is cached only if the version read after it is the one the
    // cached rows were read under (nothing was committed in between); otherwise the rows are
    // dropped and it is served uncached this once.
    auto cached = m_rows.find(key);
    if (cached != m_rows.end()) {
        const qint64 version = m_store.dataVersion();
        if (version != m_rowsVersion || version < 0) {
            forgetRows();
            m_rowsVersion = version;
            cached = m_rows.end();
        }
    }
    CachedRow row;
    bool current = true; // whether the row may be cached
    if (cached != m_rows.end()) {
        row = *cached;
    } else {
        auto e = m_store.findWithBody(key);
        if (!e)
            return nullptr;
        if (!decodeMetaData(e->meta, &row.metaData)) {
            qCWarning(lcCache).noquote() << "dropping entry with unreadable metadata:" << key;
            remove(key);
            return nullptr;
        }
        row.metaData.setExpirationDate(QDateTime::fromMSecsSinceEpoch(e->expiresMs, Qt::UTC));
        row.entry = std::move(*e);
        const qint64 version = m_store.dataVersion();
        current = version == m_rowsVersion && version >= 0;
        if (!current) {
            forgetRows();
            m_rowsVersion = version;
        }
    }
    QByteArray window = row.storedBytes;
    int fd = -1;
    QString why;
    if (window.isNull()
        && !m_store.openBody(row.entry, BodyDevice::WindowSize, &window, &fd, &why)) {
        if (m_store.lastFailureWasIo()) {
            m_error = why; // kept: an I/O error is not damage
            return nullptr;
        }
        forgetRows(); // openBody() removed the entry, or another process replaced it
        *outcome = Outcome::Raced;
        return nullptr;
    }
    row.entry.storedBytes = QByteArray(); // checked: kept as storedBytes below, or not at all
    if (cached != m_rows.end()) {
        if (row.storedBytes.isNull() && row.entry.inlineBody
            && m_rowBodyBytes + window.size() <= MaxCachedBodyBytes) {
            cached->storedBytes = window; // shared, not copied
            m_rowBodyBytes += window.size();
        }
    } else if (current) {
        // Full: make room for one. Clearing all 4 096 rows at once (each with its headers)
        // held the hit that found the cache full up for 14 ms.
        if (m_rows.size() >= MaxCachedRows)
            dropRow(m_rows.begin());
        else if (m_rows.isEmpty())
            m_rows.reserve(MaxCachedRows); // growing by doubling rehashes every row
        if (row.entry.inlineBody && m_rowBodyBytes + window.size() <= MaxCachedBodyBytes) {
            row.storedBytes = window;
            m_rowBodyBytes += window.size();
        }
        m_rows.insert(key, row);
    }
    TierRecord record(key, row.metaData, row.entry.bodySize);
    record.setStoredSize(row.entry.rowSize + row.entry.allocSize); // as entryInfo() counts
    record.setLastAccess(QDateTime::fromMSecsSinceEpoch(row.entry.lastAccessMs, Qt::UTC));
    record.setVersion(row.entry.digest);
    *outcome = Outcome::Found;
    return std::make_unique<DiskEntry>(m_self, row.entry, std::move(record), std::move(window), fd);
}

namespace {
    // The stored bytes a lookup verified and left open, for the first device that reads them.
    struct OpenedStoredBytes
    {
        QByteArray window;
        int fd = -1;
        ~OpenedStoredBytes() { blob::closeFd(fd); }
    };
} // namespace

QIODevice *DiskTier::openBody(const EntryRecord &e, int fd, const QByteArray &window)
{
    QIODevice *device = nullptr;
    if (e.compression == BodyCompression::Algorithm::None) {
        auto onDamage = [handler = m_onDamage, key = e.key](const QString &) {
            if (handler)
                handler(key);
        };
        device = new BodyDevice(fd, e.storedSize, e.chunkSize, e.sums, window, std::move(onDamage));
    } else {
        // The stored bytes through a BodyDevice (each chunk checked as it is read), decoded
        // a frame at a time. A restart (DecodingBodyDevice may read from the start again)
        // opens the blob anew; a blob never changes in place.
        auto first = std::make_shared<OpenedStoredBytes>();
        first->window = window;
        first->fd = fd;
        const std::weak_ptr<DiskTier *> weak = m_self;
        auto opener = [weak, e, first](QString *errorString) -> QIODevice * {
            QByteArray stored = std::exchange(first->window, QByteArray());
            int storedFd = std::exchange(first->fd, -1);
            if (stored.isNull()) {
                const auto alive = weak.lock();
                if (!alive) {
                    *errorString = QStringLiteral("the cache was closed");
                    return nullptr;
                }
                if (!(*alive)->m_store.openBody(e, BodyDevice::WindowSize, &stored, &storedFd,
                                                errorString)) {
                    (*alive)->forgetRows();
                    return nullptr;
                }
            }
            return new BodyDevice(storedFd, e.storedSize, e.chunkSize, e.sums, stored, {});
        };
        // Damage found while decoding drops the entry here; once the reader has the device,
        // the cache is told too (it fails the reply and removes the entry everywhere).
        auto streaming = std::make_shared<bool>(false);
        auto onDamage = [weak, e, streaming, handler = m_onDamage](const QString &reason) {
            if (const auto alive = weak.lock()) {
                QString why;
                (*alive)->m_store.dropDamaged(
                        e, QStringLiteral("body of %1: %2").arg(e.key, reason), &why);
                (*alive)->forgetRows();
            }
            if (*streaming && handler)
                handler(e.key);
        };
        QString why;
        device = DecodingBodyDevice::open(e.compression, e.bodySize, std::move(opener),
                                          std::move(onDamage), &why);
        if (!device)
            return nullptr;
        *streaming = true;
    }
    m_store.recordHit(e.key, QDateTime::currentMSecsSinceEpoch());
    schedulePendingFlush();
    return device;
}

std::unique_ptr<TierWriter> DiskTier::beginWrite(const QString &key,
                                                 const QNetworkCacheMetaData &metaData,
                                                 qint64 sizeHint)
{
    Q_UNUSED(sizeHint);
    if (m_readOnly) {
        m_error = QStringLiteral("%1 is open read-only").arg(m_directory);
        return nullptr; // not even a temporary file
    }
    if (!ensureOpen())
        return nullptr;
    const QString tempDir = blob::tempDir(m_store.root());
    if (::access(QFile::encodeName(tempDir).constData(), F_OK) != 0) {
        // The directory was deleted under us (a small body, which needs no temporary file,
        // would otherwise go into a deleted catalogue): start over on the next use.
        m_error = QStringLiteral("cannot store %1: %2 is gone").arg(key, tempDir);
        qCWarning(lcDisk).noquote() << m_error;
        forgetRows();
        m_store.close();
        return nullptr;
    }
    auto spool = std::make_unique<SpoolDevice>(key, metaData, nullptr, m_compression);
    if (!spool->begin(tempDir, DiskStore::InlineMax)) {
        m_error = spool->errorString();
        qCWarning(lcDisk).noquote() << m_error;
        if (!QFileInfo::exists(tempDir)) {
            // The directory was deleted under us: start over (recreated on the next use).
            forgetRows();
            m_store.close();
        }
        return nullptr;
    }
    return std::make_unique<DiskWriter>(this, std::move(spool));
}

bool DiskTier::commit(SpoolDevice *spool, const QNetworkCacheMetaData &md, const QStringList &tags)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    EntryRecord entry;
    entry.meta = encodeMetaData(md);
    entry.status = statusCode(md);
    entry.contentType = rawHeader(md, "content-type");
    entry.expiresMs = md.expirationDate().toMSecsSinceEpoch();
    entry.createdMs = now;
    entry.lastAccessMs = now;
    forgetRows();
    if (spool->hasFailed()) {
        m_error = spool->errorString();
        return false;
    }
    if (!m_store.commit(spool, entry, tags, m_sync, m_maximumSize)) {
        m_error = m_store.errorString();
        return false;
    }
    m_error.clear(); // stored again: whatever failed before has cleared
    // Hysteresis: trim from 95 % down to 90 %, in the background, so that inserts near the
    // budget do not each pay for an eviction. Without waiting for a queued insert: its own
    // commit keeps the hard cap.
    if (m_store.heldBytesHint() > m_maximumSize - m_maximumSize / 20)
        scheduleTrim();
    scheduleSweep(); // a replaced or evicted body may be waiting to be unlinked
    schedulePendingFlush();
    return true;
}

void DiskTier::dropRow(QHash<QString, CachedRow>::iterator it)
{
    m_rowBodyBytes -= it->storedBytes.size();
    m_rows.erase(it);
}

bool DiskTier::remove(const QString &key)
{
    if (const auto it = m_rows.find(key); it != m_rows.end())
        dropRow(it);
    return ensureOpen() && m_store.remove(key);
}

bool DiskTier::updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData,
                              const QByteArray &ifVersion)
{
    if (!ensureOpen())
        return false;
    if (const auto it = m_rows.find(key); it != m_rows.end())
        dropRow(it);
    return m_store.updateMeta(key, encodeMetaData(metaData),
                              metaData.expirationDate().toMSecsSinceEpoch(), ifVersion);
}

void DiskTier::enumerate(const std::function<bool(const TierRecord &)> &visitor)
{
    if (!ensureOpen())
        return;
    constexpr int Page = 1000;
    for (int offset = 0;; offset += Page) {
        const QList<EntryRecord> page = m_store.entries(offset, Page);
        for (const EntryRecord &e : page) {
            QNetworkCacheMetaData md;
            if (!decodeMetaData(e.meta, &md))
                continue;
            md.setExpirationDate(QDateTime::fromMSecsSinceEpoch(e.expiresMs, Qt::UTC));
            TierRecord r(e.key, md, e.bodySize);
            r.setStoredSize(e.rowSize + e.allocSize);
            r.setLastAccess(QDateTime::fromMSecsSinceEpoch(e.lastAccessMs, Qt::UTC));
            r.setVersion(e.digest);
            if (!visitor(r))
                return;
        }
        if (page.size() < Page)
            return;
    }
}

qint64 DiskTier::size()
{
    return ensureOpen() ? m_store.totalSize() : 0;
}

void DiskTier::clear()
{
    forgetRows();
    if (ensureOpen() && !m_store.clear())
        m_error = m_store.errorString();
}

void DiskTier::scheduleTrim()
{
    if (m_readOnly)
        return;
    if (!m_trimTimer->isActive())
        m_trimTimer->start(0);
}

void DiskTier::schedulePendingFlush()
{
    if (m_readOnly)
        return;
    if (!m_hitFlushTimer->isActive())
        m_hitFlushTimer->start();
}

void DiskTier::scheduleSweep()
{
    m_sweepPending = true;
    scheduleTrim();
}

void DiskTier::trimStep()
{
    if (!m_store.isOpen())
        return;
    // Small steps from the event loop keep every insert and every frame short.
    // Hysteresis: a trim starts above 95 % of the budget and runs, step by step, down to 90 %.
    m_store.reportEvictions(); // those of queued inserts, on this thread
    if (!m_trimming && m_store.heldBytesHint() > m_maximumSize - m_maximumSize / 20)
        m_trimming = true;
    const qint64 before = m_trimming ? m_store.totalSize() : 0;
    // One kind of work per step, each within the budget: eviction first (the budget is
    // exceeded), then deletion of invalidated entries, then unlinking of tombstoned bodies.
    bool more = false;
    if (m_trimming) {
        m_trimming = !m_store.evictTo(m_maximumSize - m_maximumSize / 10, TrimStepBudgetMs);
        more = m_trimming;
        if (m_store.totalSize() != before) {
            forgetRows();
            m_sweepPending = true;
        }
    } else if (m_sweepPending) {
        m_sweepPending = m_store.reclaimInvalidated(TrimStepBudgetMs)
                || m_store.sweepGarbage(SweepStepBodies, TrimStepBudgetMs, DiskStore::Lock::NoWait);
    }
    more = more || m_sweepPending;
    // Another process or the checkpoint thread holding the write lock makes a step give up
    // at once rather than block the event loop; it is tried again a little later.
    if (more)
        m_trimTimer->start(m_store.takeBusy() ? BusyRetryMs : 0);
}

} // namespace tiercache
