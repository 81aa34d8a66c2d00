// SPDX-License-Identifier: MIT
#include "disk/blobstore_p.h"
#include "disk/diskstore_p.h"
#include "disk/sha256_p.h"
#include "disk/spooldevice_p.h"
#include "disk/walcheckpointer_p.h"
#include "logging_p.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QSet>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tiercache {

namespace {
    // Whether \a budgetMs (negative: none) is spent. Not QElapsedTimer::hasExpired(), which
    // counts whole milliseconds: a 2 ms budget ran for 3 ms.
    bool spent(const QElapsedTimer &clock, int budgetMs)
    {
        return budgetMs >= 0 && clock.nsecsElapsed() >= qint64(budgetMs) * 1000000;
    }

    // Rough cost of one catalogue row beyond its metadata blob (key, indexes, page overhead).
    constexpr qint64 RowOverhead = 128;

    // Creates \a path and missing parents with mode 0700; an existing directory keeps its mode.
    bool makePrivateDir(const QString &path)
    {
        if (QFileInfo(path).isDir())
            return true;
        const QString parent = QFileInfo(path).absolutePath();
        if (parent != path && !makePrivateDir(parent))
            return false;
        return ::mkdir(QFile::encodeName(path).constData(), 0700) == 0 || errno == EEXIST;
    }

    qint64 nowMs()
    {
        return QDateTime::currentMSecsSinceEpoch();
    }
} // namespace

/*
    Checks the body a blob's stored bytes encode, fed a piece at a time in order: they must
    decode (their codec's frame checksums included) to exactly the body size, and, when asked,
    to the digest the blob is named by. Memory: one frame of the decoder, whatever the size.
*/
class DecodedBodyCheck
{
public:
    DecodedBodyCheck(BodyCompression::Algorithm algorithm, qint64 bodySize) : m_bodySize(bodySize)
    {
        if (algorithm != BodyCompression::Algorithm::None)
            m_decoder = std::make_unique<BodyDecoder>(algorithm, bodySize);
    }

    //! Takes the next stored bytes; false (error()) when they cannot be the body.
    bool add(const char *data, qint64 size)
    {
        if (!m_decoder) {
            m_sha.addData(data, size);
            m_decoded += size;
            return true;
        }
        m_decoder->feed(QByteArray(data, size));
        QByteArray piece;
        for (;;) {
            if (!m_decoder->next(&piece, 1024 * 1024)) {
                m_error = QStringLiteral("does not decode: %1").arg(m_decoder->errorString());
                return false;
            }
            if (piece.isEmpty())
                return true;
            m_sha.addData(piece.constData(), piece.size());
            m_decoded += piece.size();
        }
    }

    //! After the last stored byte: what is wrong (empty: nothing). With a \a digest, the
    //! decoded body's SHA-256 must be it.
    QString finish(const QByteArray &digest)
    {
        if (!m_error.isEmpty())
            return m_error;
        if (m_decoder && !m_decoder->finish())
            return QStringLiteral("does not decode: %1").arg(m_decoder->errorString());
        if (m_decoded != m_bodySize)
            return QStringLiteral("decodes to %1 bytes, expected %2")
                    .arg(m_decoded)
                    .arg(m_bodySize);
        if (!digest.isEmpty() && m_sha.hexResult() != digest)
            return QStringLiteral("SHA-256 differs from its name");
        return {};
    }

    QString error() const { return m_error; }

private:
    std::unique_ptr<BodyDecoder> m_decoder;
    Sha256 m_sha;
    qint64 m_bodySize = 0;
    qint64 m_decoded = 0;
    QString m_error;
};

qint64 DiskStore::inlineAllocation(qint64 bodySize)
{
    // A catalogue row of a body that does not fit in a 4 KiB page keeps 489 bytes in its leaf
    // page and the rest in whole overflow pages of 4 092 usable bytes (SQLite's file format);
    // digest, sizes and checksums come with it.
    constexpr qint64 Page = 4096, Usable = Page - 4, MinLocal = 489, MaxLocal = 1002;
    const qint64 payload = bodySize + 64 + 48 + blob::ChecksumSize;
    if (payload <= MaxLocal)
        return payload + 16;
    return MinLocal + (payload - MinLocal + Usable - 1) / Usable * Page;
}

DiskStore::DiskStore() = default;

DiskStore::~DiskStore()
{
    close();
    {
        const Guard guard(m_mutex);
        m_stopFlusher = true;
    }
    m_flushWake.notify_all();
    if (m_flusher.joinable())
        m_flusher.join();
}

bool DiskStore::commitBatch()
{
    const Guard guard(m_mutex);
    return commitBatchLocked();
}

bool DiskStore::commitBatchLocked(WalCaller caller)
{
    if (!m_catalogue.batchOpen())
        return true;
    if (!m_catalogue.commitBatch())
        return setError(QStringLiteral("cannot commit the last inserts: %1")
                                .arg(m_catalogue.errorString()));
    maintainWal(caller); // it waits for no open batch
    return true;
}

void DiskStore::batchJoinedLocked()
{
    // The transaction that opened the batch starts its clock and wakes the flushing thread,
    // which commits it by the deadline unless something else does first.
    if (m_catalogue.batchCount() != 1)
        return;
    constexpr qint64 SharedPages = 16 * 4096; // indexes and totals, shared by the whole batch
    m_batchBytes = SharedPages;
    m_batchDeadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(BatchDelayMs);
    startFlusherLocked();
}

void DiskStore::startFlusherLocked()
{
    if (!m_flusher.joinable())
        m_flusher = std::thread([this] { runFlusher(); });
    m_flushWake.notify_one();
}

void DiskStore::runFlusher()
{
    StoreLock lock(m_mutex);
    while (!m_stopFlusher) {
        // While a batch is open this process holds the write lock: look every millisecond
        // whether another writer (or a log restart) waits for it, not only when it gets old.
        // The times waited for are copies: wait_until() reads its argument while the mutex
        // is let go.
        const auto now = std::chrono::steady_clock::now();
        const auto retryAt = m_hitsRetryAt;
        const auto deadline = m_batchDeadline;
        if (m_hitsRequested && now >= retryAt)
            writeRequestedHits(lock);
        else if (m_hitsRequested && !m_catalogue.batchOpen())
            m_flushWake.wait_until(lock, retryAt);
        else if (!m_catalogue.batchOpen() && m_cutBackDue)
            cutBackWhenQuiet(lock);
        else if (!m_catalogue.batchOpen())
            m_flushWake.wait(lock);
        else if (now < deadline && !m_catalogue.othersWaiting())
            m_flushWake.wait_until(lock, qMin(deadline, now + std::chrono::milliseconds(1)));
        else
            commitBatchLocked();
    }
}

void DiskStore::cutBackWhenQuiet(StoreLock &lock)
{
    // The event loop looks once a second (DiskTier); a tool without one never does, and its
    // log kept the size it grew to (up to an eighth of what the cache holds) until close().
    const qint64 quietIn = m_lastWrite.isValid() ? QuietMs - m_lastWrite.elapsed() : 0;
    if (quietIn > 0) {
        m_flushWake.wait_for(lock, std::chrono::milliseconds(quietIn + 1));
        return; // anything may have happened meanwhile: look again
    }
    m_cutBackDue = m_catalogue.isOpen() && maintainWal(WalCaller::EventLoop);
    if (m_cutBackDue) // being cut back, or kept from it (another connection reads): look again
        m_flushWake.wait_for(lock, std::chrono::milliseconds(CutBackRetryMs));
}

void DiskStore::wroteLocked()
{
    m_lastWrite.start();
    if (!m_cutBackDue && !m_readOnly) {
        m_cutBackDue = true;
        startFlusherLocked();
    }
}

bool DiskStore::setError(const QString &message)
{
    m_error = message;
    qCWarning(lcDisk).noquote() << message;
    return false;
}

bool DiskStore::openReadOnly(const QString &root)
{
    const Guard guard(m_mutex);
    close();
    m_readOnly = true;
    m_root = QDir(root).absolutePath();
    m_error.clear();
    if (!QFileInfo(m_root).isDir())
        return setError(QStringLiteral("%1 is not a directory").arg(m_root));
    const QString path = m_root + QLatin1String("/catalogue.db");
    if (!QFileInfo(path).isFile()) {
        return setError(QStringLiteral("%1 is not a Tiercache cache directory (it has no "
                                       "catalogue.db)")
                                .arg(m_root));
    }
    if (!m_catalogue.openReadOnly(path))
        return setError(m_catalogue.errorString());
    return true;
}

