// SPDX-License-Identifier: MIT
// Fixture: valid JSON metadata without an "id".
#include "fixturefactory.h"

class NoIdFactory : public FixtureFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "noid.json")
    Q_INTERFACES(tiercache::TierFactory)
};

#include "noid.moc"
