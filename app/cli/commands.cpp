// SPDX-License-Identifier: MIT
#include "commands.h"

#include "demoorigin.h"
#include "format.h"

#include <tiercache/networkcache.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFileInfo>
#include <QtCore/QHash>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QLoggingCategory>
#include <QtCore/QStandardPaths>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>

#include <cstdio>
#include <unistd.h>

namespace tiercache::cli {

namespace {
constexpr int TransferTimeoutMs = 30000;
constexpr int DefaultDemoCount = 20;
constexpr qint64 DefaultDemoSize = 16 * 1024;

const QString Description = QStringLiteral(
        "Inspect, verify and exercise a Tiercache HTTP cache directory.\n"
        "\n"
        "Commands:\n"
        "  fetch URL...                   GET each URL through the cache; prints HIT or MISS,\n"
        "                                 status, body bytes and URL\n"
        "  ls [--limit N] [--json]        entries, most recently used first\n"
        "  stats                          entries, bodies, bytes, hits, deduplication\n"
        "  verify                         re-read every body; damaged entries are removed\n"
        "  rm URL...                      remove the entries of these URLs\n"
        "  clear                          remove every entry\n"
        "  gc                             reclaim disk space nothing refers to\n"
        "  demo [--count N] [--size SIZE] fetch N URLs twice from a built-in local origin\n"
        "\n"
        "DIR defaults to $TIERCACHE_DIR, else %1.\n"
        "SIZE is bytes or 64KiB, 512MiB, 1GiB...; it defaults to $TIERCACHE_MAX_SIZE, else the\n"
        "library default. fetch and demo evict least recently used entries beyond it; without\n"
        "either, they leave room for what the directory already holds.\n"
        "Run 'tiercache COMMAND --help' for a command's options.");

QString defaultDirectory()
{
    const QString fromEnvironment = qEnvironmentVariable("TIERCACHE_DIR");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    return QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + QLatin1String("/tiercache");
}

//! QCommandLineParser names the executable as it was typed; usage reads better with the name.
QString usageOf(const QCommandLineParser &parser, const QString &command = QString())
{
    QString text = parser.helpText();
    const QString typed = QStringLiteral("Usage: ") + QCoreApplication::arguments().value(0);
    QString wanted = QStringLiteral("Usage: tiercache");
    if (!command.isEmpty())
        wanted += QLatin1Char(' ') + command;
    if (text.startsWith(typed))
        text.replace(0, typed.size(), wanted);
    return text;
}

//! Pads \a text to \a width; right-aligned for numbers, left-aligned for text.
QString cell(const QString &text, int width, bool right)
{
    return right ? text.rightJustified(width) : text.leftJustified(width);
}
} // namespace

Commands::Commands()
    : m_out(stdout),
      m_err(stderr),
      m_cacheOption(QStringLiteral("cache"), QStringLiteral("Cache directory."), QStringLiteral("DIR")),
      m_maxSizeOption(QStringLiteral("max-size"), QStringLiteral("Cache budget in bytes."),
                      QStringLiteral("SIZE")),
      m_verboseOption(QStringLiteral("verbose"), QStringLiteral("Show the library's log messages.")),
      m_nam(std::make_unique<QNetworkAccessManager>())
{
    m_cache = new NetworkCache;
    m_nam->setCache(m_cache); // the manager owns the cache, as in any application
    m_directory = defaultDirectory();
    m_maximumSize = m_cache->maximumCacheSize();
    // The library warns on its logging categories about what errorString() also reports; the
    // tool prints errorString() itself, so by default one line per problem is enough.
    // QT_LOGGING_RULES still overrides this.
    QLoggingCategory::setFilterRules(QStringLiteral("tiercache.*.warning=false"));
    qSetMessagePattern(QStringLiteral("tiercache: %{if-category}%{category}: %{endif}%{type}: %{message}"));
}

Commands::~Commands()
{
    // Explicitly before QCoreApplication goes: the cache flushes its pending hit counts here.
    m_nam.reset();
}

void Commands::addGlobalOptions(QCommandLineParser &parser) const
{
    parser.addOption(m_cacheOption);
    parser.addOption(m_maxSizeOption);
    parser.addOption(m_verboseOption);
}

bool Commands::applyGlobalOptions(const QCommandLineParser &parser)
{
    if (parser.isSet(m_cacheOption)) {
        m_directory = parser.value(m_cacheOption);
        if (m_directory.isEmpty()) {
            usageError(QStringLiteral("--cache needs a directory"), m_mainUsage);
            return false;
        }
    }
    if (parser.isSet(m_maxSizeOption)) {
        const auto size = parseSize(parser.value(m_maxSizeOption));
        if (!size) {
            usageError(QStringLiteral("invalid size '%1' (try 512MiB, 64KiB, 1GiB or a number of bytes)")
                               .arg(parser.value(m_maxSizeOption)),
                       m_mainUsage);
            return false;
        }
        m_maximumSize = *size;
        m_maximumSizeGiven = true;
    }
    if (parser.isSet(m_verboseOption))
        QLoggingCategory::setFilterRules(QStringLiteral("tiercache.*=true"));
    return true;
}

int Commands::run(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Description.arg(
            QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + QLatin1String("/tiercache")));
    // Not addHelpOption(): its --help-all is about GUI options this tool does not have.
    const QCommandLineOption helpOption(QStringList{QStringLiteral("h"), QStringLiteral("help")},
                                        QStringLiteral("Displays this help."));
    parser.addOption(helpOption);
    const QCommandLineOption versionOption = parser.addVersionOption();
    addGlobalOptions(parser);
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("One of the commands above."),
                                 QStringLiteral("COMMAND"));
    parser.addPositionalArgument(QStringLiteral("args"), QStringLiteral("Its arguments and options."),
                                 QStringLiteral("[ARGS...]"));
    // Everything after the command belongs to the command, which has options of its own.
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    m_mainUsage = usageOf(parser);

    if (!parser.parse(arguments))
        return usageError(parser.errorText(), m_mainUsage);
    if (parser.isSet(helpOption)) {
        m_out << m_mainUsage;
        return Success;
    }
    if (parser.isSet(versionOption)) {
        m_out << QCoreApplication::applicationName() << ' ' << QCoreApplication::applicationVersion()
              << Qt::endl;
        return Success;
    }
    const QString envSize = qEnvironmentVariable("TIERCACHE_MAX_SIZE");
    if (!envSize.isEmpty()) {
        const auto size = parseSize(envSize);
        if (!size)
            return usageError(QStringLiteral("invalid size in $TIERCACHE_MAX_SIZE: '%1'").arg(envSize), m_mainUsage);
        m_maximumSize = *size;
        m_maximumSizeGiven = true;
    }
    if (!applyGlobalOptions(parser))
        return UsageError;

    QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return usageError(QStringLiteral("no command given"), m_mainUsage);
    const QString command = positional.takeFirst();
    if (command == QLatin1String("fetch"))
        return fetch(positional);
    if (command == QLatin1String("ls"))
        return list(positional);
    if (command == QLatin1String("stats"))
        return stats(positional);
    if (command == QLatin1String("verify"))
        return verify(positional);
    if (command == QLatin1String("rm"))
        return remove(positional);
    if (command == QLatin1String("clear"))
        return clear(positional);
    if (command == QLatin1String("gc"))
        return collectGarbage(positional);
    if (command == QLatin1String("demo"))
        return demo(positional);
    return usageError(QStringLiteral("unknown command '%1'").arg(command), m_mainUsage);
}

