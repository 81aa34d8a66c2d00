// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/cacheentryinfo.h>

namespace tiercache {

class Tier;
class TagIndex;

//! Entries of \a tier matching \a filter, page by page, for tiers without a catalogue to
//! query: a walk of Tier::enumerate() filtered here. Tags come from \a index.
QList<CacheEntryInfo> listTierEntries(Tier &tier, TagIndex &index, const EntryFilter &filter,
                                      int offset, int limit);

} // namespace tiercache
