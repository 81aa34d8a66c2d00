// SPDX-License-Identifier: MIT
// Fixture: its metadata file is not valid JSON. moc warns and drops the whole
// plugin declaration, so the library is not a Qt plugin at all.
#include "fixturefactory.h"

class BadJsonFactory : public FixtureFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "badjson.json")
    Q_INTERFACES(tiercache::TierFactory)
};

#include "badjson.moc"