std::optional<int> Commands::parseCommand(QCommandLineParser &parser, const QString &command,
                                          const QString &description, const QStringList &args)
{
    parser.setApplicationDescription(description);
    const QCommandLineOption helpOption(QStringList{QStringLiteral("h"), QStringLiteral("help")},
                                        QStringLiteral("Displays this help."));
    parser.addOption(helpOption);
    addGlobalOptions(parser);
    const QString usage = usageOf(parser, command);
    if (!parser.parse(QStringList(QCoreApplication::arguments().value(0)) + args))
        return usageError(parser.errorText(), usage);
    if (parser.isSet(helpOption)) {
        m_out << usage;
        return Success;
    }
    if (!applyGlobalOptions(parser))
        return UsageError;
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------

int Commands::usageError(const QString &message, const QString &usage)
{
    error(message);
    m_err << '\n' << usage;
    m_err.flush();
    return UsageError;
}

void Commands::error(const QString &message)
{
    m_out.flush(); // keep the order of what was printed so far
    m_err << "tiercache: error: " << message << Qt::endl;
}

bool Commands::openCache(bool mustExist, bool writes)
{
    // catalogue.db is part of the documented directory layout. Checking it first keeps the
    // inspecting commands from turning a mistyped --cache into a fresh, empty cache.
    if (mustExist && !QFileInfo::exists(m_directory + QLatin1String("/catalogue.db"))) {
        error(QStringLiteral("no cache in %1").arg(m_directory));
        return false;
    }
    m_cache->setCacheDirectory(m_directory);
    if (m_maximumSizeGiven)
        m_cache->setMaximumCacheSize(m_maximumSize);
    // NetworkCache opens lazily and has no open() of its own: any call that needs the
    // catalogue opens it, and error() says whether that worked.
    const qint64 stored = m_cache->cacheSize();
    if (reportCacheError())
        return false;
    if (!m_maximumSizeGiven && writes) {
        // The budget is not recorded in the directory: the application that owns it may use
        // a far larger one than the library default. Evicting its entries down to 45 MiB just
        // because someone ran `tiercache fetch` would be a nasty surprise, so leave room for
        // the default budget's worth of new bodies on top of what is there.
        m_cache->setMaximumCacheSize(qMax(m_maximumSize, (stored + m_maximumSize) / 9 * 10));
        m_budgetNote = QStringLiteral("no --max-size: what was there plus %1").arg(humanSize(m_maximumSize));
    } else if (!m_maximumSizeGiven) {
        m_budgetNote = QStringLiteral("library default; no --max-size given");
    }
    return true;
}

bool Commands::reportCacheError()
{
    if (m_cache->error() == NetworkCache::Error::NoError)
        return false;
    error(m_cache->errorString());
    return true;
}

std::optional<QUrl> Commands::cacheableUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    QString why;
    if (!url.isValid())
        why = url.errorString();
    else if (url.isRelative() || url.host().isEmpty())
        why = QStringLiteral("not an absolute URL with a host (e.g. https://example.org/)");
    else if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
        why = QStringLiteral("only http and https URLs are cached");
    else if (NetworkCache::cacheKey(url).isEmpty())
        why = QStringLiteral("the cache has no key for it");
    if (why.isEmpty())
        return url;
    error(QStringLiteral("invalid URL '%1': %2").arg(text, why));
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------

Commands::FetchResult Commands::fetchOne(const QUrl &url)
{
    QNetworkRequest request(url);
    request.setTransferTimeout(TransferTimeoutMs);
    QNetworkReply *reply = m_nam->get(request);
    FetchResult result;
    // Count and drop the body as it arrives: memory stays flat however large it is.
    QObject::connect(reply, &QIODevice::readyRead, reply,
                     [&result, reply] { result.bytes += qMax<qint64>(0, reply->skip(reply->bytesAvailable())); });
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
    delete reply;
    return result;
}

void Commands::printFetch(const FetchResult &r, const QString &what)
{
    m_out << (r.fromCache ? "HIT " : "MISS") << ' '
          << cell(r.status ? QString::number(r.status) : QStringLiteral("-"), 3, true) << ' '
          << cell(QString::number(r.bytes), 10, true) << "  " << what;
    if (!r.error.isEmpty())
        m_out << "  (" << r.error << ')';
    m_out << Qt::endl;
}

int Commands::fetch(const QStringList &args)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("URL"), QStringLiteral("http or https URLs to GET."),
                                 QStringLiteral("URL..."));
    if (auto code = parseCommand(parser, QStringLiteral("fetch"),
                                 QStringLiteral("GET each URL through the cache. Prints HIT or MISS, "
                                                "the status, the body bytes and the URL."),
                                 args)) {
        return *code;
    }
    const QStringList texts = parser.positionalArguments();
    if (texts.isEmpty())
        return usageError(QStringLiteral("fetch needs at least one URL"), usageOf(parser, QStringLiteral("fetch")));
    // All URLs are checked before anything is fetched: a typo in the last one should not
    // leave the command half done.
    QList<QUrl> urls;
    for (const QString &text : texts) {
        if (const auto url = cacheableUrl(text))
            urls.append(*url);
    }
    if (urls.size() != texts.size() || !openCache(false, true))
        return Failure;

    int failed = 0;
    for (const QUrl &url : std::as_const(urls)) {
        const FetchResult r = fetchOne(url);
        printFetch(r, url.toString());
        if (!r.error.isEmpty())
            ++failed;
    }
    // An error here means a body could not be stored (full disk, unwritable directory).
    if (reportCacheError())
        return Failure;
    if (failed) {
        error(QStringLiteral("%1 of %2 fetches failed").arg(failed).arg(urls.size()));
        return Failure;
    }
    return Success;
}

