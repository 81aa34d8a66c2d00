// SPDX-License-Identifier: MIT
// Fixture: an empty JSON object as metadata.
#include "fixturefactory.h"

class EmptyMetaFactory : public FixtureFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "emptymeta.json")
    Q_INTERFACES(tiercache::TierFactory)
};

#include "emptymeta.moc"