bool DiskStore::open(const QString &root)
{
    const Guard guard(m_mutex);
    close();
    m_readOnly = false;
    m_root = QDir(root).absolutePath();
    if (!makePrivateDir(m_root) || !makePrivateDir(blob::blobsDir(m_root))
        || !makePrivateDir(blob::tempDir(m_root))) {
        return setError(QStringLiteral("cannot create cache directory %1: %2")
                                .arg(m_root, blob::lastErrorString()));
    }
    bool wasReset = false;
    if (!m_catalogue.open(m_root + QLatin1String("/catalogue.db"), &wasReset))
        return setError(QStringLiteral("cannot open catalogue in %1: %2")
                                .arg(m_root, m_catalogue.errorString()));
    if (wasReset) {
        // The old catalogue is gone, so are all references: the bodies are garbage now.
        collectGarbage();
    }
    sweepTemp();
    dropPendingHitsLocked();
    m_error.clear();
    return true;
}

void DiskStore::close()
{
    const Guard guard(m_mutex);
    if (m_catalogue.isOpen() && !m_readOnly) {
        flushHits();
        // SQLite removes the log when its last connection closes; while another one is open
        // (another process, the checkpoint thread) the file would keep its high-water size.
        m_catalogue.commitBatch();
        if (m_catalogue.walSize() > 0)
            m_catalogue.restartLog(CloseWaitMs, Catalogue::LogReset::Truncate);
    }
    m_catalogue.close();
    m_cutBackDue = false;
}

bool DiskStore::ensureCatalogue()
{
    if (!m_catalogue.isOpen())
        return false;
    if (m_catalogue.corrupted() && m_readOnly)
        return setError(QStringLiteral("catalogue in %1 is damaged: %2")
                                .arg(m_root, m_catalogue.errorString()));
    if (m_catalogue.corrupted()) {
        qCWarning(lcDisk) << "catalogue damaged while in use; rebuilding it";
        m_pendingHits.clear();
        return open(m_root);
    }
    return true;
}

qint64 DiskStore::rowSize(const EntryRecord &e)
{
    return RowOverhead + e.key.size() + e.meta.size();
}

std::optional<EntryRecord> DiskStore::find(const QString &key)
{
    return findVia(&Catalogue::find, key);
}

std::optional<EntryRecord> DiskStore::findWithBody(const QString &key)
{
    return findVia(&Catalogue::findWithBody, key);
}

std::optional<EntryRecord> DiskStore::findVia(
        std::optional<EntryRecord> (Catalogue::*read)(const QString &), const QString &key)
{
    if (m_queue.holds(key))
        m_queue.drain();
    const QueuedLaterGuard guard(m_mutex); // a lookup waits only for its own key's insert
    if (!ensureCatalogue())
        return std::nullopt;
    auto e = (m_catalogue.*read)(key);
    if (!e)
        ensureCatalogue(); // a corrupt catalogue is rebuilt now, not on the next write
    return e;
}

bool DiskStore::openBody(const EntryRecord &e, qint64 windowSize, QByteArray *window, int *fd,
                         QString *why)
{
    const QueuedLaterGuard guard(m_mutex); // the entry was found already
    *fd = -1;
    if (e.inlineBody)
        return openInlineBody(e, window, why);
    const QString path = blob::blobPath(m_root, e.digest);
    auto damaged = [&](const QString &reason) { return dropDamaged(e, reason, why); };
    if (!hasValidSums(e))
        return damaged(QStringLiteral("catalogue row has no valid chunk checksums"));
    // An I/O error (EIO, EMFILE, ...) is a miss for this request, not damage: the entry stays.
    auto failed = [&](const QString &what) {
        *why = QStringLiteral("%1 %2: %3").arg(what, path, blob::lastErrorString());
        m_error = *why;
        m_lastFailureWasIo = true;
        qCWarning(lcDisk).noquote() << *why;
        return false;
    };
    m_lastFailureWasIo = false;
    const int file = blob::openReadOnly(path);
    if (file < 0) {
        if (errno != ENOENT)
            return failed(QStringLiteral("cannot open"));
        return damaged(QStringLiteral("body file %1 is missing").arg(path));
    }
    struct stat st;
    if (::fstat(file, &st) != 0 || qint64(st.st_size) != blob::HeaderSize + e.storedSize) {
        blob::closeFd(file);
        return damaged(QStringLiteral("body file %1 has %2 bytes, expected %3")
                               .arg(path)
                               .arg(qint64(st.st_size))
                               .arg(blob::HeaderSize + e.storedSize));
    }
    const qint64 length = qMin(windowSize, e.storedSize);
    QByteArray buffer(blob::HeaderSize + length, Qt::Uninitialized);
    const qint64 got = blob::preadFully(file, buffer.data(), buffer.size(), 0);
    if (got < 0) {
        const int savedErrno = errno;
        blob::closeFd(file);
        errno = savedErrno;
        return failed(QStringLiteral("cannot read"));
    }
    if (got != buffer.size()) {
        blob::closeFd(file);
        return damaged(QStringLiteral("body file %1 ended early").arg(path));
    }
    if (!blob::headerMatches(buffer.constData(), e.storedSize, e.chunkSize,
                             quint32(e.compression))) {
        blob::closeFd(file);
        return damaged(QStringLiteral("body file %1 has a wrong header").arg(path));
    }
    if (!blob::verifyChunks(buffer.constData() + blob::HeaderSize, length, 0, e.chunkSize,
                            e.sums)) {
        blob::closeFd(file);
        return damaged(QStringLiteral("body file %1 fails its checksum").arg(path));
    }
    buffer.remove(0, blob::HeaderSize);
    *window = std::move(buffer);
    if (length < e.storedSize)
        *fd = file;
    else
        blob::closeFd(file);
    return true;
}

bool DiskStore::openInlineBody(const EntryRecord &e, QByteArray *window, QString *why)
{
    const QueuedLaterGuard guard(m_mutex); // the entry was found already
    m_lastFailureWasIo = false;
    auto damaged = [&](const QString &reason) { return dropDamaged(e, reason, why); };
    if (!hasValidSums(e))
        return damaged(QStringLiteral("catalogue row has no valid chunk checksums"));
    // Read with the row by findWithBody(), or now.
    std::optional<QByteArray> body =
            e.storedBytes.isNull() ? m_catalogue.inlineBody(e.digest) : e.storedBytes;
    if (!body) {
        if (m_catalogue.corrupted()) {
            *why = m_catalogue.errorString();
            m_lastFailureWasIo = true; // the catalogue is rebuilt on its next use
            return false;
        }
        return damaged(QStringLiteral("inline body of %1 is missing").arg(e.key));
    }
    if (body->size() != e.storedSize)
        return damaged(QStringLiteral("inline body of %1 has %2 bytes, expected %3")
                               .arg(e.key)
                               .arg(body->size())
                               .arg(e.storedSize));
    if (!blob::verifyChunks(body->constData(), body->size(), 0, e.chunkSize, e.sums))
        return damaged(QStringLiteral("inline body of %1 fails its checksum").arg(e.key));
    *window = std::move(*body);
    return true;
}

bool DiskStore::hasValidSums(const EntryRecord &e)
{
    // Also refuses stored sizes that cannot be: the body itself must be as long as the body,
    // a compressed one cannot be longer than the encoder ever makes it (it stores a body as
    // is when that is smaller), and a damaged compression value comes with storedSize -1.
    const qint64 chunks = blob::chunkCount(e.storedSize, e.chunkSize);
    const bool sizesAgree = e.compression == BodyCompression::Algorithm::None
            ? e.storedSize == e.bodySize
            : e.bodySize >= 0 && e.bodySize <= blob::MaxBodySize;
    return chunks >= 0 && sizesAgree && e.sums.size() == chunks * blob::ChecksumSize;
}

bool DiskStore::dropDamaged(const EntryRecord &e, const QString &reason, QString *why)
{
    *why = reason;
    removeDamaged(e.key, e.digest, reason);
    return false;
}

