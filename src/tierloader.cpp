// SPDX-License-Identifier: MIT
#include <tiercache/tierloader.h>

#include "disk/disktier_p.h"
#include "logging_p.h"
#include "pluginmetadata_p.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonObject>
#include <QtCore/QLibrary>
#include <QtCore/QPluginLoader>
#include <QtCore/QRegularExpression>
#include <QtCore/QSet>

#include <dlfcn.h>
#include <sys/stat.h>

#include <mutex>

#ifndef TIERCACHE_INSTALL_PLUGIN_DIR
#    define TIERCACHE_INSTALL_PLUGIN_DIR ""
#endif

namespace tiercache {

Q_LOGGING_CATEGORY(lcLoader, "tiercache.loader", QtWarningMsg)

namespace {
    // Qt 6.4 creates a plugin's root object outside its own lock (moc's instance holder is a plain
    // static): two threads loading the same plugin at once race. Serialise all loading.
    std::mutex &loadMutex()
    {
        static std::mutex m;
        return m;
    }

    // The built-in disk tier, stand-alone:
    // disk:?path=DIR&max=512MiB&sync=true&readonly=false&compress=zstd:3.
    std::unique_ptr<Tier> createDiskTier(const TierSpec &spec, QString *errorString)
    {
        TierOptions options(spec,
                            {QStringLiteral("path"), QStringLiteral("max"), QStringLiteral("sync"),
                             QStringLiteral("readonly"), QStringLiteral("compress")});
        const BodyCompression compression = options.compression();
        const QString path = options.string(QStringLiteral("path"));
        const qint64 max = options.size(QStringLiteral("max"), 50 * 1024 * 1024);
        const bool sync = options.boolean(QStringLiteral("sync"), false);
        const bool readOnly = options.boolean(QStringLiteral("readonly"), false);
        if (path.isEmpty())
            options.addProblem(QStringLiteral("a stand-alone disk tier needs path=DIRECTORY"));
        if (!options.isValid()) {
            *errorString = options.errorString();
            return nullptr;
        }
        auto tier = std::make_unique<DiskTier>();
        tier->setDirectory(path);
        tier->setMaximumSize(max);
        tier->setSync(sync);
        tier->setReadOnly(readOnly);
        tier->setCompression(compression);
        if (!tier->ensureOpen()) {
            *errorString =
                    QStringLiteral("tier \"%1\": %2").arg(spec.redactedText(), tier->errorString());
            return nullptr;
        }
        return tier;
    }
} // namespace

class TierLoaderPrivate
{
public:
    QStringList searchPath;
    bool scanned = false;
    QList<TierPluginInfo> plugins;
    std::vector<std::unique_ptr<QPluginLoader>> loaders; // one per usable plugin, by index

    void scan();
    TierPluginInfo inspect(const QString &fileName, QPluginLoader *loader);
};

TierLoader::TierLoader() : TierLoader(defaultSearchPath()) { }

TierLoader::TierLoader(const QStringList &searchPath) : d_ptr(std::make_unique<TierLoaderPrivate>())
{
    Q_D(TierLoader);
    d->searchPath = searchPath;
}

TierLoader::~TierLoader() = default;

QStringList TierLoader::defaultSearchPath()
{
    QStringList path;
    const QByteArray env = qgetenv("TIERCACHE_PLUGIN_PATH");
    for (const QByteArray &dir : env.split(':')) {
        if (!dir.isEmpty())
            path.append(QFile::decodeName(dir));
    }
    if (QCoreApplication::instance())
        path.append(QCoreApplication::applicationDirPath() + QLatin1String("/tiercache-plugins"));
    // Next to the library itself, wherever it was installed (cmake --install --prefix ...),
    // then the prefix it was configured for.
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(&TierLoader::defaultSearchPath), &info) && info.dli_fname) {
        const QString besideLibrary = QFileInfo(QFile::decodeName(info.dli_fname)).absolutePath()
                + QLatin1String("/tiercache/plugins");
        if (!path.contains(besideLibrary))
            path.append(besideLibrary);
    }
    const QString installed = QStringLiteral(TIERCACHE_INSTALL_PLUGIN_DIR);
    if (!installed.isEmpty() && !path.contains(installed))
        path.append(installed);
    return path;
}

QStringList TierLoader::searchPath() const
{
    Q_D(const TierLoader);
    return d->searchPath;
}

TierPluginInfo TierLoaderPrivate::inspect(const QString &fileName, QPluginLoader *loader)
{
    TierPluginInfo info;
    info.setFileName(fileName);
    const QJsonObject meta = loader->metaData();
    if (meta.isEmpty()) {
        info.setErrorString(QStringLiteral("not a Qt plugin, or its metadata cannot be read: %1")
                                    .arg(loader->errorString()));
        return info;
    }
    info = pluginInfoFromMetaData(meta);
    info.setFileName(fileName);
    return info;
}

