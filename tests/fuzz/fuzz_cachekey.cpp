// SPDX-License-Identifier: MIT
// Cache keys of request URLs (anything an application or a redirect hands QNAM) through the
// policy's query normalization, and TTL rule patterns (glob and regular expression). Input:
//   u8 flags, u8 n, n bytes of TTL rule pattern (UTF-8), rest the URL (UTF-8)
// Properties: a key is a valid strict URL that keys to itself (NetworkCache stores
// QUrl(key, StrictMode) as the entry's URL and compares the reply URL's key with it), holds
// no fragment, password or ignored parameter, and sorted queries stay sorted.
#include "fuzz_common.h"

#include <tiercache/cachepolicy.h>
#include <tiercache/networkcache.h>

#include <QtCore/QRegularExpression>

#include <algorithm>

using namespace tiercache;

namespace {

struct Policy
{
    const char *name;
    CachePolicy policy;
    QList<QRegularExpression> ignored;
    bool sorted = false;
};

QList<Policy> makePolicies()
{
    QList<Policy> list;
    list.append({"default", CachePolicy(), {}, false});
    Policy sorting {"ignore utm_*, fbclid, ?id + sort", CachePolicy(), {}, true};
    sorting.policy.setIgnoredQueryParameters(
            {QStringLiteral("utm_*"), QStringLiteral("fbclid"), QStringLiteral("?id")});
    sorting.policy.setSortQueryItems(true);
    sorting.ignored = {QRegularExpression(QStringLiteral("^utm_.*$")),
                       QRegularExpression(QStringLiteral("^fbclid$")),
                       QRegularExpression(QStringLiteral("^.id$"))};
    list.append(sorting);
    Policy ignoring {"ignore session", CachePolicy(), {}, false};
    ignoring.policy.setIgnoredQueryParameters({QStringLiteral("session")});
    ignoring.ignored = {QRegularExpression(QStringLiteral("^session$"))};
    list.append(ignoring);
    Policy sortOnly {"sort", CachePolicy(), {}, true};
    sortOnly.policy.setSortQueryItems(true);
    list.append(sortOnly);
    return list;
}

void checkKey(const Policy &p, const QUrl &url)
{
    const QString key = p.policy.cacheKey(url);
    if (key.isEmpty())
        return;
    const QString context = QStringLiteral("policy \"%1\", URL \"%2\" (%3) -> key \"%4\"")
                                    .arg(QLatin1String(p.name), url.toString(QUrl::FullyEncoded),
                                         fuzz::hex(url.toString().toUtf8()), key);
    const QUrl stored(key, QUrl::StrictMode);
    FUZZ_CHECK(stored.isValid(), context + QStringLiteral(": ") + stored.errorString());
    FUZZ_CHECK(!stored.hasFragment(), context);
    FUZZ_CHECK(stored.password().isEmpty(), context);
    // Keys are made exactly as QNAM makes the request target (QUrl::NormalizePathSegments),
    // which Qt 6.4 does not make idempotent in the path ("/a/.x/b/../c" -> "/a/.x/c" ->
    // "/a//c"; "///a" -> "//a" -> "/a"). NetworkCache therefore hands QNAM the request URL,
    // never QUrl(key), so only the rest of the key must be stable.
    const QString again = p.policy.cacheKey(stored);
    const bool pathOnly = !again.isEmpty()
            && QUrl(again, QUrl::StrictMode).adjusted(QUrl::RemovePath)
                    == stored.adjusted(QUrl::RemovePath);
    FUZZ_CHECK(pathOnly || again == key,
               context + QStringLiteral(" -> key again \"%1\"").arg(again));
    if (!stored.hasQuery() || (p.ignored.isEmpty() && !p.sorted))
        return;
    QByteArray previous;
    for (const QByteArray &item : stored.query(QUrl::FullyEncoded).toLatin1().split('&')) {
        const QByteArray encodedName = item.left(item.indexOf('='));
        const QString name = QUrl::fromPercentEncoding(encodedName);
        for (const QRegularExpression &rx : p.ignored)
            FUZZ_CHECK(!rx.match(name).hasMatch(),
                       context + QStringLiteral(": ignored parameter \"%1\" kept").arg(name));
        if (p.sorted) {
            FUZZ_CHECK(!(encodedName < previous), context + QStringLiteral(": not sorted"));
            previous = encodedName;
        }
    }
}

void checkRules(const QString &pattern, const QUrl &url)
{
    CachePolicy policy;
    QString error;
    const bool regexOk =
            policy.addTtlRule(pattern, 11, CachePolicy::PatternSyntax::RegularExpression, &error);
    FUZZ_CHECK(regexOk == QRegularExpression(pattern).isValid() || pattern.isEmpty(), pattern);
    FUZZ_CHECK(regexOk || !error.isEmpty(), pattern);
    // Globs are escaped: every non-empty one compiles.
    const bool globOk = policy.addTtlRule(pattern, 22, CachePolicy::PatternSyntax::Glob, &error);
    // globToRegex() escapes QChar by QChar, splitting surrogate pairs: a glob with a character
    // outside the BMP (an emoji) does not compile. FUZZ_KNOWN_BUGS=glob-non-bmp skips those.
    const bool nonBmp =
            std::any_of(pattern.cbegin(), pattern.cend(), [](QChar c) { return c.isSurrogate(); });
    FUZZ_CHECK_UNLESS_KNOWN(nonBmp ? "glob-non-bmp" : "", globOk == !pattern.isEmpty(),
                            QStringLiteral("glob \"%1\": %2").arg(pattern, error));
    const qint64 ttl = policy.ruleTtl(url);
    FUZZ_CHECK(ttl == -1 || ttl == 11 || ttl == 22, pattern);

    // A glob of the URL's own text matches it ('*' and '?' match themselves too). Each '*'
    // becomes ".*": with 8 in a row PCRE2 already gives up (match limit) and the rule silently
    // does not match; FUZZ_KNOWN_BUGS=glob-backtracking skips globs with more than four.
    const QString text = url.toString(QUrl::FullyEncoded);
    if (!text.isEmpty() && text.size() <= 512) {
        CachePolicy own;
        FUZZ_CHECK(own.addTtlRule(text, 33, CachePolicy::PatternSyntax::Glob, &error), text);
        FUZZ_CHECK_UNLESS_KNOWN(text.count(QLatin1Char('*')) > 4 ? "glob-backtracking" : "",
                                own.ruleTtl(url) == 33,
                                QStringLiteral("glob \"%1\" does not match its URL").arg(text));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const QList<Policy> policies = makePolicies();
    if (size > 4096)
        return 0;
    fuzz::ByteReader in(data, size);
    const quint8 flags = in.integral<quint8>();
    const quint8 patternLength = in.integral<quint8>() % 65;
    const QString pattern = QString::fromUtf8(in.bytes(patternLength));
    const QByteArray urlBytes = in.rest();

    const QUrl tolerant(QString::fromUtf8(urlBytes));
    const QUrl strict(QString::fromUtf8(urlBytes), QUrl::StrictMode);
    for (const Policy &p : policies) {
        checkKey(p, tolerant);
        checkKey(p, strict);
    }
    // NetworkCache::cacheKey() is what the default policy returns.
    FUZZ_CHECK(NetworkCache::cacheKey(tolerant) == policies.first().policy.cacheKey(tolerant),
               QString());

    if (flags & 1)
        checkRules(pattern, tolerant);
    return 0;
}
