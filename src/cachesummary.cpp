// SPDX-License-Identifier: MIT
#include <tiercache/cachesummary.h>

#include <QtCore/QSharedData>

namespace tiercache {

class CacheSummaryData : public QSharedData
{
public:
    qint64 entryCount = 0;
    qint64 blobCount = 0;
    qint64 bodyBytes = 0;
    qint64 distinctBodyBytes = 0;
    qint64 storedBytes = 0;
    qint64 totalHits = 0;
    qint64 maximumSize = 0;
};

CacheSummary::CacheSummary() : d(new CacheSummaryData) { }
CacheSummary::CacheSummary(const CacheSummary &other) = default;
CacheSummary::CacheSummary(CacheSummary &&other) noexcept = default;
CacheSummary &CacheSummary::operator=(const CacheSummary &other) = default;
CacheSummary &CacheSummary::operator=(CacheSummary &&other) noexcept = default;
CacheSummary::~CacheSummary() = default;

qint64 CacheSummary::entryCount() const
{
    return d->entryCount;
}

void CacheSummary::setEntryCount(qint64 entryCount)
{
    d->entryCount = entryCount;
}

qint64 CacheSummary::blobCount() const
{
    return d->blobCount;
}

void CacheSummary::setBlobCount(qint64 blobCount)
{
    d->blobCount = blobCount;
}

qint64 CacheSummary::bodyBytes() const
{
    return d->bodyBytes;
}

void CacheSummary::setBodyBytes(qint64 bodyBytes)
{
    d->bodyBytes = bodyBytes;
}

qint64 CacheSummary::distinctBodyBytes() const
{
    return d->distinctBodyBytes;
}

void CacheSummary::setDistinctBodyBytes(qint64 distinctBodyBytes)
{
    d->distinctBodyBytes = distinctBodyBytes;
}

qint64 CacheSummary::storedBytes() const
{
    return d->storedBytes;
}

void CacheSummary::setStoredBytes(qint64 storedBytes)
{
    d->storedBytes = storedBytes;
}

qint64 CacheSummary::totalHits() const
{
    return d->totalHits;
}

void CacheSummary::setTotalHits(qint64 totalHits)
{
    d->totalHits = totalHits;
}

qint64 CacheSummary::maximumSize() const
{
    return d->maximumSize;
}

void CacheSummary::setMaximumSize(qint64 maximumSize)
{
    d->maximumSize = maximumSize;
}

bool operator==(const CacheSummary &a, const CacheSummary &b)
{
    return a.d == b.d
            || (a.d->entryCount == b.d->entryCount && a.d->blobCount == b.d->blobCount
                && a.d->bodyBytes == b.d->bodyBytes
                && a.d->distinctBodyBytes == b.d->distinctBodyBytes
                && a.d->storedBytes == b.d->storedBytes && a.d->totalHits == b.d->totalHits
                && a.d->maximumSize == b.d->maximumSize);
}

} // namespace tiercache
