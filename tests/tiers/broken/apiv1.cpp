// SPDX-License-Identifier: MIT
// Fixture: what a plugin built against the version 1 headers looks like, IID
// "org.tiercache.TierFactory/1" and "apiVersion": 1. Its vtable is the v1 one, so it must be
// refused from its metadata, never loaded.
#include "fixturefactory.h"

class ApiV1Factory : public FixtureFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID "org.tiercache.TierFactory/1" FILE "apiv1.json")
    Q_INTERFACES(tiercache::TierFactory)
};

#include "apiv1.moc"
