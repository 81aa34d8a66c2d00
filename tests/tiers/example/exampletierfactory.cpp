// SPDX-License-Identifier: MIT
#include "exampletierfactory.h"
#include "exampletier.h"

std::unique_ptr<tiercache::Tier> ExampleTierFactory::create(const tiercache::TierSpec &spec,
                                                            QString *error)
{
    // Refuse what you do not understand: a typo in a spec must not pass silently.
    tiercache::TierOptions options(spec, {});
    if (!options.isValid()) {
        *error = options.errorString();
        return nullptr;
    }
    return std::make_unique<ExampleTier>();
}