void DiskStore::removeDamaged(const QString &key, const QByteArray &digest, const QString &why)
{
    const Guard guard(m_mutex);
    if (m_readOnly) {
        qCWarning(lcDisk).noquote() << "damaged entry" << key << "kept (read-only):" << why;
        return;
    }
    // Another process may have replaced the entry (and dropped its old body) between our
    // reading the row and opening the file: that is a miss, not damage, and the new entry
    // must stay. Only drop the row if it still points to the body we found broken.
    Catalogue::Transaction t(m_catalogue);
    if (!t.isActive())
        return;
    const auto current = m_catalogue.findAny(key);
    if (!current || current->digest != digest)
        return;
    qCWarning(lcDisk).noquote() << "dropping damaged entry" << key << ":" << why;
    m_catalogue.addToTotal(-dropEntryLocked(key, digest, current->rowSize));
    t.commit();
}

bool DiskStore::commit(SpoolDevice *spool, EntryRecord entry, const QStringList &tags, bool sync,
                       qint64 maximumSize)
{
    reportEvictions(); // those of the inserts the queue's thread wrote since the last call
    if (!isOpen()) {
        const Guard guard(m_mutex);
        return setError(QStringLiteral("cache directory is not open"));
    }
    if (!spool->finish(sync)) {
        const Guard guard(m_mutex);
        return setError(spool->errorString());
    }
    entry.key = spool->key();
    entry.digest = spool->hexDigest();
    entry.bodySize = spool->bodySize();
    entry.storedSize = spool->storedSize();
    entry.compression = spool->compression();
    entry.chunkSize = blob::ChunkSize;
    entry.sums = spool->chunkSums();
    entry.rowSize = rowSize(entry);
    // Into an open batch, the SQLite work is done by the queue's thread while the caller
    // prepares the next insert. The insert that opens a batch is written here: this
    // connection then holds the write lock, so a connection opened after insert() returned
    // (which takes it to read the schema) finds the batch committed for it first.
    if (!sync && spool->isInline() && m_catalogue.batchOpenHint()) {
        entry.storedBytes = spool->inlineBody();
        spool->discard();
        m_queuedBytes.fetch_add(heldBy(entry), std::memory_order_relaxed);
        m_queue.push({std::move(entry), tags, maximumSize});
        return true;
    }
    const Guard guard(m_mutex); // after the queued inserts
    if (!ensureCatalogue()) {
        spool->discard();
        return setError(QStringLiteral("cache directory is not open"));
    }
    return commitLocked(spool, std::move(entry), tags, sync, maximumSize);
}

qint64 DiskStore::heldBy(const EntryRecord &e)
{
    return e.rowSize + inlineAllocation(e.storedSize);
}

void DiskStore::applyQueued(InsertQueue::Insert &insert)
{
    const qint64 held = heldBy(insert.entry);
    {
        const Guard guard(m_mutex); // no waiting for the queue on its own thread
        if (ensureCatalogue())
            commitLocked(nullptr, std::move(insert.entry), insert.tags, false, insert.maximumSize);
        else
            setError(QStringLiteral("%1 not stored: the cache directory was closed")
                             .arg(insert.entry.key));
    }
    m_queuedBytes.fetch_sub(held, std::memory_order_relaxed);
}

void DiskStore::reportEvictions()
{
    QList<QPair<QString, qint64>> evicted;
    {
        const std::lock_guard lock(m_evictedMutex);
        evicted.swap(m_evictedMeanwhile);
    }
    if (m_onEvict) {
        for (const auto &[key, bytes] : std::as_const(evicted))
            m_onEvict(key, bytes);
    }
}

bool DiskStore::commitLocked(SpoolDevice *spool, EntryRecord entry, const QStringList &tags,
                             bool sync, qint64 maximumSize)
{
    const bool isInline = !spool || spool->isInline();
    // A queued insert carries its stored bytes; the row written is the same either way.
    const QByteArray inlineBytes = spool ? QByteArray() : std::exchange(entry.storedBytes, {});

    // The log may not outgrow the room the cap keeps for it (walReserve()): the catalogue file
    // does not shrink when entries go, so a log past that would take the directory past its
    // maximum whatever is evicted. Other processes reading and writing all the time can keep
    // the checkpoints from restarting it; then this writer cuts it back itself, and when even
    // that cannot be done, nothing is stored until it can.
    if (maximumSize >= DirectoryCapFrom && m_catalogue.walSize() > walReserve(maximumSize)) {
        commitBatchLocked(); // a restart needs the write lock
        QElapsedTimer restartClock;
        restartClock.start();
        const qint64 walBytes = m_catalogue.walSize();
        const bool cutBack =
                m_catalogue.restartLog(10 * RestartWaitMs, Catalogue::LogReset::Truncate);
        qCDebug(lcDisk, "log of %lld bytes outgrew its room, cut back %s in %.2f ms", walBytes,
                cutBack ? "" : "(failed)", double(restartClock.nsecsElapsed()) / 1e6);
        if (!cutBack) {
            if (spool)
                spool->discard();
            return setError(QStringLiteral("%1 not stored: the catalogue's write-ahead log is "
                                           "full and other processes keep it from being "
                                           "cut back")
                                    .arg(entry.key));
        }
    }

    // Only a body kept in the catalogue is batched: a file placed in blobs/ under a row that
    // a crash rolls back would be left for collectGarbage().
    const bool batched = !sync && isInline;
    Catalogue::Transaction t(m_catalogue, Lock::Wait,
                             batched ? Catalogue::Transaction::Kind::Batched
                                     : Catalogue::Transaction::Kind::Own);
    if (!t.isActive())
        return setError(
                QStringLiteral("cannot store %1: %2").arg(entry.key, m_catalogue.errorString()));

    qint64 delta = 0;
    bool placedFile = false;
    const auto existing = m_catalogue.findBlob(entry.digest);
    // A body file's path, built only where there is one: not for the inline bodies of most
    // inserts.
    const QString path = !isInline || (existing && !existing->isInline)
            ? blob::blobPath(m_root, entry.digest)
            : QString();
    if (existing
        && (existing->isInline
            || blob::fileSize(path) == blob::HeaderSize + existing->storedSize)) {
        // The same body is stored already (compressed or not: the digest is the decoded
        // body's, and the blob row says how its bytes are stored): share it.
        if (spool)
            spool->discard();
    } else if (isInline) {
        // Into the catalogue with the entry row: one transaction, no file at all. A tombstone
        // for the same digest (a file body dropped before) is left to sweepGarbage(), which
        // unlinks a file whose blob row is inline.
        BlobRecord b {entry.digest,
                      entry.bodySize,
                      inlineAllocation(entry.storedSize),
                      blob::ChunkSize,
                      entry.sums,
                      true,
                      spool ? spool->inlineBody() : inlineBytes,
                      entry.storedSize,
                      entry.compression};
        if (spool)
            spool->discard();
        if (!m_catalogue.insertBlob(b)) {
            return setError(QStringLiteral("cannot store %1: %2")
                                    .arg(entry.key, m_catalogue.errorString()));
        }
        delta += b.allocSize - (existing ? existing->allocSize : 0);
    } else {
        const QString dir = QFileInfo(path).absolutePath();
        if (!makePrivateDir(dir)
            || ::rename(QFile::encodeName(spool->tempPath()).constData(),
                        QFile::encodeName(path).constData())
                    != 0) {
            return setError(QStringLiteral("cannot move body into %1: %2")
                                    .arg(path, blob::lastErrorString()));
        }
        spool->release();
        placedFile = true;
        // The file's blocks, and a share of the blobs/<aa> directory it may have needed.
        BlobRecord b {entry.digest,       entry.bodySize, spool->allocatedSize() + DirectoryShare,
                      blob::ChunkSize,    entry.sums,
                      /*isInline*/ false, QByteArray(),   entry.storedSize,
                      entry.compression};
        m_catalogue.removeGarbage(entry.digest); // the same body may have been dropped just before
        if (!m_catalogue.insertBlob(b)) {
            QFile::remove(path);
            return setError(QStringLiteral("cannot store %1: %2")
                                    .arg(entry.key, m_catalogue.errorString()));
        }
        delta += b.allocSize - (existing ? existing->allocSize : 0);
    }

    const auto old = m_catalogue.findAny(entry.key); // an invalidated row is replaced too
    if (!m_catalogue.upsertEntry(entry)) {
        if (placedFile && !existing)
            QFile::remove(path);
        return setError(
                QStringLiteral("cannot store %1: %2").arg(entry.key, m_catalogue.errorString()));
    }
    // The tags go with the row: a crash leaves the whole tagged entry or nothing, so an
    // invalidation can never miss an entry stored just before.
    if (!m_catalogue.setTags(entry.key, tags)) {
        if (placedFile && !existing)
            QFile::remove(path);
        return setError(QStringLiteral("cannot store the tags of %1: %2")
                                .arg(entry.key, m_catalogue.errorString()));
    }
    delta += entry.rowSize;
    if (old) {
        delta -= old->rowSize;
        if (old->digest != entry.digest)
            delta -= dropBlobIfUnreferencedLocked(old->digest);
    }
    m_catalogue.addToTotal(delta);

    // Keep the hard cap inside this transaction (several processes may insert at once); the
    // trim to the low-water mark happens later, in small steps. The cap is for the whole
    // directory: the write-ahead log beside the catalogue takes its share.
    // The log's share is normally small (maintainWal() keeps it near walLimit()).
    m_maximumSize = maximumSize;
    // Below DirectoryCapFrom the log cannot be held to a small share (one insert writes tens
    // of KiB of it): the cap is then the catalogue's accounting alone.
    const qint64 overhead = maximumSize < DirectoryCapFrom
            ? 0
            // A 64th on top: rows and inline bodies are counted by an estimate of their
            // pages, and the log grows by this insert's frames after the check, and by those
            // of the open batch when it is committed.
            // The log counts for the room it may take, not only what it holds now.
            // Free pages of the catalogue are not counted: evicting a row frees its pages one
            // for one and the file does not shrink, so counting them asked every insert for
            // the same room again (a full cache trimmed itself to half); inserts reuse them
            // before the file grows.
            : qMax(m_catalogue.walSize(), walReserve(maximumSize)) + FixedFiles + maximumSize / 64
                    + (m_catalogue.batchCount() > 0 ? m_batchBytes : 0);
    // Up to half the cap: while the checkpoint thread cannot restart the log (a loaded
    // machine), its file keeps the size it grew to, and the cap must still hold for the whole
    // directory; fewer entries then, never more bytes.
    const qint64 cap = maximumSize - qMin(overhead, maximumSize / 2);
    qint64 total = m_catalogue.totalSize();
    const int tombstonesBefore = m_tombstones;
    if (total > cap) {
        // Room for this insert is made whatever it takes: an insert never takes the directory
        // further past the cap. A cache that was past it already (a lower maximum, a directory
        // filled under a larger one) comes down by a step's worth per insert, and by the
        // background trim: evicting all of it in one insert took 0.3-0.4 s (9 400 entries of
        // a 100 000-entry cache).
        const qint64 before = total - delta;
        evictLocked(qMax(cap, before), -1, entry.key, &total);
        if (total > cap)
            evictLocked(cap, OverCapStepMs, entry.key, &total);
    }
    m_heldBytes = total;
    if (!t.commit()) {
        if (placedFile && !existing)
            QFile::remove(path);
        return setError(
                QStringLiteral("cannot store %1: %2").arg(entry.key, m_catalogue.errorString()));
    }
    m_pendingHits.remove(entry.key);
    m_lastInsert.start();
    wroteLocked();
    if (batched) {
        batchJoinedLocked();
        // The pages this insert wrote: the inline body (whole pages), its row and index
        // entries (the pages shared by the whole batch are counted when it opens).
        m_batchBytes += inlineAllocation(entry.storedSize) + 2 * entry.rowSize;
        // A body file to unlink (evicted or replaced) waits for nothing: commit, then sweep.
        if (m_tombstones != tombstonesBefore || m_catalogue.batchCount() >= BatchInserts
            || m_batchBytes >= maximumSize / 64
            || std::chrono::steady_clock::now() >= m_batchDeadline || m_catalogue.othersWaiting()) {
            commitBatchLocked();
        }
    }
    // The files of bodies this insert replaced or evicted go now, not on a later event-loop
    // pass that an application inserting in a loop (or a tool without one) never reaches.
    if (m_tombstones != tombstonesBefore || (old && old->digest != entry.digest))
        sweepGarbage(m_tombstones - tombstonesBefore + 4, SweepBudgetMs, Lock::NoWait);
    maintainWal(); // a stat(); a bulk load must not wait for the once-a-second flush
    return true;
}

