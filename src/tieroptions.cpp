// SPDX-License-Identifier: MIT
#include <tiercache/tieroptions.h>

#include <QtCore/QRegularExpression>

namespace tiercache {

class TierOptionsPrivate
{
public:
    TierSpec spec;
    QString problem;

    bool fail(const QString &text)
    {
        if (problem.isEmpty())
            problem = text;
        return false;
    }
};

namespace {
    QString rangeText(qint64 minimum, qint64 maximum, const char *unit)
    {
        const QString suffix = QLatin1String(unit);
        if (maximum != TierOptions::Unlimited)
            return QStringLiteral(" from %1 to %2%3").arg(minimum).arg(maximum).arg(suffix);
        if (minimum > 0)
            return QStringLiteral(" of at least %1%2").arg(minimum).arg(suffix);
        return {};
    }
} // namespace

TierOptions::TierOptions(const TierSpec &spec, const QStringList &knownKeys)
    : d_ptr(std::make_unique<TierOptionsPrivate>())
{
    Q_D(TierOptions);
    d->spec = spec;
    if (!spec.isValid()) {
        d->fail(spec.errorString());
        return;
    }
    for (const QString &key : spec.keys()) {
        if (!knownKeys.contains(key)) {
            d->fail(knownKeys.isEmpty()
                            ? QStringLiteral("unknown option \"%1\" (this tier takes none)")
                                      .arg(key)
                            : QStringLiteral("unknown option \"%1\" (known: %2)")
                                      .arg(key, knownKeys.join(QLatin1String(", "))));
            return;
        }
    }
}

TierOptions::~TierOptions() = default;

const TierSpec &TierOptions::spec() const
{
    return d_func()->spec;
}

bool TierOptions::isValid() const
{
    return d_func()->problem.isEmpty();
}

QString TierOptions::problem() const
{
    return d_func()->problem;
}

QString TierOptions::errorString() const
{
    Q_D(const TierOptions);
    if (d->problem.isEmpty())
        return {};
    if (!d->spec.isValid())
        return d->problem; // TierSpec's own message names the spec already
    return QStringLiteral("tier \"%1\": %2").arg(d->spec.redactedText(), d->problem);
}

void TierOptions::addProblem(const QString &problem)
{
    d_func()->fail(problem);
}

QString TierOptions::string(const QString &key, const QString &defaultValue) const
{
    return d_func()->spec.value(key, defaultValue);
}

qint64 TierOptions::size(const QString &key, qint64 defaultValue, qint64 minimum, qint64 maximum)
{
    Q_D(TierOptions);
    if (!d->spec.has(key))
        return defaultValue;
    bool ok = false;
    const qint64 v = TierSpec::parseSize(d->spec.value(key), &ok);
    if (ok && v >= minimum && v <= maximum)
        return v;
    d->fail(QStringLiteral("%1=\"%2\" is not a size%3 (e.g. 64MiB, 512KiB, 1.5GiB)")
                    .arg(key, d->spec.value(key), rangeText(minimum, maximum, " bytes")));
    return defaultValue;
}

qint64 TierOptions::integer(const QString &key, qint64 defaultValue, qint64 minimum, qint64 maximum)
{
    Q_D(TierOptions);
    if (!d->spec.has(key))
        return defaultValue;
    bool ok = false;
    const qint64 v = d->spec.value(key).trimmed().toLongLong(&ok);
    if (ok && v >= minimum && v <= maximum)
        return v;
    d->fail(QStringLiteral("%1=\"%2\" is not a whole number%3")
                    .arg(key, d->spec.value(key), rangeText(minimum, maximum, "")));
    return defaultValue;
}

qint64 TierOptions::durationMs(const QString &key, qint64 defaultMs)
{
    Q_D(TierOptions);
    if (!d->spec.has(key))
        return defaultMs;
    constexpr qint64 MaxSeconds = 100LL * 365 * 24 * 3600;
    static const QRegularExpression rx(QStringLiteral("^\\s*(\\d{1,12})\\s*(s|m|h|d)?\\s*$"),
                                       QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch m = rx.match(d->spec.value(key));
    if (m.hasMatch()) {
        const qint64 n = m.captured(1).toLongLong();
        const QString unit = m.captured(2).toLower();
        const qint64 factor = unit == QLatin1String("d") ? 86400
                : unit == QLatin1String("h")             ? 3600
                : unit == QLatin1String("m")             ? 60
                                                         : 1;
        if (n <= MaxSeconds / factor)
            return n * factor * 1000;
    }
    d->fail(QStringLiteral("%1=\"%2\" is not a duration (seconds, or e.g. 90s, 15m, 12h, 1d)")
                    .arg(key, d->spec.value(key)));
    return defaultMs;
}

bool TierOptions::boolean(const QString &key, bool defaultValue)
{
    Q_D(TierOptions);
    if (!d->spec.has(key))
        return defaultValue;
    const QString v = d->spec.value(key).trimmed().toLower();
    if (v == QLatin1String("true") || v == QLatin1String("1") || v == QLatin1String("yes")
        || v == QLatin1String("on"))
        return true;
    if (v == QLatin1String("false") || v == QLatin1String("0") || v == QLatin1String("no")
        || v == QLatin1String("off"))
        return false;
    d->fail(QStringLiteral("%1=\"%2\" is not true or false").arg(key, d->spec.value(key)));
    return defaultValue;
}

BodyCompression TierOptions::compression(const QString &key, const BodyCompression &defaultValue)
{
    Q_D(TierOptions);
    if (!d->spec.has(key))
        return defaultValue;
    QString problem;
    const BodyCompression c = BodyCompression::parse(d->spec.value(key), &problem);
    if (problem.isEmpty())
        return c;
    d->fail(QStringLiteral("%1=\"%2\": %3").arg(key, d->spec.value(key), problem));
    return defaultValue;
}

} // namespace tiercache
