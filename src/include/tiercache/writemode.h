// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QMetaType>

namespace tiercache {

//! Where NetworkCache writes new bodies; see NetworkCache::setWriteMode().
enum class WriteMode {
    WriteThrough,  //!< into every tier whose maximum entry size allows it (the default)
    LowestTierOnly //!< into the last tier only; upper tiers fill by promotion
};

} // namespace tiercache

Q_DECLARE_METATYPE(tiercache::WriteMode)
