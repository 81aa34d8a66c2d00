// SPDX-License-Identifier: MIT
#include <tiercache/tierfactory.h>

#include <QtCore/QRegularExpression>

#include <limits>

namespace tiercache {

TierFactory::~TierFactory() = default;

namespace {
    // For messages about specs that do not even parse: hide anything that looks like a password.
    // The user info goes first: a "password=" option's value may run across a "//user:secret@"
    // (e.g. "?password=x//u:a&b=secret@h"), and hiding the option first would remove the "//"
    // that marks the user info.
    QString redactRaw(QString text)
    {
        static const QRegularExpression option(QStringLiteral("(password=)[^&]*"));
        static const QRegularExpression userInfo(QStringLiteral("(//[^/:@]*:)[^/@]*@"));
        text.replace(userInfo, QStringLiteral("\\1***@"));
        text.replace(option, QStringLiteral("\\1***"));
        return text;
    }
} // namespace

TierSpec::TierSpec(const QString &rawSpec) : m_text(rawSpec.trimmed())
{
    const QString spec = redactRaw(m_text);
    const qsizetype colon = m_text.indexOf(QLatin1Char(':'));
    if (colon <= 0) {
        m_error = QStringLiteral("tier spec \"%1\" has no scheme (expected e.g. \"memory:\", "
                                 "\"disk:\", \"redis://host:port\")")
                          .arg(spec);
        return;
    }
    m_url = QUrl(m_text, QUrl::StrictMode);
    if (!m_url.isValid()) {
        // Qt's message quotes the whole input ("source was ..."), password included: keep only
        // its first part.
        const QString why = m_url.errorString()
                                    .section(QLatin1String("; source was"), 0, 0)
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
            QStringLiteral("^\\s*(\\d{1,19})(?:\\.(\\d{1,18}))?\\s*(?:([kmgt])(i?)(b?)|(b))?\\s*$"),
            QRegularExpression::CaseInsensitiveOption);
    *ok = false;
    const QRegularExpressionMatch m = rx.match(text);
    if (!m.hasMatch())
        return -1;
    bool numberOk = false;
    const quint64 whole = m.captured(1).toULongLong(&numberOk);
    if (!numberOk)
        return -1;
    const QString fraction = m.captured(2);
    const QString prefix = m.captured(3).toLower();
    // "KB" is SI (10^3): nobody silently gets 2.4 % more than asked for; "K", "Ki", "KiB"
    // are binary like every size Tiercache prints.
    const bool decimal = !prefix.isEmpty() && m.captured(4).isEmpty() && !m.captured(5).isEmpty();
    const int exponent = prefix.isEmpty() ? 0 : int(QStringLiteral("kmgt").indexOf(prefix)) + 1;
    if (exponent == 0 && !fraction.isEmpty())
        return -1;                  // fractional bytes
    using Wide = unsigned __int128; // no intermediate overflows: 2^63 * 2^40 fits
    Wide factor = 1;
    for (int i = 0; i < exponent; ++i)
        factor *= decimal ? 1000 : 1024;
    Wide value = whole * factor;
    if (!fraction.isEmpty()) {
        Wide denominator = 1;
        for (int i = 0; i < fraction.size(); ++i)
            denominator *= 10;
        const Wide numerator = fraction.toULongLong() * factor;
        value += (numerator + denominator / 2) / denominator; // to the nearest byte
    }
    if (value > Wide(std::numeric_limits<qint64>::max()))
        return -1;
    *ok = true;
    return qint64(value);
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
