// SPDX-License-Identifier: MIT
#include "sqlitetierfactory.h"
#include "sqlitestore.h"
#include "sqlitetier.h"

#include <QtCore/QDir>

std::unique_ptr<tiercache::Tier> SqliteTierFactory::create(const tiercache::TierSpec &spec,
                                                           QString *errorString)
{
    tiercache::TierOptions options(spec,
                                   {QStringLiteral("path"), QStringLiteral("max"),
                                    QStringLiteral("max_entry"), QStringLiteral("timeout_ms"),
                                    QString::fromLatin1(tiercache::TierReadOnlyOption),
                                    QStringLiteral("compress")});
    tiercache::sqlite::Options o;
    o.path = options.string(QStringLiteral("path"));
    o.maxBytes = options.size(QStringLiteral("max"), o.maxBytes, 1);
    // Default: a quarter of the budget, so one large download cannot flush everything else.
    o.maxEntry = options.size(QStringLiteral("max_entry"), o.maxBytes / 4);
    o.timeoutMs = int(options.integer(QStringLiteral("timeout_ms"), o.timeoutMs, 0, 600000));
    o.readOnly = options.boolean(QString::fromLatin1(tiercache::TierReadOnlyOption), false);
    o.compression = options.compression();
    if (o.path.isEmpty()) {
        options.addProblem(
                QStringLiteral("path is required (e.g. sqlite:?path=/var/cache/app/cache.db)"));
    } else if (QDir::isRelativePath(o.path)) {
        // A relative path would follow the working directory around: a different cache per cwd.
        options.addProblem(QStringLiteral("path=\"%1\" must be absolute").arg(o.path));
    }
    if (o.maxEntry > o.maxBytes) {
        options.addProblem(
                QStringLiteral("max_entry=\"%1\" is larger than max=\"%2\"")
                        .arg(spec.value(QStringLiteral("max_entry")),
                             spec.value(QStringLiteral("max"), QStringLiteral("256MiB"))));
    }
    if (!options.isValid()) {
        *errorString = options.errorString();
        return nullptr;
    }
    o.path = QDir::cleanPath(o.path);
    return tiercache::sqlite::SqliteTier::open(o, errorString);
}
