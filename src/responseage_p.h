// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QDateTime>

QT_BEGIN_NAMESPACE
class QNetworkCacheMetaData;
QT_END_NAMESPACE

namespace tiercache::responseage {

/*
    The Age of stored responses (RFC 9111 section 4.2.3). QNAM replays every stored header into
    the reply, so a stored Age would be served unchanged however long the entry sat in the
    cache. A stored entry therefore carries no Age: it records, in the internal field
    GeneratedField, the time (this cache's clock, ms since the epoch) at which its age was zero,
    i.e. response_time - corrected_initial_age; the Age served is now minus that, in whole
    seconds (stored age plus resident time). The field is never handed to QNAM.
*/
inline constexpr char GeneratedField[] = "Tiercache-Generated";

/*!
    corrected_initial_age of a response received at \a responseTime with the Date value \a date
    and the Age value \a age: max(apparent_age, age_value). The request time is not known to a
    QAbstractNetworkCache, so response_delay counts as 0. A malformed Age counts as 0 here (the
    freshness computation already makes such a response stale).
*/
qint64 correctedInitialAge(const QByteArray &date, const QByteArray &age,
                           const QDateTime &responseTime);

//! \a md as stored: without Age, with GeneratedField = \a responseTime - \a initialAgeSecs.
QNetworkCacheMetaData forStorage(const QNetworkCacheMetaData &md, qint64 initialAgeSecs,
                                 const QDateTime &responseTime);

/*!
    The current age in seconds of the stored \a md at \a now. Entries stored before
    GeneratedField existed count max(Age, now - Date): never less than they claimed.
*/
qint64 currentAge(const QNetworkCacheMetaData &md, const QDateTime &now);

//! \a md as served: GeneratedField removed, Age set to \a ageSecs.
QNetworkCacheMetaData forServing(const QNetworkCacheMetaData &md, qint64 ageSecs);

} // namespace tiercache::responseage
