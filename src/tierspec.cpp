// SPDX-License-Identifier: MIT
#include <tiercache/tierfactory.h>

#include <QtCore/QRegularExpression>

namespace tiercache {

TierFactory::~TierFactory() = default;

namespace {
// For messages about specs that do not even parse: hide anything that looks like a password.
QString redactRaw(QString text)
{
    static const QRegularExpression option(QStringLiteral("(password=)[^&]*"));
    static const QRegularExpression userInfo(QStringLiteral("(//[^/:@]*:)[^/@]*@"));
    text.replace(option, QStringLiteral("\\1***"));
    text.replace(userInfo, QStringLiteral("\\1***@"));
    return text;
}
} // namespace

TierSpec::TierSpec(const QString &rawSpec) : m_text(rawSpec.trimmed())
{
    const QString spec = redactRaw(m_text);
    const qsizetype colon = m_text.indexOf(QLatin1Char(':'));
    if (colon <= 0) {
        m_error = QStringLiteral("tier spec \"%1\" has no scheme (expected e.g. \"memory:\", \"disk:\", \"redis://host:port\")").arg(spec);
        return;
    }
    m_url = QUrl(m_text, QUrl::StrictMode);
    if (!m_url.isValid()) {
        // Qt's message quotes the whole input ("source was ..."), password included: keep only
        // its first part.
        const QString why = m_url.errorString().section(QLatin1String("; source was"), 0, 0)
                                    .section(QLatin1String(" (char"), 0, 0);
        m_error = QStringLiteral("tier spec \"%1\" is not a valid URL: %2").arg(spec, why);
        return;
    }
    m_scheme = m_url.scheme().toLower();
    static const QRegularExpression schemeRx(QStringLiteral("^[a-z][a-z0-9+.-]*$"));
    if (!schemeRx.match(m_scheme).hasMatch()) {
        m_error = QStringLiteral("tier spec \"%1\" has an invalid scheme").arg(spec);
        return;
    }
    m_query = QUrlQuery(m_url);
}

QString TierSpec::redactedText() const
{
    if (!m_url.isValid())
        return redactRaw(m_text);
    QUrl url = m_url;
    bool changed = false;
    if (!url.password().isEmpty()) {
        url.setPassword(QStringLiteral("***"));
        changed = true;
    }
    if (m_query.hasQueryItem(QStringLiteral("password"))) {
        QUrlQuery query = m_query;
        query.removeAllQueryItems(QStringLiteral("password"));
        query.addQueryItem(QStringLiteral("password"), QStringLiteral("***"));
        url.setQuery(query);
        changed = true;
    }
    return changed ? url.toString() : m_text;
}

bool TierSpec::has(const QString &key) const
{
    return m_query.hasQueryItem(key);
}

QString TierSpec::value(const QString &key, const QString &defaultValue) const
{
    return has(key) ? m_query.queryItemValue(key, QUrl::FullyDecoded) : defaultValue;
}

QStringList TierSpec::keys() const
{
    QStringList result;
    for (const auto &item : m_query.queryItems())
        result.append(item.first);
    return result;
}

qint64 TierSpec::parseSize(const QString &text, bool *ok)
{
    static const QRegularExpression rx(
            QStringLiteral("^\\s*(\\d+)\\s*(B|KB|KiB|K|MB|MiB|M|GB|GiB|G|TB|TiB)?\\s*$"),
            QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch m = rx.match(text);
    *ok = false;
    if (!m.hasMatch())
        return -1;
    bool numberOk = false;
    const qint64 number = m.captured(1).toLongLong(&numberOk);
    if (!numberOk)
        return -1;
    const QString unit = m.captured(2).toLower();
    qint64 factor = 1;
    if (unit == QLatin1String("kib") || unit == QLatin1String("k"))
        factor = Q_INT64_C(1) << 10;
    else if (unit == QLatin1String("mib") || unit == QLatin1String("m"))
        factor = Q_INT64_C(1) << 20;
    else if (unit == QLatin1String("gib") || unit == QLatin1String("g"))
        factor = Q_INT64_C(1) << 30;
    else if (unit == QLatin1String("tib"))
        factor = Q_INT64_C(1) << 40;
    else if (unit == QLatin1String("kb"))
        factor = 1000;
    else if (unit == QLatin1String("mb"))
        factor = 1000 * 1000;
    else if (unit == QLatin1String("gb"))
        factor = 1000 * 1000 * 1000;
    else if (unit == QLatin1String("tb"))
        factor = Q_INT64_C(1000) * 1000 * 1000 * 1000;
    if (number > std::numeric_limits<qint64>::max() / factor)
        return -1;
    *ok = true;
    return number * factor;
}

qint64 TierSpec::sizeValue(const QString &key, qint64 defaultValue, bool *ok) const
{
    *ok = true;
    if (!has(key))
        return defaultValue;
    const qint64 v = parseSize(value(key), ok);
    return *ok ? v : defaultValue;
}

qint64 TierSpec::intValue(const QString &key, qint64 defaultValue, bool *ok) const
{
    *ok = true;
    if (!has(key))
        return defaultValue;
    const qint64 v = value(key).trimmed().toLongLong(ok);
    return *ok ? v : defaultValue;
}

} // namespace tiercache