// ---------------------------------------------------------------------------------------------

void Commands::printEntries(int limit, bool json)
{
    const QList<CacheEntryInfo> entries = m_cache->entries(0, limit);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (json) {
        QJsonArray array;
        for (const CacheEntryInfo &e : entries) {
            QJsonObject o;
            o.insert(QStringLiteral("url"), e.url.toString(QUrl::FullyEncoded));
            o.insert(QStringLiteral("status"), e.statusCode);
            o.insert(QStringLiteral("bodySize"), e.bodySize);
            o.insert(QStringLiteral("storedSize"), e.storedSize);
            o.insert(QStringLiteral("hits"), e.hitCount);
            o.insert(QStringLiteral("contentType"), QString::fromLatin1(e.contentType));
            o.insert(QStringLiteral("digest"), QString::fromLatin1(e.digest));
            o.insert(QStringLiteral("created"), e.created.toString(Qt::ISODateWithMs));
            o.insert(QStringLiteral("lastAccess"), e.lastAccess.toString(Qt::ISODateWithMs));
            o.insert(QStringLiteral("expires"), e.expires.isValid() ? QJsonValue(e.expires.toString(Qt::ISODateWithMs))
                                                                    : QJsonValue());
            o.insert(QStringLiteral("expired"), e.isExpired(now));
            array.append(o);
        }
        m_out << QJsonDocument(array).toJson(QJsonDocument::Indented);
        m_out.flush();
        return;
    }
    if (entries.isEmpty()) {
        m_out.flush();
        m_err << "no entries" << Qt::endl;
        return;
    }

    // Fixed columns first and the URL last, so that long URLs do not push the rest around.
    const QStringList headers = {QStringLiteral("BODY"), QStringLiteral("STORED"), QStringLiteral("HITS"),
                                 QStringLiteral("EXPIRES"), QStringLiteral("TYPE"), QStringLiteral("URL")};
    const bool rightAligned[] = {true, true, true, false, false, false};
    QList<QStringList> rows;
    rows.append(headers);
    for (const CacheEntryInfo &e : entries) {
        rows.append({humanSize(e.bodySize), humanSize(e.storedSize), QString::number(e.hitCount),
                     relativeExpiry(e.expires, now),
                     e.contentType.isEmpty() ? QStringLiteral("-") : QString::fromLatin1(e.contentType),
                     e.url.toString()});
    }
    QList<int> widths(headers.size(), 0);
    for (const QStringList &row : std::as_const(rows)) {
        for (int i = 0; i < row.size(); ++i)
            widths[i] = qMax(widths[i], int(row[i].size()));
    }
    for (const QStringList &row : std::as_const(rows)) {
        QString line;
        for (int i = 0; i < row.size(); ++i) {
            if (i)
                line += QLatin1String("  ");
            line += i == row.size() - 1 ? row[i] : cell(row[i], widths[i], rightAligned[i]);
        }
        m_out << line << '\n';
    }
    m_out.flush();
}

