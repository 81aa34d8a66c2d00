// SPDX-License-Identifier: MIT
// Fixture: an "id" that is not a lower-case scheme name.
#include "fixturefactory.h"

class BadIdFactory : public FixtureFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "badid.json")
    Q_INTERFACES(tiercache::TierFactory)
};

#include "badid.moc"
