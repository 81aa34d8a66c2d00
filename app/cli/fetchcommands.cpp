// SPDX-License-Identifier: MIT
#include "fetchcommands.h"

#include "context.h"
#include "demoorigin.h"
#include "format.h"
#include "inspectcommands.h"

#include <tiercache/networkcache.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QEventLoop>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>

namespace tiercache::cli {

namespace {
    constexpr int TransferTimeoutMs = 30000;
    constexpr int DefaultDemoCount = 20;
    constexpr qint64 DefaultDemoSize = 16 * 1024;

    struct FetchResult
    {
        bool fromCache = false;
        bool revalidated = false; //!< served from the cache after the origin answered 304
        int status = 0;
        qint64 bytes = 0;
        QString error; //!< empty when the fetch succeeded
    };

    FetchResult fetchOne(Context &context, const QUrl &url)
    {
        // An entry that is there but stale is revalidated by QNAM: served from the cache after a
        // 304 means the origin confirmed it, which is worth telling apart from a plain hit.
        const CacheEntryInfo before = context.cache()->entryInfo(url);
        const bool wasStale = before.isValid() && before.isExpired();
        QNetworkRequest request(url);
        request.setTransferTimeout(TransferTimeoutMs);
        QNetworkReply *reply = context.networkAccessManager()->get(request);
        FetchResult result;
        // Count and drop the body as it arrives: memory stays flat however large it is.
        QObject::connect(reply, &QIODevice::readyRead, reply, [&result, reply] {
            result.bytes += qMax<qint64>(0, reply->skip(reply->bytesAvailable()));
        });
        if (!reply->isFinished()) {
            QEventLoop loop;
            QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
            loop.exec(QEventLoop::ExcludeUserInputEvents);
        }
        result.bytes += qMax<qint64>(0, reply->skip(reply->bytesAvailable()));
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.fromCache = reply->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool();
        if (reply->error() != QNetworkReply::NoError)
            result.error = reply->errorString();
        result.revalidated = wasStale && result.fromCache && result.error.isEmpty();
        delete reply;
        return result;
    }

