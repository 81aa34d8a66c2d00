// SPDX-License-Identifier: MIT
#include "maintenancecommands.h"

#include "context.h"
#include "format.h"

#include <tiercache/networkcache.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QElapsedTimer>

#include <cstdio>
#include <unistd.h>

namespace tiercache::cli {

namespace {
    enum class Purge { Remove, MarkStale };

    //! invalidate-tag and soft-purge: the same command line, a different cache call.
    int purgeTags(Context &context, const QStringList &args, Purge purge)
    {
        const bool soft = purge == Purge::MarkStale;
        const QString command =
                soft ? QStringLiteral("soft-purge") : QStringLiteral("invalidate-tag");
        QCommandLineParser parser;
        parser.addPositionalArgument(QStringLiteral("TAG"), QStringLiteral("Cache tags."),
                                     QStringLiteral("TAG..."));
        const QString description = soft
                ? QStringLiteral(
                        "Mark every entry carrying any of the tags stale. Nothing is "
                        "deleted: the next request for one revalidates it, and a 304 keeps "
                        "the stored body.")
                : QStringLiteral("Remove every entry carrying any of the tags, from every tier.");
        if (auto code = context.parseCommand(parser, command, description, args))
            return *code;
        const QStringList tagList = parser.positionalArguments();
        if (tagList.isEmpty())
            return context.usageError(QStringLiteral("%1 needs at least one tag").arg(command),
                                      usageOf(parser, command));
        for (const QString &tag : tagList) {
            if (tag.isEmpty())
                return context.usageError(QStringLiteral("%1: empty tag").arg(command),
                                          usageOf(parser, command));
        }
        if (const int code = context.openCache(Access::Modify); code != Success)
            return code;
        NetworkCache *cache = context.cache();
        const int affected = soft ? cache->softPurgeTags(tagList) : cache->invalidateTags(tagList);
        if (context.reportCacheError())
            return Failure;
        const QString tagged = tagList.join(QLatin1String(", "));
        if (soft)
            context.out() << "marked " << affected << " entries stale (tags: " << tagged << ')'
                          << Qt::endl;
        else
            context.out() << "removed " << affected << " entries (tags: " << tagged << ')'
                          << Qt::endl;
        return Success;
    }
} // namespace

int verifyCommand(Context &context, const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption repairOption(
            QStringLiteral("repair"),
            QStringLiteral("Remove the entries of damaged bodies (they are fetched again)."));
    parser.addOption(repairOption);
    if (auto code = context.parseCommand(
                parser, QStringLiteral("verify"),
                QStringLiteral("Re-read every body and check its checksums and SHA-256. "
                               "Without --repair nothing is changed: damage is reported."),
                args)) {
        return *code;
    }
    if (!parser.positionalArguments().isEmpty())
        return context.usageError(QStringLiteral("verify takes no arguments"),
                                  usageOf(parser, QStringLiteral("verify")));
    const bool repair = parser.isSet(repairOption);
    if (const int code = context.openCache(repair ? Access::Modify : Access::Inspect);
        code != Success)
        return code;
    QTextStream &out = context.out();
    QTextStream &err = context.err();

    // A terminal gets one line rewritten in place; a log file or pipe gets a line per tenth,
    // so that it neither fills up with carriage returns nor stays silent for a long run.
    const bool tty = ::isatty(STDERR_FILENO) == 1;
    int lastShown = -1;
    bool drewLine = false;
    QElapsedTimer sinceDrawn;
    qint64 lastTotal = 0;
    const auto progress = [&](qint64 done, qint64 total) {
        if (total <= 0)
            return true;
        lastTotal = total;
        const int percent = int(done * 100 / total);
        const QString text = QStringLiteral("verifying: %1% (%2 of %3)")
                                     .arg(percent)
                                     .arg(humanSize(done), humanSize(total));
        if (tty) {
            if (percent != lastShown || !sinceDrawn.isValid() || sinceDrawn.hasExpired(250)) {
                err << '\r' << text << "\x1b[K";
                err.flush();
                lastShown = percent;
                drewLine = true;
                sinceDrawn.start();
            }
        } else if (percent / 10 != lastShown / 10 || lastShown < 0) {
            err << text << Qt::endl;
            lastShown = percent;
        }
        return true;
    };
    const VerifyReport report = context.cache()->verify(progress);
    // Bodies removed or skipped while it ran leave the last figure short of the total: the
    // run is complete, and the progress says so.
    if (lastTotal > 0 && lastShown != 100)
        progress(lastTotal, lastTotal);
    if (drewLine)
        err << Qt::endl;
    if (context.reportCacheError())
        return Failure;

    out << "checked: " << report.checked() << " bodies, " << humanSize(report.bytesChecked())
        << '\n'
        << "damaged: " << report.damaged() << " bodies, " << report.removedEntries()
        << " entries removed\n";
    for (const QString &problem : report.problems())
        out << "  " << problem << '\n';
    out.flush();
    if (report.damaged() > 0) {
        context.error(repair ? QStringLiteral("%1 damaged bodies found; their entries were "
                                              "removed and will be fetched again")
                                       .arg(report.damaged())
                             : QStringLiteral("%1 damaged bodies found; nothing was changed "
                                              "(verify --repair removes their entries)")
                                       .arg(report.damaged()));
        return Failure;
    }
    return Success;
}

int removeCommand(Context &context, const QStringList &args)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("URL"),
                                 QStringLiteral("URLs whose entries to remove."),
                                 QStringLiteral("URL..."));
    if (auto code = context.parseCommand(parser, QStringLiteral("rm"),
                                         QStringLiteral("Remove cached entries."), args))
        return *code;
    const QStringList texts = parser.positionalArguments();
    if (texts.isEmpty())
        return context.usageError(QStringLiteral("rm needs at least one URL"),
                                  usageOf(parser, QStringLiteral("rm")));
    QList<QUrl> urls;
    for (const QString &text : texts) {
        if (const auto url = context.cacheableUrl(text))
            urls.append(*url);
    }
    if (urls.size() != texts.size())
        return UsageError;
    if (const int code = context.openCache(Access::Modify); code != Success)
        return code;
    NetworkCache *cache = context.cache();

    int exitCode = Success;
    for (const QUrl &url : std::as_const(urls)) {
        // remove() answers false both for "no such entry" and for a failure; ask first so
        // that the message says which.
        if (!cache->entryInfo(url).isValid()) {
            context.error(QStringLiteral("not cached: %1").arg(Context::displayUrl(url)));
            exitCode = Failure;
        } else if (!cache->remove(url)) {
            const QString why = cache->errorString().isEmpty() ? QStringLiteral("unknown error")
                                                               : cache->errorString();
            context.error(
                    QStringLiteral("cannot remove %1: %2").arg(Context::displayUrl(url), why));
            exitCode = Failure;
        } else {
            context.out() << "removed " << Context::displayUrl(url) << Qt::endl;
        }
    }
    return exitCode;
}