qint64 DiskStore::dropBlobIfUnreferencedLocked(const QByteArray &digest)
{
    if (m_catalogue.isReferenced(digest))
        return 0;
    const auto b = m_catalogue.findBlob(digest);
    if (!b || !m_catalogue.deleteBlob(digest))
        return 0;
    // The file is unlinked by sweepGarbage() after this transaction commits: unlinking it now
    // would leave the rows without a body if the process died before COMMIT. An inline body
    // went with its row.
    if (!b->isInline) {
        m_catalogue.addGarbage(digest);
        ++m_tombstones;
    }
    return b->allocSize;
}

qint64 DiskStore::dropEntryLocked(const QString &key, const QByteArray &digest, qint64 rowSize)
{
    if (!m_catalogue.deleteEntry(key))
        return 0;
    m_pendingHits.remove(key);
    return rowSize + dropBlobIfUnreferencedLocked(digest);
}

bool DiskStore::evictLocked(qint64 target, int budgetMs, const QString &keep, qint64 *total)
{
    QElapsedTimer clock;
    clock.start();
    auto timeLeft = [&] { return !spent(clock, budgetMs); };
    // Invalidated entries go first: deleting them loses nothing.
    if (*total > target && m_catalogue.hasInvalidated())
        reclaimInvalidatedLocked(target, budgetMs, total);
    int evicted = 0;
    while (*total > target && timeLeft()) {
        const QList<EntryRecord> victims = m_catalogue.lruVictims(8);
        bool progressed = false;
        for (const EntryRecord &v : victims) {
            if (v.key == keep)
                continue;
            const qint64 freed = dropEntryLocked(v.key, v.digest, v.rowSize);
            m_catalogue.addToTotal(-freed);
            *total -= freed;
            ++evicted;
            progressed = true;
            m_pendingCounters[QStringLiteral("evictions")] += 1;
            if (m_onEvict && m_queue.isApplying()) {
                const std::lock_guard lock(m_evictedMutex); // reported on the cache's thread
                m_evictedMeanwhile.append({v.key, freed});
            } else if (m_onEvict) {
                m_onEvict(v.key, freed);
            }
            qCDebug(lcDisk) << "evicted" << v.key << freed << "bytes";
            if (*total <= target || !timeLeft())
                break;
        }
        if (!progressed)
            break; // only the entry being inserted is left: a single entry may exceed the budget
    }
    return *total <= target;
}

qint64 DiskStore::walLimit() const
{
    // Also a share of what the cache holds: a cache filling up far below a large maximum
    // kept a log of up to 64 MiB beside it (5 000 x 4 KiB inserts: a 61 MB log beside a
    // 25 MB catalogue, the directory at 4x the bodies). An eighth: restarts (two syncs) come
    // every few hundred inserts of a small cache, and grow apart as it fills.
    const qint64 byHeld = qMax(qint64(1024 * 1024), m_heldBytes / 8);
    return qMin(walReserve(m_maximumSize) * 4 / 5, byHeld);
}

qint64 DiskStore::walReserve(qint64 maximumSize)
{
    // walLimit() for that maximum, and a quarter more: the log outgrows the limit by the
    // inserts between two restarts.
    const qint64 limit = qBound(qint64(256 * 1024), maximumSize / 16, qint64(64 * 1024 * 1024));
    return limit + limit / 4;
}

qint64 DiskStore::walBudget() const
{
    // A log of a few MiB is nothing beside a 512 MiB cache and half of an 8 MiB one; nor
    // beside a cache holding 8 MiB of a 512 MiB maximum.
    const qint64 byMaximum =
            qBound(qint64(256 * 1024), m_maximumSize / 64, qint64(4 * 1024 * 1024));
    return qMin(byMaximum, qMax(qint64(256 * 1024), m_heldBytes / 32));
}

