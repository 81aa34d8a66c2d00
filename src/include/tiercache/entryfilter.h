// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QMetaType>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>

namespace tiercache {

class EntryFilterData;

/*!
    \brief Which catalogue entries NetworkCache::entries(const EntryFilter &, ...) returns.

    An implicitly shared value. Every property narrows the selection; the default selects
    everything, most recently used first. Works from a second process (the Browser) while the
    owner keeps writing.

    \code
    tiercache::EntryFilter filter;
    filter.setContentType(QStringLiteral("image/"));
    filter.setOrder(tiercache::EntryFilter::Order::Largest);
    const QList<tiercache::CacheEntryInfo> images = cache->entries(filter, 0, 50);
    \endcode
*/
class TIERCACHE_EXPORT EntryFilter
{
public:
    enum class Expiry { Any, ExpiredOnly, FreshOnly };
    enum class Order { RecentlyUsed, MostHits, Largest, Oldest, Url };

    EntryFilter();
    EntryFilter(const EntryFilter &other);
    EntryFilter(EntryFilter &&other) noexcept;
    EntryFilter &operator=(const EntryFilter &other);
    EntryFilter &operator=(EntryFilter &&other) noexcept;
    ~EntryFilter();
    void swap(EntryFilter &other) noexcept { d.swap(other.d); }

    //! Substring of the key URL.
    QString urlContains() const;
    void setUrlContains(const QString &urlContains);
    //! Entries carrying this cache tag.
    QString tag() const;
    void setTag(const QString &tag);
    //! Content-Type prefix, e.g. "image/".
    QString contentType() const;
    void setContentType(const QString &contentType);
    //! The stored HTTP status code, e.g. 404; 0 (the default): any.
    int statusCode() const;
    void setStatusCode(int statusCode);
    //! Fresh, expired or both (the default).
    Expiry expiry() const;
    void setExpiry(Expiry expiry);
    //! A tier name ("memory", "disk", ...); empty: the disk catalogue.
    QString tier() const;
    void setTier(const QString &tier);
    //! The order entries are returned in.
    Order order() const;
    void setOrder(Order order);

    friend TIERCACHE_EXPORT bool operator==(const EntryFilter &a, const EntryFilter &b);
    friend bool operator!=(const EntryFilter &a, const EntryFilter &b) { return !(a == b); }

private:
    QSharedDataPointer<EntryFilterData> d;
};

} // namespace tiercache

Q_DECLARE_SHARED(tiercache::EntryFilter)
Q_DECLARE_METATYPE(tiercache::EntryFilter)
