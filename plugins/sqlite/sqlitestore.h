// SPDX-License-Identifier: MIT
#pragma once

#include "sqliterecord.h"

#include <tiercache/bodycompression.h>
#include <tiercache/tier.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QHash>
#include <QtCore/QLoggingCategory>
#include <QtCore/QSet>
#include <QtSql/QSqlDatabase>

#include <functional>
#include <memory>
#include <unordered_map>

QT_BEGIN_NAMESPACE
class QSqlQuery;
QT_END_NAMESPACE

namespace tiercache::sqlite {

Q_DECLARE_LOGGING_CATEGORY(lcSqlite)

struct Options
{
    QString path;
    qint64 maxBytes = 256 * 1024 * 1024;
    qint64 maxEntry = -1; // resolved by the factory; never -1 here
    int timeoutMs = 2000;
    //! The SDK's "readonly" option: an existing file, opened SQLITE_OPEN_READONLY, never
    //! changed (no schema, upgrade, sweep, LRU time or removal of a damaged entry).
    bool readOnly = false;
    BodyCompression compression; // compress=: chunks hold the compressed body
};

/*
    The database behind one tier instance: one QSqlDatabase connection (a unique name per
    instance), the SQL, and the bookkeeping shared by the tier, its writers and its readers.
    Writers and body devices may outlive the Tier object (NetworkCache::setTiers() while a
    reply streams), so they all hold it through a shared_ptr; the connection closes when the
    last of them is gone.

    Versions of a body are "generations": every write gets a fresh id (AUTOINCREMENT in the
    `writes` table, so unique across processes and never reused), its chunks are stored under
    that id, and the entry row names the generation it shows. Nothing a writer stores is
    reachable before commit() points the entry at it; a reader only ever asks for chunks of
    the generation it started with, so it can never mix two versions.
*/
class Store
{
public:
    explicit Store(const Options &options);
    ~Store();
    Store(const Store &) = delete;
    Store &operator=(const Store &) = delete;

    //! Opens or creates the file; false with errorString() set when it cannot be used.
    //! Read-only (Options::readOnly), the file must exist and be a tier of this version.
    bool open();
    bool isReadOnly() const { return m_options.readOnly; }
    //! Records (and returns false) that a change was refused because the tier is read-only.
    bool refuseChange(const char *what);

    const Options &options() const { return m_options; }
    QString errorString() const { return m_error; }
    void setError(const QString &error);

    struct Entry
    {
        qint64 generation = -1;
        qint64 bodySize = -1;
        qint64 storedSize = -1; // what the chunks hold: the body, or it compressed
        BodyCompression::Algorithm compression = BodyCompression::Algorithm::None;
        qint64 chunkSize = 0;
        QNetworkCacheMetaData metaData;
        QDateTime lastAccess;
        bool isValid() const { return generation >= 0; }
    };
    //! The entry for \a key (undecodable rows are deleted and reported as missing).
    Entry entry(const QString &key, bool withMetaData);
    //! Whether all chunks of \a entry exist (an index-only count, no body bytes are read).
    bool hasAllChunks(const Entry &entry);
    //! Records a hit for the LRU order; written in batches (every 256 hits or second, before
    //! an eviction or a listing, at close).
    void touch(const QString &key);
    void flushTouches();

    //! Reads and verifies chunk \a seq of \a generation. Returns false with \a reason set when
    //! the chunk is missing, short or does not match its checksum.
    bool readChunk(qint64 generation, qint64 seq, qint64 expectedSize, QByteArray *data,
                   QString *reason);

    //! A fresh generation id, registered as being written (so that no sweep takes its chunks).
    qint64 beginGeneration(const QString &key);
    bool insertChunk(qint64 generation, qint64 seq, const QByteArray &data);
    //! In one transaction: stores \a lastChunk as chunk \a lastSeq of \a generation (which
    //! is allocated now if it is -1, the usual case for a body smaller than a chunk), makes
    //! it the body of \a key, drops the previous generation and evicts to the budget. The
    //! chunks hold \a storedSize bytes: the body of \a bodySize bytes compressed with
    //! \a compression (None: the body itself).
    bool commitGeneration(const QString &key, qint64 generation, const QByteArray &meta,
                          qint64 bodySize, qint64 storedSize,
                          BodyCompression::Algorithm compression, qint64 lastSeq,
                          const QByteArray &lastChunk);
    //! Forgets an uncommitted generation and its chunks.
    void abandonGeneration(qint64 generation);

    bool remove(const QString &key);
    //! Deletes the entry of \a key only while it still shows \a generation: a damaged body
    //! goes, a newer version written meanwhile stays.
    void removeDamaged(const QString &key, qint64 generation);
    //! With \a ifGeneration >= 0, only while the entry still has that body generation.
    bool updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData,
                        qint64 ifGeneration = -1);
    void enumerate(const std::function<bool(const TierRecord &)> &visitor);
    qint64 totalSize();
    void clear();

    //! Readers in this process pin their generation: a replace or eviction then leaves its
    //! chunks until the last reader lets go. (Readers in other processes are not known here;
    //! theirs fail cleanly with "chunk missing" instead.)
    void pin(qint64 generation);
    void unpin(qint64 generation);

private:
    enum class Format { Empty, Current, Version1, Version2 };
    //! What the file holds; false (errorString()) when it is not a tier of ours.
    bool readFormat(Format *format);
    //! The read-only connection. While no -wal file exists (no writer has the file open) it is
    //! opened immutable: a plain read-only connection to a WAL database would create -wal and
    //! -shm files. followWriters() reopens it when a writer has changed the file since.
    bool openReadOnlyConnection();
    void followWriters();
    void closeConnection();
    QSqlQuery &statement(const char *sql);
    bool exec(QSqlQuery &q);
    bool execSql(const QString &sql);
    bool begin();
    bool commit();
    void rollback();
    bool createSchema();
    bool upgradeFromVersion1();
    bool upgradeFromVersion2();
    void sweep();
    //! Deletes the chunks of a generation that is no longer shown, unless a reader pins it.
    bool dropGeneration(qint64 generation);
    bool evict(const QString &keep);
    void applyTouches(); // inside a transaction

    Options m_options;
    QString m_connectionName;
    QSqlDatabase m_db;
    QString m_error;
    std::unordered_map<const char *, std::unique_ptr<QSqlQuery>> m_statements;
    static constexpr int TouchBatch = 256;
    static constexpr qint64 TouchFlushMs = 1000;
    QHash<QString, qint64> m_touches; // key -> last access (ms), not yet written
    QElapsedTimer m_touchClock;
    QHash<qint64, int> m_pins;
    QSet<qint64> m_retired;       // dropped while pinned: delete when unpinned
    QSet<qint64> m_retiring;      // dropped in the open transaction: retired if it commits
    qint64 m_immutableStamp = -1; // read-only: the file as opened immutable, -1 when live
};

} // namespace tiercache::sqlite
