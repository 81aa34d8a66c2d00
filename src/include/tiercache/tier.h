// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QDateTime>
#include <QtCore/QFlags>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtNetwork/QNetworkCacheMetaData>

#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace tiercache {

class TierRecordData;

/*!
    \brief What a tier knows about one stored response: an implicitly shared value.

    A default-constructed record is invalid ("no such entry").
*/
class TIERCACHE_EXPORT TierRecord
{
public:
    TierRecord();
    TierRecord(const QString &key, const QNetworkCacheMetaData &metaData, qint64 bodySize);
    TierRecord(const TierRecord &other);
    TierRecord(TierRecord &&other) noexcept;
    TierRecord &operator=(const TierRecord &other);
    TierRecord &operator=(TierRecord &&other) noexcept;
    ~TierRecord();

    //! True when the record describes a stored entry (bodySize() >= 0).
    bool isValid() const;

    //! The normalized URL the entry is stored under (NetworkCache::cacheKey()).
    QString key() const;
    void setKey(const QString &key);
    //! As stored; expirationDate() is the RFC 9111 expiry.
    QNetworkCacheMetaData metaData() const;
    void setMetaData(const QNetworkCacheMetaData &metaData);
    //! Exact body length; -1 means "no such entry".
    qint64 bodySize() const;
    void setBodySize(qint64 size);
    //! Bytes the tier stores for the body: smaller than bodySize() when it is compressed
    //! (BodyCompression). bodySize() unless set.
    qint64 storedSize() const;
    void setStoredSize(qint64 size);
    //! May be invalid when the tier does not track it.
    QDateTime lastAccess() const;
    void setLastAccess(const QDateTime &lastAccess);
    /*!
        Identifies the stored body (a digest, a generation counter, ...), opaque to the caller;
        empty when the tier cannot tell. Tier::updateMetaData() with \a ifVersion applies only
        while the entry still has this body: a 304 never describes another process's newer body.
    */
    QByteArray version() const;
    void setVersion(const QByteArray &version);

private:
    QSharedDataPointer<TierRecordData> d;
};

/*!
    \brief One hit: the record a Tier::lookup() found and the way to its body.

    The handle stands for the version of the entry the lookup saw. openBody() may be called
    any number of times, at any later moment; it delivers that version's body, or returns
    nullptr when the tier no longer has it (removed, replaced, damaged). Nothing about a hit
    depends on which call came before: a tier keeps whatever the lookup found (an open file,
    a verified first window, a row) inside its handle.
*/
class TIERCACHE_EXPORT TierEntry
{
public:
    //! How the body is read.
    enum class ReadMode {
        //! Bytes are checked as they stream; damage found late ends the device early (with an
        //! error string) and the tier drops the entry. What QNAM's normal path handles.
        Streaming,
        //! The whole body is checked before the device is returned (nullptr when damaged): for
        //! readers that cannot be told about damage mid-stream, such as QNAM's AlwaysCache path,
        //! which finishes the reply before it reads the body.
        Verified,
    };

    virtual ~TierEntry();
    virtual TierRecord record() const = 0;
    //! A readable device delivering exactly the body of record(), or nullptr; the caller takes
    //! ownership. Sequential devices may return 0 from read() while waiting and must emit
    //! readyRead() when more is available; read() returns -1 only after the last byte.
    virtual QIODevice *openBody(ReadMode mode = ReadMode::Streaming) = 0;
};

/*!
    \brief A body being written into a tier.

    Created by Tier::beginWrite(). Bytes arrive in order through write(); commit() makes the
    entry visible at once, with its final metadata and its cache tags, in one step (a tier that
    keeps a tag index stores both atomically: a crash leaves the whole tagged entry or
    nothing), replacing any previous entry for the key. A writer destroyed without a successful
    commit() leaves no trace in the tier. write() may return false to decline the body (too
    large for this tier, out of space, connection lost): the writer is then dead and nothing
    of it is kept.
*/
class TIERCACHE_EXPORT TierWriter
{
public:
    virtual ~TierWriter();
    virtual bool write(const char *data, qint64 size) = 0;
    //! Stores the body with \a metaData (which supersedes the metadata given to beginWrite())
    //! and \a tags. Tiers without a tag index ignore \a tags.
    virtual bool commit(const QNetworkCacheMetaData &metaData, const QStringList &tags) = 0;
    virtual QString errorString() const = 0;
};

/*!
    \brief The storage interface every cache tier implements (tier API version 2).

    A tier stores HTTP responses keyed by normalized URL. NetworkCache composes tiers into a
    chain (L1, L2, ...): lookups go from the first to the last, hits in a lower tier may be
    promoted to upper ones, removals and metadata updates reach every tier.

    All calls come from the thread that owns the NetworkCache. A tier must never throw and
    never block for long: a slow or unreachable backend reports a miss or a failed write.

    A tier is created by a TierFactory (a plugin) from a spec string; see tierfactory.h for a
    complete minimal example. The interface is versioned by the factory's IID
    (\c{org.tiercache.TierFactory/2}); later versions add to it behind a new IID, and the
    loader keeps accepting the versions it knows.
*/
class TIERCACHE_EXPORT Tier
{
public:
    enum class Capability {
        Persistent = 0x1,     //!< entries survive the process
        Shared = 0x2,         //!< other processes/machines see the same entries
        VerifiesBodies = 0x4, //!< openBody() never delivers bytes that differ from those written
        StoresTags = 0x8,     //!< commit() keeps the entry's tags with it, atomically
    };
    Q_DECLARE_FLAGS(Capabilities, Capability)

    virtual ~Tier();

    //! Short scheme-like name, e.g. "memory", "disk", "redis".
    virtual QString name() const = 0;
    virtual Capabilities capabilities() const = 0;
    //! Largest body this tier accepts, -1 for no limit. Larger bodies are never offered.
    virtual qint64 maxEntrySize() const = 0;

    //! The entry for \a key, or nullptr on a miss. Must be cheap; must not return an entry
    //! whose body openBody() would then fail to deliver in full, as far as it can tell. A
    //! lookup that fails on an error (not a plain miss) also sets errorString().
    virtual std::unique_ptr<TierEntry> lookup(const QString &key) = 0;
    //! Starts storing a body for \a key with \a metaData. \a sizeHint is the expected size
    //! or -1. Returns nullptr when the tier cannot take it.
    virtual std::unique_ptr<TierWriter> beginWrite(const QString &key,
                                                   const QNetworkCacheMetaData &metaData,
                                                   qint64 sizeHint) = 0;
    virtual bool remove(const QString &key) = 0;
    //! Replaces the stored metadata of \a key (a 304) without touching the body. With a
    //! non-empty \a ifVersion (a TierRecord::version()), only while the entry still has that
    //! body; returns false otherwise.
    virtual bool updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData,
                                const QByteArray &ifVersion = {}) = 0;
    //! Calls \a visitor for every entry until it returns false.
    virtual void enumerate(const std::function<bool(const TierRecord &)> &visitor) = 0;
    //! Bytes used by the tier's entries.
    virtual qint64 size() = 0;
    virtual void clear() = 0;
    //! The problem of the last call that failed, human readable; empty when the last call
    //! succeeded or was a plain miss.
    virtual QString errorString() const = 0;
};

Q_DECLARE_OPERATORS_FOR_FLAGS(Tier::Capabilities)

} // namespace tiercache
