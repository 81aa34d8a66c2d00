// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>
#include <tiercache/tierfactory.h>
#include <tiercache/tierplugininfo.h>

#include <QtCore/QList>
#include <QtCore/QStringList>

#include <memory>

namespace tiercache {

class TierLoaderPrivate;

/*!
    \brief Finds tier plugins and creates tiers from spec strings.

    Plugins are searched in, in order: the directories in \c TIERCACHE_PLUGIN_PATH
    (colon-separated), \c{tiercache-plugins/} next to the application, and the library's
    install directory (\c{<libdir>/tiercache/plugins}). The first plugin with a given id wins;
    later duplicates are listed with an error. Metadata is read before a library is loaded;
    a wrong IID, a wrong API version, broken metadata or a library that fails to load is kept
    as a per-plugin error, which the Browser shows.

    \code
    tiercache::TierLoader loader;
    QString error;
    std::unique_ptr<tiercache::Tier> tier = loader.create(QStringLiteral("memory:?max=64MiB"),
   &error); if (!tier) qWarning() << error; \endcode
*/
class TIERCACHE_EXPORT TierLoader
{
public:
    TierLoader();
    explicit TierLoader(const QStringList &searchPath);
    ~TierLoader();
    TierLoader(const TierLoader &) = delete;
    TierLoader &operator=(const TierLoader &) = delete;

    //! The default search path described above.
    static QStringList defaultSearchPath();
    QStringList searchPath() const;

    //! Every plugin file found, usable or not (scans once, then caches).
    QList<TierPluginInfo> plugins();
    //! Creates a tier for \a spec, or returns nullptr with a message naming the spec.
    //! The built-in disk tier is created here too, stand-alone:
    //! \c{disk:?path=DIR&max=512MiB&sync=true} (\c{readonly=true}: an existing directory,
    //! opened as NetworkCache::setReadOnly() does).
    std::unique_ptr<Tier> create(const QString &spec, QString *errorString);

private:
    Q_DECLARE_PRIVATE(TierLoader)
    std::unique_ptr<TierLoaderPrivate> d_ptr;
};

} // namespace tiercache
