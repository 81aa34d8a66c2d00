// SPDX-License-Identifier: MIT
#include "format.h"

#include <tiercache/tierspec.h>

#include <QtCore/QRegularExpression>

#include <cmath>
#include <limits>

namespace tiercache::cli {

QString humanSize(qint64 bytes)
{
    if (bytes < 1024 && bytes > -1024)
        return QStringLiteral("%1 B").arg(bytes);
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = double(bytes) / 1024.0;
    int unit = 0;
    while (std::abs(value) >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    return QStringLiteral("%1 %2").arg(value, 0, 'f', 1).arg(QLatin1String(units[unit]));
}

std::optional<qint64> parseSize(const QString &text)
{
    bool ok = false;
    const qint64 size = TierSpec::parseSize(text, &ok); // the one size grammar, as in tier specs
    return ok ? std::optional<qint64>(size) : std::nullopt;
}

namespace {
QString shortDuration(qint64 seconds)
{
    // Rounded to the nearest unit, and a unit only once there are 1.5 of it: a fresh
    // max-age=300 entry reads "in 5m", not "in 4m".
    const auto rounded = [seconds](qint64 unit) { return (seconds + unit / 2) / unit; };
    if (seconds < 90)
        return QStringLiteral("%1s").arg(seconds);
    if (seconds < 90 * 60)
        return QStringLiteral("%1m").arg(rounded(60));
    if (seconds < 36 * 3600)
        return QStringLiteral("%1h").arg(rounded(3600));
    return QStringLiteral("%1d").arg(rounded(86400));
}
} // namespace

QString relativeExpiry(const QDateTime &expires, const QDateTime &now)
{
    // Soft purges and other forced expirations set the epoch: "expired 20000d ago" would
    // only be noise.
    if (!expires.isValid() || expires.toMSecsSinceEpoch() <= 0)
        return QStringLiteral("expired");
    const qint64 seconds = now.secsTo(expires);
    // Same rule as CacheEntryInfo::isExpired(): the expiration instant itself is stale.
    if (expires > now)
        return QStringLiteral("in ") + shortDuration(qMax<qint64>(seconds, 0));
    return QStringLiteral("expired ") + shortDuration(-seconds) + QStringLiteral(" ago");
}

QString percentage(qint64 part, qint64 whole)
{
    if (whole <= 0)
        return QStringLiteral("0.0%");
    return QStringLiteral("%1%").arg(100.0 * double(part) / double(whole), 0, 'f', 1);
}

} // namespace tiercache::cli