    //! "HIT  200       4096  what": one line per request, the same for fetch and demo.
    void printFetch(QTextStream &out, const FetchResult &r, const QString &what)
    {
        out << (r.fromCache ? "HIT " : "MISS") << ' '
            << (r.status ? QString::number(r.status) : QStringLiteral("-")).rightJustified(3) << ' '
            << QString::number(r.bytes).rightJustified(10) << "  " << what;
        if (r.revalidated)
            out << "  (revalidated)";
        if (!r.error.isEmpty())
            out << "  (" << r.error << ')';
        out << Qt::endl;
    }
} // namespace

int fetchCommand(Context &context, const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption tagOption(
            QStringLiteral("tag"),
            QStringLiteral("Tag what is stored with TAG too, besides the tags of its "
                           "Cache-Tag, Surrogate-Key and Cache-Groups headers. "
                           "Repeatable."),
            QStringLiteral("TAG"));
    parser.addOption(tagOption);
    parser.addPositionalArgument(QStringLiteral("URL"),
                                 QStringLiteral("http or https URLs to GET."),
                                 QStringLiteral("URL..."));
    if (auto code = context.parseCommand(
                parser, QStringLiteral("fetch"),
                QStringLiteral("GET each URL through the cache. Prints HIT or MISS, "
                               "the status, the body bytes and the URL; \"(revalidated)\" "
                               "when a stale entry was confirmed by the origin."),
                args)) {
        return *code;
    }
    const QString usage = usageOf(parser, QStringLiteral("fetch"));
    const QStringList texts = parser.positionalArguments();
    if (texts.isEmpty())
        return context.usageError(QStringLiteral("fetch needs at least one URL"), usage);
    const QStringList extraTags = parser.values(tagOption);
    for (const QString &tag : extraTags) {
        if (tag.isEmpty())
            return context.usageError(QStringLiteral("--tag needs a tag"), usage);
    }
    // All URLs are checked before anything is fetched: a typo in the last one should not
    // leave the command half done.
    QList<QUrl> urls;
    for (const QString &text : texts) {
        if (const auto url = context.cacheableUrl(text))
            urls.append(*url);
    }
    if (urls.size() != texts.size())
        return UsageError;
    if (const int code = context.openCache(Access::Store); code != Success)
        return code;
    if (!extraTags.isEmpty()) {
        context.cache()->setTagCallback(
                [extraTags](const QUrl &, const QNetworkCacheMetaData &) { return extraTags; });
    }

    int failed = 0;
    for (const QUrl &url : std::as_const(urls)) {
        const FetchResult r = fetchOne(context, url);
        printFetch(context.out(), r, Context::displayUrl(url));
        if (!r.error.isEmpty())
            ++failed;
    }
    // An error here means a body could not be stored (full disk, unwritable directory).
    if (context.reportCacheError())
        return Failure;
    if (failed) {
        context.error(QStringLiteral("%1 of %2 fetches failed").arg(failed).arg(urls.size()));
        return Failure;
    }
    return Success;
}

int demoCommand(Context &context, const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption countOption(
            QStringLiteral("count"),
            QStringLiteral("URLs to fetch (default %1).").arg(DefaultDemoCount),
            QStringLiteral("N"));
    const QCommandLineOption sizeOption(
            QStringLiteral("size"),
            QStringLiteral("Body size of each (default %1).").arg(humanSize(DefaultDemoSize)),
            QStringLiteral("SIZE"));
    parser.addOption(countOption);
    parser.addOption(sizeOption);
    if (auto code = context.parseCommand(
                parser, QStringLiteral("demo"),
                QStringLiteral("Start a local origin on 127.0.0.1, fetch N URLs from it twice "
                               "through the cache and report the hits. Succeeds only if the "
                               "second pass is served entirely from the cache."),
                args)) {
        return *code;
    }
    const QString usage = usageOf(parser, QStringLiteral("demo"));
    if (!parser.positionalArguments().isEmpty())
        return context.usageError(QStringLiteral("demo takes no arguments"), usage);
    int count = DefaultDemoCount;
    if (parser.isSet(countOption)) {
        bool ok = false;
        count = parser.value(countOption).toInt(&ok);
        if (!ok || count < 1 || count > 100000)
            return context.usageError(QStringLiteral("--count needs a number from 1 to 100000"),
                                      usage);
    }
    qint64 size = DefaultDemoSize;
    if (parser.isSet(sizeOption)) {
        const auto parsed = parseSize(parser.value(sizeOption));
        // Qt 6.4's QNetworkAccessManager never finishes a cache load of an empty body, so the
        // library does not offer them and a demo with empty bodies could never hit.
        if (!parsed || *parsed < 1)
            return context.usageError(QStringLiteral("--size needs a size of at least 1 byte"),
                                      usage);
        size = *parsed;
    }
    if (const int code = context.openCache(Access::Store); code != Success)
        return code;
    NetworkCache *cache = context.cache();
    QTextStream &out = context.out();
    // A body that cannot fit the budget is passed through unstored (CachePolicy): a demo of
    // such bodies shows that, and expects no hits.
    const qint64 largestStored = cache->policy().maximumBodySizeFor(cache->maximumCacheSize());
    const bool storable = largestStored < 0 || size <= largestStored;

    DemoOrigin origin(size);
    if (!origin.listen()) {
        context.error(QStringLiteral("cannot start the demo origin: %1").arg(origin.errorString()));
        return Failure;
    }
    out << "cache directory: " << cache->cacheDirectory() << '\n'
        << "origin: " << origin.itemUrl(0).toString(QUrl::RemovePath) << ", " << count
        << " items of " << humanSize(size) << '\n';
    if (!storable)
        out << "items larger than " << humanSize(largestStored) << " (1/"
            << cache->policy().budgetShareDivisor() << " of the "
            << humanSize(cache->maximumCacheSize()) << " budget) are passed through unstored\n";
    out.flush();

    int hits[2] = {0, 0};
    int failed = 0;
    for (int pass = 0; pass < 2; ++pass) {
        for (int i = 0; i < count; ++i) {
            const QUrl url = origin.itemUrl(i);
            const FetchResult r = fetchOne(context, url);
            out << "pass " << pass + 1 << ' ';
            printFetch(out, r, url.path());
            if (r.fromCache && r.error.isEmpty())
                ++hits[pass];
            if (!r.error.isEmpty())
                ++failed;
        }
    }
    // Whole percentages rounded down, so that "100%" never stands for 199 out of 200.
    const auto ratio = [](int part, int whole) {
        return QStringLiteral("%1%").arg(qint64(part) * 100 / whole);
    };
    out << '\n'
        << "origin requests: " << origin.requestCount()
        << ", hit ratio: " << ratio(hits[0] + hits[1], 2 * count) << " (second pass "
        << ratio(hits[1], count) << ")\n\n";
    // The same summary as `stats`, and the first entries as `ls` shows them.
    printSummary(out, summaryFigures(context));
    out << '\n';
    printEntryTable(out, cache->entries(EntryFilter(), 0, 10));
    if (cache->tierStatistics().size() > 1) {
        out << '\n';
        printTierStatistics(out, cache->tierStatistics());
    }

    if (context.reportCacheError())
        return Failure;
    if (failed) {
        context.error(QStringLiteral("%1 of %2 fetches failed").arg(failed).arg(2 * count));
        return Failure;
    }
    if (hits[1] != (storable ? count : 0)) {
        context.error(QStringLiteral("only %1 of %2 second-pass requests were served from the "
                                     "cache")
                              .arg(hits[1])
                              .arg(count));
        return Failure;
    }
    return Success;
}

} // namespace tiercache::cli
