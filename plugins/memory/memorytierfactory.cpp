// SPDX-License-Identifier: MIT
#include "memorytierfactory.h"
#include "memorytier.h"

std::unique_ptr<tiercache::Tier> MemoryTierFactory::create(const tiercache::TierSpec &spec,
                                                           QString *errorString)
{
    for (const QString &key : spec.keys()) {
        if (key != QLatin1String("max") && key != QLatin1String("max_entry")) {
            *errorString = QStringLiteral("unknown option \"%1\" (known: max, max_entry)").arg(key);
            return nullptr;
        }
    }
    bool ok = false;
    const qint64 max = spec.sizeValue(QStringLiteral("max"), 64 * 1024 * 1024, &ok);
    if (!ok || max <= 0) {
        *errorString = QStringLiteral("max=\"%1\" is not a size (e.g. 64MiB)").arg(spec.value(QStringLiteral("max")));
        return nullptr;
    }
    const qint64 maxEntry = spec.sizeValue(QStringLiteral("max_entry"), qMin<qint64>(max, 1024 * 1024), &ok);
    if (!ok || maxEntry < 0) {
        *errorString = QStringLiteral("max_entry=\"%1\" is not a size (e.g. 1MiB)").arg(spec.value(QStringLiteral("max_entry")));
        return nullptr;
    }
    return std::make_unique<tiercache::memory::MemoryTier>(max, maxEntry);
}
