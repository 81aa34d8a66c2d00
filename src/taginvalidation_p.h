// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QStringList>

namespace tiercache {

class TierChain;
class TagIndex;

/*
    Invalidation by cache tag (or RFC 9875 group) across every tier of a chain: a hard delete
    or a soft purge (marked stale: the next use revalidates and a 304 keeps the body). A tier
    with a bulk form (BulkInvalidation) gets one durable transaction for all the keys; the
    others get one call per key. Only the keys of the tag index are touched.
*/
class TagInvalidation
{
public:
    TagInvalidation(TierChain &chain, TagIndex &index) : m_chain(chain), m_index(index) { }

    //! Returns the number of entries removed or marked. With \a sameOriginAs (a key), only
    //! entries of that origin (RFC 9875: a response invalidates groups of its own origin).
    int run(const QStringList &tags, bool soft, const QString &sameOriginAs = {});

private:
    TierChain &m_chain;
    TagIndex &m_index;
};

} // namespace tiercache
