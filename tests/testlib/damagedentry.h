// SPDX-License-Identifier: MIT
#pragma once

// The end-to-end half of every tier's "hostile stored bytes" test: an entry damaged behind the
// cache's back is served through a real QNetworkAccessManager either whole and right or as an
// error, never as a wrong body, and the next request fetches a good copy from the origin.

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

#include <functional>

namespace tiercache::test {

//! Fetches \a url (whose origin serves \a body, cacheable) through a NetworkCache on
//! \a tierSpecs, calls \a damage with the entry's cache key, fetches again with PreferCache and
//! with AlwaysCache, then once more. Returns an empty string when every reply was right, or
//! what went wrong. A non-empty \a cacheDirectory is given to the cache (for a disk: tier).
QString checkDamagedEntryUnderQnam(const QStringList &tierSpecs, const QUrl &url,
                                   const QByteArray &body,
                                   const std::function<bool(const QString &key)> &damage,
                                   const QString &cacheDirectory = QString());

} // namespace tiercache::test
