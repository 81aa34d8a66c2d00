// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QDateTime>
#include <QtCore/QList>
#include <QtCore/QPair>

#include <optional>

class QNetworkCacheMetaData;

namespace tiercache {

//! A parsed Cache-Control header (RFC 9111 section 5.2): directive names are lower-cased,
//! quoted values unquoted.
class CacheControl
{
public:
    static CacheControl parse(const QByteArray &headerValue);

    bool has(const char *directive) const;
    //! \a directive without an argument (no-cache, not no-cache="field": RFC 9111 5.2.2.4).
    bool hasWithoutArgument(const char *directive) const;
    //! The delta-seconds value of \a directive, or nullopt if absent or malformed.
    std::optional<qint64> seconds(const char *directive) const;

private:
    QList<QPair<QByteArray, QByteArray>> m_directives;
};

/*!
    The value of an Age field (RFC 9111 section 5.1): a plain non-negative integer (digits
    only, optional surrounding whitespace), values beyond 2^31 treated as 2^31. nullopt for
    anything else, including several values (QNAM joins repeated fields with ", ").
*/
std::optional<qint64> parseAgeValue(const QByteArray &value);

//! Parses the three HTTP date formats (RFC 9110 section 5.6.7). Invalid on failure.
QDateTime parseHttpDate(const QByteArray &value);

//! The first value of header \a name in \a md (case-insensitive), or a null QByteArray.
QByteArray rawHeader(const QNetworkCacheMetaData &md, QByteArrayView name);

/*!
    The RFC 9111 section 4.2 expiration time of a response received at \a responseTime:
    freshness lifetime (max-age, else Expires - Date, else a heuristic of 10 % of
    Date - Last-Modified, capped at one day, for heuristically cacheable statuses only) minus
    the corrected initial age (max of apparent age and Age). Responses with no-cache or no
    freshness information expire at \a responseTime, and so do responses whose Age is malformed
    or repeated: more conservative than section 5.1's "ignore the field", since a damaged Age
    may hide how long an intermediary already held the response. s-maxage is ignored: this is a
   private cache.
*/
QDateTime computeExpiration(const QNetworkCacheMetaData &md, const QDateTime &responseTime);

//! Whether \a md says anything about freshness (max-age, Expires, or a Last-Modified the
//! heuristic may use), i.e. whether computeExpiration() is more than "stale at once".
bool hasFreshnessInformation(const QNetworkCacheMetaData &md);

//! Whether \a md carries explicit freshness: max-age or Expires (no heuristic).
bool hasExplicitFreshness(const QNetworkCacheMetaData &md);

//! The HTTP status stored in \a md (200 if none, as QNAM assumes).
int statusCode(const QNetworkCacheMetaData &md);

} // namespace tiercache
