// SPDX-License-Identifier: MIT
#include "variantkey_p.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QLocale>
#include <QtCore/QUrlQuery>
#include <QtNetwork/QNetworkRequest>

#include <algorithm>

namespace tiercache::http {

QList<QByteArray> varyFieldNames(const QByteArray &vary)
{
    QList<QByteArray> names;
    for (const QByteArray &part : vary.split(',')) {
        const QByteArray name = part.trimmed().toLower();
        if (!name.isEmpty() && !names.contains(name))
            names.append(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

QByteArray variantHash(const QList<QByteArray> &fields, const QNetworkRequest &request)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (const QByteArray &field : fields) {
        hash.addData(field);
        if (request.hasRawHeader(field)) {
            // RFC 9111 4.1: whitespace normalization; values otherwise compared as sent.
            hash.addData(QByteArrayView("=v:"));
            hash.addData(request.rawHeader(field).simplified());
        } else if (field == "accept-language") {
            hash.addData(QByteArrayView("=default:"));
            hash.addData(QLocale::system().name().toLatin1());
        } else if (field == "accept-encoding" || field == "user-agent") {
            hash.addData(QByteArrayView("=default"));
        } else {
            hash.addData(QByteArrayView("=absent"));
        }
        hash.addData(QByteArrayView("\n"));
    }
    return hash.result().toHex();
}

QUrl variantUrl(const QUrl &url, const QByteArray &hash)
{
    QUrl variant = url;
    QUrlQuery query(url);
    query.removeAllQueryItems(QLatin1String(VariantQueryItem));
    query.addQueryItem(QLatin1String(VariantQueryItem), QString::fromLatin1(hash));
    variant.setQuery(query);
    return variant;
}

bool isVariantUrl(const QUrl &url)
{
    return url.hasQuery() && QUrlQuery(url).hasQueryItem(QLatin1String(VariantQueryItem));
}

} // namespace tiercache::http
