// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QList>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QStringList>
#include <QtCore/QUrl>
#include <QtNetwork/QNetworkCacheMetaData>

#include <functional>

namespace tiercache {

class CachePolicyData;
class CachePolicyDecisionData;
class CachePolicyTtlRuleData;

/*!
    \brief What NetworkCache stores, under which key, and for how long.

    A copyable value set with NetworkCache::setPolicy(). The defaults store what QNAM offers,
    except credentials: \c Set-Cookie, \c Set-Cookie2, \c Authorization,
    \c Proxy-Authorization and \c Cookie are never written to any tier.

    \code
    tiercache::CachePolicy policy;
    policy.setMaximumBodySize(32 * 1024 * 1024);          // bigger bodies pass through uncached
    policy.setIgnoredQueryParameters({QStringLiteral("utm_*"), QStringLiteral("fbclid")});
    policy.setDefaultTtl(300);                            // for responses without freshness info
    policy.setMaximumTtl(24 * 3600);
    QString error;
    if (!policy.addTtlRule(QStringLiteral("^https://api\\.example\\.com/static/"), 7 * 24 * 3600,
                           tiercache::CachePolicy::PatternSyntax::RegularExpression, &error))
        qWarning() << error;
    cache->setPolicy(policy);
    \endcode
*/
class TIERCACHE_EXPORT CachePolicy
{
public:
    enum class PatternSyntax { Glob, RegularExpression };

    //! One rule added with addTtlRule(): an implicitly shared value.
    class TIERCACHE_EXPORT TtlRule
    {
    public:
        TtlRule();
        TtlRule(const TtlRule &other);
        TtlRule(TtlRule &&other) noexcept;
        TtlRule &operator=(const TtlRule &other);
        TtlRule &operator=(TtlRule &&other) noexcept;
        ~TtlRule();
        void swap(TtlRule &other) noexcept { d.swap(other.d); }

        //! The URL pattern, in syntax().
        QString pattern() const;
        void setPattern(const QString &pattern);
        //! How pattern() is read.
        PatternSyntax syntax() const;
        void setSyntax(PatternSyntax syntax);
        //! The freshness lifetime given to matching URLs.
        qint64 ttlSeconds() const;
        void setTtlSeconds(qint64 ttlSeconds);
        //! The negative TTL (see CachePolicy::negativeTtl()) for matching URLs; -1 (the
        //! default): the policy's. 0 turns negative caching off for them.
        qint64 negativeTtlSeconds() const;
        void setNegativeTtlSeconds(qint64 seconds);

        friend TIERCACHE_EXPORT bool operator==(const TtlRule &a, const TtlRule &b);
        friend bool operator!=(const TtlRule &a, const TtlRule &b) { return !(a == b); }

    private:
        QSharedDataPointer<CachePolicyTtlRuleData> d;
    };

    //! What the hook may decide for one response about to be stored: an implicitly shared value.
    class TIERCACHE_EXPORT Decision
    {
    public:
        Decision();
        Decision(const Decision &other);
        Decision(Decision &&other) noexcept;
        Decision &operator=(const Decision &other);
        Decision &operator=(Decision &&other) noexcept;
        ~Decision();
        void swap(Decision &other) noexcept { d.swap(other.d); }

        //! False: pass the response through uncached.
        bool store() const;
        void setStore(bool store);
        //! >= 0: fresh for this long, overriding headers and rules.
        qint64 ttlSeconds() const;
        void setTtlSeconds(qint64 ttlSeconds);
        //! Extra cache tags (see NetworkCache::invalidateTag()).
        QStringList tags() const;
        void setTags(const QStringList &tags);

        //! Appends \a tag to tags().
        void addTag(const QString &tag);

        friend TIERCACHE_EXPORT bool operator==(const Decision &a, const Decision &b);
        friend bool operator!=(const Decision &a, const Decision &b) { return !(a == b); }

    private:
        QSharedDataPointer<CachePolicyDecisionData> d;
    };

    using Hook = std::function<void(const QUrl &url, const QNetworkCacheMetaData &metaData,
                                    Decision *decision)>;

    CachePolicy();
    CachePolicy(const CachePolicy &other);
    CachePolicy &operator=(const CachePolicy &other);
    ~CachePolicy();

    //! Bodies smaller than this are not stored (default 0).
    qint64 minimumBodySize() const;
    void setMinimumBodySize(qint64 bytes);
    //! Bodies larger than this are passed through uncached, never an error (default -1: any).
    qint64 maximumBodySize() const;
    void setMaximumBodySize(qint64 bytes);
    /*!
        The largest share of NetworkCache::maximumCacheSize() one body may take in a cache with
        a directory tier, as 1/\a divisor (default 8, as Chromium's simple cache: a body larger
        than 1/8 of the budget is passed through unstored, and its spool is dropped as soon as
        it grows past that). 1 lets one body fill the whole budget; 0 turns the limit off
        (maximumBodySize() still applies).
    */
    int budgetShareDivisor() const;
    void setBudgetShareDivisor(int divisor);
    //! The largest body stored under a budget of \a maximumCacheSize bytes: the smaller of
    //! maximumBodySize() and the budget share; -1 for no limit.
    qint64 maximumBodySizeFor(qint64 maximumCacheSize) const;

