// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QUrl>

QT_BEGIN_NAMESPACE
class QNetworkRequest;
QT_END_NAMESPACE

namespace tiercache::http {

/*!
    Variants of one URL (RFC 9111 section 4.1). A response with Vary is stored under its URL
    plus the query item VariantQueryItem = SHA-256 of the request's values of the varied fields
    (never the values themselves: Vary: Authorization or Cookie must not put credentials into
    a key). Fields QNAM adds itself when the application did not set them (Accept-Encoding,
    Accept-Language, User-Agent) count as "QNAM's default" (Accept-Language with the system
    locale it derives from), so a request that sets one never matches a default one.
*/
inline constexpr char VariantQueryItem[] = "tiercache-variant";

//! The lower-cased field names of a Vary value, "*" included as such.
QList<QByteArray> varyFieldNames(const QByteArray &vary);
//! The hash of \a request's values of \a fields (lower-cased, as from varyFieldNames()).
QByteArray variantHash(const QList<QByteArray> &fields, const QNetworkRequest &request);
//! \a url with the variant query item \a hash.
QUrl variantUrl(const QUrl &url, const QByteArray &hash);
//! Whether \a url names a variant (has the variant query item).
bool isVariantUrl(const QUrl &url);

} // namespace tiercache::http
