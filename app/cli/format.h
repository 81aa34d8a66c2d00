// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/cacheentryinfo.h>
#include <tiercache/statistics.h>
#include <tiercache/tierloader.h>

#include <QtCore/QDateTime>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QTextStream>

#include <optional>

// How the tool writes numbers, sizes, tables and JSON, and reads sizes back. Free functions of
// values, never of the cache: what a command shows can be checked without opening one, and the
// commands only decide *what* to show.
namespace tiercache::cli {

// ---- Numbers and sizes ----------------------------------------------------------------------

//! "11 B", "4.0 KiB", "1.5 GiB": binary units, as the cache budgets are given.
QString humanSize(qint64 bytes);

//! "4.0 KiB (4096 bytes)": the readable size and the exact one, for totals.
QString sizeAndBytes(qint64 bytes);

//! Parses "512MiB", "64KiB", "1GiB", "1.5G", "10MB" (decimal) or plain bytes; case does not
//! matter. Returns nothing for anything else, including negative sizes. The grammar is
//! TierSpec::parseSize(), shared with tier specs.
std::optional<qint64> parseSize(const QString &text);

//! "in 5m", "in 2d", "expired 2h ago" relative to \a now; "expired" when \a expires is invalid,
//! because the cache treats an entry without an expiration time as stale, or at or before the
//! epoch, which is how a soft purge marks entries.
QString relativeExpiry(const QDateTime &expires, const QDateTime &now);

//! \a part of \a whole as "12.5%" with one decimal; "0.0%" when \a whole is not positive.
QString percentage(qint64 part, qint64 whole);

//! "a,b,c", or as many whole tags as fit in \a width followed by "+N" for the rest; "-" for none.
QString tagList(const QStringList &tags, int width);

//! Bytes the content addressing saves: the entries' body bytes minus the distinct bodies'.
qint64 dedupSavings(const CacheSummary &summary);

// ---- Tables ---------------------------------------------------------------------------------

//! \a rows (the first is the header) as lines of columns two spaces apart; \a rightAligned
//! holds one flag per column (numbers right, text left). A left-aligned last column is not
//! padded: it holds what may be long (URLs, file names).
QStringList formatTable(const QList<QStringList> &rows, const QList<bool> &rightAligned);
void printTable(QTextStream &out, const QList<QStringList> &rows, const QList<bool> &rightAligned);

//! One "label:   value" line of stats; the values start in one column.
void printField(QTextStream &out, const char *label, const QString &value);

//! \a document indented, then flushed: JSON output is for scripts that read it whole.
void printJson(QTextStream &out, const QJsonDocument &document);

// ---- What the commands show -----------------------------------------------------------------

//! The entry table of ls, top and demo: fixed columns first, the URL last.
void printEntryTable(QTextStream &out, const QList<CacheEntryInfo> &entries);
//! The entries as ls --json and top --json print them.
QJsonArray entriesJson(const QList<CacheEntryInfo> &entries);

//! What the "what the cache holds" block of stats and demo shows.
struct SummaryFigures
{
    QString directory;
    CacheSummary summary;
    qint64 dedupSavings = 0;
    QString budgetNote; //!< where the budget came from when it was not given; may be empty
};
void printSummary(QTextStream &out, const SummaryFigures &figures);

//! The counters of stats: lookups, hits, traffic, inserts...
void printCounters(QTextStream &out, const Statistics &statistics);
//! The per-tier table of stats and demo (lookups, hits and writes of this process).
void printTierStatistics(QTextStream &out, const QList<TierStatistics> &tiers);
//! The per-minute table of stats --series; \a minutes is how far back it was asked to go.
void printSeries(QTextStream &out, const QList<Statistics::Minute> &recent, int minutes);
//! stats --json; \a series only when --series was asked for.
QJsonObject statisticsJson(const SummaryFigures &figures, const Statistics &statistics,
                           const std::optional<QList<Statistics::Minute>> &series);

//! The tags table of `tags`: the count first, as `uniq -c` has it.
void printTagTable(QTextStream &out, const QList<QPair<QString, qint64>> &counts);
QJsonArray tagsJson(const QList<QPair<QString, qint64>> &counts);

//! The plugin table of `plugins`, with why an unusable one cannot be used under its row.
void printPluginTable(QTextStream &out, const QList<TierPluginInfo> &plugins);
QJsonArray pluginsJson(const QList<TierPluginInfo> &plugins);

} // namespace tiercache::cli