bool DiskStore::maintainWal(WalCaller caller)
{
    const Guard guard(m_mutex);
    const qint64 CheckpointSize = walBudget();
    // Passive checkpoints never hold anyone up; with pauses between writes they catch up and
    // the next writer starts the log afresh. Under a steady stream of commits they never
    // catch up and the log grows (6 GiB over a 200 000-entry bulk load): the checkpoint
    // thread then restarts it (WalCheckpointer), making writers wait for
    // the last frames and a sync. The file keeps its high-water size until inserts have
    // paused; then it is cut back.
    // Once writes have paused, a file holding more than this is cut back: twice what starts a
    // checkpoint, and at most 1 MiB. Twice a checkpoint's size alone grows with what the cache
    // holds (a 4 MB log file beside 70 MB of entries stayed, under AddressSanitizer).
    const qint64 TruncateSize = qMin(2 * CheckpointSize, qint64(1024 * 1024));
    // Not back to back (that slowed a bulk load by a third); once a second let the log reach
    // 475 MiB over the bulk load, every 100 ms kept it under 100 MiB.
    constexpr qint64 IntervalMs = 100;
    if (!m_catalogue.isOpen() || m_readOnly)
        return false;
    // An open batch holds the write lock, which a restart needs: the batch's commit calls
    // again (an inserter's, on the flushing thread), the event loop looks again later. The
    // checkpoint thread may start meanwhile: it copies what was committed, and a restart
    // there waits for the batch. A batch committed by the next transaction of another kind
    // (a trim step between inserts into a full cache) never comes back here: looking only
    // without a batch, the log grew to the room the cap keeps and the inserter cut it back
    // itself, 70-290 ms.
    const bool batchOpen = m_catalogue.batchOpen();
    const bool due = !m_lastCheckpoint.isValid() || m_lastCheckpoint.hasExpired(IntervalMs);
    if (batchOpen && !due)
        return caller == WalCaller::EventLoop; // nothing to do: no stat() on every insert
    const qint64 size = m_catalogue.walSize(); // the file: it keeps its high-water mark
    const qint64 log = m_catalogue.logBytes(); // what the log held after our last COMMIT
    // Quiet: no inserts lately (no back-pressure needed). Idle: no writes at all, hit counts
    // included; only then is the file cut back: a TRUNCATE while hits were being written
    // held each of the next hits up for 5 ms.
    const bool quiet = !m_lastInsert.isValid() || m_lastInsert.hasExpired(QuietMs);
    const bool idle = quiet && (!m_lastWrite.isValid() || m_lastWrite.hasExpired(QuietMs));
    // The hard limit, which the cap counts: past it this writer restarts the log itself
    // (back-pressure: two syncs) rather than let the file grow while the checkpoint thread
    // cannot catch up with a steady stream of inserts. If a checkpoint elsewhere keeps it
    // from doing so, it waits longer once the log has run to twice the limit. Without
    // inserts (hit counts written from the event loop) the checkpoint thread restarts it
    // unless the log outgrew the room the cap keeps for it: two syncs on the GUI thread held
    // hits up for 6 ms.
    const bool backPressure =
            (caller == WalCaller::Inserter && !quiet) || log > walReserve(m_maximumSize);
    QElapsedTimer restartClock;
    restartClock.start();
    if (!batchOpen && log > walLimit() && backPressure
        && m_catalogue.restartLog(log > 2 * walLimit() ? 10 * RestartWaitMs : RestartWaitMs)) {
        m_lastCheckpoint.start();
        qCDebug(lcDisk, "log restarted at %lld bytes in %.2f ms", log,
                double(restartClock.nsecsElapsed()) / 1e6);
        return size > TruncateSize;
    }
    using Reset = WalCheckpointer::Reset;
    const bool cutBack = size > TruncateSize && idle;
    if (due && (log > CheckpointSize || cutBack)) {
        // The thread restarts a log it copied nearly all of, or one past the limit
        // (restartLogBytes below).
        m_lastCheckpoint.start();
        qCDebug(lcDisk, "checkpoint started: log %lld bytes, file %lld, %s", log, size,
                cutBack ? "truncate" : "restart");
        // A log holding more than the hard limit is restarted even while writers are busy;
        // once inserts have paused, the file is cut back.
        WalCheckpointer::start(m_root + QLatin1String("/catalogue.db"),
                               cutBack ? Reset::Truncate : Reset::Restart, walLimit());
    }
    // Look again while the file is large: to be cut back once writes pause, and until it is.
    // A cut back started here may be dropped (one checkpoint thread at a time per process)
    // or give up (a reader elsewhere); trusted to succeed, it left a 4 MB log in place for
    // good (seen once under AddressSanitizer, tst_crashsafety).
    return size > TruncateSize || (batchOpen && caller == WalCaller::EventLoop);
}

bool DiskStore::evictTo(qint64 target, int budgetMs)
{
    const Guard guard(m_mutex);
    if (!ensureCatalogue())
        return true;
    if (!m_pendingHits.isEmpty())
        flushHits(Lock::NoWait); // so that LRU order includes the latest hits
    Catalogue::Transaction t(m_catalogue, Lock::NoWait);
    if (!t.isActive())
        return false;
    qint64 total = m_catalogue.totalSize();
    const bool reached = evictLocked(target, budgetMs, QString(), &total);
    t.commit();
    return reached;
}

bool DiskStore::remove(const QString &key)
{
    const Guard guard(m_mutex);
    m_pendingHits.remove(key);
    if (!ensureCatalogue())
        return false;
    Catalogue::Transaction t(m_catalogue);
    if (!t.isActive())
        return false;
    const auto e = m_catalogue.findAny(key);
    const bool live = e && m_catalogue.find(key);
    qint64 freed = 0;
    if (e) {
        freed = dropEntryLocked(key, e->digest, e->rowSize);
    } else if (m_catalogue.deleteEntry(key)) {
        // a row whose body row vanished: drop it, nothing to reclaim but the row
        freed = 0;
    } else {
        return false;
    }
    m_catalogue.addToTotal(-freed);
    if (!t.commit())
        return false;
    sweepGarbage(16); // a remove is rare: reclaim its body now rather than later
    return live || !e;
}

bool DiskStore::updateMeta(const QString &key, const QByteArray &meta, qint64 expiresMs,
                           const QByteArray &digest)
{
    const Guard guard(m_mutex);
    if (!ensureCatalogue())
        return false;
    Catalogue::Transaction t(m_catalogue);
    const auto e = m_catalogue.find(key);
    if (!t.isActive() || !e || (!digest.isEmpty() && e->digest != digest))
        return false;
    EntryRecord updated = *e;
    updated.meta = meta;
    const qint64 newRow = rowSize(updated);
    if (!m_catalogue.updateMeta(key, meta, expiresMs, newRow))
        return false;
    m_catalogue.addToTotal(newRow - e->rowSize);
    return t.commit();
}

void DiskStore::recordHit(const QString &key, qint64 nowMs)
{
    const QueuedLaterGuard guard(m_mutex); // counted in memory
    if (m_readOnly)
        return; // a reader looking at entries is not a hit
    const auto now = std::chrono::steady_clock::now();
    if (m_pendingHits.isEmpty())
        m_hitsPendingSince = now;
    m_lastHitAt = now;
    HitUpdate &h = m_pendingHits[key];
    ++h.hits;
    h.lastAccessMs = nowMs;
    // An application that looks up in a loop (or a tool without an event loop) never reaches
    // the event loop that asks for them: bound what waits in memory. Asked for, they are
    // written once lookups pause (writeRequestedHits()); at the bound, at once.
    if (m_pendingHits.size() == HitsWhileBusy)
        requestHitsLocked();
}

std::chrono::steady_clock::time_point DiskStore::hitsOverdueAtLocked() const
{
    if (m_pendingHits.size() >= HitsWhileBusy
        || m_pendingHits.isEmpty()) // counters alone: a few rows
        return {};
    return m_hitsPendingSince + std::chrono::milliseconds(HitsMaxDelayMs);
}

std::chrono::steady_clock::time_point DiskStore::lookupsPauseAtLocked() const
{
    return m_lastHitAt + std::chrono::milliseconds(HitsIdleMs);
}

bool DiskStore::flushHits(Lock lock, int limit)
{
    const Guard guard(m_mutex);
    writeHitStep(lock, limit, Catalogue::Transaction::Kind::Own);
    return !m_pendingHits.isEmpty();
}

