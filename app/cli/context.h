// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QCommandLineOption>
#include <QtCore/QStringList>
#include <QtCore/QTextStream>
#include <QtCore/QUrl>

#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QCommandLineParser;
class QNetworkAccessManager;
QT_END_NAMESPACE

namespace tiercache {
class NetworkCache;
}

namespace tiercache::cli {

//! What the tool returns to the shell.
enum ExitCode {
    Success = 0,
    Failure = 1,    //!< the command failed: fetch error, damaged bodies, cache error
    UsageError = 2, //!< the command line was wrong
    Unusable = 3,   //!< the directory holds no usable cache: damaged, foreign or newer format
};

//! What a command does to the cache it opens.
enum class Access {
    Inspect, //!< only looks: opened read-only, nothing created, moved or written
    Modify,  //!< changes an existing cache (rm, clear, gc, invalidate-tag, ...)
    Store,   //!< stores bodies (fetch, demo): creates the cache if needed, keeps the budget
};

/*!
    \brief What every command of one `tiercache` run works through.

    The global options (--cache, --max-size, --tier, --verbose) may stand before the command
    name and after it, so both parsers take them and they land here. The cache is opened only
    when a command asks for it, after its own options were checked: a usage error must never
    touch the directory. Messages go through error() so that stdout and stderr keep the order
    in which things happened.
*/
class Context
{
public:
    Context();
    ~Context();

    QTextStream &out() { return m_out; }
    QTextStream &err() { return m_err; }
    QNetworkAccessManager *networkAccessManager() const { return m_nam.get(); }
    //! Owned by networkAccessManager(), as in any application.
    NetworkCache *cache() const { return m_cache; }
    //! Where the budget came from when no --max-size said it; empty when it was given.
    QString budgetNote() const { return m_budgetNote; }

    //! The usage shown after an error in a global option, wherever on the line it stood.
    void setMainUsage(const QString &usage) { m_mainUsage = usage; }
    void addGlobalOptions(QCommandLineParser &parser) const;
    //! Takes --cache/--max-size/--tier/--verbose from \a parser; false after a usage error.
    bool applyGlobalOptions(const QCommandLineParser &parser);
    //! Takes the budget from $TIERCACHE_MAX_SIZE, if set; false after a usage error.
    bool applyEnvironment();

    //! Parses a command's own options (plus the global ones, which may follow the command).
    //! Returns an exit code when the command must not run: --help, or a usage error.
    std::optional<int> parseCommand(QCommandLineParser &parser, const QString &command,
                                    const QString &description, const QStringList &args);

    //! Opens the cache for \a access; returns Success, or the exit code after printing why
    //! not. Inspect and Modify need an existing cache (a mistyped --cache is never turned into
    //! an empty one); Inspect opens it read-only, so that looking never changes a byte.
    int openCache(Access access);
    //! Prints a warning (stderr, not an error: the command goes on).
    void warning(const QString &message);
    //! \a url as the tool prints it: fully encoded (so that rm, fetch and show accept it
    //! back, spaces and non-ASCII included), without a password.
    static QString displayUrl(const QUrl &url);
    //! True (after printing it) when the cache reports an error.
    bool reportCacheError();
    //! The URL to fetch or remove, or nothing after printing why \a text is not one (the
    //! caller returns UsageError). Accepts what ls prints and what a browser shows.
    std::optional<QUrl> cacheableUrl(const QString &text);

    //! Prints \a message and \a usage; returns UsageError for the caller to return.
    int usageError(const QString &message, const QString &usage);
    void error(const QString &message);

private:
    QTextStream m_out;
    QTextStream m_err;
    QCommandLineOption m_cacheOption;
    QCommandLineOption m_maxSizeOption;
    QCommandLineOption m_tierOption;
    QCommandLineOption m_verboseOption;
    QString m_mainUsage;

    QString m_directory;
    qint64 m_maximumSize = 0;
    bool m_maximumSizeGiven = false; //!< by --max-size or $TIERCACHE_MAX_SIZE
    QString m_budgetNote;
    QStringList m_tierSpecs; //!< --tier, L1 first; empty: the library default (disk:)

    std::unique_ptr<QNetworkAccessManager> m_nam;
    NetworkCache *m_cache = nullptr; //!< owned by m_nam
};

//! QCommandLineParser names the executable as it was typed; usage reads better with the name.
QString usageOf(const QCommandLineParser &parser, const QString &command = QString());

} // namespace tiercache::cli
