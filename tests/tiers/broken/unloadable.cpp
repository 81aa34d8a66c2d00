// SPDX-License-Identifier: MIT
// Fixture: valid metadata, but the library needs a symbol that nothing defines, so dlopen()
// fails. A data symbol, not a function: data relocations are resolved at load time even with
// lazy binding, so the failure is a clean "cannot load", never a crash on first call.
#include "fixturefactory.h"

extern "C" __attribute__((visibility("default"))) int tiercache_fixture_missing_symbol;

class UnloadableFactory : public FixtureFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "unloadable.json")
    Q_INTERFACES(tiercache::TierFactory)
public:
    UnloadableFactory() { setProperty("missing", tiercache_fixture_missing_symbol); }
};

#include "unloadable.moc"
