// SPDX-License-Identifier: MIT
#include "logging_p.h"

namespace tiercache {
Q_LOGGING_CATEGORY(lcCache, "tiercache.cache", QtWarningMsg)
Q_LOGGING_CATEGORY(lcDisk, "tiercache.disk", QtWarningMsg)
Q_LOGGING_CATEGORY(lcCatalogue, "tiercache.catalogue", QtWarningMsg)
} // namespace tiercache
