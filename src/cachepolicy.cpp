// SPDX-License-Identifier: MIT
#include "cachekey_p.h"
#include <tiercache/cachepolicy.h>

#include <QtCore/QRegularExpression>
#include <QtCore/QSharedData>

#include <algorithm>

namespace tiercache {

class CachePolicyData : public QSharedData
{
public:
    struct CompiledRule
    {
        CachePolicy::TtlRule rule;
        QRegularExpression regex;
    };

    qint64 minimumBodySize = 0;
    qint64 maximumBodySize = -1;
    int budgetShareDivisor = 8;
    QList<int> statuses; // empty: everything QNAM offers
    QStringList denylist {QStringLiteral("set-cookie"), QStringLiteral("set-cookie2"),
                          QStringLiteral("authorization"), QStringLiteral("proxy-authorization"),
                          QStringLiteral("cookie")};
    QStringList allowlist;
    QStringList ignoredParameters;
    QList<QRegularExpression> ignoredRegexes;
    bool sortQuery = false;
    qint64 defaultTtl = 0;
    qint64 maximumTtl = -1;
    QList<CompiledRule> rules;
    qint64 negativeTtl = 0;
    QList<int> negativeStatuses {404, 410, 500, 502, 503, 504};
    CachePolicy::Hook hook;
};

namespace {
    // Qt 6.4's wildcard conversion is for file paths ('*' stops at '/'); URL globs want '*' to
    // match anything.
    QRegularExpression globToRegex(const QString &glob)
    {
        // Literal runs are escaped whole (a character outside the BMP is two UTF-16 units), and a
        // run of '*' is one ".*" (eight in a row would make PCRE2 give up on ordinary URLs).
        QString rx = QStringLiteral("^");
        QString literal;
        auto flush = [&] {
            rx += QRegularExpression::escape(literal);
            literal.clear();
        };
        for (qsizetype i = 0; i < glob.size(); ++i) {
            const QChar c = glob.at(i);
            if (c == QLatin1Char('*')) {
                flush();
                if (!rx.endsWith(QLatin1String(".*")))
                    rx += QLatin1String(".*");
            } else if (c == QLatin1Char('?')) {
                flush();
                rx += QLatin1Char('.');
            } else {
                literal += c;
            }
        }
        flush();
        rx += QLatin1Char('$');
        return QRegularExpression(rx);
    }

