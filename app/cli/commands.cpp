// SPDX-License-Identifier: MIT
#include "commands.h"

#include "demoorigin.h"
#include "format.h"

#include <tiercache/networkcache.h>
#include <tiercache/tierloader.h>

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

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace tiercache::cli {

namespace {
constexpr int TransferTimeoutMs = 30000;
constexpr int DefaultDemoCount = 20;
constexpr qint64 DefaultDemoSize = 16 * 1024;
constexpr int DefaultTopLimit = 10;
constexpr int DefaultSeriesMinutes = 60;
constexpr int MaxTagsWidth = 32; //!< of the TAGS column; longer lists end in "+N"

const QString Description = QStringLiteral(
        "Inspect, verify and exercise a Tiercache HTTP cache directory.\n"
        "\n"
        "Commands:\n"
        "  fetch [--tag TAG] URL...       GET each URL through the cache; prints HIT or MISS,\n"
        "                                 status, body bytes and URL; --tag adds cache tags\n"
        "  ls [--limit N] [--json]        entries, most recently used first; filters:\n"
        "     [--url TEXT] [--tag TAG]    URL substring, cache tag, Content-Type prefix,\n"
        "     [--type PREFIX]             expired or fresh only\n"
        "     [--expired | --fresh]\n"
        "  top [--by hits|size|age]       the most hit, largest or oldest entries\n"
        "      [--limit N] [--json]\n"
        "  tags [--json]                  every cache tag with its number of entries\n"
        "  invalidate-tag TAG...          remove the entries carrying any of the tags\n"
        "  soft-purge TAG...              mark them stale: revalidated on their next use\n"
        "  stats [--json]                 entries, bodies, bytes, dedup, lookups, hits, misses,\n"
        "        [--series [--minutes N]] revalidations, traffic; --series: per minute\n"
        "        [--reset]                (last 60 minutes by default); --reset zeroes them\n"
        "  verify                         re-read every body; damaged entries are removed\n"
        "  rm URL...                      remove the entries of these URLs\n"
        "  clear                          remove every entry\n"
        "  gc                             reclaim disk space nothing refers to\n"
        "  demo [--count N] [--size SIZE] fetch N URLs twice from a built-in local origin\n"
        "  plugins [--json]               the tier plugins found, and why any cannot be used\n"
        "\n"
        "DIR defaults to $TIERCACHE_DIR, else %1.\n"
        "SIZE is bytes or 64KiB, 512MiB, 1GiB...; it defaults to $TIERCACHE_MAX_SIZE, else the\n"
        "library default. fetch and demo evict least recently used entries beyond it; without\n"
        "either, they leave room for what the directory already holds.\n"
        "SPEC composes the cache from tiers, L1 first: --tier memory:?max=64MiB --tier disk:\n"
        "(disk: is DIR; other schemes come from plugins, see 'tiercache plugins'). The default\n"
        "is disk: alone. ls, top, tags and the totals of stats read the disk catalogue.\n"
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

//! \a rows (the first is the header) as lines of columns two spaces apart. A left-aligned
//! last column is not padded: it holds what may be long (URLs, file names).
QStringList formatTable(const QList<QStringList> &rows, const bool *rightAligned)
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
            if (i)
                line += QLatin1String("  ");
            line += i == row.size() - 1 && !rightAligned[i] ? row[i] : cell(row[i], widths[i], rightAligned[i]);
        }
        lines.append(line);
    }
    return lines;
}

void printTable(QTextStream &out, const QList<QStringList> &rows, const bool *rightAligned)
{
    for (const QString &line : formatTable(rows, rightAligned))
        out << line << '\n';
}

//! One "label:   value" line of stats; the values start in one column.
void printField(QTextStream &out, const char *label, const QString &value)
{
    out << cell(QLatin1String(label) + QLatin1Char(':'), 20, false) << value << '\n';
}

QString sizeAndBytes(qint64 bytes)
{
    return QStringLiteral("%1 (%2 bytes)").arg(humanSize(bytes)).arg(bytes);
}