    //! Statuses that may be stored (default: all QNAM offers — it never offers 206, 303 or
    //! 304; through a plain QNAM responses >= 400 are stored only for negative caching, see
    //! negativeTtl()).
    QList<int> cacheableStatuses() const;
    void setCacheableStatuses(const QList<int> &statuses);
    bool isCacheableStatus(int status) const;

    //! Response headers never persisted (case-insensitive); see the class description.
    QStringList headerDenylist() const;
    void setHeaderDenylist(const QStringList &headers);
    //! When not empty, only these response headers are persisted (the denylist still applies).
    QStringList headerAllowlist() const;
    void setHeaderAllowlist(const QStringList &headers);
    //! \a md without the headers the lists exclude.
    QNetworkCacheMetaData filterHeaders(const QNetworkCacheMetaData &md) const;

    //! Query parameters dropped from the key; '*' and '?' are wildcards (e.g. "utm_*").
    QStringList ignoredQueryParameters() const;
    void setIgnoredQueryParameters(const QStringList &patterns);
    //! Sort query items so that ?a=1&b=2 and ?b=2&a=1 share an entry (default off).
    bool sortsQueryItems() const;
    void setSortQueryItems(bool sort);
    //! The key \a url is stored under: NetworkCache::cacheKey() after the rules above.
    QString cacheKey(const QUrl &url) const;

    //! Freshness for responses that carry none (no max-age, Expires or Last-Modified);
    //! 0 (the default) means "stale at once", as RFC 9111 says.
    qint64 defaultTtl() const;
    void setDefaultTtl(qint64 seconds);
    //! A ceiling on any freshness lifetime (default -1: none).
    qint64 maximumTtl() const;
    void setMaximumTtl(qint64 seconds);

    //! Adds a rule giving URLs that match \a pattern a fixed freshness of \a ttlSeconds,
    //! overriding the response headers. Rules are tried in order; the first match wins.
    //! Returns false with a message in \a errorString for an invalid pattern or TTL.
    bool addTtlRule(const QString &pattern, qint64 ttlSeconds, PatternSyntax syntax,
                    QString *errorString = nullptr);
    /*!
        Adds \a rule (its pattern, syntax, TTL and negative TTL); as the overload above.
        \code
        tiercache::CachePolicy::TtlRule rule;
        rule.setPattern(QStringLiteral("https://api.example.com/search*"));
        rule.setTtlSeconds(60);
        rule.setNegativeTtlSeconds(5); // a 404 from the search API is reused for 5 s only
        policy.addTtlRule(rule);
        \endcode
    */
    bool addTtlRule(const TtlRule &rule, QString *errorString = nullptr);
    QList<TtlRule> ttlRules() const;
    void clearTtlRules();
    //! The TTL of the first rule matching \a url, or -1.
    qint64 ruleTtl(const QUrl &url) const;

    /*!
        Negative caching: the freshness lifetime, in seconds, of error responses whose status is
        in negativeStatuses() (default 0: off, error responses are not stored by a plain
        QNAM). When it is above 0, such a response is stored and reused for this long when it
        carries no explicit freshness (\c max-age or \c Expires); one that does keeps its own
        lifetime (the negative TTL never lengthens it). TTL rules (TtlRule::negativeTtlSeconds())
        override it per URL; their positive TTL and defaultTtl() do not apply to these
        statuses. maximumTtl() and the hook still do.

        Through a plain QNetworkAccessManager (setCache()), Qt 6.4 turns statuses >= 400 into
        errors and calls remove() instead of insert(); NetworkCache then stores the response it
        was preparing. A later request answered from the cache finishes with the stored status
        (e.g. 404), SourceIsFromCacheAttribute true, the stored body and headers, and
        \e{no} network error (QNetworkReply::NoError): QNAM reports errors only for network
        responses. Through tiercache::AccessManager the reply carries the error code as for a
        network response.
        \code
        policy.setNegativeTtl(30);                       // 404, 410, 500, 502, 503, 504
        policy.setNegativeStatuses({404, 410});          // or a chosen set
        \endcode
    */
    qint64 negativeTtl() const;
    void setNegativeTtl(qint64 seconds);
    //! The statuses negativeTtl() applies to (default 404, 410, 500, 502, 503, 504).
    QList<int> negativeStatuses() const;
    void setNegativeStatuses(const QList<int> &statuses);
    //! The negative TTL for a response with \a status to \a url: the first matching rule's
    //! negativeTtlSeconds() if it is >= 0, else negativeTtl(); 0 when \a status is not in
    //! negativeStatuses() or negative caching is off.
    qint64 negativeTtlFor(const QUrl &url, int status) const;

    //! Called for every response about to be stored, for anything the settings cannot say.
    void setHook(const Hook &hook);
    Hook hook() const;

private:
    QSharedDataPointer<CachePolicyData> d;
};

} // namespace tiercache

Q_DECLARE_SHARED(tiercache::CachePolicy::TtlRule)
Q_DECLARE_SHARED(tiercache::CachePolicy::Decision)
