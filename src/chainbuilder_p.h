// SPDX-License-Identifier: MIT
#pragma once

#include "tierchain_p.h"

#include <tiercache/tierspec.h>

#include <QtCore/QStringList>

#include <memory>
#include <vector>

QT_BEGIN_NAMESPACE
class QObject;
QT_END_NAMESPACE

namespace tiercache {

class TierLoader;

/*
    Turns tier specs into tiers: "disk:" is the built-in store (configured afterwards through
    its DirectoryTier facet), any other scheme comes from a plugin through a TierLoader. A spec
    that cannot be used is reported with a message naming it; the others are built.

    For a read-only cache every plugin tier is created with the SDK's "readonly=true" option
    (tierfactory.h), so that looking changes nothing in any tier; a plugin whose metadata does
    not list that option cannot promise it and is refused with a message saying so.
*/
class ChainBuilder
{
public:
    //! \a timerParent owns the timers of the tiers built here (they follow it to other threads).
    explicit ChainBuilder(QObject *timerParent);
    ~ChainBuilder();

    struct Result
    {
        std::vector<TierChain::Slot> tiers;
        QStringList specs;  //!< the specs used, passwords redacted
        QStringList errors; //!< one message per spec that could not be used
    };
    Result build(const QStringList &specs, bool readOnly = false);

private:
    //! The built-in disk tier of \a spec ("disk:", "disk:?compress=zstd:3"), or nullptr and
    //! \a why.
    std::unique_ptr<Tier> createDiskTier(const TierSpec &spec, QString *why);

    QObject *m_timerParent;
    std::unique_ptr<TierLoader> m_loader; // made on first use: loading plugins is not free
};

} // namespace tiercache
