// SPDX-License-Identifier: MIT
#pragma once

#include "apiadapter.h"

#include <QtCore/QObject>
#include <QtCore/QUrl>

#include <atomic>
#include <functional>

QT_BEGIN_NAMESPACE
class QThread;
QT_END_NAMESPACE

namespace tiercache::browser {

/*
    One long action on a cache directory (verify, collect garbage, clear, delete entries,
    export the list) run on a worker thread, so the window keeps painting. A NetworkCache
    belongs to the thread that uses it, so the job opens its own on the same directory (the
    library supports several instances and processes on one directory) instead of sharing the
    window's: read-only for verify and export, writable for the rest.
*/
class CacheJob : public QObject
{
    Q_OBJECT
public:
    enum class Kind { Verify, CollectGarbage, Clear, Delete, Export };
    enum class Format { Csv, Json };

    CacheJob(Kind kind, const QString &directory, bool writable, QObject *parent = nullptr);
    ~CacheJob() override;

    void setUrls(const QList<QUrl> &urls) { m_urls = urls; }
    //! The tier chain to open (empty: "disk:" in the directory).
    void setTiers(const QStringList &tiers) { m_tiers = tiers; }
    void setExport(const EntryQuery &query, const QString &path, Format format);
    Kind kind() const { return m_kind; }

    void start();
    //! Asks the job to stop at the next step; finished() still comes.
    void cancel() { m_cancelled = true; }
    bool isRunning() const { return m_thread != nullptr; }

    //! The CSV or JSON text of \a rows (JSON: an array of objects); for export and tests.
    static QByteArray format(const QList<EntryRow> &rows, Format format, bool first, bool last);

Q_SIGNALS:
    //! \a done of \a total units (bytes or entries); total 0 when unknown.
    void progress(qint64 done, qint64 total);
    //! \a summary says what was done, in words, for the user.
    void finished(bool ok, const QString &summary);

private:
    struct Result
    {
        bool ok = false;
        QString summary;
    };
    Result run(); // on the worker thread
    Result runVerify(NetworkCache &cache);
    Result runExport(NetworkCache &cache);
    void report(qint64 done, qint64 total);

    Kind m_kind;
    QString m_directory;
    bool m_writable;
    QList<QUrl> m_urls;
    QStringList m_tiers;
    EntryQuery m_query;
    QString m_path;
    Format m_format = Format::Csv;
    std::atomic<bool> m_cancelled {false};
    QThread *m_thread = nullptr;
};

} // namespace tiercache::browser
