// SPDX-License-Identifier: MIT
#include <tiercache/promotionpolicy.h>

#include <QtCore/QSharedData>

namespace tiercache {

class PromotionPolicyData : public QSharedData
{
public:
    PromotionPolicy::Strategy strategy = PromotionPolicy::Strategy::HitCount;
    int hits = 2;
    int windowSeconds = 0;
};

PromotionPolicy::PromotionPolicy() : d(new PromotionPolicyData) { }

PromotionPolicy::PromotionPolicy(Strategy strategy, int hits, int windowSeconds)
    : d(new PromotionPolicyData)
{
    d->strategy = strategy;
    d->hits = hits;
    d->windowSeconds = windowSeconds;
}

PromotionPolicy::PromotionPolicy(const PromotionPolicy &other) = default;
PromotionPolicy::PromotionPolicy(PromotionPolicy &&other) noexcept = default;
PromotionPolicy &PromotionPolicy::operator=(const PromotionPolicy &other) = default;
PromotionPolicy &PromotionPolicy::operator=(PromotionPolicy &&other) noexcept = default;
PromotionPolicy::~PromotionPolicy() = default;

PromotionPolicy PromotionPolicy::always()
{
    return {Strategy::Always, 1, 0};
}

PromotionPolicy PromotionPolicy::never()
{
    return {Strategy::Never, 0, 0};
}

PromotionPolicy PromotionPolicy::hitCount(int hits)
{
    return {Strategy::HitCount, hits, 0};
}

PromotionPolicy PromotionPolicy::hitRate(int hits, int windowSeconds)
{
    return {Strategy::HitRate, hits, windowSeconds};
}

PromotionPolicy::Strategy PromotionPolicy::strategy() const
{
    return d->strategy;
}

int PromotionPolicy::hits() const
{
    return d->hits;
}

int PromotionPolicy::windowSeconds() const
{
    return d->windowSeconds;
}

bool operator==(const PromotionPolicy &a, const PromotionPolicy &b)
{
    return a.strategy() == b.strategy() && a.hits() == b.hits()
            && a.windowSeconds() == b.windowSeconds();
}

} // namespace tiercache