//! Bytes the content addressing saves: CacheSummary has no "bytes of distinct bodies", so
//! they are added up from the entries, one size per digest.
qint64 dedupSavings(NetworkCache *cache, const CacheSummary &s)
{
    QHash<QByteArray, qint64> bodies;
    const QList<CacheEntryInfo> entries = cache->entries();
    for (const CacheEntryInfo &e : entries)
        bodies.insert(e.digest(), e.bodySize());
    qint64 distinctBytes = 0;
    for (qint64 size : std::as_const(bodies))
        distinctBytes += size;
    return qMax<qint64>(0, s.bodyBytes() - distinctBytes);
}

//! The minutes of \a series within the last \a minutes, the current one included.
QList<Statistics::Minute> recentMinutes(const QList<Statistics::Minute> &series, int minutes)
{
    const qint64 nowMinute = QDateTime::currentMSecsSinceEpoch() / 60000;
    const QDateTime from = QDateTime::fromMSecsSinceEpoch((nowMinute - minutes + 1) * 60000, Qt::UTC);
    QList<Statistics::Minute> result;
    for (const Statistics::Minute &m : series) {
        if (m.start() >= from)
            result.append(m);
    }
    return result;
}

//! "a,b,c", or as many whole tags as fit in \a width followed by "+N" for the rest; "-" for none.
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
} // namespace

