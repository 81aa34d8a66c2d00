// SPDX-License-Identifier: MIT
#include "format.h"

#include <tiercache/tierspec.h>

#include <QtCore/QHash>
#include <QtCore/QRegularExpression>

#include <cmath>
#include <limits>

namespace tiercache::cli {

QString humanSize(qint64 bytes)
{
    if (bytes < 1024 && bytes > -1024)
        return QStringLiteral("%1 B").arg(bytes);
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = double(bytes) / 1024.0;
    int unit = 0;
    while (std::abs(value) >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    return QStringLiteral("%1 %2").arg(value, 0, 'f', 1).arg(QLatin1String(units[unit]));
}

QString sizeAndBytes(qint64 bytes)
{
    return QStringLiteral("%1 (%2 bytes)").arg(humanSize(bytes)).arg(bytes);
}

std::optional<qint64> parseSize(const QString &text)
{
    bool ok = false;
    const qint64 size = TierSpec::parseSize(text, &ok); // the one size grammar, as in tier specs
    return ok ? std::optional<qint64>(size) : std::nullopt;
}

namespace {
    constexpr int MaxTagsWidth = 32; //!< of the TAGS column; longer lists end in "+N"

    //! Pads \a text to \a width; right-aligned for numbers, left-aligned for text.
    QString cell(const QString &text, int width, bool right)
    {
        return right ? text.rightJustified(width) : text.leftJustified(width);
    }

    QString shortDuration(qint64 seconds)
    {
        // Rounded to the nearest unit, and a unit only once there are 1.5 of it: a fresh
        // max-age=300 entry reads "in 5m", not "in 4m".
        const auto rounded = [seconds](qint64 unit) { return (seconds + unit / 2) / unit; };
        if (seconds < 90)
            return QStringLiteral("%1s").arg(seconds);
        if (seconds < 90 * 60)
            return QStringLiteral("%1m").arg(rounded(60));
        if (seconds < 36 * 3600)
            return QStringLiteral("%1h").arg(rounded(3600));
        return QStringLiteral("%1d").arg(rounded(86400));
    }
} // namespace

QString relativeExpiry(const QDateTime &expires, const QDateTime &now)
{
    // Soft purges and other forced expirations set the epoch: "expired 20000d ago" would
    // only be noise.
    if (!expires.isValid() || expires.toMSecsSinceEpoch() <= 0)
        return QStringLiteral("expired");
    const qint64 seconds = now.secsTo(expires);
    // Same rule as CacheEntryInfo::isExpired(): the expiration instant itself is stale.
    if (expires > now)
        return QStringLiteral("in ") + shortDuration(qMax<qint64>(seconds, 0));
    return QStringLiteral("expired ") + shortDuration(-seconds) + QStringLiteral(" ago");
}

QString percentage(qint64 part, qint64 whole)
{
    if (whole <= 0)
        return QStringLiteral("0.0%");
    return QStringLiteral("%1%").arg(100.0 * double(part) / double(whole), 0, 'f', 1);
}

QString tagList(const QStringList &tags, int width)
{
    if (tags.isEmpty())
        return QStringLiteral("-");
    const QString all = tags.join(QLatin1Char(','));
    if (all.size() <= width)
        return all;
    QString text;
    qsizetype shown = 0;
    for (; shown < tags.size(); ++shown) {
        const QString next = text.isEmpty() ? tags[shown] : text + QLatin1Char(',') + tags[shown];
        if (next.size() + QStringLiteral(",+%1").arg(tags.size() - shown - 1).size() > width)
            break;
        text = next;
    }
    if (shown > 0)
        return text + QStringLiteral(",+%1").arg(tags.size() - shown);
    // Not even the first fits: cut it.
    const QString rest = tags.size() > 1 ? QStringLiteral(",+%1").arg(tags.size() - 1) : QString();
    return tags.first().left(qMax(1, int(width - 3 - rest.size()))) + QLatin1String("...") + rest;
}

qint64 dedupSavings(const CacheSummary &summary)
{
    // A body whose entries are all being invalidated still counts as distinct until it goes.
    return qMax<qint64>(0, summary.bodyBytes() - summary.distinctBodyBytes());
}

// ---------------------------------------------------------------------------------------------

QStringList formatTable(const QList<QStringList> &rows, const QList<bool> &rightAligned)
{
    QList<int> widths;
    for (const QStringList &row : rows) {
        widths.resize(qMax(widths.size(), row.size()));
        for (int i = 0; i < row.size(); ++i)
            widths[i] = qMax(widths[i], int(row[i].size()));
    }
    QStringList lines;
    for (const QStringList &row : rows) {
        QString line;
        for (int i = 0; i < row.size(); ++i) {
            const bool right = rightAligned.value(i);
            if (i)
                line += QLatin1String("  ");
            line += i == row.size() - 1 && !right ? row[i] : cell(row[i], widths[i], right);
        }
        lines.append(line);
    }
    return lines;
}

void printTable(QTextStream &out, const QList<QStringList> &rows, const QList<bool> &rightAligned)
{
    for (const QString &line : formatTable(rows, rightAligned))
        out << line << '\n';
}

void printField(QTextStream &out, const char *label, const QString &value)
{
    out << cell(QLatin1String(label) + QLatin1Char(':'), 20, false) << value << '\n';
}

void printJson(QTextStream &out, const QJsonDocument &document)
{
    out << document.toJson(QJsonDocument::Indented);
    out.flush();
}

// ---------------------------------------------------------------------------------------------

void printEntryTable(QTextStream &out, const QList<CacheEntryInfo> &entries)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    // Fixed columns first and the URL last, so that long URLs do not push the rest around.
    QList<QStringList> rows;
    rows.append({QStringLiteral("BODY"), QStringLiteral("STORED"), QStringLiteral("HITS"),
                 QStringLiteral("EXPIRES"), QStringLiteral("TYPE"), QStringLiteral("TAGS"),
                 QStringLiteral("URL")});
    for (const CacheEntryInfo &e : entries) {
        rows.append({humanSize(e.bodySize()), humanSize(e.storedSize()),
                     QString::number(e.hitCount()), relativeExpiry(e.expires(), now),
                     e.contentType().isEmpty() ? QStringLiteral("-")
                                               : QString::fromLatin1(e.contentType()),
                     tagList(e.tags(), MaxTagsWidth),
                     // What rm, fetch and show take back: spaces and non-ASCII encoded.
                     e.url().adjusted(QUrl::RemovePassword).toString(QUrl::FullyEncoded)});
    }
    printTable(out, rows, {true, true, true, false, false, false, false});
    out.flush();
}

QJsonArray entriesJson(const QList<CacheEntryInfo> &entries)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QJsonArray array;
    for (const CacheEntryInfo &e : entries) {
        QJsonObject o;
        o.insert(QStringLiteral("url"),
                 e.url().adjusted(QUrl::RemovePassword).toString(QUrl::FullyEncoded));
        o.insert(QStringLiteral("status"), e.statusCode());
        o.insert(QStringLiteral("bodySize"), e.bodySize());
        o.insert(QStringLiteral("storedSize"), e.storedSize());
        o.insert(QStringLiteral("hits"), e.hitCount());
        o.insert(QStringLiteral("contentType"), QString::fromLatin1(e.contentType()));
        o.insert(QStringLiteral("digest"), QString::fromLatin1(e.digest()));
        o.insert(QStringLiteral("created"), e.created().toString(Qt::ISODateWithMs));
        o.insert(QStringLiteral("lastAccess"), e.lastAccess().toString(Qt::ISODateWithMs));
        o.insert(QStringLiteral("expires"),
                 e.expires().isValid() ? QJsonValue(e.expires().toString(Qt::ISODateWithMs))
                                       : QJsonValue());
        o.insert(QStringLiteral("expired"), e.isExpired(now));
        o.insert(QStringLiteral("tags"), QJsonArray::fromStringList(e.tags()));
        array.append(o);
    }
    return array;
}

