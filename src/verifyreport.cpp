// SPDX-License-Identifier: MIT
#include <tiercache/verifyreport.h>

#include <QtCore/QSharedData>

namespace tiercache {

class VerifyReportData : public QSharedData
{
public:
    qint64 checked = 0;
    qint64 bytesChecked = 0;
    qint64 damaged = 0;
    qint64 removedEntries = 0;
    bool cancelled = false;
    QStringList problems;
};

VerifyReport::VerifyReport() : d(new VerifyReportData) { }
VerifyReport::VerifyReport(const VerifyReport &other) = default;
VerifyReport::VerifyReport(VerifyReport &&other) noexcept = default;
VerifyReport &VerifyReport::operator=(const VerifyReport &other) = default;
VerifyReport &VerifyReport::operator=(VerifyReport &&other) noexcept = default;
VerifyReport::~VerifyReport() = default;

qint64 VerifyReport::checked() const
{
    return d->checked;
}

void VerifyReport::setChecked(qint64 checked)
{
    d->checked = checked;
}

qint64 VerifyReport::bytesChecked() const
{
    return d->bytesChecked;
}

void VerifyReport::setBytesChecked(qint64 bytesChecked)
{
    d->bytesChecked = bytesChecked;
}

qint64 VerifyReport::damaged() const
{
    return d->damaged;
}

void VerifyReport::setDamaged(qint64 damaged)
{
    d->damaged = damaged;
}

qint64 VerifyReport::removedEntries() const
{
    return d->removedEntries;
}

void VerifyReport::setRemovedEntries(qint64 removedEntries)
{
    d->removedEntries = removedEntries;
}

bool VerifyReport::cancelled() const
{
    return d->cancelled;
}

void VerifyReport::setCancelled(bool cancelled)
{
    d->cancelled = cancelled;
}

QStringList VerifyReport::problems() const
{
    return d->problems;
}

void VerifyReport::setProblems(const QStringList &problems)
{
    d->problems = problems;
}

bool operator==(const VerifyReport &a, const VerifyReport &b)
{
    return a.d == b.d
            || (a.d->checked == b.d->checked && a.d->bytesChecked == b.d->bytesChecked
                && a.d->damaged == b.d->damaged && a.d->removedEntries == b.d->removedEntries
                && a.d->cancelled == b.d->cancelled && a.d->problems == b.d->problems);
}

void VerifyReport::addProblem(const QString &problem)
{
    d->problems.append(problem);
}

} // namespace tiercache