void DiskStore::writeHitsInBackground()
{
    const Guard guard(m_mutex);
    if (m_readOnly || !m_catalogue.isOpen()
        || (m_pendingHits.isEmpty() && m_pendingCounters.isEmpty()))
        return;
    requestHitsLocked();
}

void DiskStore::requestHitsLocked()
{
    m_hitsRequested = true;
    m_hitsRetryAt = {};
    startFlusherLocked();
}

void DiskStore::dropPendingHitsLocked()
{
    m_pendingHits.clear(); // frees the table's room too: take it back
    m_pendingHits.reserve(PendingHitsRoom);
}

void DiskStore::writeRequestedHits(StoreLock &lock)
{
    using std::chrono::steady_clock;
    // Not while lookups go on: each write held up the hits that came meanwhile (a slice, a
    // commit, the checkpoints the log then needs). Timing QNAM hits after 5 000 misses, the
    // slowest took 1.6-3.9 ms (under 2 ms in 2 of 8 runs); with no hits written during them,
    // 0.5-0.8 ms in 6 of 8 (README, Performance).
    const auto now = steady_clock::now();
    // Written because lookups paused, a lookup that comes meanwhile stops the writing; at the
    // bound, or once the hits waited HitsMaxDelayMs, they go in whatever comes.
    const bool yieldToLookups = now < hitsOverdueAtLocked();
    if (yieldToLookups && now < lookupsPauseAtLocked()) {
        m_hitsRetryAt = qMin(lookupsPauseAtLocked(), hitsOverdueAtLocked());
        return; // still requested
    }
    m_hitsRequested = false;
    m_hitsPendingSince = now; // the hits that come from now on wait their own turn
    // What was recorded by now, and not more: under a steady stream of hits the next request
    // takes the rest.
    int slices = int(m_pendingHits.size() / HitsPerSlice) + 1;
    int sinceCommit = 0;
    while (slices-- > 0 && !m_stopFlusher && !m_readOnly && m_catalogue.isOpen()
           && (!m_pendingHits.isEmpty() || !m_pendingCounters.isEmpty())) {
        if (yieldToLookups && steady_clock::now() < lookupsPauseAtLocked()) {
            m_hitsRequested = true;
            m_hitsRetryAt = lookupsPauseAtLocked();
            break;
        }
        if (!writeHitStep(Lock::NoWait, HitsPerSlice, Catalogue::Transaction::Kind::Batched)) {
            // Another connection holds the write lock or waits for it (or the write failed):
            // try again soon. Mostly it is the checkpoint thread restarting the log after one
            // of these commits: it waits at most RestartWaitMs for the lock, then copies and
            // syncs for a few milliseconds. Trying again a second later, as the event loop
            // used to, wrote one commit's worth of hits a second: 4 096 pending hits would
            // have taken 32 s (tst_diskstore gave up after 10).
            m_hitsRequested = true;
            m_hitsRetryAt =
                    std::chrono::steady_clock::now() + std::chrono::milliseconds(HitsRetryMs);
            break;
        }
        sinceCommit += HitsPerSlice;
        if (sinceCommit >= HitsPerCommit) {
            commitBatchLocked(WalCaller::EventLoop);
            sinceCommit = 0;
        }
        // A lookup waiting for the store goes first (an unlock alone rarely lets it in), and
        // the store is free most of the time while hits are written: with 50 or 200 us
        // between slices QNAM hits' p50 was a few per cent higher than with 1 ms.
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::microseconds(1000));
        lock.lock();
    }
    if (sinceCommit > 0)
        commitBatchLocked(WalCaller::EventLoop);
}

bool DiskStore::writeHitStep(Lock lock, int limit, Catalogue::Transaction::Kind kind)
{
    if (m_readOnly) {
        m_pendingCounters.clear();
        return false;
    }
    if ((m_pendingHits.isEmpty() && m_pendingCounters.isEmpty()) || !m_catalogue.isOpen())
        return false;
    // This step's share: all of them, or the first \a limit.
    QHash<QString, HitUpdate> step;
    // Taken out key by key, the table keeps its room (PendingHitsRoom).
    if (limit < 0) {
        step.swap(m_pendingHits);
        m_pendingHits.reserve(qMax(step.size(), PendingHitsRoom));
    } else {
        step.reserve(limit);
        for (auto it = m_pendingHits.begin(); it != m_pendingHits.end() && step.size() < limit;) {
            step.insert(it.key(), it.value());
            it = m_pendingHits.erase(it);
        }
    }
    const qint64 minute = nowMs() / 60000;
    QElapsedTimer clock;
    clock.start();
    Catalogue::Transaction t(m_catalogue, lock, kind); // what is not written stays pending
    bool written = t.isActive() && m_catalogue.applyHits(step)
            && m_catalogue.addCounters(m_pendingCounters, minute);
    if (written) {
        m_catalogue.pruneSeries(minute - m_retentionMinutes);
        written = t.commit();
    }
    qCDebug(lcDisk, "%d hits %s in %.2f ms", int(step.size()), written ? "written" : "kept",
            double(clock.nsecsElapsed()) / 1e6);
    if (written) {
        m_pendingCounters.clear();
        wroteLocked();
    } else {
        m_pendingHits.insert(step);
    } // nothing else added these keys meanwhile: we hold the mutex
    return written;
}

qint64 DiskStore::recordedMaximumSize()
{
    const Guard guard(m_mutex);
    return m_catalogue.isOpen() ? m_catalogue.stateValue(QStringLiteral("maximum_size")) : -1;
}

bool DiskStore::recordMaximumSize(qint64 bytes)
{
    const Guard guard(m_mutex);
    if (m_readOnly || !ensureCatalogue())
        return false;
    if (m_catalogue.stateValue(QStringLiteral("maximum_size")) == bytes)
        return true; // no write (and no new data version) for an unchanged budget
    Catalogue::Transaction t(m_catalogue);
    return t.isActive() && m_catalogue.setStateValue(QStringLiteral("maximum_size"), bytes)
            && t.commit();
}

bool DiskStore::setTags(const QString &key, const QStringList &tags)
{
    const Guard guard(m_mutex);
    if (!ensureCatalogue())
        return false;
    Catalogue::Transaction t(m_catalogue);
    return t.isActive() && m_catalogue.setTags(key, tags) && t.commit();
}

bool DiskStore::dropTags(const QStringList &keys)
{
    const Guard guard(m_mutex);
    if (keys.isEmpty() || !ensureCatalogue())
        return true;
    // With the batched inserts: the tags of evicted entries are dropped after each evicting
    // insert, and a transaction of its own committed each insert's batch (a full cache: a
    // commit and 70 KB of log per insert). A crash before the batch is committed leaves the
    // tags of entries that are gone, as if this had not run yet: harmless, an insert of the
    // key replaces them.
    Catalogue::Transaction t(m_catalogue, Lock::Wait, Catalogue::Transaction::Kind::Batched);
    if (!t.isActive())
        return false;
    for (const QString &key : keys) {
        if (!m_catalogue.setTags(key, {}))
            return false;
    }
    if (!t.commit())
        return false;
    batchJoinedLocked();
    return true;
}

QStringList DiskStore::keysForTags(const QStringList &tags)
{
    const Guard guard(m_mutex);
    return ensureCatalogue() ? m_catalogue.keysForTags(tags) : QStringList();
}

QStringList DiskStore::tagsOf(const QString &key)
{
    const Guard guard(m_mutex);
    return ensureCatalogue() ? m_catalogue.tagsOf(key) : QStringList();
}

QList<QPair<QString, qint64>> DiskStore::tagCounts()
{
    const Guard guard(m_mutex);
    return ensureCatalogue() ? m_catalogue.tagCounts() : QList<QPair<QString, qint64>>();
}

QHash<QString, qint64> DiskStore::tagBytes()
{
    const Guard guard(m_mutex);
    return ensureCatalogue() ? m_catalogue.tagBytes() : QHash<QString, qint64>();
}

qint64 DiskStore::sharingCount(const QByteArray &digest)
{
    const Guard guard(m_mutex);
    return ensureCatalogue() ? m_catalogue.sharingCount(digest) : 0;
}

