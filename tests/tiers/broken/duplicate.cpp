// SPDX-License-Identifier: MIT
// Fixture: a second plugin with id "memory"; the first one found wins.
#include "fixturefactory.h"

class DuplicateFactory : public FixtureFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "duplicate.json")
    Q_INTERFACES(tiercache::TierFactory)
};

#include "duplicate.moc"
