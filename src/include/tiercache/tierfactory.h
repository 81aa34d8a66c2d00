// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tier.h>
#include <tiercache/tiercache_export.h>
#include <tiercache/tieroptions.h>
#include <tiercache/tierspec.h>

#include <QtCore/QJsonObject>
#include <QtCore/QObject>

#include <memory>

namespace tiercache {

/*!
    \brief The root object of a tier plugin.

    A plugin is a Qt plugin whose root object derives from QObject and TierFactory, declared
    with Q_INTERFACES(tiercache::TierFactory) and
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "mytier.json"). The JSON file describes it:

    \code
    {
        "id": "mytier",
        "name": "My tier",
        "description": "Keeps entries in ...",
        "apiVersion": 2,
        "config": [
            { "key": "max", "type": "size", "default": "16MiB", "description": "byte budget" }
        ]
    }
    \endcode

    The loader reads this metadata before it loads the library, and refuses plugins with
    another IID or apiVersion. A complete minimal plugin (TierOptions reads the spec; the rest of
    the plugin SDK is MetaDataCodec, ChunkChecksum and ChunkedBodyDevice):

    \code
    class MyFactory : public QObject, public tiercache::TierFactory
    {
        Q_OBJECT
        Q_PLUGIN_METADATA(IID TierFactory_iid FILE "mytier.json")
        Q_INTERFACES(tiercache::TierFactory)
    public:
        std::unique_ptr<tiercache::Tier> create(const tiercache::TierSpec &spec,
                                                QString *errorString) override
        {
            tiercache::TierOptions options(spec, {QStringLiteral("max")});
            const qint64 max = options.size(QStringLiteral("max"), 16 * 1024 * 1024, 1);
            if (!options.isValid()) {
                *errorString = options.errorString(); // names the spec and the bad option
                return nullptr;
            }
            return std::make_unique<MyTier>(max);
        }
    };
    \endcode
*/
/*!
    \brief The one option every tier plugin is expected to know: \c{readonly}.

    A read-only NetworkCache (NetworkCache::setReadOnly(), the CLI's inspecting commands, the
    Browser) creates each plugin tier with \c{readonly=true} added to its spec. A plugin that
    supports this lists the key in its metadata's "config" (the loader checks there; a plugin
    without it is refused by a read-only cache, since it might change what it stores) and in
    its TierOptions keys, and then creates a tier that never changes its backing store:

    \list
    \li nothing is created, upgraded, migrated, swept or checkpointed when the tier is opened;
        a store that does not exist (a missing database file) is an error, not a new one;
    \li lookup(), openBody() and enumerate() serve what is there and record nothing: no
        access times (LRU order), hit counts or TTL refreshes; an entry found damaged or
        expired is a miss and stays where it is;
    \li beginWrite() returns nullptr, remove() and updateMetaData() return false, clear()
        does nothing; errorString() says the tier is read-only.
    \endlist

    \code
    tiercache::TierOptions options(spec, {QStringLiteral("max"), QStringLiteral("readonly")});
    const bool readOnly = options.boolean(QStringLiteral("readonly"), false);
    \endcode

    With \c{readonly=true} in a writable cache's chain the tier is simply one that is only
    read (a shared, pre-filled store). The chain itself never writes to any tier of a
    read-only cache either (no promotion, no write-through, no removal).
*/
inline constexpr char TierReadOnlyOption[] = "readonly";

class TIERCACHE_EXPORT TierFactory
{
public:
    static constexpr int ApiVersion = 2;

    virtual ~TierFactory();
    //! Creates a tier from \a spec, or returns nullptr and explains why in \a errorString.
    virtual std::unique_ptr<Tier> create(const TierSpec &spec, QString *errorString) = 0;
};

} // namespace tiercache

#define TierFactory_iid "org.tiercache.TierFactory/2"
Q_DECLARE_INTERFACE(tiercache::TierFactory, TierFactory_iid)
