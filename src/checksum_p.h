// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QtGlobal>

namespace tiercache {

/*
    Per-chunk checksum: XXH64 (seed 0). Not a security measure (the SHA-256 digest names the
    body); it exists so that every chunk can be checked at memory speed right before it is
    handed to QNetworkAccessManager, which a SHA-256 per chunk could not do at >1 GB/s.
*/
quint64 chunkChecksum(const char *data, qsizetype length);

} // namespace tiercache