    QStringList lowered(const QStringList &list)
    {
        QStringList result;
        for (const QString &s : list)
            result.append(s.trimmed().toLower());
        return result;
    }
} // namespace

CachePolicy::CachePolicy() : d(new CachePolicyData) { }
CachePolicy::CachePolicy(const CachePolicy &other) = default;
CachePolicy &CachePolicy::operator=(const CachePolicy &other) = default;
CachePolicy::~CachePolicy() = default;

qint64 CachePolicy::minimumBodySize() const
{
    return d->minimumBodySize;
}
void CachePolicy::setMinimumBodySize(qint64 bytes)
{
    d->minimumBodySize = qMax<qint64>(0, bytes);
}
qint64 CachePolicy::maximumBodySize() const
{
    return d->maximumBodySize;
}
int CachePolicy::budgetShareDivisor() const
{
    return d->budgetShareDivisor;
}

void CachePolicy::setBudgetShareDivisor(int divisor)
{
    d->budgetShareDivisor = qMax(0, divisor);
}

qint64 CachePolicy::maximumBodySizeFor(qint64 maximumCacheSize) const
{
    qint64 limit = d->maximumBodySize;
    if (d->budgetShareDivisor > 0 && maximumCacheSize >= 0) {
        const qint64 share = maximumCacheSize / d->budgetShareDivisor;
        limit = limit < 0 ? share : qMin(limit, share);
    }
    return limit;
}

void CachePolicy::setMaximumBodySize(qint64 bytes)
{
    d->maximumBodySize = bytes < 0 ? -1 : bytes;
}

QList<int> CachePolicy::cacheableStatuses() const
{
    return d->statuses;
}
void CachePolicy::setCacheableStatuses(const QList<int> &statuses)
{
    d->statuses = statuses;
}
bool CachePolicy::isCacheableStatus(int status) const
{
    return d->statuses.isEmpty() || d->statuses.contains(status);
}

QStringList CachePolicy::headerDenylist() const
{
    return d->denylist;
}
void CachePolicy::setHeaderDenylist(const QStringList &headers)
{
    d->denylist = lowered(headers);
}
QStringList CachePolicy::headerAllowlist() const
{
    return d->allowlist;
}
void CachePolicy::setHeaderAllowlist(const QStringList &headers)
{
    d->allowlist = lowered(headers);
}

QNetworkCacheMetaData CachePolicy::filterHeaders(const QNetworkCacheMetaData &md) const
{
    QNetworkCacheMetaData::RawHeaderList kept;
    bool changed = false;
    // The lists hold lowered names; compared without case, no header name is copied.
    const auto listed = [](const QStringList &list, QLatin1String name) {
        return std::any_of(list.cbegin(), list.cend(), [name](const QString &entry) {
            return entry.compare(name, Qt::CaseInsensitive) == 0;
        });
    };
    for (const auto &h : md.rawHeaders()) {
        const QLatin1String name(h.first);
        if (listed(d->denylist, name) || (!d->allowlist.isEmpty() && !listed(d->allowlist, name))) {
            changed = true;
            continue;
        }
        kept.append(h);
    }
    if (!changed)
        return md;
    QNetworkCacheMetaData filtered = md;
    filtered.setRawHeaders(kept);
    return filtered;
}

QStringList CachePolicy::ignoredQueryParameters() const
{
    return d->ignoredParameters;
}
void CachePolicy::setIgnoredQueryParameters(const QStringList &patterns)
{
    d->ignoredParameters = patterns;
    d->ignoredRegexes.clear();
    for (const QString &p : patterns)
        d->ignoredRegexes.append(globToRegex(p));
}
bool CachePolicy::sortsQueryItems() const
{
    return d->sortQuery;
}
void CachePolicy::setSortQueryItems(bool sort)
{
    d->sortQuery = sort;
}

QString CachePolicy::cacheKey(const QUrl &url) const
{
    if (!url.hasQuery() || (d->ignoredRegexes.isEmpty() && !d->sortQuery))
        return normalizedCacheKey(url);
    // Work on the encoded items so that the ones kept stay byte for byte as requested
    // (QUrlQuery would re-encode "a=b" inside a value, merging distinct keys).
    QList<QByteArray> items = url.query(QUrl::FullyEncoded).toLatin1().split('&');
    items.erase(std::remove_if(items.begin(), items.end(),
                               [this](const QByteArray &item) {
                                   if (item.isEmpty())
                                       return true;
                                   const QString name =
                                           QUrl::fromPercentEncoding(item.left(item.indexOf('=')));
                                   for (const QRegularExpression &rx :
                                        std::as_const(d->ignoredRegexes)) {
                                       if (rx.match(name).hasMatch())
                                           return true;
                                   }
                                   return false;
                               }),
                items.end());
    if (d->sortQuery) {
        std::stable_sort(items.begin(), items.end(), [](const QByteArray &a, const QByteArray &b) {
            return a.left(a.indexOf('=')) < b.left(b.indexOf('='));
        });
    }
    QUrl normalized = url;
    if (items.isEmpty())
        normalized.setQuery(QString());
    else
        normalized.setQuery(QString::fromLatin1(items.join('&')), QUrl::StrictMode);
    return normalizedCacheKey(normalized);
}

qint64 CachePolicy::defaultTtl() const
{
    return d->defaultTtl;
}
void CachePolicy::setDefaultTtl(qint64 seconds)
{
    d->defaultTtl = qMax<qint64>(0, seconds);
}
qint64 CachePolicy::maximumTtl() const
{
    return d->maximumTtl;
}
void CachePolicy::setMaximumTtl(qint64 seconds)
{
    d->maximumTtl = seconds < 0 ? -1 : seconds;
}

bool CachePolicy::addTtlRule(const QString &pattern, qint64 ttlSeconds, PatternSyntax syntax,
                             QString *errorString)
{
    TtlRule rule;
    rule.setPattern(pattern);
    rule.setSyntax(syntax);
    rule.setTtlSeconds(ttlSeconds);
    return addTtlRule(rule, errorString);
}

bool CachePolicy::addTtlRule(const TtlRule &rule, QString *errorString)
{
    const QString pattern = rule.pattern();
    const qint64 ttlSeconds = rule.ttlSeconds();
    const PatternSyntax syntax = rule.syntax();
    auto fail = [&](const QString &message) {
        if (errorString)
            *errorString = message;
        return false;
    };
    if (pattern.isEmpty())
        return fail(QStringLiteral("TTL rule: the pattern is empty"));
    if (ttlSeconds < 0)
        return fail(QStringLiteral("TTL rule \"%1\": the TTL must not be negative (got %2)")
                            .arg(pattern)
                            .arg(ttlSeconds));
    const QRegularExpression rx =
            syntax == PatternSyntax::Glob ? globToRegex(pattern) : QRegularExpression(pattern);
    if (!rx.isValid())
        return fail(QStringLiteral("TTL rule \"%1\": invalid regular expression: %2 at offset %3")
                            .arg(pattern, rx.errorString())
                            .arg(rx.patternErrorOffset()));
    if (rule.negativeTtlSeconds() < -1)
        return fail(QStringLiteral("TTL rule \"%1\": the negative TTL must be -1 (the policy's) "
                                   "or >= 0 (got %2)")
                            .arg(pattern)
                            .arg(rule.negativeTtlSeconds()));
    d->rules.append({rule, rx});
    return true;
}

qint64 CachePolicy::negativeTtl() const
{
    return d->negativeTtl;
}

void CachePolicy::setNegativeTtl(qint64 seconds)
{
    d->negativeTtl = qMax<qint64>(0, seconds);
}

QList<int> CachePolicy::negativeStatuses() const
{
    return d->negativeStatuses;
}

void CachePolicy::setNegativeStatuses(const QList<int> &statuses)
{
    d->negativeStatuses = statuses;
}

qint64 CachePolicy::negativeTtlFor(const QUrl &url, int status) const
{
    if (!d->negativeStatuses.contains(status))
        return 0;
    if (!d->rules.isEmpty()) {
        const QString text = url.toString(QUrl::FullyEncoded);
        for (const auto &r : d->rules) {
            if (r.regex.match(text).hasMatch()) {
                if (r.rule.negativeTtlSeconds() >= 0)
                    return r.rule.negativeTtlSeconds();
                break;
            }
        }
    }
    return d->negativeTtl;
}

QList<CachePolicy::TtlRule> CachePolicy::ttlRules() const
{
    QList<TtlRule> rules;
    for (const auto &r : d->rules)
        rules.append(r.rule);
    return rules;
}

void CachePolicy::clearTtlRules()
{
    d->rules.clear();
}

qint64 CachePolicy::ruleTtl(const QUrl &url) const
{
    if (d->rules.isEmpty())
        return -1;
    const QString text = url.toString(QUrl::FullyEncoded);
    for (const auto &r : d->rules) {
        if (r.regex.match(text).hasMatch())
            return r.rule.ttlSeconds();
    }
    return -1;
}

void CachePolicy::setHook(const Hook &hook)
{
    d->hook = hook;
}
CachePolicy::Hook CachePolicy::hook() const
{
    return d->hook;
}

class CachePolicyTtlRuleData : public QSharedData
{
public:
    QString pattern;
    CachePolicy::PatternSyntax syntax = CachePolicy::PatternSyntax::Glob;
    qint64 ttlSeconds = 0;
    qint64 negativeTtlSeconds = -1;
};

CachePolicy::TtlRule::TtlRule() : d(new CachePolicyTtlRuleData) { }
CachePolicy::TtlRule::TtlRule(const TtlRule &other) = default;
CachePolicy::TtlRule::TtlRule(TtlRule &&other) noexcept = default;
CachePolicy::TtlRule &CachePolicy::TtlRule::operator=(const TtlRule &other) = default;
CachePolicy::TtlRule &CachePolicy::TtlRule::operator=(TtlRule &&other) noexcept = default;
CachePolicy::TtlRule::~TtlRule() = default;

QString CachePolicy::TtlRule::pattern() const
{
    return d->pattern;
}

void CachePolicy::TtlRule::setPattern(const QString &pattern)
{
    d->pattern = pattern;
}

CachePolicy::PatternSyntax CachePolicy::TtlRule::syntax() const
{
    return d->syntax;
}

void CachePolicy::TtlRule::setSyntax(PatternSyntax syntax)
{
    d->syntax = syntax;
}

qint64 CachePolicy::TtlRule::ttlSeconds() const
{
    return d->ttlSeconds;
}

void CachePolicy::TtlRule::setTtlSeconds(qint64 ttlSeconds)
{
    d->ttlSeconds = ttlSeconds;
}

qint64 CachePolicy::TtlRule::negativeTtlSeconds() const
{
    return d->negativeTtlSeconds;
}

void CachePolicy::TtlRule::setNegativeTtlSeconds(qint64 seconds)
{
    d->negativeTtlSeconds = seconds;
}

bool operator==(const CachePolicy::TtlRule &a, const CachePolicy::TtlRule &b)
{
    return a.d == b.d
            || (a.d->pattern == b.d->pattern && a.d->syntax == b.d->syntax
                && a.d->ttlSeconds == b.d->ttlSeconds
                && a.d->negativeTtlSeconds == b.d->negativeTtlSeconds);
}

class CachePolicyDecisionData : public QSharedData
{
public:
    bool store = true;
    qint64 ttlSeconds = -1;
    QStringList tags;
};

CachePolicy::Decision::Decision() : d(new CachePolicyDecisionData) { }
CachePolicy::Decision::Decision(const Decision &other) = default;
CachePolicy::Decision::Decision(Decision &&other) noexcept = default;
CachePolicy::Decision &CachePolicy::Decision::operator=(const Decision &other) = default;
CachePolicy::Decision &CachePolicy::Decision::operator=(Decision &&other) noexcept = default;
CachePolicy::Decision::~Decision() = default;

bool CachePolicy::Decision::store() const
{
    return d->store;
}

void CachePolicy::Decision::setStore(bool store)
{
    d->store = store;
}

qint64 CachePolicy::Decision::ttlSeconds() const
{
    return d->ttlSeconds;
}

void CachePolicy::Decision::setTtlSeconds(qint64 ttlSeconds)
{
    d->ttlSeconds = ttlSeconds;
}

QStringList CachePolicy::Decision::tags() const
{
    return d->tags;
}

void CachePolicy::Decision::setTags(const QStringList &tags)
{
    d->tags = tags;
}

bool operator==(const CachePolicy::Decision &a, const CachePolicy::Decision &b)
{
    return a.d == b.d
            || (a.d->store == b.d->store && a.d->ttlSeconds == b.d->ttlSeconds
                && a.d->tags == b.d->tags);
}

void CachePolicy::Decision::addTag(const QString &tag)
{
    d->tags.append(tag);
}

} // namespace tiercache
