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
class CacheEntryInfo;
}

namespace tiercache::cli {

/*!
    \brief The `tiercache` command line: parses it, runs one command, returns the exit code.

    Exit codes: 0 success, 1 the command failed (fetch error, damaged bodies, cache error),
    2 the command line was wrong.
*/
class Commands
{
public:
    Commands();
    ~Commands();

    int run(const QStringList &arguments);

    enum ExitCode { Success = 0, Failure = 1, UsageError = 2 };

private:
    struct FetchResult
    {
        bool fromCache = false;
        bool revalidated = false; //!< served from the cache after the origin answered 304
        int status = 0;
        qint64 bytes = 0;
        QString error; //!< empty when the fetch succeeded
    };

    // One per command; \a args are what followed the command name.
    int fetch(const QStringList &args);
    int list(const QStringList &args);
    int stats(const QStringList &args);
    int verify(const QStringList &args);
    int remove(const QStringList &args);
    int clear(const QStringList &args);
    int collectGarbage(const QStringList &args);
    int demo(const QStringList &args);
    int tags(const QStringList &args);
    //! invalidate-tag (\a soft false) and soft-purge (\a soft true).
    int purgeTags(const QStringList &args, bool soft);
    int top(const QStringList &args);
    int plugins(const QStringList &args);

    //! Parses a command's own options (plus the global ones, which may follow the command).
    //! Returns an exit code when the command must not run: --help, or a usage error.
    std::optional<int> parseCommand(QCommandLineParser &parser, const QString &command,
                                    const QString &description, const QStringList &args);
    void addGlobalOptions(QCommandLineParser &parser) const;
    //! Takes --cache/--max-size/--tier/--verbose from \a parser; false after a usage error.
    bool applyGlobalOptions(const QCommandLineParser &parser);

    //! Opens the cache directory. \a mustExist: the command only inspects, so a directory
    //! holding no cache is an error instead of being turned into an empty cache. \a writes:
    //! the command stores bodies, so the budget matters (see there).
    bool openCache(bool mustExist, bool writes = false);
    //! True (after printing it) when the cache reports an error.
    bool reportCacheError();
    //! The URL to fetch or remove, or nothing after printing why \a text is not one.
    std::optional<QUrl> cacheableUrl(const QString &text);

    FetchResult fetchOne(const QUrl &url);
    void printFetch(const FetchResult &r, const QString &what);
    void printSummary();
    void printStatistics(bool series, int minutes);
    void printTierStatistics();
    void printEntries(const QList<CacheEntryInfo> &entries, bool json);

    int usageError(const QString &message, const QString &usage);
    void error(const QString &message);

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
    QString m_budgetNote;            //!< where the budget came from, when not given
    QStringList m_tierSpecs;         //!< --tier, L1 first; empty: the library default (disk:)

    std::unique_ptr<QNetworkAccessManager> m_nam;
    NetworkCache *m_cache = nullptr; //!< owned by m_nam
};

} // namespace tiercache::cli
