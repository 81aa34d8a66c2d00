// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QString>
#include <QtCore/QUrl>

namespace tiercache {

//! The key an URL is stored under; see NetworkCache::cacheKey(). Empty for URLs that cannot
//! be cached. Both NetworkCache and CachePolicy build on it, so neither calls the other.
QString normalizedCacheKey(const QUrl &url);

} // namespace tiercache
