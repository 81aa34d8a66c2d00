// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtNetwork/QNetworkCacheMetaData>

namespace tiercache {

// The catalogue stores QNetworkCacheMetaData as a versioned blob. A row written by an older
// or newer format, or damaged, fails to decode and is treated as a miss (and dropped).
QByteArray encodeMetaData(const QNetworkCacheMetaData &md);
bool decodeMetaData(const QByteArray &bytes, QNetworkCacheMetaData *md);

} // namespace tiercache
