// SPDX-License-Identifier: MIT
#include "chainbuilder_p.h"

#include "disk/disktier_p.h"
#include "logging_p.h"

#include <tiercache/tierfactory.h>
#include <tiercache/tierloader.h>

namespace tiercache {

ChainBuilder::ChainBuilder(QObject *timerParent) : m_timerParent(timerParent) { }

ChainBuilder::~ChainBuilder() = default;

ChainBuilder::Result ChainBuilder::build(const QStringList &specs)
{
    Result result;
    bool haveDisk = false;
    for (const QString &spec : specs) {
        const TierSpec parsed(spec);
        std::unique_ptr<Tier> tier;
        QString why;
        if (parsed.isValid() && parsed.scheme() == QLatin1String("disk")) {
            if (haveDisk) {
                why = QStringLiteral("tier \"%1\": only one disk tier per cache").arg(spec);
            } else if (parsed.has(QStringLiteral("compress"))) {
                why = QStringLiteral("tier \"%1\": the disk tier does not compress bodies (the "
                                     "memory, sqlite and redis tiers take compress=)")
                              .arg(spec);
            } else if (!parsed.keys().isEmpty()) {
                why = QStringLiteral("tier \"%1\": the disk tier takes no options (use "
                                     "setCacheDirectory() and setMaximumCacheSize())")
                              .arg(spec);
            } else {
                tier = std::make_unique<DiskTier>(m_timerParent);
                haveDisk = true;
            }
        } else if (!parsed.isValid()) {
            why = parsed.errorString();
        } else {
            if (!m_loader)
                m_loader = std::make_unique<TierLoader>();
            tier = m_loader->create(spec, &why);
        }
        if (!tier) {
            qCWarning(lcCache).noquote() << why;
            result.errors.append(why);
            continue;
        }
        // Built but unreachable (a Redis server that is down): kept, since it is used again
        // as soon as it answers, and reported like a spec that could not be used.
        if (!tier->errorString().isEmpty()) {
            const QString problem = QStringLiteral("tier \"%1\": %2")
                                            .arg(parsed.redactedText(), tier->errorString());
            qCWarning(lcCache).noquote() << problem;
            result.errors.append(problem);
        }
        TierChain::Slot slot;
        slot.stats.spec = parsed.redactedText();
        slot.stats.name = tier->name();
        slot.tier = std::move(tier);
        result.tiers.push_back(std::move(slot));
        result.specs.append(parsed.redactedText());
    }
    return result;
}

} // namespace tiercache