void printSummary(QTextStream &out, const SummaryFigures &figures)
{
    const CacheSummary &s = figures.summary;
    printField(out, "directory", figures.directory);
    printField(out, "entries", QString::number(s.entryCount()));
    printField(out, "distinct bodies", QString::number(s.blobCount()));
    printField(out, "body bytes", sizeAndBytes(s.bodyBytes()));
    QString stored = QStringLiteral("%1 of %2 maximum (%3)")
                             .arg(humanSize(s.storedBytes()), humanSize(s.maximumSize()),
                                  percentage(s.storedBytes(), s.maximumSize()));
    if (!figures.budgetNote.isEmpty())
        stored += QStringLiteral("; ") + figures.budgetNote;
    printField(out, "stored bytes", stored);
    printField(out, "hits on entries", QString::number(s.totalHits()));
    printField(out, "dedup savings",
               QStringLiteral("%1 (%2 of body bytes)")
                       .arg(humanSize(figures.dedupSavings),
                            percentage(figures.dedupSavings, s.bodyBytes())));
    out.flush();
}

void printCounters(QTextStream &out, const Statistics &st)
{
    printField(out, "lookups", QString::number(st.lookups()));
    printField(out, "hits", QString::number(st.hits()));
    printField(out, "stale hits", QString::number(st.staleHits()));
    printField(out, "misses", QString::number(st.misses()));
    printField(out, "hit ratio", percentage(st.hits(), st.lookups()));
    printField(out, "revalidations", QString::number(st.revalidations()));
    printField(out, "bytes from cache", sizeAndBytes(st.bytesFromCache()));
    printField(out, "bytes from network", sizeAndBytes(st.bytesFromNetwork()));
    printField(out, "inserts", QString::number(st.inserts()));
    printField(out, "evictions", QString::number(st.evictions()));
    printField(out, "promotions", QString::number(st.promotions()));
    printField(out, "invalidations", QString::number(st.invalidations()));
}

