// SPDX-License-Identifier: MIT
#include "sqlitetierfactory.h"
#include "sqlitestore.h"
#include "sqlitetier.h"

#include <QtCore/QDir>

std::unique_ptr<tiercache::Tier> SqliteTierFactory::create(const tiercache::TierSpec &spec,
                                                           QString *errorString)
{
    static const QStringList known = {QStringLiteral("path"), QStringLiteral("max"),
                                      QStringLiteral("max_entry"), QStringLiteral("timeout_ms")};
    for (const QString &key : spec.keys()) {
        if (!known.contains(key)) {
            *errorString = QStringLiteral("unknown option \"%1\" (known: %2)").arg(key, known.join(QLatin1String(", ")));
            return nullptr;
        }
    }
    tiercache::sqlite::Options options;
    options.path = spec.value(QStringLiteral("path"));
    if (options.path.isEmpty()) {
        *errorString = QStringLiteral("path is required (e.g. sqlite:?path=/var/cache/app/cache.db)");
        return nullptr;
    }
    // A relative path would follow the working directory around: a different cache per cwd.
    if (QDir::isRelativePath(options.path)) {
        *errorString = QStringLiteral("path=\"%1\" must be absolute").arg(options.path);
        return nullptr;
    }
    options.path = QDir::cleanPath(options.path);

    bool ok = false;
    options.maxBytes = spec.sizeValue(QStringLiteral("max"), options.maxBytes, &ok);
    if (!ok || options.maxBytes <= 0) {
        *errorString = QStringLiteral("max=\"%1\" is not a size (e.g. 256MiB)").arg(spec.value(QStringLiteral("max")));
        return nullptr;
    }
    // Default: a quarter of the budget, so one large download cannot flush everything else.
    options.maxEntry = spec.sizeValue(QStringLiteral("max_entry"), options.maxBytes / 4, &ok);
    if (!ok || options.maxEntry < 0) {
        *errorString = QStringLiteral("max_entry=\"%1\" is not a size (e.g. 16MiB)").arg(spec.value(QStringLiteral("max_entry")));
        return nullptr;
    }
    if (options.maxEntry > options.maxBytes) {
        *errorString = QStringLiteral("max_entry=\"%1\" is larger than max=\"%2\"")
                               .arg(spec.value(QStringLiteral("max_entry")), spec.value(QStringLiteral("max"), QStringLiteral("256MiB")));
        return nullptr;
    }
    const qint64 timeout = spec.intValue(QStringLiteral("timeout_ms"), options.timeoutMs, &ok);
    if (!ok || timeout < 0 || timeout > 600000) {
        *errorString = QStringLiteral("timeout_ms=\"%1\" is not a number of milliseconds between 0 and 600000")
                               .arg(spec.value(QStringLiteral("timeout_ms")));
        return nullptr;
    }
    options.timeoutMs = int(timeout);

    return tiercache::sqlite::SqliteTier::open(options, errorString);
}
