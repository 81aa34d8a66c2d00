// SPDX-License-Identifier: MIT
#include "freshness_p.h"

#include <QtCore/QLocale>
#include <QtNetwork/QNetworkCacheMetaData>
#include <QtNetwork/QNetworkRequest>

namespace tiercache {

namespace {
    constexpr qint64 MaxHeuristicLifetimeSecs = 24 * 60 * 60;

    bool isHeuristicallyCacheable(int status)
    {
        // RFC 9110 section 15.1
        switch (status) {
        case 200:
        case 203:
        case 204:
        case 206:
        case 300:
        case 301:
        case 308:
        case 404:
        case 405:
        case 410:
        case 414:
        case 501:
            return true;
        default:
            return false;
        }
    }
} // namespace

CacheControl CacheControl::parse(const QByteArray &headerValue)
{
    CacheControl cc;
    const QList<QByteArray> parts = headerValue.split(',');
    for (const QByteArray &part : parts) {
        const QByteArray item = part.trimmed();
        if (item.isEmpty())
            continue;
        const qsizetype eq = item.indexOf('=');
        QByteArray name = (eq < 0 ? item : item.left(eq)).trimmed().toLower();
        QByteArray value = eq < 0 ? QByteArray() : item.mid(eq + 1).trimmed();
        if (value.size() >= 2 && value.startsWith('"') && value.endsWith('"'))
            value = value.mid(1, value.size() - 2);
        cc.m_directives.append({std::move(name), std::move(value)});
    }
    return cc;
}

bool CacheControl::has(const char *directive) const
{
    for (const auto &d : m_directives) {
        if (d.first == directive)
            return true;
    }
    return false;
}

bool CacheControl::hasWithoutArgument(const char *directive) const
{
    for (const auto &d : m_directives) {
        if (d.first == directive && d.second.isEmpty())
            return true;
    }
    return false;
}

std::optional<qint64> CacheControl::seconds(const char *directive) const
{
    for (const auto &d : m_directives) {
        if (d.first != directive)
            continue;
        bool ok = false;
        const qint64 v = d.second.toLongLong(&ok);
        if (!ok || v < 0)
            return std::nullopt; // RFC 9111 4.2.1: an invalid max-age means stale, see caller
        // RFC 9111 1.2.2: values beyond 2^31 are to be treated as 2^31.
        return qMin<qint64>(v, Q_INT64_C(2147483648));
    }
    return std::nullopt;
}

std::optional<qint64> parseAgeValue(const QByteArray &value)
{
    const QByteArray v = value.trimmed();
    if (v.isEmpty())
        return std::nullopt;
    qint64 result = 0;
    for (const char c : v) {
        if (c < '0' || c > '9')
            return std::nullopt;
        // RFC 9111 1.2.2: beyond 2^31 is 2^31; stop before overflowing.
        result = qMin<qint64>(result * 10 + (c - '0'), Q_INT64_C(2147483648));
    }
    return result;
}

namespace {
    // IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), what every current server sends, read
    // directly: QLocale's parser builds a local time first, and each one costs a tzset() that
    // re-reads /etc/localtime (a quarter of an insert's CPU time in the insert benchmark).
    // Anything else, and any field out of range, is left to the general parser below.
    QDateTime parseImfFixdate(const QByteArray &v)
    {
        static const char days[] = "MonTueWedThuFriSatSun";
        static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
        if (v.size() != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' '
            || v[16] != ' ' || v[19] != ':' || v[22] != ':' || v[25] != ' ' || !v.endsWith("GMT"))
            return {};
        auto number = [&v](int at, int digits) {
            int n = 0;
            for (int i = at; i < at + digits; ++i) {
                if (v[i] < '0' || v[i] > '9')
                    return -1;
                n = n * 10 + (v[i] - '0');
            }
            return n;
        };
        int month = 0;
        while (month < 12 && qstrncmp(months + 3 * month, v.constData() + 8, 3) != 0)
            ++month;
        int weekday = 0;
        while (weekday < 7 && qstrncmp(days + 3 * weekday, v.constData(), 3) != 0)
            ++weekday;
        const QDate date(number(12, 4), month + 1, number(5, 2));
        const QTime time(number(17, 2), number(20, 2), number(23, 2));
        if (month == 12 || weekday == 7 || !date.isValid() || !time.isValid()
            || date.dayOfWeek() != weekday + 1)
            return {};
        return QDateTime(date, time, Qt::UTC);
    }
} // namespace

QDateTime parseHttpDate(const QByteArray &value)
{
    const QByteArray trimmed = value.trimmed();
    if (const QDateTime fixdate = parseImfFixdate(trimmed); fixdate.isValid())
        return fixdate;
    const QString s = QString::fromLatin1(trimmed);
    const QLocale c = QLocale::c();
    static const char *const formats[] = {
            "ddd, dd MMM yyyy hh:mm:ss 'GMT'", // IMF-fixdate
            "dddd, dd-MMM-yy hh:mm:ss 'GMT'",  // obsolete RFC 850
            "ddd MMM d hh:mm:ss yyyy",         // asctime
            "ddd MMM  d hh:mm:ss yyyy",        // asctime, day padded with a space
    };
    for (const char *format : formats) {
        QDateTime dt = c.toDateTime(s, QLatin1String(format));
        if (dt.isValid()) {
            dt.setTimeSpec(Qt::UTC);
            // Two-digit years (RFC 850 only): RFC 9110 says "50 years in the past".
            if (format == formats[1] && dt.date().year() < 1970)
                dt = dt.addYears(100);
            return dt;
        }
    }
    return {};
}

QByteArray rawHeader(const QNetworkCacheMetaData &md, QByteArrayView name)
{
    const auto headers = md.rawHeaders();
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

int statusCode(const QNetworkCacheMetaData &md)
{
    const int status = md.attributes().value(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    return status < 100 ? 200 : status;
}

bool hasFreshnessInformation(const QNetworkCacheMetaData &md)
{
    const CacheControl cc = CacheControl::parse(rawHeader(md, "cache-control"));
    return cc.has("max-age") || !rawHeader(md, "expires").isNull()
            || (isHeuristicallyCacheable(statusCode(md))
                && !rawHeader(md, "last-modified").isNull());
}

bool hasExplicitFreshness(const QNetworkCacheMetaData &md)
{
    return CacheControl::parse(rawHeader(md, "cache-control")).has("max-age")
            || !rawHeader(md, "expires").isNull();
}

QDateTime computeExpiration(const QNetworkCacheMetaData &md, const QDateTime &responseTime)
{
    const CacheControl cc = CacheControl::parse(rawHeader(md, "cache-control"));
    // The qualified no-cache="field" keeps only the named fields from being stored.
    if (cc.hasWithoutArgument("no-cache") || cc.has("no-store"))
        return responseTime;

    const QDateTime date = parseHttpDate(rawHeader(md, "date"));
    // Without a usable Date the response is taken to have been generated when received.
    const QDateTime dateValue = date.isValid() ? date : responseTime;

    // RFC 9111 4.2.3, with request_time == response_time: the cache does not see the request.
    const qint64 apparentAge = qMax<qint64>(0, dateValue.secsTo(responseTime));
    qint64 ageValue = 0;
    const QByteArray ageHeader = rawHeader(md, "age");
    if (!ageHeader.isNull()) {
        const std::optional<qint64> parsed = parseAgeValue(ageHeader);
        if (!parsed)
            return responseTime; // malformed or repeated Age: stale
        ageValue = *parsed;
    }
    const qint64 initialAge = qMax(apparentAge, ageValue);

    // RFC 9111 4.2.1
    std::optional<qint64> lifetime = cc.seconds("max-age");
    if (!lifetime && cc.has("max-age"))
        return responseTime; // malformed max-age: treat as stale
    if (!lifetime) {
        const QByteArray expiresHeader = rawHeader(md, "expires");
        if (!expiresHeader.isNull()) {
            const QDateTime expires = parseHttpDate(expiresHeader);
            if (!expires.isValid())
                return responseTime; // RFC 9111 5.3: an invalid Expires means "already expired"
            lifetime = qMax<qint64>(0, dateValue.secsTo(expires));
        }
    }
    if (!lifetime && isHeuristicallyCacheable(statusCode(md))) {
        const QDateTime lastModified = parseHttpDate(rawHeader(md, "last-modified"));
        if (lastModified.isValid() && lastModified < dateValue)
            lifetime = qMin(lastModified.secsTo(dateValue) / 10, MaxHeuristicLifetimeSecs);
    }
    if (!lifetime)
        return responseTime;
    return responseTime.addSecs(*lifetime - initialAge);
}

} // namespace tiercache