void printTierStatistics(QTextStream &out, const QList<TierStatistics> &tiers)
{
    // The catalogue keeps the totals for every process; per tier there is only what this
    // process did, so in a bare `stats` the sizes are what tells something.
    out << "tiers, L1 first (lookups, hits and writes of this run):\n";
    QList<QStringList> rows;
    rows.append({QStringLiteral("TIER"), QStringLiteral("LOOKUPS"), QStringLiteral("HITS"),
                 QStringLiteral("MISSES"), QStringLiteral("PROMOTIONS"), QStringLiteral("WRITES"),
                 QStringLiteral("FAILED"), QStringLiteral("SIZE")});
    for (const TierStatistics &t : tiers) {
        rows.append({t.spec(), QString::number(t.lookups()), QString::number(t.hits()),
                     QString::number(t.misses()), QString::number(t.promotions()),
                     QString::number(t.writes()), QString::number(t.writeFailures()),
                     humanSize(t.size())});
    }
    printTable(out, rows, {false, true, true, true, true, true, true, true});
    out.flush();
}

void printSeries(QTextStream &out, const QList<Statistics::Minute> &recent, int minutes)
{
    if (recent.isEmpty()) {
        out << "no lookups or inserts in the last " << minutes << " minutes" << '\n';
        return;
    }
    QList<QStringList> rows;
    rows.append({QStringLiteral("MINUTE (UTC)"), QStringLiteral("LOOKUPS"), QStringLiteral("HITS"),
                 QStringLiteral("STALE"), QStringLiteral("MISSES"), QStringLiteral("FROM CACHE"),
                 QStringLiteral("FROM NETWORK")});
    for (const Statistics::Minute &m : recent) {
        rows.append({m.start().toUTC().toString(QStringLiteral("yyyy-MM-dd hh:mm")),
                     QString::number(m.lookups()), QString::number(m.hits()),
                     QString::number(m.staleHits()), QString::number(m.misses()),
                     humanSize(m.bytesFromCache()), humanSize(m.bytesFromNetwork())});
    }
    printTable(out, rows, {false, true, true, true, true, true, true});
}

QJsonObject statisticsJson(const SummaryFigures &figures, const Statistics &st,
                           const std::optional<QList<Statistics::Minute>> &series)
{
    const CacheSummary &s = figures.summary;
    QJsonObject o;
    o.insert(QStringLiteral("directory"), figures.directory);
    o.insert(QStringLiteral("entries"), s.entryCount());
    o.insert(QStringLiteral("distinctBodies"), s.blobCount());
    o.insert(QStringLiteral("bodyBytes"), s.bodyBytes());
    o.insert(QStringLiteral("storedBytes"), s.storedBytes());
    o.insert(QStringLiteral("maximumSize"), s.maximumSize());
    o.insert(QStringLiteral("totalHits"), s.totalHits());
    o.insert(QStringLiteral("dedupSavings"), figures.dedupSavings);
    QJsonObject counters;
    counters.insert(QStringLiteral("lookups"), st.lookups());
    counters.insert(QStringLiteral("hits"), st.hits());
    counters.insert(QStringLiteral("staleHits"), st.staleHits());
    counters.insert(QStringLiteral("misses"), st.misses());
    counters.insert(QStringLiteral("hitRatio"), st.hitRatio());
    counters.insert(QStringLiteral("revalidations"), st.revalidations());
    counters.insert(QStringLiteral("bytesFromCache"), st.bytesFromCache());
    counters.insert(QStringLiteral("bytesFromNetwork"), st.bytesFromNetwork());
    counters.insert(QStringLiteral("inserts"), st.inserts());
    counters.insert(QStringLiteral("evictions"), st.evictions());
    counters.insert(QStringLiteral("promotions"), st.promotions());
    counters.insert(QStringLiteral("invalidations"), st.invalidations());
    o.insert(QStringLiteral("statistics"), counters);
    QJsonArray tiers;
    for (const TierStatistics &t : st.tiers()) {
        QJsonObject to;
        to.insert(QStringLiteral("spec"), t.spec());
        to.insert(QStringLiteral("name"), t.name());
        to.insert(QStringLiteral("lookups"), t.lookups());
        to.insert(QStringLiteral("hits"), t.hits());
        to.insert(QStringLiteral("misses"), t.misses());
        to.insert(QStringLiteral("promotions"), t.promotions());
        to.insert(QStringLiteral("writes"), t.writes());
        to.insert(QStringLiteral("writeFailures"), t.writeFailures());
        to.insert(QStringLiteral("size"), t.size());
        to.insert(QStringLiteral("maxEntrySize"), t.maxEntrySize());
        tiers.append(to);
    }
    o.insert(QStringLiteral("tiers"), tiers);
    if (series) {
        QJsonArray minutesArray;
        for (const Statistics::Minute &m : *series) {
            QJsonObject mo;
            mo.insert(QStringLiteral("start"), m.start().toUTC().toString(Qt::ISODate));
            mo.insert(QStringLiteral("lookups"), m.lookups());
            mo.insert(QStringLiteral("hits"), m.hits());
            mo.insert(QStringLiteral("staleHits"), m.staleHits());
            mo.insert(QStringLiteral("misses"), m.misses());
            mo.insert(QStringLiteral("revalidations"), m.revalidations());
            mo.insert(QStringLiteral("bytesFromCache"), m.bytesFromCache());
            mo.insert(QStringLiteral("bytesFromNetwork"), m.bytesFromNetwork());
            mo.insert(QStringLiteral("inserts"), m.inserts());
            mo.insert(QStringLiteral("evictions"), m.evictions());
            minutesArray.append(mo);
        }
        o.insert(QStringLiteral("series"), minutesArray);
    }
    return o;
}