int Commands::list(const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption limitOption(QStringLiteral("limit"), QStringLiteral("Show at most N entries."),
                                         QStringLiteral("N"));
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Print a JSON array."));
    parser.addOption(limitOption);
    parser.addOption(jsonOption);
    if (auto code = parseCommand(parser, QStringLiteral("ls"),
                                 QStringLiteral("List the entries, most recently used first."), args)) {
        return *code;
    }
    const QString usage = usageOf(parser, QStringLiteral("ls"));
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("ls takes no arguments"), usage);
    int limit = -1;
    if (parser.isSet(limitOption)) {
        bool ok = false;
        limit = parser.value(limitOption).toInt(&ok);
        if (!ok || limit < 0)
            return usageError(QStringLiteral("--limit needs a number of entries"), usage);
    }
    if (!openCache(true))
        return Failure;
    printEntries(limit, parser.isSet(jsonOption));
    return reportCacheError() ? Failure : Success;
}

// ---------------------------------------------------------------------------------------------

void Commands::printSummary()
{
    const CacheSummary s = m_cache->summary();
    // CacheSummary has no "bytes of distinct bodies", which the savings need: add them up
    // from the entries, one size per digest.
    QHash<QByteArray, qint64> bodies;
    const QList<CacheEntryInfo> entries = m_cache->entries();
    for (const CacheEntryInfo &e : entries)
        bodies.insert(e.digest, e.bodySize);
    qint64 distinctBytes = 0;
    for (qint64 size : std::as_const(bodies))
        distinctBytes += size;
    const qint64 saved = qMax<qint64>(0, s.bodyBytes - distinctBytes);

    const auto line = [this](const char *label, const QString &value) {
        m_out << cell(QLatin1String(label) + QLatin1Char(':'), 17, false) << value << '\n';
    };
    line("directory", m_cache->cacheDirectory());
    line("entries", QString::number(s.entryCount));
    line("distinct bodies", QString::number(s.blobCount));
    line("body bytes", QStringLiteral("%1 (%2 bytes)").arg(humanSize(s.bodyBytes)).arg(s.bodyBytes));
    QString stored = QStringLiteral("%1 of %2 maximum (%3)")
                             .arg(humanSize(s.storedBytes), humanSize(s.maximumSize),
                                  percentage(s.storedBytes, s.maximumSize));
    if (!m_budgetNote.isEmpty())
        stored += QStringLiteral("; ") + m_budgetNote;
    line("stored bytes", stored);
    line("total hits", QString::number(s.totalHits));
    line("dedup savings", QStringLiteral("%1 (%2 of body bytes)").arg(humanSize(saved), percentage(saved, s.bodyBytes)));
    m_out.flush();
}