int DiskStore::removeTagged(const QStringList &tags)
{
    const Guard guard(m_mutex);
    if (!ensureCatalogue())
        return 0;
    // Committed before we return: a crash never resurrects invalidated entries.
    Catalogue::Transaction t(m_catalogue);
    if (!t.isActive())
        return 0;
    const auto affected = m_catalogue.invalidateTags(tags);
    if (!affected || !t.commit())
        return 0;
    dropPendingHitsLocked(); // some were for removed keys; losing a second of hit counts is fine
    return int(*affected);
}

bool DiskStore::reclaimInvalidated(int budgetMs)
{
    const Guard guard(m_mutex);
    if (!ensureCatalogue() || !m_catalogue.hasInvalidated())
        return false; // the common case, answered without taking the write lock
    QElapsedTimer clock;
    clock.start();
    bool more = false;
    {
        Catalogue::Transaction t(m_catalogue, Lock::NoWait);
        if (!t.isActive())
            return t.busy();
        qint64 total = 0; // not needed here
        const std::optional<bool> left = reclaimBatchLocked(&total);
        if (!left || !t.commit())
            return false;
        more = *left;
    }
    // One batch per call, sized so that the next one, COMMIT included, takes about the budget:
    // scattered rows cost more per row in a large catalogue than in a small one.
    const qint64 us = qMax<qint64>(1, clock.nsecsElapsed() / 1000);
    const qint64 fitting = qint64(m_reclaimBatch) * budgetMs * 1000 / us;
    m_reclaimBatch = int(qBound(qint64(4), (m_reclaimBatch + fitting) / 2, qint64(4096)));
    return more;
}

std::optional<bool> DiskStore::reclaimBatchLocked(qint64 *total)
{
    const auto result = m_catalogue.deleteInvalidated(m_reclaimBatch);
    if (!result)
        return std::nullopt;
    m_catalogue.addToTotal(-result->freedBytes);
    *total -= result->freedBytes;
    return m_catalogue.hasInvalidated();
}

bool DiskStore::reclaimInvalidatedLocked(qint64 target, int budgetMs, qint64 *total)
{
    QElapsedTimer clock;
    clock.start();
    for (;;) {
        const std::optional<bool> more = reclaimBatchLocked(total);
        if (!more || !*more)
            return false;
        if ((target >= 0 && *total <= target) || spent(clock, budgetMs))
            return true;
    }
}

int DiskStore::removeKeys(const QStringList &keys)
{
    const Guard guard(m_mutex);
    if (!ensureCatalogue())
        return 0;
    // One committed transaction: a crash never resurrects removed entries.
    Catalogue::Transaction t(m_catalogue);
    if (!t.isActive())
        return 0;
    const auto result = m_catalogue.deleteEntriesBatch(keys);
    if (!result)
        return 0;
    m_catalogue.addToTotal(-result->freedBytes);
    if (!t.commit())
        return 0;
    dropPendingHitsLocked(); // some were for removed keys; losing a second of hit counts is fine
    return int(result->entries);
}

int DiskStore::expireKeys(const QStringList &keys)
{
    const Guard guard(m_mutex);
    if (keys.isEmpty() || !ensureCatalogue())
        return 0;
    Catalogue::Transaction t(m_catalogue);
    return t.isActive() && m_catalogue.expireKeys(keys) && t.commit() ? int(keys.size()) : 0;
}

bool DiskStore::sweepGarbage(int limit, int budgetMs, Lock lock)
{
    const Guard guard(m_mutex);
    QElapsedTimer clock;
    clock.start();
    if (!ensureCatalogue() || m_catalogue.garbage(1).isEmpty())
        return false; // the common case, answered without taking the write lock
    // Under the write lock, so no writer is between placing a file and committing its row.
    Catalogue::Transaction t(m_catalogue, lock);
    if (!t.isActive())
        return t.busy();
    const QList<QByteArray> digests = m_catalogue.garbage(limit);
    int swept = 0;
    for (const QByteArray &digest : digests) {
        // A file row for the digest means a writer stored the same body again since: keep it.
        const auto b = m_catalogue.findBlob(digest);
        if (!b || b->isInline) {
            const QByteArray path = QFile::encodeName(blob::blobPath(m_root, digest));
            if (::unlink(path.constData()) == 0) {
                // Its blobs/<aa> directory goes with its last file (the blocks count against
                // the cap); a writer placing a file there holds the write lock we hold.
                ::rmdir(path.left(path.lastIndexOf('/')).constData());
            }
        }
        m_catalogue.removeGarbage(digest);
        ++swept;
        if (spent(clock, budgetMs))
            break; // unlink() can take milliseconds on a busy file system
    }
    // A crash between an unlink above and this COMMIT leaves the tombstone: the next sweep
    // finds the file already gone, which is fine.
    t.commit();
    return digests.size() == limit || swept < digests.size();
}

QHash<QString, qint64> DiskStore::counters()
{
    const Guard guard(m_mutex);
    if (!ensureCatalogue())
        return {};
    flushHits();
    return m_catalogue.counters();
}

QList<Catalogue::SeriesPoint> DiskStore::series(qint64 sinceMinute)
{
    const Guard guard(m_mutex);
    if (!ensureCatalogue())
        return {};
    flushHits();
    return m_catalogue.series(sinceMinute);
}

bool DiskStore::resetStatistics()
{
    const Guard guard(m_mutex);
    m_pendingCounters.clear();
    if (!ensureCatalogue())
        return false;
    flushHits();
    Catalogue::Transaction t(m_catalogue);
    return t.isActive() && m_catalogue.resetStatistics() && t.commit();
}

QList<EntryRecord> DiskStore::query(const EntryQuery &filter, int offset, int limit)
{
    const Guard guard(m_mutex);
    if (!ensureCatalogue())
        return {};
    flushHits();
    return m_catalogue.query(filter, offset, limit);
}

qint64 DiskStore::count(const EntryQuery &filter)
{
    const Guard guard(m_mutex);
    return ensureCatalogue() ? m_catalogue.count(filter) : 0;
}

qint64 DiskStore::totalSize()
{
    const Guard guard(m_mutex);
    if (!ensureCatalogue())
        return 0;
    return m_catalogue.totalSize();
}

bool DiskStore::clear()
{
    const Guard guard(m_mutex);
    dropPendingHitsLocked();
    if (m_readOnly)
        return setError(QStringLiteral("%1 is open read-only").arg(m_root));
    if (!ensureCatalogue())
        return false;
    {
        Catalogue::Transaction t(m_catalogue);
        if (!t.isActive() || !m_catalogue.clearToGarbage() || !t.commit())
            return false;
    }
    while (sweepGarbage(1024)) { }
    sweepTemp();
    return true;
}

QList<EntryRecord> DiskStore::entries(int offset, int limit)
{
    return query(EntryQuery(), offset, limit); // all of them, most recently used first
}

Catalogue::Counts DiskStore::counts()
{
    const Guard guard(m_mutex);
    if (!ensureCatalogue())
        return {};
    flushHits();
    return m_catalogue.counts();
}

QString DiskStore::checkChunks(int fd, qint64 storedSize, quint32 chunkSize, const QByteArray &sums,
                               DecodedBodyCheck *body, const std::function<bool(qint64)> &onBytes)
{
    constexpr qint64 ReadSize = 1024 * 1024;
    QByteArray buffer(ReadSize, Qt::Uninitialized);
    for (qint64 offset = 0; offset < storedSize; offset += ReadSize) {
        const qint64 n = qMin(ReadSize, storedSize - offset);
        if (blob::preadFully(fd, buffer.data(), n, blob::HeaderSize + offset) != n)
            return QStringLiteral("read error at %1").arg(offset);
        if (!blob::verifyChunks(buffer.constData(), n, offset, chunkSize, sums))
            return QStringLiteral("checksum mismatch near byte %1").arg(offset);
        if (body && !body->add(buffer.constData(), n))
            return body->error();
        if (onBytes && !onBytes(n))
            break;
    }
    return {};
}

