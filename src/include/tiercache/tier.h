// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QDateTime>
#include <QtCore/QFlags>
#include <QtCore/QString>
#include <QtNetwork/QNetworkCacheMetaData>

#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace tiercache {

/*!
    \brief What a tier knows about one stored response.
*/
struct TIERCACHE_EXPORT TierRecord
{
    QString key;                  //!< the normalized URL (NetworkCache::cacheKey())
    QNetworkCacheMetaData metaData; //!< as stored; expirationDate() is the RFC 9111 expiry
    qint64 bodySize = -1;         //!< exact body length; -1 means "no such entry"
    QDateTime lastAccess;         //!< may be invalid when the tier does not track it

    bool isValid() const { return bodySize >= 0; }
};

/*!
    \brief A body being written into a tier.

    Created by Tier::beginWrite(). Bytes arrive in order through write(); commit() makes the
    entry visible at once, replacing any previous entry for the key. A writer destroyed without
    a successful commit() leaves no trace in the tier. write() may return false to decline the
    body (too large for this tier, out of space, connection lost): the writer is then dead and
    nothing of it is kept.
*/
class TIERCACHE_EXPORT TierWriter
{
public:
    virtual ~TierWriter();
    virtual bool write(const char *data, qint64 size) = 0;
    virtual bool commit() = 0;
    virtual QString errorString() const = 0;
};

/*!
    \brief The storage interface every cache tier implements.

    A tier stores HTTP responses keyed by normalized URL. NetworkCache composes tiers into a
    chain (L1, L2, ...): lookups go from the first to the last, hits in a lower tier may be
    promoted to upper ones, removals and metadata updates reach every tier.

    All calls come from the thread that owns the NetworkCache. A tier must never throw and
    never block for long: a slow or unreachable backend reports a miss or a failed write.

    A tier is created by a TierFactory (a plugin) from a spec string; see tierfactory.h for a
    complete minimal example.
*/
class TIERCACHE_EXPORT Tier
{
public:
    enum class Capability {
        Persistent = 0x1,     //!< entries survive the process
        Shared = 0x2,         //!< other processes/machines see the same entries
        VerifiesBodies = 0x4, //!< openBody() never delivers bytes that differ from those written
    };
    Q_DECLARE_FLAGS(Capabilities, Capability)

    virtual ~Tier();

    //! Short scheme-like name, e.g. "memory", "disk", "redis".
    virtual QString name() const = 0;
    virtual Capabilities capabilities() const = 0;
    //! Largest body this tier accepts, -1 for no limit. Larger bodies are never offered.
    virtual qint64 maxEntrySize() const = 0;

    //! The entry for \a key, or an invalid record. Must be cheap; must not return an entry
    //! whose body openBody() would then fail to deliver in full, as far as it can tell.
    virtual TierRecord lookup(const QString &key) = 0;
    //! A readable device delivering exactly the body of \a key, or nullptr. The caller takes
    //! ownership. Sequential devices may return 0 from read() while waiting and must emit
    //! readyRead() when more is available; read() returns -1 only after the last byte.
    virtual QIODevice *openBody(const QString &key) = 0;
    //! Starts storing a body for \a key with \a metaData. \a sizeHint is the expected size
    //! or -1. Returns nullptr when the tier cannot take it.
    virtual std::unique_ptr<TierWriter> beginWrite(const QString &key,
                                                   const QNetworkCacheMetaData &metaData,
                                                   qint64 sizeHint) = 0;
    virtual bool remove(const QString &key) = 0;
    //! Replaces the stored metadata of \a key (a 304) without touching the body.
    virtual bool updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData) = 0;
    //! Calls \a visitor for every entry until it returns false.
    virtual void enumerate(const std::function<bool(const TierRecord &)> &visitor) = 0;
    //! Bytes used by the tier's entries.
    virtual qint64 size() = 0;
    virtual void clear() = 0;
    //! The last problem, human readable, or empty.
    virtual QString errorString() const = 0;
};

Q_DECLARE_OPERATORS_FOR_FLAGS(Tier::Capabilities)

} // namespace tiercache
