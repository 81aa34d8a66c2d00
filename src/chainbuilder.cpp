// SPDX-License-Identifier: MIT
#include "chainbuilder_p.h"

#include "disk/disktier_p.h"
#include "logging_p.h"

#include <algorithm>

#include <tiercache/bodycompression.h>
#include <tiercache/tierfactory.h>
#include <tiercache/tierloader.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>

namespace tiercache {

namespace {
    const QString ReadOnlyKey = QString::fromLatin1(TierReadOnlyOption);

    bool pluginKnowsReadOnly(const TierPluginInfo &info)
    {
        const QJsonArray config = info.config();
        return std::any_of(config.cbegin(), config.cend(), [](const QJsonValue &option) {
            return option.toObject().value(QLatin1String("key")).toString() == ReadOnlyKey;
        });
    }

    //! \a spec with readonly=true, or an empty string (and \a why) when it says otherwise.
    QString readOnlySpec(const TierSpec &spec, QString *why)
    {
        if (spec.has(ReadOnlyKey)) {
            const QString value = spec.value(ReadOnlyKey).toLower();
            if (value == QLatin1String("true") || value == QLatin1String("1")
                || value == QLatin1String("yes") || value == QLatin1String("on"))
                return spec.text();
            *why = QStringLiteral("tier \"%1\": readonly=%2, but the cache is open read-only")
                           .arg(spec.redactedText(), spec.value(ReadOnlyKey));
            return {};
        }
        QString text = spec.text();
        if (!text.endsWith(QLatin1Char('?')) && !text.endsWith(QLatin1Char('&')))
            text += spec.url().hasQuery() ? QLatin1Char('&') : QLatin1Char('?');
        return text + ReadOnlyKey + QLatin1String("=true");
    }
} // namespace

ChainBuilder::ChainBuilder(QObject *timerParent) : m_timerParent(timerParent) { }

std::unique_ptr<Tier> ChainBuilder::createDiskTier(const TierSpec &spec, QString *why)
{
    const QString compressKey = QStringLiteral("compress");
    // Its directory and budget are the cache's (setCacheDirectory(), setMaximumCacheSize()).
    const QStringList unknown = [&] {
        QStringList keys = spec.keys();
        keys.removeAll(compressKey);
        return keys;
    }();
    if (!unknown.isEmpty()) {
        *why = QStringLiteral("tier \"%1\": the disk tier takes no options but compress= "
                              "(not \"%2\"; use setCacheDirectory() and "
                              "setMaximumCacheSize())")
                       .arg(spec.text(), unknown.first());
        return nullptr;
    }
    BodyCompression compression;
    if (spec.has(compressKey)) {
        QString problem;
        compression = BodyCompression::parse(spec.value(compressKey), &problem);
        if (!problem.isEmpty()) {
            *why = QStringLiteral("tier \"%1\": compress=\"%2\": %3")
                           .arg(spec.text(), spec.value(compressKey), problem);
            return nullptr;
        }
    }
    auto tier = std::make_unique<DiskTier>(m_timerParent);
    tier->setCompression(compression);
    return tier;
}

ChainBuilder::~ChainBuilder() = default;

ChainBuilder::Result ChainBuilder::build(const QStringList &specs, bool readOnly)
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
            } else {
                tier = createDiskTier(parsed, &why);
                haveDisk = tier != nullptr;
            }
        } else if (!parsed.isValid()) {
            why = parsed.errorString();
        } else {
            if (!m_loader)
                m_loader = std::make_unique<TierLoader>();
            QString toCreate = spec;
            if (readOnly) {
                const QList<TierPluginInfo> plugins = m_loader->plugins();
                const auto plugin = std::find_if(
                        plugins.cbegin(), plugins.cend(), [&](const TierPluginInfo &info) {
                            return info.isUsable() && info.id() == parsed.scheme();
                        });
                if (plugin != plugins.cend() && !pluginKnowsReadOnly(*plugin)) {
                    why = QStringLiteral("tier \"%1\": the cache is open read-only and the "
                                         "\"%2\" plugin has no \"readonly\" option (%3), so it "
                                         "might change what it stores")
                                  .arg(parsed.redactedText(), parsed.scheme(), plugin->fileName());
                    toCreate.clear();
                } else {
                    toCreate = readOnlySpec(parsed, &why);
                }
            }
            if (!toCreate.isEmpty()) {
                tier = m_loader->create(toCreate, &why);
                // Messages name the spec as it was given, not with the option added here.
                if (toCreate != spec)
                    why.replace(TierSpec(toCreate).redactedText(), parsed.redactedText());
            }
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
