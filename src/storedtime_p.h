// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QDateTime>

QT_BEGIN_NAMESPACE
class QNetworkCacheMetaData;
QT_END_NAMESPACE

namespace tiercache::storedtime {

/*
    When a body was stored, carried in each record's metadata under an internal field, so that
    CacheEntryInfo::created() is known on every tier chain: the disk tier's catalogue keeps its
    own column, but the memory, sqlite and redis tiers keep no such time, and a promoted copy
    (which takes the record's metadata) keeps the time the body was first stored. A 304 refresh
    keeps it too. Whatever an origin sends under that name is replaced; the field is never
    handed to QNAM.
*/
inline constexpr char Field[] = "Tiercache-Stored";

//! \a md with Field = \a stored (ms since the epoch), replacing any value.
QNetworkCacheMetaData withStoredTime(const QNetworkCacheMetaData &md, const QDateTime &stored);
//! The time in \a md's Field (UTC); invalid when absent or not a plain non-negative number.
QDateTime storedTime(const QNetworkCacheMetaData &md);
//! \a md without Field, for everything that leaves the cache.
QNetworkCacheMetaData withoutStoredTime(const QNetworkCacheMetaData &md);

} // namespace tiercache::storedtime