bool DiskStore::verifyBody(const EntryRecord &e)
{
    const Guard guard(m_mutex);
    // Chunk checksums over the stored bytes, and a compressed body decoded whole (frame
    // checksums, exact size): whatever the reader gets afterwards is known to be intact.
    DecodedBodyCheck check(e.compression, e.bodySize);
    if (e.inlineBody) {
        QByteArray stored;
        QString why;
        if (!openInlineBody(e, &stored, &why))
            return false;
        check.add(stored.constData(), stored.size());
        const QString problem = check.finish(QByteArray());
        if (problem.isEmpty())
            return true;
        removeDamaged(e.key, e.digest, QStringLiteral("inline body of %1: %2").arg(e.key, problem));
        return false;
    }
    const QString path = blob::blobPath(m_root, e.digest);
    const int fd = blob::openReadOnly(path);
    QString problem = fd < 0 ? QStringLiteral("missing")
                             : checkChunks(fd, e.storedSize, e.chunkSize, e.sums, &check, {});
    if (problem.isEmpty())
        problem = check.finish(QByteArray());
    blob::closeFd(fd);
    if (problem.isEmpty())
        return true;
    removeDamaged(e.key, e.digest, QStringLiteral("body file %1: %2").arg(path, problem));
    return false;
}

QString DiskStore::checkInline(const BlobRecord &b)
{
    if (b.storedSize < 0)
        return QStringLiteral("catalogue row has an unknown compression");
    const std::optional<QByteArray> body = m_catalogue.inlineBody(b.digest);
    if (!body)
        return QStringLiteral("inline body missing");
    if (body->size() != b.storedSize)
        return QStringLiteral("size %1, expected %2").arg(body->size()).arg(b.storedSize);
    const qint64 chunks = blob::chunkCount(b.storedSize, b.chunkSize);
    if (chunks < 0 || b.sums.size() != chunks * blob::ChecksumSize)
        return QStringLiteral("catalogue row has no valid chunk checksums");
    if (!blob::verifyChunks(body->constData(), body->size(), 0, b.chunkSize, b.sums))
        return QStringLiteral("checksum mismatch");
    DecodedBodyCheck check(b.compression, b.bodySize);
    check.add(body->constData(), body->size());
    return check.finish(b.digest);
}

VerifyReport DiskStore::verify(const std::function<bool(qint64, qint64)> &progress)
{
    const Guard guard(m_mutex);
    VerifyReport report;
    if (!ensureCatalogue())
        return report;
    flushHits();
    const QList<BlobRecord> blobs = m_catalogue.blobs();
    qint64 totalBytes = 0; // stored bytes: what is read
    for (const BlobRecord &b : blobs)
        totalBytes += qMax<qint64>(0, b.storedSize);
    if (progress && !progress(0, totalBytes)) {
        report.setCancelled(true);
        return report;
    }

    QByteArray buffer(blob::HeaderSize, Qt::Uninitialized);
    for (const BlobRecord &b : blobs) {
        const QString path = blob::blobPath(m_root, b.digest);
        QString problem;
        const int fd = b.isInline ? -1 : blob::openReadOnly(path);
        struct stat st;
        if (b.isInline) {
            problem = checkInline(b);
            report.setBytesChecked(report.bytesChecked() + qMax<qint64>(0, b.storedSize));
            if (progress && !progress(report.bytesChecked(), totalBytes))
                report.setCancelled(true);
        } else if (fd < 0) {
            problem = QStringLiteral("missing");
        } else if (b.storedSize < 0) {
            problem = QStringLiteral("catalogue row has an unknown compression");
        } else if (::fstat(fd, &st) != 0 || qint64(st.st_size) != blob::HeaderSize + b.storedSize) {
            problem = QStringLiteral("size %1, expected %2")
                              .arg(qint64(st.st_size) - blob::HeaderSize)
                              .arg(b.storedSize);
        } else if (blob::chunkCount(b.storedSize, b.chunkSize) < 0
                   || b.sums.size()
                           != blob::chunkCount(b.storedSize, b.chunkSize) * blob::ChecksumSize) {
            problem = QStringLiteral("catalogue row has no valid chunk checksums");
        } else if (blob::preadFully(fd, buffer.data(), blob::HeaderSize, 0) != blob::HeaderSize
                   || !blob::headerMatches(buffer.constData(), b.storedSize, b.chunkSize,
                                           quint32(b.compression))) {
            problem = QStringLiteral("bad header");
        } else {
            DecodedBodyCheck check(b.compression, b.bodySize);
            problem = checkChunks(fd, b.storedSize, b.chunkSize, b.sums, &check, [&](qint64 n) {
                report.setBytesChecked(report.bytesChecked() + n);
                if (progress && !progress(report.bytesChecked(), totalBytes))
                    report.setCancelled(true);
                return !report.cancelled();
            });
            if (problem.isEmpty() && !report.cancelled())
                problem = check.finish(b.digest);
        }
        blob::closeFd(fd);
        if (report.cancelled())
            break;
        report.setChecked(report.checked() + 1);
        if (problem.isEmpty())
            continue;
        // The list was read without a lock: another process may have dropped this body
        // legitimately since. Only a body that still has its row is damaged.
        if (m_readOnly) { // report, drop nothing
            report.setDamaged(report.damaged() + 1);
            report.addProblem(QStringLiteral("%1: %2").arg(QString::fromLatin1(b.digest), problem));
            continue;
        }
        Catalogue::Transaction t(m_catalogue);
        const auto current = t.isActive() ? m_catalogue.findBlob(b.digest) : std::nullopt;
        if (!current)
            continue;
        // Dropped and stored again in the meantime (same digest, same bytes), perhaps the other
        // way (inline or file): look at the body as it is now, under the write lock.
        if (current->isInline ? checkInline(*current).isEmpty()
                              : (b.isInline || fd < 0 || problem.startsWith(QLatin1String("size")))
                            && blob::fileSize(path) == blob::HeaderSize + current->storedSize) {
            continue;
        }
        report.setDamaged(report.damaged() + 1);
        // Drop every entry using the damaged body, then the body itself.
        QStringList urls;
        for (const EntryRecord &e : m_catalogue.entriesWithDigest(b.digest)) {
            m_catalogue.addToTotal(-dropEntryLocked(e.key, e.digest, e.rowSize));
            report.setRemovedEntries(report.removedEntries() + 1);
            urls.append(e.key);
        }
        report.addProblem(QStringLiteral("%1 (%2): %3")
                                  .arg(QString::fromLatin1(b.digest),
                                       urls.join(QLatin1String(", ")), problem));
        m_catalogue.addToTotal(-dropBlobIfUnreferencedLocked(b.digest));
        t.commit();
    }
    return report;
}

qint64 DiskStore::collectGarbage()
{
    const Guard guard(m_mutex);
    if (!m_catalogue.isOpen() || m_readOnly)
        return 0;
    flushHits();
    qint64 reclaimed = 0;
    Catalogue::Transaction t(m_catalogue);
    if (!t.isActive())
        return 0;
    const qint64 before = m_catalogue.totalSize();
    qint64 total = before;
    reclaimInvalidatedLocked(-1, -1, &total);
    reclaimed += before - total;
    for (const QByteArray &digest : m_catalogue.unreferencedBlobs())
        reclaimed += dropBlobIfUnreferencedLocked(digest);

    // Files with no blob row: left by a crash between rename and commit, or by a catalogue
    // that had to be rebuilt. Safe under the write lock (see commit()).
    QSet<QByteArray> known;
    for (const BlobRecord &b : m_catalogue.blobs()) {
        if (!b.isInline)
            known.insert(b.digest);
    }
    QDirIterator it(blob::blobsDir(m_root), QDir::Files | QDir::Hidden,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (!known.contains(it.fileName().toLatin1())) {
            reclaimed += qMax<qint64>(0, blob::allocatedSize(path));
            QFile::remove(path);
        }
    }
    m_catalogue.recomputeTotal();
    t.commit();
    return reclaimed + sweepTemp();
}

qint64 DiskStore::sweepTemp()
{
    qint64 freed = 0;
    if (m_readOnly)
        return freed;
    const qint64 now = nowMs();
    QDirIterator it(blob::tempDir(m_root), {QStringLiteral("*.part")}, QDir::Files | QDir::Hidden);
    while (it.hasNext()) {
        const QString path = it.next();
        const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        struct stat st;
        // A writer locks its file right after creating it; a young empty file may be one
        // whose writer has not got there yet.
        const bool young = ::fstat(fd, &st) != 0
                || (st.st_size == 0 && now - qint64(st.st_mtime) * 1000 < 5000);
        if (!young && blob::tryLock(fd)) {
            freed += qint64(st.st_blocks) * 512;
            ::unlink(QFile::encodeName(path).constData());
        }
        blob::closeFd(fd);
    }
    return freed;
}

} // namespace tiercache
