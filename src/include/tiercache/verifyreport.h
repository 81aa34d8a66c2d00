// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QMetaType>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QStringList>

namespace tiercache {

class VerifyReportData;

/*!
    \brief Outcome of NetworkCache::verify(): an implicitly shared value.
*/
class TIERCACHE_EXPORT VerifyReport
{
public:
    VerifyReport();
    VerifyReport(const VerifyReport &other);
    VerifyReport(VerifyReport &&other) noexcept;
    VerifyReport &operator=(const VerifyReport &other);
    VerifyReport &operator=(VerifyReport &&other) noexcept;
    ~VerifyReport();
    void swap(VerifyReport &other) noexcept { d.swap(other.d); }

    //! Bodies whose digest was recomputed.
    qint64 checked() const;
    void setChecked(qint64 checked);
    //! Body bytes read.
    qint64 bytesChecked() const;
    void setBytesChecked(qint64 bytesChecked);
    //! Bodies that were missing, truncated or altered.
    qint64 damaged() const;
    void setDamaged(qint64 damaged);
    //! Entries dropped because their body was damaged.
    qint64 removedEntries() const;
    void setRemovedEntries(qint64 removedEntries);
    //! The progress callback asked to stop.
    bool cancelled() const;
    void setCancelled(bool cancelled);
    //! One human-readable line per damaged body.
    QStringList problems() const;
    void setProblems(const QStringList &problems);

    //! Appends one line to problems().
    void addProblem(const QString &problem);

    friend TIERCACHE_EXPORT bool operator==(const VerifyReport &a, const VerifyReport &b);
    friend bool operator!=(const VerifyReport &a, const VerifyReport &b) { return !(a == b); }

private:
    QSharedDataPointer<VerifyReportData> d;
};

} // namespace tiercache

Q_DECLARE_SHARED(tiercache::VerifyReport)
Q_DECLARE_METATYPE(tiercache::VerifyReport)
