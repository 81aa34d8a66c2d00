// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/networkcache.h>

#include "chainbuilder_p.h"
#include "chaintagindex_p.h"
#include "eventlog_p.h"
#include "replywatcher_p.h"
#include "revalidationpins_p.h"
#include "statisticscounters_p.h"
#include "tierchain_p.h"
#include "tierfacets_p.h"

#include <QtCore/QSet>
#include <QtCore/QTimer>
#include <QtCore/QUrl>

#include <memory>

namespace tiercache {

class InsertDevice;

/*
    The state behind NetworkCache. The cache itself is an adapter from QAbstractNetworkCache
    to the tier chain; everything else is a collaborator with one job: ChainBuilder (specs to
    tiers), RevalidationPins (the body a 304 is about), ReplyWatcher (what QNAM does not tell
    the cache), StatisticsCounters, TagInvalidation, and the facets the chain's tiers offer
    (tierfacets_p.h: tag index, catalogue inspection, ...), found by interface, never by type.
*/
class NetworkCachePrivate
{
    Q_DECLARE_PUBLIC(NetworkCache)
public:
    explicit NetworkCachePrivate(NetworkCache *q);
    ~NetworkCachePrivate();

    void setError(NetworkCache::Error error, const QString &message);
    QString keyFor(const QUrl &url) const { return policy.cacheKey(url); }
    //! RFC 9111 expiration, then the policy: default TTL, URL rules, hook, ceiling.
    QDateTime expirationFor(const QUrl &url, const QNetworkCacheMetaData &md, const QDateTime &now,
                            qint64 hookTtl) const;
    //! When the body a refresh of \a key is about was stored (storedtime_p.h); invalid when
    //! no tier holds it or it predates the field.
    QDateTime storedTimeOf(const QString &key, const RevalidationPins::Pin *pinned) const;
    //! The chain's tag index, or the tags carried by the records when no tier keeps an index.
    TagIndex &tagIndex() const { return tags ? *tags : const_cast<ChainTagIndex &>(chainTags); }
    int invalidate(const QStringList &tags, bool soft, const QString &sameOriginAs = {});
    //! The fields of a 304 that its refresh needs beyond the merged headers (RFC 9111 4.3.4).
    struct NotModified
    {
        QByteArray age;        //!< the 304's own Age (null: none)
        QByteArray connection; //!< its Connection field
        bool hasDate = true;   //!< false: the time of receipt is its Date (RFC 9110 6.6.1)
    };
    /*!
        Refreshes the stored entry of \a metaData (the stored fields merged with the 304's) with
        the age the 304 says (\a response), or, without \a response, as a plain update.
    */
    void refresh(const QNetworkCacheMetaData &metaData, const NotModified *response);
    void abandon(InsertDevice *device);
    //! Finds the facets of a newly built chain and configures its directory tier.
    void attachFacets();
    void forgetTagsOfEvicted();

    NetworkCache *q_ptr;
    QString directory;
    qint64 maximumSize = 50 * 1024 * 1024;
    bool maximumSizeSet = false; //!< by setMaximumCacheSize(): recorded in the directory
    NetworkCache::SyncMode syncMode = NetworkCache::SyncMode::NoSync;
    bool readOnly = false;
    //! Records why a change was refused in read-only mode; true when it was.
    bool refuseWrite(const char *what);

    TierChain chain;
    ChainBuilder builder;
    //! Builds the chain of \a requested (as given to setTiers(), passwords and all) for the
    //! current read-only state; returns whether every spec was usable.
    bool buildChain(const QStringList &requested);
    QStringList requestedSpecs; //!< as given to setTiers(): rebuilt when read-only changes
    QStringList specs;
    QStringList tierErrors;
    // Facets of the chain's tiers (tierfacets_p.h); nullptr when no tier offers one.
    DirectoryTier *directoryTier = nullptr;
    Tier *directoryTierAsTier = nullptr;
    TagIndex *tags = nullptr;
    CatalogueInspection *inspection = nullptr;
    ChainTagIndex chainTags {chain};

    // The last lookup, so that data() serves the very entry metaData() reported (QNAM calls
    // them in a row); data() without it looks up afresh.
    QString lastKey;
    TierChain::Found lastFound;
    QIODevice *lastBody = nullptr; // opened (and checked whole) by metaData(), for data()
    void forgetLookup()
    {
        lastKey.clear();
        lastFound = {};
        delete std::exchange(lastBody, nullptr);
    }
    QString lastCountedLookup; // QNAM asks twice around a 304: count once
    QUrl lastUrl;              // metaData() then data() for the same URL:
    QString lastUrlKey;        // the key is computed once

    RevalidationPins pins;
    ReplyWatcher replies;
    QSet<InsertDevice *> pending; // prepare()d, not yet insert()ed or abandoned

    CachePolicy policy;
    NetworkCache::TagCallback tagCallback;

    StatisticsCounters counters;
    EventLog eventLog;
    QStringList evictedFromDisk; // their tags are dropped once no other tier holds them
    QTimer *tagCleanupTimer = nullptr;

    NetworkCache::Error error = NetworkCache::Error::NoError;
    QString errorString;
};

} // namespace tiercache
