// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>

QT_BEGIN_NAMESPACE
class QNetworkCacheMetaData;
QT_END_NAMESPACE

namespace tiercache::storedheaders {

/*!
    \a md without the fields a cache must not store (RFC 9111 section 3.1): Connection and the
    fields it names (\a connection is the Connection value of the response, which QNAM drops
    from the metadata before the cache sees it), the hop-by-hop fields of RFC 9110 section
    7.6.1 (Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade), the proxy-specific
    Proxy-Authenticate, Proxy-Authentication-Info and Proxy-Authorization, and the fields a
    qualified no-cache="..." names.
*/
QNetworkCacheMetaData withoutUnstorableFields(const QNetworkCacheMetaData &md,
                                              const QByteArray &connection);

//! The field names listed in \a md's Vary (lower-cased), "*" included as such.
QList<QByteArray> varyFields(const QNetworkCacheMetaData &md);

/*!
    Why a cache keyed by URL alone must not store \a md, or an empty string. A URL-keyed cache
    cannot tell which request headers a stored variant was selected by, so a response with Vary
    is kept only if each reuse can be confirmed by the origin: it is revalidated on every use
    with If-None-Match, so it needs an ETag; Vary: * never matches any request (RFC 9111
    section 4.1) and is not stored.
*/
QString varyRefusal(const QNetworkCacheMetaData &md);

} // namespace tiercache::storedheaders
