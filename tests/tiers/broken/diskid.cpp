// SPDX-License-Identifier: MIT
// Fixture: claims the id "disk", which is built in.
#include "fixturefactory.h"

class DiskIdFactory : public FixtureFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "diskid.json")
    Q_INTERFACES(tiercache::TierFactory)
};

#include "diskid.moc"
