// SPDX-License-Identifier: MIT
#include "exampletierfactory.h"
#include "exampletier.h"

std::unique_ptr<tiercache::Tier> ExampleTierFactory::create(const tiercache::TierSpec &spec,
                                                            QString *error)
{
    // Refuse what you do not understand: a typo in a spec must not pass silently.
    if (!spec.keys().isEmpty()) {
        *error = QStringLiteral("unknown option \"%1\" (the example tier takes none)")
                         .arg(spec.keys().first());
        return nullptr;
    }
    return std::make_unique<ExampleTier>();
}