void TierLoaderPrivate::scan()
{
    if (scanned)
        return;
    scanned = true;
    QSet<QString> seenFiles;
    QSet<QString> seenIds;
    for (const QString &dir : std::as_const(searchPath)) {
        QFileInfo dirInfo(dir);
        if (!dirInfo.isDir())
            continue;
        // Anyone may drop a library into a world-writable directory (sticky bit or not):
        // loading from there would run their code in every application using the cache.
        struct stat st;
        if (::stat(QFile::encodeName(dirInfo.absoluteFilePath()).constData(), &st) == 0
            && (st.st_mode & S_IWOTH)) {
            qCWarning(lcLoader).noquote() << "ignoring world-writable plugin directory" << dir;
            continue;
        }
        const auto files = QDir(dir).entryInfoList(QDir::Files, QDir::Name);
        for (const QFileInfo &file : files) {
            if (!QLibrary::isLibrary(file.fileName()))
                continue;
            const QString path = file.canonicalFilePath();
            if (seenFiles.contains(path))
                continue;
            seenFiles.insert(path);
            auto loader = std::make_unique<QPluginLoader>(path);
            TierPluginInfo info;
            struct stat fileStat;
            if (::stat(QFile::encodeName(path).constData(), &fileStat) == 0
                && (fileStat.st_mode & S_IWOTH)) {
                info.setFileName(path);
                info.setErrorString(QStringLiteral("refused: the plugin file is world-writable"));
                qCWarning(lcLoader).noquote() << "ignoring world-writable plugin file" << path;
            } else {
                info = inspect(path, loader.get());
            }
            if (info.isUsable() && seenIds.contains(info.id()))
                info.setErrorString(QStringLiteral("another plugin with id \"%1\" was found first")
                                            .arg(info.id()));
            if (info.isUsable())
                seenIds.insert(info.id());
            else
                qCDebug(lcLoader).noquote() << path << ":" << info.errorString();
            plugins.append(info);
            loaders.push_back(info.isUsable() ? std::move(loader) : nullptr);
        }
    }
}

QList<TierPluginInfo> TierLoader::plugins()
{
    Q_D(TierLoader);
    const std::lock_guard<std::mutex> guard(loadMutex());
    d->scan();
    return d->plugins;
}

std::unique_ptr<Tier> TierLoader::create(const QString &specText, QString *errorString)
{
    const TierSpec spec(specText);
    if (!spec.isValid()) {
        *errorString = spec.errorString();
        return nullptr;
    }
    if (spec.scheme() == QLatin1String("disk"))
        return createDiskTier(spec, errorString);
    Q_D(TierLoader);
    const std::lock_guard<std::mutex> guard(loadMutex());
    d->scan();
    QStringList problems;
    for (qsizetype i = 0; i < d->plugins.size(); ++i) {
        TierPluginInfo &info = d->plugins[i];
        if (info.id() != spec.scheme() || !d->loaders[size_t(i)])
            continue;
        QObject *root = d->loaders[size_t(i)]->instance();
        if (!root) {
            info.setErrorString(
                    QStringLiteral("cannot load: %1").arg(d->loaders[size_t(i)]->errorString()));
            d->loaders[size_t(i)].reset();
            problems.append(info.errorString());
            continue;
        }
        auto *factory = qobject_cast<TierFactory *>(root);
        if (!factory) {
            info.setErrorString(
                    QStringLiteral("root object does not implement tiercache::TierFactory"));
            problems.append(info.errorString());
            continue;
        }
        QString why;
        std::unique_ptr<Tier> tier = factory->create(spec, &why);
        if (!tier) {
            // TierOptions::errorString() names the spec already: say it once.
            const QString prefix = QStringLiteral("tier \"%1\": ").arg(spec.redactedText());
            *errorString = why.startsWith(prefix)
                    ? why
                    : prefix + (why.isEmpty() ? QStringLiteral("the plugin refused it") : why);
            return nullptr;
        }
        return tier;
    }
    for (const TierPluginInfo &info : std::as_const(d->plugins)) {
        if (info.id() == spec.scheme() && !info.isUsable()
            && !problems.contains(info.errorString()))
            problems.append(QStringLiteral("%1: %2").arg(info.fileName(), info.errorString()));
    }
    if (problems.isEmpty()) {
        QStringList known;
        for (const TierPluginInfo &info : std::as_const(d->plugins)) {
            if (info.isUsable())
                known.append(info.id());
        }
        *errorString =
                QStringLiteral(
                        "tier \"%1\": no plugin for \"%2:\" (available: disk%3; searched %4)")
                        .arg(spec.redactedText(), spec.scheme(),
                             known.isEmpty()
                                     ? QString()
                                     : QLatin1String(", ") + known.join(QLatin1String(", ")),
                             d->searchPath.join(QLatin1Char(':')));
    } else {
        *errorString = QStringLiteral("tier \"%1\": %2")
                               .arg(spec.redactedText(), problems.join(QLatin1String("; ")));
    }
    return nullptr;
}

} // namespace tiercache
