// SPDX-License-Identifier: MIT
#pragma once

// Helpers of the Browser tests: caches filled through the public API (directory snapshots are
// in tests/testlib/cachefiles.h).

#include <cachefiles.h>
#include <tiercache/networkcache.h>

#include <QtCore/QCryptographicHash>
#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QMap>
#include <QtNetwork/QNetworkCacheMetaData>
#include <QtNetwork/QNetworkRequest>

namespace tiercache::test {

//! Stores \a count entries http://example.test/item/<n> (text, every third tagged "third")
//! through prepare()/insert(), as QNAM would.
inline bool storeItems(NetworkCache &cache, int first, int count)
{
    for (int n = first; n < first + count; ++n) {
        QNetworkCacheMetaData md;
        md.setUrl(QUrl(
                QStringLiteral("http://example.test/item/%1").arg(n, 4, 10, QLatin1Char('0'))));
        md.setSaveToDisk(true);
        QNetworkCacheMetaData::RawHeaderList headers = {
                {"Content-Type", n % 2 ? "text/plain" : "application/json"},
                {"Cache-Control", "max-age=3600"}};
        if (n % 3 == 0)
            headers.append(qMakePair(QByteArray("Cache-Tag"), QByteArray("third")));
        md.setRawHeaders(headers);
        md.setAttributes({{QNetworkRequest::HttpStatusCodeAttribute, 200}});
        QIODevice *device = cache.prepare(md);
        if (!device)
            return false;
        device->write(QByteArray("body of item ") + QByteArray::number(n));
        cache.insert(device);
    }
    return true;
}

} // namespace tiercache::test
