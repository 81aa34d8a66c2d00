// SPDX-License-Identifier: MIT
#include "responseage_p.h"

#include "freshness_p.h"

#include <QtNetwork/QNetworkCacheMetaData>

namespace tiercache::responseage {

namespace {
    QNetworkCacheMetaData::RawHeaderList without(const QNetworkCacheMetaData::RawHeaderList &list,
                                                 const char *a, const char *b)
    {
        QNetworkCacheMetaData::RawHeaderList kept;
        kept.reserve(list.size() + 1);
        for (const auto &h : list) {
            if (h.first.compare(a, Qt::CaseInsensitive) != 0
                && h.first.compare(b, Qt::CaseInsensitive) != 0)
                kept.append(h);
        }
        return kept;
    }
} // namespace

qint64 correctedInitialAge(const QByteArray &date, const QByteArray &age,
                           const QDateTime &responseTime)
{
    const QDateTime dateValue = parseHttpDate(date);
    const qint64 apparentAge =
            dateValue.isValid() ? qMax<qint64>(0, dateValue.secsTo(responseTime)) : 0;
    const qint64 ageValue = age.isNull() ? 0 : parseAgeValue(age).value_or(0);
    return qMax(apparentAge, ageValue);
}

QNetworkCacheMetaData forStorage(const QNetworkCacheMetaData &md, qint64 initialAgeSecs,
                                 const QDateTime &responseTime)
{
    QNetworkCacheMetaData stored = md;
    QNetworkCacheMetaData::RawHeaderList headers = without(md.rawHeaders(), "age", GeneratedField);
    const qint64 generated = responseTime.toMSecsSinceEpoch() - initialAgeSecs * 1000;
    headers.append({QByteArray(GeneratedField), QByteArray::number(generated)});
    stored.setRawHeaders(headers);
    return stored;
}

qint64 currentAge(const QNetworkCacheMetaData &md, const QDateTime &now)
{
    bool ok = false;
    const qint64 generated = rawHeader(md, GeneratedField).toLongLong(&ok);
    if (ok)
        return qMax<qint64>(0, (now.toMSecsSinceEpoch() - generated) / 1000);
    return correctedInitialAge(rawHeader(md, "date"), rawHeader(md, "age"), now);
}

QNetworkCacheMetaData forServing(const QNetworkCacheMetaData &md, qint64 ageSecs)
{
    QNetworkCacheMetaData served = md;
    QNetworkCacheMetaData::RawHeaderList headers = without(md.rawHeaders(), "age", GeneratedField);
    headers.append({QByteArrayLiteral("Age"), QByteArray::number(qMax<qint64>(0, ageSecs))});
    served.setRawHeaders(headers);
    return served;
}

} // namespace tiercache::responseage
