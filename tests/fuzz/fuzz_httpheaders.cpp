// SPDX-License-Identifier: MIT
// Response headers as an origin (or anything between it and the cache) may send them, through
// the freshness computation and the cache tag parsers. Input layout:
//   u16 status        HTTP status (0: none set)
//   i32 clock         response time, seconds from 2024-01-01T00:00:00Z
//   rest              header lines "Name: value" separated by '\n' ('\r' dropped)
#include "fuzz_common.h"

#include "freshness_p.h"
#include "tags_p.h"

#include <QtCore/QLocale>
#include <QtCore/QRegularExpression>
#include <QtCore/QSet>
#include <QtNetwork/QNetworkCacheMetaData>
#include <QtNetwork/QNetworkRequest>

using namespace tiercache;

namespace {

constexpr qint64 MaxDeltaSeconds = Q_INT64_C(2147483648); // RFC 9111 1.2.2

QString latin1(const QByteArray &b)
{
    return QString::fromLatin1(b);
}

QString imfFixdate(const QDateTime &utc)
{
    return QLocale::c().toString(utc, QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"));
}

void checkCacheControl(const QByteArray &value)
{
    const CacheControl cc = CacheControl::parse(value);
    for (const char *directive : {"max-age", "s-maxage", "stale-while-revalidate", "no-cache"}) {
        const std::optional<qint64> s = cc.seconds(directive);
        FUZZ_CHECK(!s || (*s >= 0 && *s <= MaxDeltaSeconds),
                   QStringLiteral("%1=%2 from \"%3\"")
                           .arg(QLatin1String(directive))
                           .arg(*s)
                           .arg(latin1(value)));
        FUZZ_CHECK(!s || cc.has(directive), latin1(value));
    }
}

void checkHttpDate(const QByteArray &value)
{
    const QDateTime date = parseHttpDate(value);
    if (!date.isValid())
        return;
    FUZZ_CHECK(date.timeSpec() == Qt::UTC, latin1(value));
    // An IMF-fixdate names its year in full (RFC 9110 5.6.7: any 4 digits): it is not moved.
    static const QRegularExpression imf(QStringLiteral(
            "^\\s*[A-Za-z]{3}, \\d\\d [A-Za-z]{3} (\\d{4}) \\d\\d:\\d\\d:\\d\\d GMT\\s*$"));
    if (const QRegularExpressionMatch m = imf.match(latin1(value)); m.hasMatch()) {
        FUZZ_CHECK_UNLESS_KNOWN("imf-year", date.date().year() == m.captured(1).toInt(),
                                QStringLiteral("\"%1\" parsed as %2")
                                        .arg(latin1(value), date.toString(Qt::ISODate)));
    }
    // What parses must mean the same instant when written back as an IMF-fixdate.
    if (date.date().year() >= 1000 && date.date().year() <= 9999) {
        const QString text = imfFixdate(date);
        const QDateTime again = parseHttpDate(text.toLatin1());
        FUZZ_CHECK_UNLESS_KNOWN(
                "imf-year", again == date,
                QStringLiteral("\"%1\" parsed as %2; its IMF-fixdate \"%3\" parses as %4")
                        .arg(latin1(value), date.toString(Qt::ISODate), text,
                             again.toString(Qt::ISODate)));
    }
}

// Every IMF-fixdate a server may send (RFC 9110 5.6.7: any 4-digit year) parses to itself.
void checkDateRoundTrip(qint32 clock, quint16 status)
{
    const qint64 days = (quint32(clock) ^ (quint32(status) << 16))
            % quint32(QDate(9999, 12, 31).toJulianDay() - QDate(1000, 1, 1).toJulianDay());
    const QDateTime date = QDateTime(QDate(1000, 1, 1).addDays(days), QTime(0, 0), Qt::UTC)
                                   .addSecs(quint32(clock) % 86400);
    const QString text = imfFixdate(date);
    const QDateTime parsed = parseHttpDate(text.toLatin1());
    FUZZ_CHECK_UNLESS_KNOWN(
            "imf-year", parsed == date,
            QStringLiteral("\"%1\" parsed as %2").arg(text, parsed.toString(Qt::ISODate)));
}

void checkStructuredList(const QByteArray &value)
{
    QStringList problems;
    const QStringList items = tags::parseStructuredStringList(value, &problems);
    // Written back as an sf-list of sf-strings, the items parse to themselves.
    QByteArray serialized;
    for (const QString &item : items) {
        for (const QChar c : item)
            FUZZ_CHECK(c.unicode() >= 0x20 && c.unicode() <= 0x7e,
                       QStringLiteral("item \"%1\"").arg(item));
        if (!serialized.isEmpty())
            serialized += ", ";
        QByteArray quoted = item.toLatin1();
        quoted.replace('\\', "\\\\").replace('"', "\\\"");
        serialized += '"' + quoted + '"';
    }
    QStringList problemsAgain;
    const QStringList again = tags::parseStructuredStringList(serialized, &problemsAgain);
    FUZZ_CHECK(again == items && problemsAgain.isEmpty(),
               QStringLiteral("\"%1\" -> [%2] -> \"%3\" -> [%4] %5")
                       .arg(latin1(value), items.join(QLatin1Char('|')), latin1(serialized),
                            again.join(QLatin1Char('|')), problemsAgain.join(QLatin1String("; "))));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::ByteReader in(data, size);
    const quint16 status = in.integral<quint16>();
    const qint32 clock = in.integral<qint32>();
    const QByteArray text = in.rest();

    QNetworkCacheMetaData::RawHeaderList headers;
    for (QByteArray line : text.split('\n')) {
        line.replace('\r', QByteArray());
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    QNetworkCacheMetaData md;
    md.setUrl(QUrl(QStringLiteral("https://origin.example/resource")));
    md.setRawHeaders(headers);
    if (status != 0) {
        QNetworkCacheMetaData::AttributesMap attributes;
        attributes.insert(QNetworkRequest::HttpStatusCodeAttribute, int(status % 1000));
        md.setAttributes(attributes);
    }

    for (const auto &h : std::as_const(headers)) {
        checkCacheControl(h.second);
        checkHttpDate(h.second);
    }
    checkDateRoundTrip(clock, status);

    // Freshness.
    const QDateTime responseTime =
            QDateTime(QDate(2024, 1, 1), QTime(0, 0), Qt::UTC).addSecs(clock);
    const QDateTime expires = computeExpiration(md, responseTime);
    const CacheControl cc = CacheControl::parse(rawHeader(md, "cache-control"));
    const QString context = QStringLiteral("response time %1, status %2, headers:\n%3")
                                    .arg(responseTime.toString(Qt::ISODate))
                                    .arg(statusCode(md))
                                    .arg(latin1(text));
    // A qualified no-cache="field" only keeps the named fields from being stored (RFC 9111
    // 5.2.2.4); the response itself stays as fresh as its other directives say.
    if (cc.hasWithoutArgument("no-cache") || cc.has("no-store") || !hasFreshnessInformation(md)) {
        FUZZ_CHECK(expires == responseTime,
                   QStringLiteral("expires %1 without freshness information; %2")
                           .arg(expires.toString(Qt::ISODate), context));
    }
    // Never fresher than the longest lifetime the headers can grant: max-age (at most 2^31 s),
    // the heuristic (at most a day) or Expires itself.
    QDateTime latest = responseTime.addSecs(MaxDeltaSeconds);
    const QDateTime expiresHeader = parseHttpDate(rawHeader(md, "expires"));
    if (expiresHeader.isValid() && expiresHeader > latest)
        latest = expiresHeader;
    FUZZ_CHECK(!expires.isValid() || expires <= latest,
               QStringLiteral("expires %1, later than %2; %3")
                       .arg(expires.toString(Qt::ISODate), latest.toString(Qt::ISODate), context));
    // An invalid result (treated as stale by NetworkCache and QNAM) only for an Age beyond the
    // range of delta-seconds; anything else yields a real instant.
    {
        bool ok = false;
        const qint64 age = rawHeader(md, "age").trimmed().toLongLong(&ok);
        FUZZ_CHECK(expires.isValid() || (ok && age > MaxDeltaSeconds),
                   QStringLiteral("invalid expiration; %1").arg(context));
    }

    // Tags.
    QStringList problems;
    const QStringList tagList = tags::fromHeaders(md, &problems);
    FUZZ_CHECK(tagList.size() <= tags::MaxTagsPerResponse,
               QStringLiteral("%1 tags").arg(tagList.size()));
    FUZZ_CHECK(QSet<QString>(tagList.cbegin(), tagList.cend()).size() == tagList.size(),
               QStringLiteral("duplicate tags: %1").arg(tagList.join(QLatin1Char('|'))));
    for (const QString &tag : tagList) {
        QString why;
        FUZZ_CHECK(tags::isValidTag(tag, &why), QStringLiteral("tag \"%1\": %2").arg(tag, why));
    }
    for (const auto &h : std::as_const(headers)) {
        if (h.second.size() <= tags::MaxHeaderLength)
            checkStructuredList(h.second);
    }
    return 0;
}