Commands::Commands()
    : m_out(stdout),
      m_err(stderr),
      m_cacheOption(QStringLiteral("cache"), QStringLiteral("Cache directory."), QStringLiteral("DIR")),
      m_maxSizeOption(QStringLiteral("max-size"), QStringLiteral("Cache budget in bytes."),
                      QStringLiteral("SIZE")),
      m_tierOption(QStringLiteral("tier"), QStringLiteral("A cache tier, L1 first; repeat for more."),
                   QStringLiteral("SPEC")),
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
    parser.addOption(m_tierOption);
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
    // Before the command and after it both count: the main parser stops at the command name.
    const QStringList specs = parser.values(m_tierOption);
    for (const QString &spec : specs) {
        if (spec.trimmed().isEmpty()) {
            usageError(QStringLiteral("--tier needs a spec (e.g. memory:?max=64MiB or disk:)"), m_mainUsage);
            return false;
        }
        m_tierSpecs.append(spec.trimmed());
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
    if (command == QLatin1String("tags"))
        return tags(positional);
    if (command == QLatin1String("invalidate-tag"))
        return purgeTags(positional, false);
    if (command == QLatin1String("soft-purge"))
        return purgeTags(positional, true);
    if (command == QLatin1String("top"))
        return top(positional);
    if (command == QLatin1String("plugins"))
        return plugins(positional);
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
    // The tiers come first: a spec that cannot be used ends the command before anything is
    // touched. setTiers() would carry on with the usable ones, which is right for an
    // application but would make the tool quietly do something else than it was told.
    bool hasDisk = true;
    if (!m_tierSpecs.isEmpty()) {
        m_cache->setTiers(m_tierSpecs);
        const QStringList problems = m_cache->tierErrors();
        if (!problems.isEmpty()) {
            for (const QString &problem : problems)
                error(problem);
            return false;
        }
        const QList<TierStatistics> tiers = m_cache->tierStatistics();
        hasDisk = std::any_of(tiers.cbegin(), tiers.cend(), [](const TierStatistics &t) {
            return t.name() == QLatin1String("disk");
        });
    }
    if (mustExist && hasDisk && !QFileInfo::exists(m_directory + QLatin1String("/catalogue.db"))) {
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
    // An entry that is there but stale is revalidated by QNAM: served from the cache after a
    // 304 means the origin confirmed it, which is worth telling apart from a plain hit.
    const CacheEntryInfo before = m_cache->entryInfo(url);
    const bool wasStale = before.isValid() && before.isExpired();
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
    result.revalidated = wasStale && result.fromCache && result.error.isEmpty();
    delete reply;
    return result;
}

void Commands::printFetch(const FetchResult &r, const QString &what)
{
    m_out << (r.fromCache ? "HIT " : "MISS") << ' '
          << cell(r.status ? QString::number(r.status) : QStringLiteral("-"), 3, true) << ' '
          << cell(QString::number(r.bytes), 10, true) << "  " << what;
    if (r.revalidated)
        m_out << "  (revalidated)";
    if (!r.error.isEmpty())
        m_out << "  (" << r.error << ')';
    m_out << Qt::endl;
}

int Commands::fetch(const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption tagOption(QStringLiteral("tag"),
                                       QStringLiteral("Tag what is stored with TAG too, besides the tags of its "
                                                      "Cache-Tag, Surrogate-Key and Cache-Groups headers. "
                                                      "Repeatable."),
                                       QStringLiteral("TAG"));
    parser.addOption(tagOption);
    parser.addPositionalArgument(QStringLiteral("URL"), QStringLiteral("http or https URLs to GET."),
                                 QStringLiteral("URL..."));
    if (auto code = parseCommand(parser, QStringLiteral("fetch"),
                                 QStringLiteral("GET each URL through the cache. Prints HIT or MISS, "
                                                "the status, the body bytes and the URL; \"(revalidated)\" "
                                                "when a stale entry was confirmed by the origin."),
                                 args)) {
        return *code;
    }
    const QString usage = usageOf(parser, QStringLiteral("fetch"));
    const QStringList texts = parser.positionalArguments();
    if (texts.isEmpty())
        return usageError(QStringLiteral("fetch needs at least one URL"), usage);
    const QStringList extraTags = parser.values(tagOption);
    for (const QString &tag : extraTags) {
        if (tag.isEmpty())
            return usageError(QStringLiteral("--tag needs a tag"), usage);
    }
    // All URLs are checked before anything is fetched: a typo in the last one should not
    // leave the command half done.
    QList<QUrl> urls;
    for (const QString &text : texts) {
        if (const auto url = cacheableUrl(text))
            urls.append(*url);
    }
    if (urls.size() != texts.size() || !openCache(false, true))
        return Failure;
    if (!extraTags.isEmpty())
        m_cache->setTagCallback([extraTags](const QUrl &, const QNetworkCacheMetaData &) { return extraTags; });

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

void Commands::printEntries(const QList<CacheEntryInfo> &entries, bool json)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (json) {
        QJsonArray array;
        for (const CacheEntryInfo &e : entries) {
            QJsonObject o;
            o.insert(QStringLiteral("url"), e.url().toString(QUrl::FullyEncoded));
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
        m_out << QJsonDocument(array).toJson(QJsonDocument::Indented);
        m_out.flush();
        return;
    }

    // Fixed columns first and the URL last, so that long URLs do not push the rest around.
    const QStringList headers = {QStringLiteral("BODY"), QStringLiteral("STORED"), QStringLiteral("HITS"),
                                 QStringLiteral("EXPIRES"), QStringLiteral("TYPE"), QStringLiteral("TAGS"),
                                 QStringLiteral("URL")};
    const bool rightAligned[] = {true, true, true, false, false, false, false};
    QList<QStringList> rows;
    rows.append(headers);
    for (const CacheEntryInfo &e : entries) {
        rows.append({humanSize(e.bodySize()), humanSize(e.storedSize()),
                     QString::number(e.hitCount()), relativeExpiry(e.expires(), now),
                     e.contentType().isEmpty() ? QStringLiteral("-")
                                               : QString::fromLatin1(e.contentType()),
                     tagList(e.tags(), MaxTagsWidth), e.url().toString()});
    }
    printTable(m_out, rows, rightAligned);
    m_out.flush();
}

namespace {
//! What ls and top share: --limit and --json, and the entries they select.
struct ListOptions
{
    QCommandLineOption limit{QStringLiteral("limit"), QStringLiteral("Show at most N entries."), QStringLiteral("N")};
    QCommandLineOption json{QStringLiteral("json"), QStringLiteral("Print a JSON array.")};

    void addTo(QCommandLineParser &parser) const
    {
        parser.addOption(limit);
        parser.addOption(json);
    }
};
} // namespace

int Commands::list(const QStringList &args)
{
    QCommandLineParser parser;
    const ListOptions listOptions;
    listOptions.addTo(parser);
    const QCommandLineOption urlOption(QStringLiteral("url"), QStringLiteral("Only URLs containing TEXT."),
                                       QStringLiteral("TEXT"));
    const QCommandLineOption tagOption(QStringLiteral("tag"), QStringLiteral("Only entries carrying cache tag TAG."),
                                       QStringLiteral("TAG"));
    const QCommandLineOption typeOption(QStringLiteral("type"),
                                        QStringLiteral("Only Content-Types starting with PREFIX (e.g. image/)."),
                                        QStringLiteral("PREFIX"));
    const QCommandLineOption expiredOption(QStringLiteral("expired"),
                                           QStringLiteral("Only expired entries (revalidated on their next use)."));
    const QCommandLineOption freshOption(QStringLiteral("fresh"), QStringLiteral("Only fresh entries."));
    for (const QCommandLineOption *option : {&urlOption, &tagOption, &typeOption, &expiredOption, &freshOption})
        parser.addOption(*option);
    if (auto code = parseCommand(parser, QStringLiteral("ls"),
                                 QStringLiteral("List the entries, most recently used first, and how many of "
                                                "all there are. Filters combine: an entry must match each."),
                                 args)) {
        return *code;
    }
    const QString usage = usageOf(parser, QStringLiteral("ls"));
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("ls takes no arguments"), usage);
    int limit = -1;
    if (parser.isSet(listOptions.limit)) {
        bool ok = false;
        limit = parser.value(listOptions.limit).toInt(&ok);
        if (!ok || limit < 0)
            return usageError(QStringLiteral("--limit needs a number of entries"), usage);
    }
    if (parser.isSet(expiredOption) && parser.isSet(freshOption))
        return usageError(QStringLiteral("--expired and --fresh exclude each other"), usage);
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
    if (!openCache(true))
        return Failure;

    const QList<CacheEntryInfo> entries = m_cache->entries(filter, 0, limit);
    if (reportCacheError())
        return Failure;
    if (parser.isSet(listOptions.json)) {
        printEntries(entries, true);
        return reportCacheError() ? Failure : Success;
    }
    const qint64 total = m_cache->entryCount();
    // Only counted when it can differ from what is shown: a full scan for a bare ls is waste.
    const qint64 matching = filtered && limit >= 0 && entries.size() >= limit ? m_cache->entryCount(filter)
                                                                               : entries.size();
    if (entries.isEmpty()) {
        m_out.flush();
        if (total == 0)
            m_err << "no entries" << Qt::endl;
        else
            m_err << "no entries match (" << total << " in all)" << Qt::endl;
        return reportCacheError() ? Failure : Success;
    }
    printEntries(entries, false);
    m_out << entries.size() << " of " << total << " entries";
    if (matching > entries.size())
        m_out << " (" << matching << " match)";
    m_out << Qt::endl;
    return reportCacheError() ? Failure : Success;
}

int Commands::top(const QStringList &args)
{
    QCommandLineParser parser;
    const ListOptions listOptions;
    listOptions.addTo(parser);
    const QCommandLineOption byOption(QStringLiteral("by"),
                                      QStringLiteral("hits (most hit first, the default), size (largest bodies "
                                                     "first) or age (stored longest ago first)."),
                                      QStringLiteral("ORDER"));
    parser.addOption(byOption);
    if (auto code = parseCommand(parser, QStringLiteral("top"),
                                 QStringLiteral("The hottest, largest or oldest entries (10 unless --limit)."),
                                 args)) {
        return *code;
    }
    const QString usage = usageOf(parser, QStringLiteral("top"));
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("top takes no arguments"), usage);
    int limit = DefaultTopLimit;
    if (parser.isSet(listOptions.limit)) {
        bool ok = false;
        limit = parser.value(listOptions.limit).toInt(&ok);
        if (!ok || limit < 1)
            return usageError(QStringLiteral("--limit needs a number of entries from 1"), usage);
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
        return usageError(QStringLiteral("--by needs hits, size or age, not '%1'").arg(by), usage);
    if (!openCache(true))
        return Failure;
    const QList<CacheEntryInfo> entries = m_cache->entries(filter, 0, limit);
    if (reportCacheError())
        return Failure;
    if (entries.isEmpty() && !parser.isSet(listOptions.json)) {
        m_out.flush();
        m_err << "no entries" << Qt::endl;
        return Success;
    }
    printEntries(entries, parser.isSet(listOptions.json));
    return reportCacheError() ? Failure : Success;
}

// ---------------------------------------------------------------------------------------------

void Commands::printSummary()
{
    const CacheSummary s = m_cache->summary();
    const qint64 saved = dedupSavings(m_cache, s);
    printField(m_out, "directory", m_cache->cacheDirectory());
    printField(m_out, "entries", QString::number(s.entryCount()));
    printField(m_out, "distinct bodies", QString::number(s.blobCount()));
    printField(m_out, "body bytes", sizeAndBytes(s.bodyBytes()));
    QString stored = QStringLiteral("%1 of %2 maximum (%3)")
                             .arg(humanSize(s.storedBytes()), humanSize(s.maximumSize()),
                                  percentage(s.storedBytes(), s.maximumSize()));
    if (!m_budgetNote.isEmpty())
        stored += QStringLiteral("; ") + m_budgetNote;
    printField(m_out, "stored bytes", stored);
    printField(m_out, "total hits", QString::number(s.totalHits()));
    printField(m_out, "dedup savings",
               QStringLiteral("%1 (%2 of body bytes)")
                       .arg(humanSize(saved), percentage(saved, s.bodyBytes())));
    m_out.flush();
}

void Commands::printStatistics(bool series, int minutes)
{
    const Statistics st = m_cache->statistics(0);
    printField(m_out, "lookups", QString::number(st.lookups()));
    printField(m_out, "hits", QString::number(st.hits()));
    printField(m_out, "stale hits", QString::number(st.staleHits()));
    printField(m_out, "misses", QString::number(st.misses()));
    printField(m_out, "hit ratio", percentage(st.hits(), st.lookups()));
    printField(m_out, "revalidations", QString::number(st.revalidations()));
    printField(m_out, "bytes from cache", sizeAndBytes(st.bytesFromCache()));
    printField(m_out, "bytes from network", sizeAndBytes(st.bytesFromNetwork()));
    printField(m_out, "inserts", QString::number(st.inserts()));
    printField(m_out, "evictions", QString::number(st.evictions()));
    printField(m_out, "promotions", QString::number(st.promotions()));
    printField(m_out, "invalidations", QString::number(st.invalidations()));
    if (st.tiers().size() > 1) {
        m_out << '\n';
        printTierStatistics();
    }
    if (series) {
        m_out << '\n';
        const QList<Statistics::Minute> recent = recentMinutes(st.series(), minutes);
        if (recent.isEmpty()) {
            m_out << "no lookups or inserts in the last " << minutes << " minutes" << '\n';
        } else {
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
            const bool rightAligned[] = {false, true, true, true, true, true, true};
            printTable(m_out, rows, rightAligned);
        }
    }
    m_out.flush();
}

void Commands::printTierStatistics()
{
    // The catalogue keeps the totals for every process; per tier there is only what this
    // process did, so in a bare `stats` the sizes are what tells something.
    m_out << "tiers, L1 first (lookups, hits and writes of this run):\n";
    QList<QStringList> rows;
    rows.append({QStringLiteral("TIER"), QStringLiteral("LOOKUPS"), QStringLiteral("HITS"), QStringLiteral("MISSES"),
                 QStringLiteral("PROMOTIONS"), QStringLiteral("WRITES"), QStringLiteral("FAILED"),
                 QStringLiteral("SIZE")});
    const QList<TierStatistics> tiers = m_cache->tierStatistics();
    for (const TierStatistics &t : tiers) {
        rows.append({t.spec(), QString::number(t.lookups()), QString::number(t.hits()),
                     QString::number(t.misses()), QString::number(t.promotions()),
                     QString::number(t.writes()), QString::number(t.writeFailures()),
                     humanSize(t.size())});
    }
    const bool rightAligned[] = {false, true, true, true, true, true, true, true};
    printTable(m_out, rows, rightAligned);
    m_out.flush();
}

int Commands::stats(const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Print a JSON object."));
    const QCommandLineOption seriesOption(QStringLiteral("series"),
                                          QStringLiteral("Add the counters per minute, for the minutes with activity."));
    const QCommandLineOption minutesOption(
            QStringLiteral("minutes"),
            QStringLiteral("How far back --series goes (default %1; implies --series).").arg(DefaultSeriesMinutes),
            QStringLiteral("N"));
    const QCommandLineOption resetOption(QStringLiteral("reset"),
                                         QStringLiteral("Zero the counters and the series, for every process "
                                                        "using the directory. Shows nothing else."));
    for (const QCommandLineOption *option : {&jsonOption, &seriesOption, &minutesOption, &resetOption})
        parser.addOption(*option);
    if (auto code = parseCommand(parser, QStringLiteral("stats"),
                                 QStringLiteral("Summarize the cache: what it holds, and how well it worked for "
                                                "every process using the directory."),
                                 args)) {
        return *code;
    }
    const QString usage = usageOf(parser, QStringLiteral("stats"));
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("stats takes no arguments"), usage);
    const bool series = parser.isSet(seriesOption) || parser.isSet(minutesOption);
    int minutes = DefaultSeriesMinutes;
    if (parser.isSet(minutesOption)) {
        bool ok = false;
        minutes = parser.value(minutesOption).toInt(&ok);
        if (!ok || minutes < 1 || minutes > 525600)
            return usageError(QStringLiteral("--minutes needs a number of minutes from 1 to 525600"), usage);
    }
    const bool reset = parser.isSet(resetOption);
    if (reset && (series || parser.isSet(jsonOption)))
        return usageError(QStringLiteral("--reset shows nothing; it cannot be combined with --json or --series"), usage);
    if (!openCache(true))
        return Failure;
    if (reset) {
        m_cache->resetStatistics();
        if (reportCacheError())
            return Failure;
        m_out << "statistics reset" << Qt::endl;
        return Success;
    }
    if (!parser.isSet(jsonOption)) {
        printSummary();
        m_out << '\n';
        printStatistics(series, minutes);
        return reportCacheError() ? Failure : Success;
    }

    const CacheSummary s = m_cache->summary();
    const Statistics st = m_cache->statistics(0);
    QJsonObject o;
    o.insert(QStringLiteral("directory"), m_cache->cacheDirectory());
    o.insert(QStringLiteral("entries"), s.entryCount());
    o.insert(QStringLiteral("distinctBodies"), s.blobCount());
    o.insert(QStringLiteral("bodyBytes"), s.bodyBytes());
    o.insert(QStringLiteral("storedBytes"), s.storedBytes());
    o.insert(QStringLiteral("maximumSize"), s.maximumSize());
    o.insert(QStringLiteral("totalHits"), s.totalHits());
    o.insert(QStringLiteral("dedupSavings"), dedupSavings(m_cache, s));
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
        for (const Statistics::Minute &m : recentMinutes(st.series(), minutes)) {
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
    if (reportCacheError())
        return Failure;
    m_out << QJsonDocument(o).toJson(QJsonDocument::Indented);
    m_out.flush();
    return Success;
}

// ---------------------------------------------------------------------------------------------

int Commands::tags(const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Print a JSON array."));
    parser.addOption(jsonOption);
    if (auto code = parseCommand(parser, QStringLiteral("tags"),
                                 QStringLiteral("List every cache tag with its number of entries, most used "
                                                "first. Tags come from the Cache-Tag, Surrogate-Key and "
                                                "Cache-Groups response headers, and from fetch --tag."),
                                 args)) {
        return *code;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("tags takes no arguments"), usageOf(parser, QStringLiteral("tags")));
    if (!openCache(true))
        return Failure;
    const QList<QPair<QString, qint64>> counts = m_cache->tags();
    if (reportCacheError())
        return Failure;
    if (parser.isSet(jsonOption)) {
        QJsonArray array;
        for (const auto &tag : counts)
            array.append(QJsonObject{{QStringLiteral("tag"), tag.first}, {QStringLiteral("entries"), tag.second}});
        m_out << QJsonDocument(array).toJson(QJsonDocument::Indented);
        m_out.flush();
        return Success;
    }
    if (counts.isEmpty()) {
        m_out.flush();
        m_err << "no tags" << Qt::endl;
        return Success;
    }
    // The count first, as `uniq -c` has it: tags can be long, numbers are not.
    QList<QStringList> rows;
    rows.append({QStringLiteral("ENTRIES"), QStringLiteral("TAG")});
    for (const auto &tag : counts)
        rows.append({QString::number(tag.second), tag.first});
    const bool rightAligned[] = {true, false};
    printTable(m_out, rows, rightAligned);
    m_out.flush();
    return Success;
}

int Commands::purgeTags(const QStringList &args, bool soft)
{
    const QString command = soft ? QStringLiteral("soft-purge") : QStringLiteral("invalidate-tag");
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("TAG"), QStringLiteral("Cache tags."), QStringLiteral("TAG..."));
    const QString description = soft
            ? QStringLiteral("Mark every entry carrying any of the tags stale. Nothing is deleted: the next "
                             "request for one revalidates it, and a 304 keeps the stored body.")
            : QStringLiteral("Remove every entry carrying any of the tags, from every tier.");
    if (auto code = parseCommand(parser, command, description, args))
        return *code;
    const QStringList tagList = parser.positionalArguments();
    if (tagList.isEmpty())
        return usageError(QStringLiteral("%1 needs at least one tag").arg(command), usageOf(parser, command));
    for (const QString &tag : tagList) {
        if (tag.isEmpty())
            return usageError(QStringLiteral("%1: empty tag").arg(command), usageOf(parser, command));
    }
    if (!openCache(true))
        return Failure;
    const int affected = soft ? m_cache->softPurgeTags(tagList) : m_cache->invalidateTags(tagList);
    if (reportCacheError())
        return Failure;
    const QString tagged = tagList.join(QLatin1String(", "));
    if (soft)
        m_out << "marked " << affected << " entries stale (tags: " << tagged << ')' << Qt::endl;
    else
        m_out << "removed " << affected << " entries (tags: " << tagged << ')' << Qt::endl;
    return Success;
}

