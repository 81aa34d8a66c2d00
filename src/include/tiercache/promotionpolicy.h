// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QMetaType>
#include <QtCore/QObject>
#include <QtCore/QSharedDataPointer>

namespace tiercache {

class PromotionPolicyData;

/*!
    \brief When a hit in a lower tier is copied into the tiers above it.

    An implicitly shared value, made by one of the static functions and set with
    NetworkCache::setPromotionPolicy(). The default is hitCount(2).

    \code
    cache->setPromotionPolicy(tiercache::PromotionPolicy::hitRate(3, 60)); // 3 hits within 60 s
    \endcode
*/
class TIERCACHE_EXPORT PromotionPolicy
{
    Q_GADGET
    Q_PROPERTY(Strategy strategy READ strategy)
    Q_PROPERTY(int hits READ hits)
    Q_PROPERTY(int windowSeconds READ windowSeconds)

public:
    enum class Strategy {
        Always,   //!< on every lower-tier hit
        HitCount, //!< once the entry has been hit hits() times in that tier
        HitRate,  //!< once it has been hit hits() times within the last windowSeconds()
        Never,    //!< tiers are filled only by writes
    };
    Q_ENUM(Strategy)

    //! hitCount(2).
    PromotionPolicy();
    PromotionPolicy(const PromotionPolicy &other);
    PromotionPolicy(PromotionPolicy &&other) noexcept;
    PromotionPolicy &operator=(const PromotionPolicy &other);
    PromotionPolicy &operator=(PromotionPolicy &&other) noexcept;
    ~PromotionPolicy();

    static PromotionPolicy always();
    static PromotionPolicy never();
    static PromotionPolicy hitCount(int hits);
    static PromotionPolicy hitRate(int hits, int windowSeconds);

    Strategy strategy() const;
    //! The hits that trigger a promotion (HitCount, HitRate); 1 for Always, 0 for Never.
    int hits() const;
    //! The window hits() must fall in (HitRate); 0 for the other strategies.
    int windowSeconds() const;

private:
    PromotionPolicy(Strategy strategy, int hits, int windowSeconds);
    QSharedDataPointer<PromotionPolicyData> d;
};

TIERCACHE_EXPORT bool operator==(const PromotionPolicy &a, const PromotionPolicy &b);
inline bool operator!=(const PromotionPolicy &a, const PromotionPolicy &b)
{
    return !(a == b);
}

} // namespace tiercache

Q_DECLARE_METATYPE(tiercache::PromotionPolicy)
