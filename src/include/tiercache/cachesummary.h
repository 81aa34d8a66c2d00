// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QMetaType>
#include <QtCore/QSharedDataPointer>

namespace tiercache {

class CacheSummaryData;

/*!
    \brief A snapshot of a whole cache directory, as NetworkCache::summary() reports it.

    An implicitly shared value.
*/
class TIERCACHE_EXPORT CacheSummary
{
public:
    CacheSummary();
    CacheSummary(const CacheSummary &other);
    CacheSummary(CacheSummary &&other) noexcept;
    CacheSummary &operator=(const CacheSummary &other);
    CacheSummary &operator=(CacheSummary &&other) noexcept;
    ~CacheSummary();
    void swap(CacheSummary &other) noexcept { d.swap(other.d); }

    //! Entries (URLs) in the catalogue.
    qint64 entryCount() const;
    void setEntryCount(qint64 entryCount);
    //! Distinct bodies on disk.
    qint64 blobCount() const;
    void setBlobCount(qint64 blobCount);
    //! Sum of entry body sizes, as if nothing were shared.
    qint64 bodyBytes() const;
    void setBodyBytes(qint64 bodyBytes);
    //! Sum of the distinct bodies' sizes: a body shared by several entries counts once.
    //! bodyBytes() minus this is what sharing saved.
    qint64 distinctBodyBytes() const;
    void setDistinctBodyBytes(qint64 distinctBodyBytes);
    //! What the cache accounts for on disk (cacheSize()).
    qint64 storedBytes() const;
    void setStoredBytes(qint64 storedBytes);
    //! Hits recorded over all entries.
    qint64 totalHits() const;
    void setTotalHits(qint64 totalHits);
    //! The configured byte budget.
    qint64 maximumSize() const;
    void setMaximumSize(qint64 maximumSize);

    friend TIERCACHE_EXPORT bool operator==(const CacheSummary &a, const CacheSummary &b);
    friend bool operator!=(const CacheSummary &a, const CacheSummary &b) { return !(a == b); }

private:
    QSharedDataPointer<CacheSummaryData> d;
};

} // namespace tiercache

Q_DECLARE_SHARED(tiercache::CacheSummary)
Q_DECLARE_METATYPE(tiercache::CacheSummary)