int Commands::stats(const QStringList &args)
{
    QCommandLineParser parser;
    if (auto code = parseCommand(parser, QStringLiteral("stats"), QStringLiteral("Summarize the cache."), args))
        return *code;
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("stats takes no arguments"), usageOf(parser, QStringLiteral("stats")));
    if (!openCache(true))
        return Failure;
    printSummary();
    return reportCacheError() ? Failure : Success;
}

// ---------------------------------------------------------------------------------------------

int Commands::verify(const QStringList &args)
{
    QCommandLineParser parser;
    if (auto code = parseCommand(parser, QStringLiteral("verify"),
                                 QStringLiteral("Re-read every body and check its checksums and SHA-256. "
                                                "Damaged entries are removed."),
                                 args)) {
        return *code;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("verify takes no arguments"), usageOf(parser, QStringLiteral("verify")));
    if (!openCache(true))
        return Failure;

    // A terminal gets one line rewritten in place; a log file or pipe gets a line per tenth,
    // so that it neither fills up with carriage returns nor stays silent for a long run.
    const bool tty = ::isatty(STDERR_FILENO) == 1;
    int lastShown = -1;
    bool drewLine = false;
    QElapsedTimer sinceDrawn;
    const auto progress = [&](qint64 done, qint64 total) {
        if (total <= 0)
            return true;
        const int percent = int(done * 100 / total);
        const QString text = QStringLiteral("verifying: %1% (%2 of %3)")
                                     .arg(percent)
                                     .arg(humanSize(done), humanSize(total));
        if (tty) {
            if (percent != lastShown || !sinceDrawn.isValid() || sinceDrawn.hasExpired(250)) {
                m_err << '\r' << text << "\x1b[K";
                m_err.flush();
                lastShown = percent;
                drewLine = true;
                sinceDrawn.start();
            }
        } else if (percent / 10 != lastShown / 10 || lastShown < 0) {
            m_err << text << Qt::endl;
            lastShown = percent;
        }
        return true;
    };
    const VerifyReport report = m_cache->verify(progress);
    if (drewLine)
        m_err << Qt::endl;
    if (reportCacheError())
        return Failure;

    m_out << "checked: " << report.checked << " bodies, " << humanSize(report.bytesChecked) << '\n'
          << "damaged: " << report.damaged << " bodies, " << report.removedEntries << " entries removed\n";
    for (const QString &problem : report.problems)
        m_out << "  " << problem << '\n';
    m_out.flush();
    if (report.damaged > 0) {
        error(QStringLiteral("%1 damaged bodies found; their entries were removed and will be fetched again")
                      .arg(report.damaged));
        return Failure;
    }
    return Success;
}

