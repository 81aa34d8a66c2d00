// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QLoggingCategory>

namespace tiercache {
Q_DECLARE_LOGGING_CATEGORY(lcCache)     // tiercache.cache: the QAbstractNetworkCache front
Q_DECLARE_LOGGING_CATEGORY(lcDisk)      // tiercache.disk: blob files, spooling, verification
Q_DECLARE_LOGGING_CATEGORY(lcCatalogue) // tiercache.catalogue: the SQLite index
} // namespace tiercache
