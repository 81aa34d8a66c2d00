// SPDX-License-Identifier: MIT
#include "context.h"

#include "format.h"

#include <tiercache/networkcache.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QFileInfo>
#include <QtCore/QLoggingCategory>
#include <QtCore/QRegularExpression>
#include <QtCore/QStandardPaths>
#include <QtNetwork/QNetworkAccessManager>

#include <algorithm>
#include <cstdio>

namespace tiercache::cli {

namespace {
    QString defaultDirectory()
    {
        const QString fromEnvironment = qEnvironmentVariable("TIERCACHE_DIR");
        if (!fromEnvironment.isEmpty())
            return fromEnvironment;
        return QStandardPaths::writableLocation(QStandardPaths::CacheLocation)
                + QLatin1String("/tiercache");
    }
} // namespace

QString usageOf(const QCommandLineParser &parser, const QString &command)
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

Context::Context()
    : m_out(stdout),
      m_err(stderr),
      m_cacheOption(QStringLiteral("cache"), QStringLiteral("Cache directory."),
                    QStringLiteral("DIR")),
      m_maxSizeOption(QStringLiteral("max-size"), QStringLiteral("Cache budget in bytes."),
                      QStringLiteral("SIZE")),
      m_tierOption(QStringLiteral("tier"),
                   QStringLiteral("A cache tier, L1 first; repeat for more."),
                   QStringLiteral("SPEC")),
      m_verboseOption(QStringLiteral("verbose"),
                      QStringLiteral("Show the library's log messages.")),
      m_nam(std::make_unique<QNetworkAccessManager>())
{
    m_cache = new NetworkCache;
    m_nam->setCache(m_cache); // the manager owns the cache, as in any application
    m_directory = defaultDirectory();
    m_maximumSize = m_cache->maximumCacheSize();
    // The library warns on its logging categories about what errorString() also reports; the
    // tool prints errorString() itself, so by default one line per problem is enough.
    // QT_LOGGING_RULES still overrides this.
    // What the catalogue does to a damaged file (kept as a numbered copy) is always said.
    QLoggingCategory::setFilterRules(QStringLiteral("tiercache.*.warning=false\n"
                                                    "tiercache.catalogue.warning=true"));
    qSetMessagePattern(
            QStringLiteral("tiercache: %{if-category}%{category}: %{endif}%{type}: %{message}"));
}

Context::~Context()
{
    // Explicitly before QCoreApplication goes: the cache flushes its pending hit counts here.
    m_nam.reset();
}

void Context::addGlobalOptions(QCommandLineParser &parser) const
{
    parser.addOption(m_cacheOption);
    parser.addOption(m_maxSizeOption);
    parser.addOption(m_tierOption);
    parser.addOption(m_verboseOption);
}

bool Context::applyGlobalOptions(const QCommandLineParser &parser)
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
            usageError(QStringLiteral("invalid size '%1' (try 512MiB, 64KiB, 1GiB or a number of "
                                      "bytes)")
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
            usageError(QStringLiteral("--tier needs a spec (e.g. memory:?max=64MiB or disk:)"),
                       m_mainUsage);
            return false;
        }
        m_tierSpecs.append(spec.trimmed());
    }
    if (parser.isSet(m_verboseOption))
        QLoggingCategory::setFilterRules(QStringLiteral("tiercache.*=true"));
    return true;
}

bool Context::applyEnvironment()
{
    const QString envSize = qEnvironmentVariable("TIERCACHE_MAX_SIZE");
    if (envSize.isEmpty())
        return true;
    const auto size = parseSize(envSize);
    if (!size) {
        usageError(QStringLiteral("invalid size in $TIERCACHE_MAX_SIZE: '%1'").arg(envSize),
                   m_mainUsage);
        return false;
    }
    m_maximumSize = *size;
    m_maximumSizeGiven = true;
    return true;
}

