// SPDX-License-Identifier: MIT
#include "command.h"

#include "entrycommands.h"
#include "fetchcommands.h"
#include "inspectcommands.h"
#include "maintenancecommands.h"

namespace tiercache::cli {

namespace {
    //! Where the summaries start in the overview: past the longest synopsis line and a space.
    constexpr int SummaryColumn = 33;
} // namespace

const QList<Command> &commands()
{
    // One table rather than self-registering statics: the overview's order is chosen, and a
    // reader sees every command in one place.
    static const QList<Command> all = {
            {QStringLiteral("fetch"),
             {QStringLiteral("fetch [--tag TAG] URL...")},
             {QStringLiteral("GET each URL through the cache; prints HIT or MISS,"),
              QStringLiteral("status, body bytes and URL; --tag adds cache tags")},
             &fetchCommand},
            {QStringLiteral("ls"),
             {QStringLiteral("ls [--limit N] [--json]"),
              QStringLiteral("   [--url TEXT] [--tag TAG]"), QStringLiteral("   [--type PREFIX]"),
              QStringLiteral("   [--expired | --fresh]")},
             {QStringLiteral("entries, most recently used first; filters:"),
              QStringLiteral("URL substring, cache tag, Content-Type prefix,"),
              QStringLiteral("expired or fresh only")},
             &listCommand},
            {QStringLiteral("top"),
             {QStringLiteral("top [--by hits|size|age]"),
              QStringLiteral("    [--limit N] [--json]")},
             {QStringLiteral("the most hit, largest or oldest entries")},
             &topCommand},
            {QStringLiteral("show"),
             {QStringLiteral("show URL")},
             {QStringLiteral("an entry's headers, freshness, tiers and tags")},
             &showCommand},
            {QStringLiteral("cat"),
             {QStringLiteral("cat URL")},
             {QStringLiteral("an entry's body to stdout, verified")},
             &catCommand},
            {QStringLiteral("tags"),
             {QStringLiteral("tags [--json]")},
             {QStringLiteral("every cache tag with its number of entries")},
             &tagsCommand},
            {QStringLiteral("invalidate-tag"),
             {QStringLiteral("invalidate-tag TAG...")},
             {QStringLiteral("remove the entries carrying any of the tags")},
             &invalidateTagCommand},
            {QStringLiteral("soft-purge"),
             {QStringLiteral("soft-purge TAG...")},
             {QStringLiteral("mark them stale: revalidated on their next use")},
             &softPurgeCommand},
            {QStringLiteral("stats"),
             {QStringLiteral("stats [--json]"), QStringLiteral("      [--series [--minutes N]]"),
              QStringLiteral("      [--reset]")},
             {QStringLiteral("entries, bodies, bytes, dedup, lookups, hits, misses,"),
              QStringLiteral("revalidations, traffic; --series: per minute"),
              QStringLiteral("(last 60 minutes by default); --reset zeroes them")},
             &statsCommand},
            {QStringLiteral("verify"),
             {QStringLiteral("verify [--repair]")},
             {QStringLiteral("re-read every body; --repair removes damaged entries")},
             &verifyCommand},
            {QStringLiteral("rm"),
             {QStringLiteral("rm URL...")},
             {QStringLiteral("remove the entries of these URLs")},
             &removeCommand},
            {QStringLiteral("clear"),
             {QStringLiteral("clear")},
             {QStringLiteral("remove every entry")},
             &clearCommand},
            {QStringLiteral("gc"),
             {QStringLiteral("gc")},
             {QStringLiteral("reclaim disk space nothing refers to")},
             &collectGarbageCommand},
            {QStringLiteral("demo"),
             {QStringLiteral("demo [--count N] [--size SIZE]")},
             {QStringLiteral("fetch N URLs twice from a built-in local origin")},
             &demoCommand},
            {QStringLiteral("plugins"),
             {QStringLiteral("plugins [--json]")},
             {QStringLiteral("the tier plugins found, and why any cannot be used")},
             &pluginsCommand},
    };
    return all;
}

const Command *findCommand(const QString &name)
{
    for (const Command &command : commands()) {
        if (command.name == name)
            return &command;
    }
    return nullptr;
}

QString commandOverview()
{
    QString text;
    for (const Command &command : commands()) {
        const qsizetype lines = qMax(command.synopsis.size(), command.summary.size());
        for (qsizetype i = 0; i < lines; ++i) {
            const QString left = QLatin1String("  ") + command.synopsis.value(i);
            const QString right = command.summary.value(i);
            // No padding before an empty summary line: nothing to align, no trailing blanks.
            text += right.isEmpty()
                    ? left
                    : left.leftJustified(SummaryColumn - 1) + QLatin1Char(' ') + right;
            text += QLatin1Char('\n');
        }
    }
    return text;
}

} // namespace tiercache::cli