// ---------------------------------------------------------------------------------------------

int Commands::remove(const QStringList &args)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("URL"), QStringLiteral("URLs whose entries to remove."),
                                 QStringLiteral("URL..."));
    if (auto code = parseCommand(parser, QStringLiteral("rm"), QStringLiteral("Remove cached entries."), args))
        return *code;
    const QStringList texts = parser.positionalArguments();
    if (texts.isEmpty())
        return usageError(QStringLiteral("rm needs at least one URL"), usageOf(parser, QStringLiteral("rm")));
    QList<QUrl> urls;
    for (const QString &text : texts) {
        if (const auto url = cacheableUrl(text))
            urls.append(*url);
    }
    if (urls.size() != texts.size() || !openCache(true))
        return Failure;

    int exitCode = Success;
    for (const QUrl &url : std::as_const(urls)) {
        // remove() answers false both for "no such entry" and for a failure; ask first so
        // that the message says which.
        if (!m_cache->entryInfo(url).isValid()) {
            error(QStringLiteral("not cached: %1").arg(url.toString()));
            exitCode = Failure;
        } else if (!m_cache->remove(url)) {
            error(QStringLiteral("cannot remove %1: %2")
                          .arg(url.toString(), m_cache->errorString().isEmpty() ? QStringLiteral("unknown error")
                                                                                : m_cache->errorString()));
            exitCode = Failure;
        } else {
            m_out << "removed " << url.toString() << Qt::endl;
        }
    }
    return exitCode;
}

int Commands::clear(const QStringList &args)
{
    QCommandLineParser parser;
    if (auto code = parseCommand(parser, QStringLiteral("clear"), QStringLiteral("Remove every entry."), args))
        return *code;
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("clear takes no arguments"), usageOf(parser, QStringLiteral("clear")));
    if (!openCache(true))
        return Failure;
    const CacheSummary before = m_cache->summary();
    m_cache->clear();
    if (reportCacheError())
        return Failure;
    m_out << "removed " << before.entryCount << " entries, " << humanSize(before.storedBytes) << Qt::endl;
    return Success;
}

