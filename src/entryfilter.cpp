// SPDX-License-Identifier: MIT
#include <tiercache/entryfilter.h>

#include <QtCore/QSharedData>

namespace tiercache {

class EntryFilterData : public QSharedData
{
public:
    QString urlContains;
    QString tag;
    QString contentType;
    int statusCode = 0;
    EntryFilter::Expiry expiry = EntryFilter::Expiry::Any;
    QString tier;
    EntryFilter::Order order = EntryFilter::Order::RecentlyUsed;
};

EntryFilter::EntryFilter() : d(new EntryFilterData) { }
EntryFilter::EntryFilter(const EntryFilter &other) = default;
EntryFilter::EntryFilter(EntryFilter &&other) noexcept = default;
EntryFilter &EntryFilter::operator=(const EntryFilter &other) = default;
EntryFilter &EntryFilter::operator=(EntryFilter &&other) noexcept = default;
EntryFilter::~EntryFilter() = default;

QString EntryFilter::urlContains() const
{
    return d->urlContains;
}

void EntryFilter::setUrlContains(const QString &urlContains)
{
    d->urlContains = urlContains;
}

QString EntryFilter::tag() const
{
    return d->tag;
}

void EntryFilter::setTag(const QString &tag)
{
    d->tag = tag;
}

QString EntryFilter::contentType() const
{
    return d->contentType;
}

void EntryFilter::setContentType(const QString &contentType)
{
    d->contentType = contentType;
}

int EntryFilter::statusCode() const
{
    return d->statusCode;
}

void EntryFilter::setStatusCode(int statusCode)
{
    d->statusCode = statusCode;
}

EntryFilter::Expiry EntryFilter::expiry() const
{
    return d->expiry;
}

void EntryFilter::setExpiry(Expiry expiry)
{
    d->expiry = expiry;
}

QString EntryFilter::tier() const
{
    return d->tier;
}

void EntryFilter::setTier(const QString &tier)
{
    d->tier = tier;
}

EntryFilter::Order EntryFilter::order() const
{
    return d->order;
}

void EntryFilter::setOrder(Order order)
{
    d->order = order;
}

bool operator==(const EntryFilter &a, const EntryFilter &b)
{
    return a.d == b.d
            || (a.d->urlContains == b.d->urlContains && a.d->tag == b.d->tag
                && a.d->contentType == b.d->contentType && a.d->statusCode == b.d->statusCode
                && a.d->expiry == b.d->expiry && a.d->tier == b.d->tier
                && a.d->order == b.d->order);
}

} // namespace tiercache
