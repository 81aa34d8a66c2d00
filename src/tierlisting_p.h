// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/cacheentryinfo.h>

namespace tiercache {

class CatalogueInspection;
class Tier;
class TagIndex;
class TierChain;

//! Entries of \a tier matching \a filter, page by page, for tiers without a catalogue to
//! query: a walk of Tier::enumerate() filtered here. Tags come from the records (see
//! tags::recordTags()), else from \a index.
QList<CacheEntryInfo> listTierEntries(Tier &tier, TagIndex &index, const EntryFilter &filter,
                                      int offset, int limit);

/*!
    The entries of the chain's tiers other than \a inspection's (may be nullptr) matching
    \a filter that the catalogue does not hold, each key once (the highest tier's record):
    what a chain adds to its catalogue. A walk of those tiers.
*/
QList<CacheEntryInfo> entriesOutsideCatalogue(TierChain &chain, CatalogueInspection *inspection,
                                              TagIndex &index, const EntryFilter &filter);

/*!
    The entries of the whole chain matching \a filter, in the filter's order, then paged: the
    catalogue of \a inspection (may be nullptr; asked for the first offset + limit rows only)
    merged with entriesOutsideCatalogue(). For chains of more than one tier; a chain of its
    catalogue tier alone is asked directly.
*/
QList<CacheEntryInfo> listChainEntries(TierChain &chain, CatalogueInspection *inspection,
                                       TagIndex &index, const EntryFilter &filter, int offset,
                                       int limit);

//! The entry of \a key in the first tier of \a chain holding it, or an invalid value.
CacheEntryInfo findChainEntry(TierChain &chain, CatalogueInspection *inspection, TagIndex &index,
                              const QString &key);

//! A URL substring as stored keys spell it (percent-encoded, like NetworkCache::cacheKey()),
//! whether it was typed decoded ("é file") or encoded ("%C3%A9%20file").
QString keyForm(const QString &urlSubstring);

} // namespace tiercache
