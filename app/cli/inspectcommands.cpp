// SPDX-License-Identifier: MIT
#include "inspectcommands.h"

#include "context.h"

#include <tiercache/networkcache.h>
#include <tiercache/tierloader.h>

#include <QtCore/QCommandLineParser>

namespace tiercache::cli {

namespace {
    constexpr int DefaultTopLimit = 10;
    constexpr int DefaultSeriesMinutes = 60;

    //! What ls and top share: --limit and --json, and the entries they select.
    struct ListOptions
    {
        QCommandLineOption limit {QStringLiteral("limit"),
                                  QStringLiteral("Show at most N entries."), QStringLiteral("N")};
        QCommandLineOption json {QStringLiteral("json"), QStringLiteral("Print a JSON array.")};

        void addTo(QCommandLineParser &parser) const
        {
            parser.addOption(limit);
            parser.addOption(json);
        }
    };

    //! The minutes of \a series within the last \a minutes, the current one included.
    QList<Statistics::Minute> recentMinutes(const QList<Statistics::Minute> &series, int minutes)
    {
        const qint64 nowMinute = QDateTime::currentMSecsSinceEpoch() / 60000;
        const QDateTime from =
                QDateTime::fromMSecsSinceEpoch((nowMinute - minutes + 1) * 60000, Qt::UTC);
        QList<Statistics::Minute> result;
        for (const Statistics::Minute &m : series) {
            if (m.start() >= from)
                result.append(m);
        }
        return result;
    }
} // namespace

SummaryFigures summaryFigures(Context &context)
{
    NetworkCache *cache = context.cache();
    SummaryFigures figures;
    figures.summary = cache->summary();
    figures.dedupSavings = dedupSavings(figures.summary);
    figures.directory = cache->cacheDirectory();
    figures.budgetNote = context.budgetNote();
    return figures;
}

int listCommand(Context &context, const QStringList &args)
{
    QCommandLineParser parser;
    const ListOptions listOptions;
    listOptions.addTo(parser);
    const QCommandLineOption urlOption(QStringLiteral("url"),
                                       QStringLiteral("Only URLs containing TEXT."),
                                       QStringLiteral("TEXT"));
    const QCommandLineOption tagOption(QStringLiteral("tag"),
                                       QStringLiteral("Only entries carrying cache tag TAG."),
                                       QStringLiteral("TAG"));
    const QCommandLineOption typeOption(
            QStringLiteral("type"),
            QStringLiteral("Only Content-Types starting with PREFIX (e.g. image/)."),
            QStringLiteral("PREFIX"));
    const QCommandLineOption expiredOption(
            QStringLiteral("expired"),
            QStringLiteral("Only expired entries (revalidated on their next use)."));
    const QCommandLineOption freshOption(QStringLiteral("fresh"),
                                         QStringLiteral("Only fresh entries."));
    for (const QCommandLineOption *option :
         {&urlOption, &tagOption, &typeOption, &expiredOption, &freshOption})
        parser.addOption(*option);
    if (auto code = context.parseCommand(
                parser, QStringLiteral("ls"),
                QStringLiteral("List the entries, most recently used first, and how many of "
                               "all there are. Filters combine: an entry must match each."),
                args)) {
        return *code;
    }
    const QString usage = usageOf(parser, QStringLiteral("ls"));
    if (!parser.positionalArguments().isEmpty())
        return context.usageError(QStringLiteral("ls takes no arguments"), usage);
    int limit = -1;
    if (parser.isSet(listOptions.limit)) {
        bool ok = false;
        limit = parser.value(listOptions.limit).toInt(&ok);
        if (!ok || limit < 0)
            return context.usageError(QStringLiteral("--limit needs a number of entries"), usage);
    }
    if (parser.isSet(expiredOption) && parser.isSet(freshOption))
        return context.usageError(QStringLiteral("--expired and --fresh exclude each other"),
                                  usage);
    EntryFilter filter;
    filter.setUrlContains(parser.value(urlOption));
    filter.setTag(parser.value(tagOption));
    filter.setContentType(parser.value(typeOption));
    if (parser.isSet(expiredOption))
        filter.setExpiry(EntryFilter::Expiry::ExpiredOnly);
    else if (parser.isSet(freshOption))
        filter.setExpiry(EntryFilter::Expiry::FreshOnly);
    const bool filtered = !filter.urlContains().isEmpty() || !filter.tag().isEmpty()
            || !filter.contentType().isEmpty() || filter.expiry() != EntryFilter::Expiry::Any;
    if (const int code = context.openCache(Access::Inspect); code != Success)
        return code;
    NetworkCache *cache = context.cache();
    QTextStream &out = context.out();

    const QList<CacheEntryInfo> entries = cache->entries(filter, 0, limit);
    if (context.reportCacheError())
        return Failure;
    if (parser.isSet(listOptions.json)) {
        printJson(out, QJsonDocument(entriesJson(entries)));
        return context.reportCacheError() ? Failure : Success;
    }
    const qint64 total = cache->entryCount();
    // Only counted when it can differ from what is shown: a full scan for a bare ls is waste.
    const qint64 matching = filtered && limit >= 0 && entries.size() >= limit
            ? cache->entryCount(filter)
            : entries.size();
    if (entries.isEmpty()) {
        out.flush();
        if (total == 0)
            context.err() << "no entries" << Qt::endl;
        else
            context.err() << "no entries match (" << total << " in all)" << Qt::endl;
        return context.reportCacheError() ? Failure : Success;
    }
    printEntryTable(out, entries);
    out << entries.size() << " of " << total << " entries";
    if (matching > entries.size())
        out << " (" << matching << " match)";
    out << Qt::endl;
    return context.reportCacheError() ? Failure : Success;
}

int topCommand(Context &context, const QStringList &args)
{
    QCommandLineParser parser;
    const ListOptions listOptions;
    listOptions.addTo(parser);
    const QCommandLineOption byOption(
            QStringLiteral("by"),
            QStringLiteral("hits (most hit first, the default), size (largest bodies "
                           "first) or age (stored longest ago first)."),
            QStringLiteral("ORDER"));
    parser.addOption(byOption);
    if (auto code = context.parseCommand(
                parser, QStringLiteral("top"),
                QStringLiteral("The hottest, largest or oldest entries (10 unless --limit)."),
                args)) {
        return *code;
    }
    const QString usage = usageOf(parser, QStringLiteral("top"));
    if (!parser.positionalArguments().isEmpty())
        return context.usageError(QStringLiteral("top takes no arguments"), usage);
    int limit = DefaultTopLimit;
    if (parser.isSet(listOptions.limit)) {
        bool ok = false;
        limit = parser.value(listOptions.limit).toInt(&ok);
        if (!ok || limit < 1)
            return context.usageError(QStringLiteral("--limit needs a number of entries from 1"),
                                      usage);
    }
    EntryFilter filter;
    const QString by = parser.isSet(byOption) ? parser.value(byOption) : QStringLiteral("hits");
    if (by == QLatin1String("hits"))
        filter.setOrder(EntryFilter::Order::MostHits);
    else if (by == QLatin1String("size"))
        filter.setOrder(EntryFilter::Order::Largest);
    else if (by == QLatin1String("age"))
        filter.setOrder(EntryFilter::Order::Oldest);
    else
        return context.usageError(QStringLiteral("--by needs hits, size or age, not '%1'").arg(by),
                                  usage);
    if (const int code = context.openCache(Access::Inspect); code != Success)
        return code;
    const QList<CacheEntryInfo> entries = context.cache()->entries(filter, 0, limit);
    if (context.reportCacheError())
        return Failure;
    const bool json = parser.isSet(listOptions.json);
    if (entries.isEmpty() && !json) {
        context.out().flush();
        context.err() << "no entries" << Qt::endl;
        return Success;
    }
    if (json)
        printJson(context.out(), QJsonDocument(entriesJson(entries)));
    else
        printEntryTable(context.out(), entries);
    return context.reportCacheError() ? Failure : Success;
}

int statsCommand(Context &context, const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption jsonOption(QStringLiteral("json"),
                                        QStringLiteral("Print a JSON object."));
    const QCommandLineOption seriesOption(
            QStringLiteral("series"),
            QStringLiteral("Add the counters per minute, for the minutes with activity."));
    const QCommandLineOption minutesOption(
            QStringLiteral("minutes"),
            QStringLiteral("How far back --series goes (default %1; implies --series).")
                    .arg(DefaultSeriesMinutes),
            QStringLiteral("N"));
    const QCommandLineOption resetOption(
            QStringLiteral("reset"),
            QStringLiteral("Zero the counters and the series, for every process "
                           "using the directory. Shows nothing else."));
    for (const QCommandLineOption *option :
         {&jsonOption, &seriesOption, &minutesOption, &resetOption})
        parser.addOption(*option);
    if (auto code = context.parseCommand(
                parser, QStringLiteral("stats"),
                QStringLiteral("Summarize the cache: what it holds, and how well it worked for "
                               "every process using the directory."),
                args)) {
        return *code;
    }
    const QString usage = usageOf(parser, QStringLiteral("stats"));
    if (!parser.positionalArguments().isEmpty())
        return context.usageError(QStringLiteral("stats takes no arguments"), usage);
    const bool series = parser.isSet(seriesOption) || parser.isSet(minutesOption);
    int minutes = DefaultSeriesMinutes;
    if (parser.isSet(minutesOption)) {
        bool ok = false;
        minutes = parser.value(minutesOption).toInt(&ok);
        if (!ok || minutes < 1 || minutes > 525600)
            return context.usageError(
                    QStringLiteral("--minutes needs a number of minutes from 1 to 525600"), usage);
    }
    const bool reset = parser.isSet(resetOption);
    if (reset && (series || parser.isSet(jsonOption)))
        return context.usageError(QStringLiteral("--reset shows nothing; it cannot be combined "
                                                 "with --json or --series"),
                                  usage);
    if (const int code = context.openCache(reset ? Access::Modify : Access::Inspect);
        code != Success)
        return code;
    NetworkCache *cache = context.cache();
    QTextStream &out = context.out();
    if (reset) {
        cache->resetStatistics();
        if (context.reportCacheError())
            return Failure;
        out << "statistics reset" << Qt::endl;
        return Success;
    }
    if (!parser.isSet(jsonOption)) {
        printSummary(out, summaryFigures(context));
        out << '\n';
        const Statistics st = cache->statistics(0);
        printCounters(out, st);
        if (st.tiers().size() > 1) {
            out << '\n';
            printTierStatistics(out, cache->tierStatistics());
        }
        if (series) {
            out << '\n';
            printSeries(out, recentMinutes(st.series(), minutes), minutes);
        }
        out.flush();
        return context.reportCacheError() ? Failure : Success;
    }

    // Not summaryFigures(): JSON has no budget note, and the counters are read right after the
    // summary so that both describe the same moment.
    SummaryFigures figures;
    figures.summary = cache->summary();
    const Statistics st = cache->statistics(0);
    figures.directory = cache->cacheDirectory();
    figures.dedupSavings = dedupSavings(figures.summary);
    std::optional<QList<Statistics::Minute>> recent;
    if (series)
        recent = recentMinutes(st.series(), minutes);
    const QJsonObject json = statisticsJson(figures, st, recent);
    if (context.reportCacheError())
        return Failure;
    printJson(out, QJsonDocument(json));
    return Success;
}

int tagsCommand(Context &context, const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption jsonOption(QStringLiteral("json"),
                                        QStringLiteral("Print a JSON array."));
    parser.addOption(jsonOption);
    if (auto code = context.parseCommand(
                parser, QStringLiteral("tags"),
                QStringLiteral("List every cache tag with its number of entries, most used "
                               "first. Tags come from the Cache-Tag, Surrogate-Key and "
                               "Cache-Groups response headers, and from fetch --tag."),
                args)) {
        return *code;
    }
    if (!parser.positionalArguments().isEmpty())
        return context.usageError(QStringLiteral("tags takes no arguments"),
                                  usageOf(parser, QStringLiteral("tags")));
    if (const int code = context.openCache(Access::Inspect); code != Success)
        return code;
    const QList<QPair<QString, qint64>> counts = context.cache()->tags();
    if (context.reportCacheError())
        return Failure;
    if (parser.isSet(jsonOption)) {
        printJson(context.out(), QJsonDocument(tagsJson(counts)));
        return Success;
    }
    if (counts.isEmpty()) {
        context.out().flush();
        context.err() << "no tags" << Qt::endl;
        return Success;
    }
    printTagTable(context.out(), counts);
    return Success;
}

int pluginsCommand(Context &context, const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption jsonOption(QStringLiteral("json"),
                                        QStringLiteral("Print a JSON array."));
    parser.addOption(jsonOption);
    if (auto code = context.parseCommand(
                parser, QStringLiteral("plugins"),
                QStringLiteral("List the tier plugins found in $TIERCACHE_PLUGIN_PATH, "
                               "tiercache-plugins/ next to the tool and the library's plugin "
                               "directory, and why any that cannot be used cannot."),
                args)) {
        return *code;
    }
    if (!parser.positionalArguments().isEmpty())
        return context.usageError(QStringLiteral("plugins takes no arguments"),
                                  usageOf(parser, QStringLiteral("plugins")));
    // No cache is opened: the plugins are what --tier could use, whatever the directory holds.
    TierLoader loader;
    const QList<TierPluginInfo> found = loader.plugins();
    QTextStream &out = context.out();
    if (parser.isSet(jsonOption)) {
        printJson(out, QJsonDocument(pluginsJson(found)));
        return Success;
    }
    out << "search path: " << loader.searchPath().join(QLatin1Char(':')) << '\n';
    out << "built in: disk (DIR)\n";
    if (found.isEmpty()) {
        out.flush();
        context.err() << "no tier plugins found" << Qt::endl;
        return Success;
    }
    printPluginTable(out, found);
    return Success;
}

} // namespace tiercache::cli
