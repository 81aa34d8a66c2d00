// SPDX-License-Identifier: MIT
// Fixture: a plugin for another interface version; refused from its metadata, never loaded.
#include "fixturefactory.h"

class WrongIidFactory : public FixtureFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID "org.tiercache.TierFactory/999" FILE "wrongiid.json")
    Q_INTERFACES(tiercache::TierFactory)
};

#include "wrongiid.moc"