int clearCommand(Context &context, const QStringList &args)
{
    QCommandLineParser parser;
    if (auto code = context.parseCommand(parser, QStringLiteral("clear"),
                                         QStringLiteral("Remove every entry."), args))
        return *code;
    if (!parser.positionalArguments().isEmpty())
        return context.usageError(QStringLiteral("clear takes no arguments"),
                                  usageOf(parser, QStringLiteral("clear")));
    if (const int code = context.openCache(Access::Modify); code != Success)
        return code;
    NetworkCache *cache = context.cache();
    const CacheSummary before = cache->summary();
    cache->clear();
    if (context.reportCacheError())
        return Failure;
    context.out() << "removed " << before.entryCount() << " entries, "
                  << humanSize(before.storedBytes()) << Qt::endl;
    return Success;
}

int collectGarbageCommand(Context &context, const QStringList &args)
{
    QCommandLineParser parser;
    if (auto code = context.parseCommand(
                parser, QStringLiteral("gc"),
                QStringLiteral("Reclaim disk space nothing refers to: orphaned bodies "
                               "and stale temporary files."),
                args)) {
        return *code;
    }
    if (!parser.positionalArguments().isEmpty())
        return context.usageError(QStringLiteral("gc takes no arguments"),
                                  usageOf(parser, QStringLiteral("gc")));
    if (const int code = context.openCache(Access::Modify); code != Success)
        return code;
    const qint64 reclaimed = context.cache()->collectGarbage();
    if (context.reportCacheError())
        return Failure;
    context.out() << "reclaimed " << humanSize(reclaimed) << " (" << reclaimed << " bytes)"
                  << Qt::endl;
    return Success;
}

int invalidateTagCommand(Context &context, const QStringList &args)
{
    return purgeTags(context, args, Purge::Remove);
}

int softPurgeCommand(Context &context, const QStringList &args)
{
    return purgeTags(context, args, Purge::MarkStale);
}

} // namespace tiercache::cli
