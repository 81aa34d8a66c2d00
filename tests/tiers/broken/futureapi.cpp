// SPDX-License-Identifier: MIT
// Fixture: metadata saying it was built for tier API version 3, which this library does not
// provide yet ("apiVersion": 3), behind the current IID.
#include "fixturefactory.h"

class FutureApiFactory : public FixtureFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "futureapi.json")
    Q_INTERFACES(tiercache::TierFactory)
};

#include "futureapi.moc"
