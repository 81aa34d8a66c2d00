// SPDX-License-Identifier: MIT
// Fixture: built for tier API version 2 (metadata "apiVersion": 2).
#include "fixturefactory.h"

class WrongApiFactory : public FixtureFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "wrongapi.json")
    Q_INTERFACES(tiercache::TierFactory)
};

#include "wrongapi.moc"