void printTagTable(QTextStream &out, const QList<QPair<QString, qint64>> &counts)
{
    // The count first, as `uniq -c` has it: tags can be long, numbers are not.
    QList<QStringList> rows;
    rows.append({QStringLiteral("ENTRIES"), QStringLiteral("TAG")});
    for (const auto &tag : counts)
        rows.append({QString::number(tag.second), tag.first});
    printTable(out, rows, {true, false});
    out.flush();
}

QJsonArray tagsJson(const QList<QPair<QString, qint64>> &counts)
{
    QJsonArray array;
    for (const auto &tag : counts) {
        array.append(QJsonObject {{QStringLiteral("tag"), tag.first},
                                  {QStringLiteral("entries"), tag.second}});
    }
    return array;
}

void printPluginTable(QTextStream &out, const QList<TierPluginInfo> &plugins)
{
    QList<QStringList> rows;
    rows.append({QStringLiteral("ID"), QStringLiteral("NAME"), QStringLiteral("FILE")});
    for (const TierPluginInfo &p : plugins) {
        rows.append({p.id().isEmpty() ? QStringLiteral("-") : p.id(),
                     p.name().isEmpty() ? QStringLiteral("-") : p.name(), p.fileName()});
    }
    const QStringList lines = formatTable(rows, {false, false, false});
    out << lines.first() << '\n';
    for (qsizetype i = 0; i < plugins.size(); ++i) {
        out << lines.at(i + 1) << '\n';
        const TierPluginInfo &p = plugins.at(i);
        if (!p.isUsable()) {
            out << "    unusable: " << p.errorString() << '\n';
            continue;
        }
        if (!p.description().isEmpty())
            out << "    " << p.description() << '\n';
        // Every option of the spec with its type, default and meaning: what --tier takes.
        for (const QJsonValue &value : p.config()) {
            const QJsonObject option = value.toObject();
            const QString fallback = option.value(QStringLiteral("default")).toString();
            out << "    " << option.value(QStringLiteral("key")).toString() << " ("
                << option.value(QStringLiteral("type")).toString()
                << (fallback.isEmpty() ? QString() : QStringLiteral(", default ") + fallback)
                << "): " << option.value(QStringLiteral("description")).toString() << '\n';
        }
    }
    out.flush();
}

QJsonArray pluginsJson(const QList<TierPluginInfo> &plugins)
{
    QJsonArray array;
    for (const TierPluginInfo &p : plugins) {
        QJsonObject o;
        o.insert(QStringLiteral("id"), p.id());
        o.insert(QStringLiteral("name"), p.name());
        o.insert(QStringLiteral("description"), p.description());
        o.insert(QStringLiteral("file"), p.fileName());
        o.insert(QStringLiteral("apiVersion"), p.apiVersion());
        o.insert(QStringLiteral("config"), p.config());
        o.insert(QStringLiteral("usable"), p.isUsable());
        o.insert(QStringLiteral("error"),
                 p.isUsable() ? QJsonValue() : QJsonValue(p.errorString()));
        array.append(o);
    }
    return array;
}

} // namespace tiercache::cli