// ---------------------------------------------------------------------------------------------

int Commands::plugins(const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Print a JSON array."));
    parser.addOption(jsonOption);
    if (auto code = parseCommand(parser, QStringLiteral("plugins"),
                                 QStringLiteral("List the tier plugins found in $TIERCACHE_PLUGIN_PATH, "
                                                "tiercache-plugins/ next to the tool and the library's plugin "
                                                "directory, and why any that cannot be used cannot."),
                                 args)) {
        return *code;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("plugins takes no arguments"), usageOf(parser, QStringLiteral("plugins")));
    TierLoader loader;
    const QList<TierPluginInfo> found = loader.plugins();
    if (parser.isSet(jsonOption)) {
        QJsonArray array;
        for (const TierPluginInfo &p : found) {
            QJsonObject o;
            o.insert(QStringLiteral("id"), p.id());
            o.insert(QStringLiteral("name"), p.name());
            o.insert(QStringLiteral("description"), p.description());
            o.insert(QStringLiteral("file"), p.fileName());
            o.insert(QStringLiteral("apiVersion"), p.apiVersion());
            o.insert(QStringLiteral("usable"), p.isUsable());
            o.insert(QStringLiteral("error"),
                     p.isUsable() ? QJsonValue() : QJsonValue(p.errorString()));
            array.append(o);
        }
        m_out << QJsonDocument(array).toJson(QJsonDocument::Indented);
        m_out.flush();
        return Success;
    }
    m_out << "search path: " << loader.searchPath().join(QLatin1Char(':')) << '\n';
    m_out << "built in: disk (DIR)\n";
    if (found.isEmpty()) {
        m_out.flush();
        m_err << "no tier plugins found" << Qt::endl;
        return Success;
    }
    QList<QStringList> rows;
    rows.append({QStringLiteral("ID"), QStringLiteral("NAME"), QStringLiteral("FILE")});
    for (const TierPluginInfo &p : found) {
        rows.append({p.id().isEmpty() ? QStringLiteral("-") : p.id(),
                     p.name().isEmpty() ? QStringLiteral("-") : p.name(), p.fileName()});
    }
    const bool rightAligned[] = {false, false, false};
    const QStringList lines = formatTable(rows, rightAligned);
    m_out << lines.first() << '\n';
    for (qsizetype i = 0; i < found.size(); ++i) {
        m_out << lines.at(i + 1) << '\n';
        if (!found.at(i).isUsable())
            m_out << "    unusable: " << found.at(i).errorString() << '\n';
    }
    m_out.flush();
    return Success;
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

    m_out << "checked: " << report.checked() << " bodies, " << humanSize(report.bytesChecked())
          << '\n'
          << "damaged: " << report.damaged() << " bodies, " << report.removedEntries()
          << " entries removed\n";
    for (const QString &problem : report.problems())
        m_out << "  " << problem << '\n';
    m_out.flush();
    if (report.damaged() > 0) {
        error(QStringLiteral("%1 damaged bodies found; their entries were removed and will be "
                             "fetched again")
                      .arg(report.damaged()));
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
    m_out << "removed " << before.entryCount() << " entries, " << humanSize(before.storedBytes())
          << Qt::endl;
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
    printEntries(m_cache->entries(EntryFilter(), 0, 10), false);
    if (m_cache->tierStatistics().size() > 1) {
        m_out << '\n';
        printTierStatistics();
    }

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