int Commands::collectGarbage(const QStringList &args)
{
    QCommandLineParser parser;
    if (auto code = parseCommand(parser, QStringLiteral("gc"),
                                 QStringLiteral("Reclaim disk space nothing refers to: orphaned bodies "
                                                "and stale temporary files."),
                                 args)) {
        return *code;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("gc takes no arguments"), usageOf(parser, QStringLiteral("gc")));
    if (!openCache(true))
        return Failure;
    const qint64 reclaimed = m_cache->collectGarbage();
    if (reportCacheError())
        return Failure;
    m_out << "reclaimed " << humanSize(reclaimed) << " (" << reclaimed << " bytes)" << Qt::endl;
    return Success;
}

// ---------------------------------------------------------------------------------------------

int Commands::demo(const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption countOption(QStringLiteral("count"),
                                         QStringLiteral("URLs to fetch (default %1).").arg(DefaultDemoCount),
                                         QStringLiteral("N"));
    const QCommandLineOption sizeOption(QStringLiteral("size"),
                                        QStringLiteral("Body size of each (default %1).").arg(humanSize(DefaultDemoSize)),
                                        QStringLiteral("SIZE"));
    parser.addOption(countOption);
    parser.addOption(sizeOption);
    if (auto code = parseCommand(parser, QStringLiteral("demo"),
                                 QStringLiteral("Start a local origin on 127.0.0.1, fetch N URLs from it twice "
                                                "through the cache and report the hits. Succeeds only if the "
                                                "second pass is served entirely from the cache."),
                                 args)) {
        return *code;
    }
    const QString usage = usageOf(parser, QStringLiteral("demo"));
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("demo takes no arguments"), usage);
    int count = DefaultDemoCount;
    if (parser.isSet(countOption)) {
        bool ok = false;
        count = parser.value(countOption).toInt(&ok);
        if (!ok || count < 1 || count > 100000)
            return usageError(QStringLiteral("--count needs a number from 1 to 100000"), usage);
    }
    qint64 size = DefaultDemoSize;
    if (parser.isSet(sizeOption)) {
        const auto parsed = parseSize(parser.value(sizeOption));
        // Qt 6.4's QNetworkAccessManager never finishes a cache load of an empty body, so the
        // library does not offer them and a demo with empty bodies could never hit.
        if (!parsed || *parsed < 1)
            return usageError(QStringLiteral("--size needs a size of at least 1 byte"), usage);
        size = *parsed;
    }
    if (!openCache(false, true))
        return Failure;

    DemoOrigin origin(size);
    if (!origin.listen()) {
        error(QStringLiteral("cannot start the demo origin: %1").arg(origin.errorString()));
        return Failure;
    }
    m_out << "cache directory: " << m_cache->cacheDirectory() << '\n'
          << "origin: " << origin.itemUrl(0).toString(QUrl::RemovePath) << ", " << count << " items of "
          << humanSize(size) << '\n' << Qt::flush;

    int hits[2] = {0, 0};
    int failed = 0;
    for (int pass = 0; pass < 2; ++pass) {
        for (int i = 0; i < count; ++i) {
            const QUrl url = origin.itemUrl(i);
            const FetchResult r = fetchOne(url);
            m_out << "pass " << pass + 1 << ' ';
            printFetch(r, url.path());
            if (r.fromCache && r.error.isEmpty())
                ++hits[pass];
            if (!r.error.isEmpty())
                ++failed;
        }
    }
    // Whole percentages rounded down, so that "100%" never stands for 199 out of 200.
    const auto ratio = [](int part, int whole) { return QStringLiteral("%1%").arg(qint64(part) * 100 / whole); };
    m_out << '\n'
          << "origin requests: " << origin.requestCount() << ", hit ratio: " << ratio(hits[0] + hits[1], 2 * count)
          << " (second pass " << ratio(hits[1], count) << ")\n\n";
    printSummary();
    m_out << '\n';
    printEntries(10, false);

    if (reportCacheError())
        return Failure;
    if (failed) {
        error(QStringLiteral("%1 of %2 fetches failed").arg(failed).arg(2 * count));
        return Failure;
    }
    if (hits[1] != count) {
        error(QStringLiteral("only %1 of %2 second-pass requests were served from the cache").arg(hits[1]).arg(count));
        return Failure;
    }
    return Success;
}

} // namespace tiercache::cli
