// SPDX-License-Identifier: MIT
#include "memorytierfactory.h"
#include "memorytier.h"

std::unique_ptr<tiercache::Tier> MemoryTierFactory::create(const tiercache::TierSpec &spec,
                                                           QString *errorString)
{
    const QString readOnlyKey = QString::fromLatin1(tiercache::TierReadOnlyOption);
    tiercache::TierOptions options(spec,
                                   {QStringLiteral("max"), QStringLiteral("max_entry"),
                                    QStringLiteral("compress"), readOnlyKey});
    const qint64 max = options.size(QStringLiteral("max"), 64 * 1024 * 1024, 1);
    const qint64 maxEntry =
            options.size(QStringLiteral("max_entry"), qMin<qint64>(max, 1024 * 1024));
    const bool readOnly = options.boolean(readOnlyKey, false);
    const tiercache::BodyCompression compression = options.compression();
    if (!options.isValid()) {
        *errorString = options.errorString();
        return nullptr;
    }
    return std::make_unique<tiercache::memory::MemoryTier>(max, maxEntry, readOnly, compression);
}
