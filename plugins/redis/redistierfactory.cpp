// SPDX-License-Identifier: MIT
#include "redistierfactory.h"
#include "redistier.h"

#include <QtCore/QRegularExpression>

using namespace tiercache;
using namespace tiercache::redis;

namespace {

const QStringList &knownOptions()
{
    static const QStringList known{
            QStringLiteral("prefix"),    QStringLiteral("timeout_ms"), QStringLiteral("connect_timeout_ms"),
            QStringLiteral("breaker_ms"), QStringLiteral("password"),  QStringLiteral("max_entry"),
            QStringLiteral("chunk"),      QStringLiteral("inline"),    QStringLiteral("stale_ttl")};
    return known;
}

// "86400", "90s", "15m", "12h", "1d" -> milliseconds, or -1.
qint64 parseDurationMs(const QString &text)
{
    static const QRegularExpression rx(QStringLiteral("^\\s*(\\d+)\\s*(s|m|h|d)?\\s*$"),
                                       QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch m = rx.match(text);
    bool ok = false;
    const qint64 n = m.hasMatch() ? m.captured(1).toLongLong(&ok) : -1;
    if (!ok || n > 100LL * 365 * 24 * 3600)
        return -1;
    const QString unit = m.captured(2).toLower();
    const qint64 seconds = unit == QLatin1String("d")   ? n * 86400
                           : unit == QLatin1String("h") ? n * 3600
                           : unit == QLatin1String("m") ? n * 60
                                                        : n;
    return seconds > 100LL * 365 * 24 * 3600 ? -1 : seconds * 1000;
}

bool intOption(const TierSpec &spec, const QString &key, qint64 def, qint64 min, qint64 max, qint64 *out,
               QString *errorString)
{
    bool ok = false;
    const qint64 v = spec.intValue(key, def, &ok);
    if (!ok || v < min || v > max) {
        *errorString = QStringLiteral("%1=\"%2\" is not a whole number from %3 to %4")
                               .arg(key, spec.value(key))
                               .arg(min)
                               .arg(max);
        return false;
    }
    *out = v;
    return true;
}

bool sizeOption(const TierSpec &spec, const QString &key, qint64 def, qint64 min, qint64 max, qint64 *out,
                QString *errorString)
{
    bool ok = false;
    const qint64 v = spec.sizeValue(key, def, &ok);
    if (!ok || v < min || v > max) {
        *errorString = QStringLiteral("%1=\"%2\" is not a size from %3 to %4 bytes (e.g. 256KiB)")
                               .arg(key, spec.value(key))
                               .arg(min)
                               .arg(max);
        return false;
    }
    *out = v;
    return true;
}

} // namespace

std::unique_ptr<Tier> RedisTierFactory::create(const TierSpec &spec, QString *errorString)
{
    for (const QString &key : spec.keys()) {
        if (!knownOptions().contains(key)) {
            *errorString = QStringLiteral("unknown option \"%1\" (known: %2)").arg(key, knownOptions().join(QLatin1String(", ")));
            return nullptr;
        }
    }
    const QUrl &url = spec.url();
    Connection::Options options;
    if (!url.host().isEmpty())
        options.host = url.host(QUrl::FullyDecoded).toUtf8();
    const int port = url.port(6379);
    if (port <= 0 || port > 65535) {
        *errorString = QStringLiteral("port %1 is not usable (1-65535)").arg(port);
        return nullptr;
    }
    options.port = port;
    const QString path = url.path();
    const QString db = path.mid(path.startsWith(QLatin1Char('/')) ? 1 : 0);
    if (!db.isEmpty()) {
        bool ok = false;
        options.db = db.toInt(&ok);
        if (!ok || options.db < 0 || options.db > 65535) {
            *errorString = QStringLiteral("database \"%1\" in the URL path is not a number (redis://host:port/0)").arg(db);
            return nullptr;
        }
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

    qint64 timeout = 0, connectTimeout = 0, breaker = 0;
    if (!intOption(spec, QStringLiteral("timeout_ms"), 100, 1, 60000, &timeout, errorString)
        || !intOption(spec, QStringLiteral("connect_timeout_ms"), timeout, 1, 60000, &connectTimeout, errorString)
        || !intOption(spec, QStringLiteral("breaker_ms"), 2000, 0, 3600000, &breaker, errorString))
        return nullptr;
    options.timeoutMs = int(timeout);
    options.connectTimeoutMs = int(connectTimeout);
    options.breakerMs = int(breaker);

    Settings settings;
    settings.prefix = spec.value(QStringLiteral("prefix"), QStringLiteral("tc:")).toUtf8();
    if (settings.prefix.isEmpty()) {
        *errorString = QStringLiteral("prefix must not be empty: clear() deletes every key under it");
        return nullptr;
    }
    if (!sizeOption(spec, QStringLiteral("max_entry"), 8 * 1024 * 1024, 0, Q_INT64_C(1) << 40, &settings.maxEntry, errorString)
        || !sizeOption(spec, QStringLiteral("chunk"), 256 * 1024, 4 * 1024, 64 * 1024 * 1024, &settings.chunkSize, errorString)
        || !sizeOption(spec, QStringLiteral("inline"), qMin<qint64>(16 * 1024, settings.chunkSize), 0,
                       settings.chunkSize, &settings.inlineMax, errorString))
        return nullptr;
    if (spec.has(QStringLiteral("stale_ttl"))) {
        settings.staleTtlMs = parseDurationMs(spec.value(QStringLiteral("stale_ttl")));
        if (settings.staleTtlMs < 0) {
            *errorString = QStringLiteral("stale_ttl=\"%1\" is not a duration (seconds, or e.g. 90s, 15m, 12h, 1d)")
                                   .arg(spec.value(QStringLiteral("stale_ttl")));
            return nullptr;
        }
    }

    auto tier = std::make_unique<RedisTier>(options, settings);
    tier->probe(); // an unreachable server is not an error here: the tier misses until it is back
    return tier;
}
