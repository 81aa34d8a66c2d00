// SPDX-License-Identifier: MIT
#include "storedtime_p.h"

#include "freshness_p.h"

#include <QtNetwork/QNetworkCacheMetaData>

namespace tiercache::storedtime {

QNetworkCacheMetaData withStoredTime(const QNetworkCacheMetaData &md, const QDateTime &stored)
{
    QNetworkCacheMetaData result = withoutStoredTime(md);
    if (!stored.isValid())
        return result;
    QNetworkCacheMetaData::RawHeaderList headers = result.rawHeaders();
    headers.append({QByteArray(Field), QByteArray::number(stored.toMSecsSinceEpoch())});
    result.setRawHeaders(headers);
    return result;
}

QDateTime storedTime(const QNetworkCacheMetaData &md)
{
    const QByteArray value = rawHeader(md, Field);
    if (value.isEmpty() || value.size() > 18)
        return {};
    for (const char c : value) {
        if (c < '0' || c > '9')
            return {};
    }
    return QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

QNetworkCacheMetaData withoutStoredTime(const QNetworkCacheMetaData &md)
{
    const QNetworkCacheMetaData::RawHeaderList headers = md.rawHeaders();
    QNetworkCacheMetaData::RawHeaderList kept;
    kept.reserve(headers.size());
    for (const auto &h : headers) {
        if (h.first.compare(Field, Qt::CaseInsensitive) != 0)
            kept.append(h);
    }
    if (kept.size() == headers.size())
        return md;
    QNetworkCacheMetaData result = md;
    result.setRawHeaders(kept);
    return result;
}

} // namespace tiercache::storedtime
