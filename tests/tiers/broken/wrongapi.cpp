// SPDX-License-Identifier: MIT
// Fixture: metadata saying it was built for tier API version 1, the old API ("apiVersion": 1),
// behind the current IID.
#include "fixturefactory.h"

class WrongApiFactory : public FixtureFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "wrongapi.json")
    Q_INTERFACES(tiercache::TierFactory)
};

#include "wrongapi.moc"