std::optional<int> Context::parseCommand(QCommandLineParser &parser, const QString &command,
                                         const QString &description, const QStringList &args)
{
    parser.setApplicationDescription(description);
    const QCommandLineOption helpOption(QStringList {QStringLiteral("h"), QStringLiteral("help")},
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

int Context::openCache(Access access)
{
    // The tiers come first: a spec that cannot be used ends the command before anything is
    // touched. setTiers() would carry on with the usable ones, which is right for an
    // application but would make the tool quietly do something else than it was told. A tier
    // that was built but cannot be reached (a Redis server that is down) is only a warning:
    // the library goes on without it until it comes back, and so does the command.
    bool hasDisk = true;
    // Read-only first: the tiers are then opened read-only too (an sqlite file that is not
    // there stays not there).
    m_cache->setReadOnly(access == Access::Inspect);
    if (!m_tierSpecs.isEmpty()) {
        m_cache->setTiers(m_tierSpecs);
        const QStringList problems = m_cache->tierErrors();
        if (m_cache->tiers().size() < m_tierSpecs.size()) {
            for (const QString &problem : problems)
                error(problem);
            return Failure;
        }
        for (const QString &problem : problems)
            warning(problem);
        const QList<TierStatistics> tiers = m_cache->tierStatistics();
        hasDisk = std::any_of(tiers.cbegin(), tiers.cend(), [](const TierStatistics &t) {
            return t.name() == QLatin1String("disk");
        });
    }
    // catalogue.db is part of the documented directory layout.
    if (access != Access::Store && hasDisk
        && !QFileInfo::exists(m_directory + QLatin1String("/catalogue.db"))) {
        error(QStringLiteral("no cache in %1").arg(m_directory));
        return Failure;
    }
    m_cache->setCacheDirectory(m_directory);
    if (hasDisk && !m_cache->open()) {
        // Damaged, foreign or of a newer format: said plainly, and left as it is (read-only
        // never moves anything; a writer never moves a newer format aside).
        error(m_cache->errorString());
        // A directory that cannot be created or written is a plain failure; a catalogue
        // that is there but cannot be used is "no usable cache".
        return QFileInfo::exists(m_directory + QLatin1String("/catalogue.db")) ? Unusable : Failure;
    }
    m_cache->setStatisticsEnabled(access != Access::Inspect);
    // The budget the owner recorded in the directory, unless --max-size or
    // $TIERCACHE_MAX_SIZE says otherwise: every command reports and keeps the same one.
    const qint64 recorded = hasDisk ? m_cache->recordedMaximumCacheSize() : -1;
    if (m_maximumSizeGiven) {
        m_cache->setMaximumCacheSize(m_maximumSize); // recorded unless read-only
    } else if (recorded >= 0) {
        m_budgetNote = QStringLiteral("recorded in the cache");
        if (access != Access::Inspect)
            m_cache->setMaximumCacheSize(recorded);
    } else {
        m_budgetNote = QStringLiteral("library default; no budget recorded in the cache");
    }
    m_cache->cacheSize();
    if (reportCacheError())
        return access == Access::Inspect ? Unusable : Failure;
    return Success;
}

void Context::warning(const QString &message)
{
    m_out.flush();
    m_err << "tiercache: warning: " << message << Qt::endl;
}

QString Context::displayUrl(const QUrl &url)
{
    return url.adjusted(QUrl::RemovePassword).toString(QUrl::FullyEncoded);
}

bool Context::reportCacheError()
{
    if (m_cache->error() == NetworkCache::Error::NoError)
        return false;
    error(m_cache->errorString());
    return true;
}

std::optional<QUrl> Context::cacheableUrl(const QString &text)
{
    // Tolerant: what ls prints (fully encoded) and what a browser shows (spaces, non-ASCII)
    // are both accepted, and mean the same entry.
    const QUrl url = QUrl(text.trimmed(), QUrl::TolerantMode);
    QString why;
    if (text.trimmed().isEmpty())
        why = QStringLiteral("it is empty");
    else if (!url.isValid())
        why = QStringLiteral("it is not a valid URL");
    else if (url.isRelative() || url.host().isEmpty())
        why = QStringLiteral("not an absolute URL with a host (e.g. https://example.org/)");
    else if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
        why = QStringLiteral("only http and https URLs are cached");
    else if (NetworkCache::cacheKey(url).isEmpty())
        why = QStringLiteral("the cache has no key for it");
    if (why.isEmpty())
        return url;
    // Never echo a password, not even of a URL that is refused.
    QString shown = text;
    static const QRegularExpression userInfo(QStringLiteral("(//[^/@:]*):[^/@]*@"));
    shown.replace(userInfo, QStringLiteral("\\1:***@"));
    error(QStringLiteral("invalid URL '%1': %2").arg(shown, why));
    return std::nullopt;
}

int Context::usageError(const QString &message, const QString &usage)
{
    error(message);
    m_err << '\n' << usage;
    m_err.flush();
    return UsageError;
}

void Context::error(const QString &message)
{
    m_out.flush(); // keep the order of what was printed so far
    m_err << "tiercache: error: " << message << Qt::endl;
}

} // namespace tiercache::cli
