// SPDX-License-Identifier: MIT
#include "redistierfactory.h"
#include "redistier.h"

using namespace tiercache;
using namespace tiercache::redis;

std::unique_ptr<Tier> RedisTierFactory::create(const TierSpec &spec, QString *errorString)
{
    TierOptions o(spec,
                  {QStringLiteral("prefix"), QStringLiteral("timeout_ms"),
                   QStringLiteral("connect_timeout_ms"), QStringLiteral("breaker_ms"),
                   QStringLiteral("password"), QStringLiteral("max_entry"), QStringLiteral("chunk"),
                   QStringLiteral("inline"), QStringLiteral("stale_ttl"),
                   QString::fromLatin1(TierReadOnlyOption), QStringLiteral("compress")});
    const QUrl &url = spec.url();
    Connection::Options options;
    if (!url.host().isEmpty())
        options.host = url.host(QUrl::FullyDecoded).toUtf8();
    const int port = url.port(6379);
    if (port <= 0 || port > 65535)
        o.addProblem(QStringLiteral("port %1 is not usable (1-65535)").arg(port));
    options.port = port;
    const QString path = url.path();
    const QString db = path.mid(path.startsWith(QLatin1Char('/')) ? 1 : 0);
    if (!db.isEmpty()) {
        bool ok = false;
        options.db = db.toInt(&ok);
        if (!ok || options.db < 0 || options.db > 65535)
            o.addProblem(
                    QStringLiteral(
                            "database \"%1\" in the URL path is not a number (redis://host:port/0)")
                            .arg(db));
    }
    options.user = url.userName(QUrl::FullyDecoded).toUtf8();
    options.password = url.password(QUrl::FullyDecoded).toUtf8();
    if (spec.has(QStringLiteral("password")))
        options.password = spec.value(QStringLiteral("password")).toUtf8();
    if (options.password.isEmpty() && !options.user.isEmpty()) {
        // redis://secret@host: a lone userinfo is the password (the common URL form).
        options.password = options.user;
        options.user.clear();
    }

    const qint64 timeout = o.integer(QStringLiteral("timeout_ms"), 100, 1, 60000);
    options.timeoutMs = int(timeout);
    options.connectTimeoutMs =
            int(o.integer(QStringLiteral("connect_timeout_ms"), timeout, 1, 60000));
    options.breakerMs = int(o.integer(QStringLiteral("breaker_ms"), 2000, 0, 3600000));
    options.readOnly = o.boolean(QString::fromLatin1(TierReadOnlyOption), false);

    Settings settings;
    settings.prefix = o.string(QStringLiteral("prefix"), QStringLiteral("tc:")).toUtf8();
    if (settings.prefix.isEmpty())
        o.addProblem(
                QStringLiteral("prefix must not be empty: clear() deletes every key under it"));
    settings.maxEntry = o.size(QStringLiteral("max_entry"), 8 * 1024 * 1024, 0, MaxBodySize);
    settings.chunkSize = o.size(QStringLiteral("chunk"), 256 * 1024, 4 * 1024, MaxChunkSize);
    settings.inlineMax = o.size(QStringLiteral("inline"),
                                qMin<qint64>(16 * 1024, settings.chunkSize), 0, settings.chunkSize);
    settings.staleTtlMs = o.durationMs(QStringLiteral("stale_ttl"), settings.staleTtlMs);
    settings.compression = o.compression();
    if (settings.maxEntry / settings.chunkSize >= MaxChunkCount) {
        o.addProblem(
                QStringLiteral(
                        "max_entry=\"%1\" would need more than %2 chunks of %3 bytes: raise chunk")
                        .arg(o.string(QStringLiteral("max_entry")))
                        .arg(MaxChunkCount)
                        .arg(settings.chunkSize));
    }
    if (!o.isValid()) {
        *errorString = o.errorString();
        return nullptr;
    }

    auto tier = std::make_unique<RedisTier>(options, settings);
    tier->probe(); // an unreachable server is not an error here: the tier misses until it is back
    return tier;
}
