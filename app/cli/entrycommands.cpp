// SPDX-License-Identifier: MIT
#include "entrycommands.h"

#include "context.h"
#include "format.h"

#include <tiercache/networkcache.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QIODevice>

#include <cstdio>
#include <memory>

namespace tiercache::cli {

namespace {
    //! The one URL argument of show and cat, or an exit code.
    std::optional<QUrl> urlArgument(Context &context, const QStringList &args,
                                    const QString &command, const QString &description,
                                    int *exitCode)
    {
        QCommandLineParser parser;
        parser.addPositionalArgument(QStringLiteral("URL"), QStringLiteral("The entry's URL."));
        if (auto code = context.parseCommand(parser, command, description, args)) {
            *exitCode = *code;
            return std::nullopt;
        }
        if (parser.positionalArguments().size() != 1) {
            *exitCode = context.usageError(QStringLiteral("%1 needs one URL").arg(command),
                                           usageOf(parser, command));
            return std::nullopt;
        }
        const auto url = context.cacheableUrl(parser.positionalArguments().constFirst());
        if (!url) {
            *exitCode = UsageError;
            return std::nullopt;
        }
        *exitCode = context.openCache(Access::Inspect);
        if (*exitCode != Success)
            return std::nullopt;
        return url;
    }

    QString header(const QNetworkCacheMetaData &md, const QByteArray &name)
    {
        for (const auto &h : md.rawHeaders()) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return QString::fromLatin1(h.second);
        }
        return {};
    }

    //! Where the freshness lifetime came from, in the words of RFC 9111 section 4.2.1.
    QString lifetimeSource(const QNetworkCacheMetaData &md)
    {
        const QString cc = header(md, "cache-control");
        if (cc.contains(QLatin1String("s-maxage")) || cc.contains(QLatin1String("max-age")))
            return QStringLiteral("Cache-Control: %1").arg(cc);
        if (!header(md, "expires").isEmpty())
            return QStringLiteral("Expires: %1").arg(header(md, "expires"));
        if (!header(md, "last-modified").isEmpty())
            return QStringLiteral("heuristic: 10% of the time since Last-Modified (%1), at most "
                                  "a day")
                    .arg(header(md, "last-modified"));
        return QStringLiteral("no freshness information: the cache policy's default TTL, "
                              "else stale at once");
    }
} // namespace

int showCommand(Context &context, const QStringList &args)
{
    int code = Success;
    const auto url = urlArgument(
            context, args, QStringLiteral("show"),
            QStringLiteral("Show an entry: its stored headers, whether it is fresh and why, the "
                           "tiers that hold it and its cache tags. Changes nothing."),
            &code);
    if (!url)
        return code;
    NetworkCache *cache = context.cache();
    QTextStream &out = context.out();
    const CacheEntryInfo info = cache->entryInfo(*url);
    const QNetworkCacheMetaData md = cache->metaData(*url);
    if (!info.isValid() || !md.isValid()) {
        context.error(QStringLiteral("not cached: %1").arg(Context::displayUrl(*url)));
        return Failure;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    printField(out, "url", Context::displayUrl(info.url()));
    printField(out, "status", QString::number(info.statusCode()));
    printField(out, "body", sizeAndBytes(info.bodySize()));
    if (!info.digest().isEmpty())
        printField(out, "sha-256", QString::fromLatin1(info.digest()));
    if (info.created().isValid())
        printField(out, "stored", info.created().toString(Qt::ISODate));
    if (info.lastAccess().isValid())
        printField(out, "last access", info.lastAccess().toString(Qt::ISODate));
    printField(out, "hits", QString::number(info.hitCount()));
    const bool expired = info.isExpired(now);
    printField(out, "freshness",
               QStringLiteral("%1 (%2)").arg(expired ? QStringLiteral("stale")
                                                     : QStringLiteral("fresh"),
                                             relativeExpiry(info.expires(), now)));
    printField(out, "lifetime from", lifetimeSource(md));
    printField(out, "next use",
               expired ? QStringLiteral("revalidated with the origin (a 304 keeps the body)")
                       : QStringLiteral("served from the cache without asking the origin"));
    QStringList holders;
    for (const TierStatistics &t : cache->tierStatistics()) {
        EntryFilter filter;
        filter.setTier(t.name());
        filter.setUrlContains(info.url().toString(QUrl::FullyEncoded));
        const QList<CacheEntryInfo> found = cache->entries(filter, 0, -1);
        for (const CacheEntryInfo &e : found) {
            if (e.url() == info.url()) {
                holders.append(t.spec());
                break;
            }
        }
    }
    printField(out, "tiers",
               holders.isEmpty() ? QStringLiteral("-") : holders.join(QLatin1String(", ")));
    printField(out, "tags",
               info.tags().isEmpty() ? QStringLiteral("-") : info.tags().join(QLatin1String(", ")));
    out << "headers:\n";
    for (const auto &h : md.rawHeaders())
        out << "  " << QString::fromLatin1(h.first) << ": " << QString::fromLatin1(h.second)
            << '\n';
    out.flush();
    return context.reportCacheError() ? Failure : Success;
}

int catCommand(Context &context, const QStringList &args)
{
    int code = Success;
    const auto url = urlArgument(
            context, args, QStringLiteral("cat"),
            QStringLiteral("Write an entry's body to stdout, checked chunk by chunk against its "
                           "checksums. Damage ends it with an error (exit 1). Changes nothing."),
            &code);
    if (!url)
        return code;
    NetworkCache *cache = context.cache();
    const QNetworkCacheMetaData md = cache->metaData(*url);
    const std::unique_ptr<QIODevice> body(md.isValid() ? cache->data(*url) : nullptr);
    if (!body) {
        context.error(QStringLiteral("not cached: %1").arg(Context::displayUrl(*url)));
        return Failure;
    }
    const qint64 expected = cache->entryInfo(*url).bodySize();
    context.out().flush();
    QFile out;
    if (!out.open(stdout, QIODevice::WriteOnly | QIODevice::Unbuffered)) {
        context.error(QStringLiteral("cannot write to stdout"));
        return Failure;
    }
    qint64 written = 0;
    QByteArray buffer(64 * 1024, Qt::Uninitialized);
    QElapsedTimer idle;
    idle.start();
    for (;;) {
        const qint64 n = body->read(buffer.data(), buffer.size());
        if (n < 0)
            break;
        if (n == 0) {
            if (body->atEnd() || idle.hasExpired(30000))
                break;
            body->waitForReadyRead(100);
            QCoreApplication::processEvents();
            continue;
        }
        idle.restart();
        if (out.write(buffer.constData(), n) != n) {
            context.error(QStringLiteral("cannot write to stdout: %1").arg(out.errorString()));
            return Failure;
        }
        written += n;
    }
    // The device stops at the first chunk that fails its checksum: fewer bytes than stored.
    if (written != expected) {
        context.error(QStringLiteral("body of %1 is damaged (%2 of %3 bytes were good): %4")
                              .arg(Context::displayUrl(*url))
                              .arg(written)
                              .arg(expected)
                              .arg(body->errorString()));
        return Failure;
    }
    return Success;
}

} // namespace tiercache::cli
