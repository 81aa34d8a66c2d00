// SPDX-License-Identifier: MIT
#pragma once

#include "cachejob.h"

#include <QtWidgets/QMainWindow>

#include <memory>

QT_BEGIN_NAMESPACE
class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QTimer;
QT_END_NAMESPACE

namespace tiercache {
class NetworkCache;
}

namespace tiercache::browser {

class CatalogueReader;
class EntriesModel;
class EntryDetails;
class PluginsPane;
class StatisticsPane;
class TagsPane;

/*
    Tiercache Browser's window. It opens a cache directory (or a tier chain) read-only through
    the library (NetworkCache::setReadOnly()), so looking never changes anything, also while
    another process writes the directory; changes need an explicit switch (Cache ▸ Allow
    Changes). The views read through a CatalogueReader, on a worker thread of its own, so the
    window never waits for the catalogue. A one-second timer compares the catalogue's data
    version and refreshes the views only when another process committed something (and the
    previous refresh is done), so an idle cache costs one cheap check a second.
*/
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    enum Page { EntriesPage, TagsPage, StatisticsPage, PluginsPage, PageCount };

    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    //! Opens \a directory read-only, with the tier chain \a tiers (empty: "disk:"); on
    //! failure the window shows why and nothing on disk changed.
    bool openCache(const QString &directory, const QStringList &tiers = {});
    //! Opens the tier chain \a specs without a cache directory (e.g. a Redis or SQLite
    //! tier) read-only, to list what its tiers hold.
    bool openTierChain(const QStringList &specs);
    QString cacheDirectory() const;
    QStringList tierSpecs() const { return m_specs; }
    //! Whether a view still waits for an answer of the worker.
    bool isLoading() const;
    //! Runs the event loop until no view waits for the worker (for scripts and tests).
    bool waitUntilLoaded(int timeoutMs = 30000);
    //! The message shown instead of the views when opening failed; empty when open.
    QString errorText() const;
    //! Leaves (true) or returns to (false) read-only mode, without asking.
    bool setWritable(bool writable);
    bool isWritable() const;

    //! Writes one PNG per page into \a directory; returns their paths.
    QStringList saveScreenshots(const QString &directory);
    //! Refreshes the views when the catalogue changed since the last look.
    void refreshIfChanged();

    EntriesModel *entriesModel() const { return m_model; }
    QTableView *entriesView() const { return m_view; }
    QLineEdit *filterEdit() const { return m_filter; }
    EntryDetails *details() const { return m_details; }
    TagsPane *tagsPane() const { return m_tags; }
    StatisticsPane *statisticsPane() const { return m_statistics; }
    PluginsPane *pluginsPane() const { return m_plugins; }
    void showPage(Page page);

    /*!
        Starts \a kind off the GUI thread with a progress dialog that can cancel it; writes
        (garbage collection, clear, delete) need the window out of read-only mode. No
        confirmation here (the menu asks first); jobFinished() reports what was done.
        \a urls are the entries to delete; \a exportPath and \a format the export's target
        (the current filter is exported).
    */
    CacheJob *startJob(CacheJob::Kind kind, const QList<QUrl> &urls = {},
                       const QString &exportPath = {},
                       CacheJob::Format format = CacheJob::Format::Csv);
    //! The URLs of the selected rows of the entries view.
    QList<QUrl> selectedUrls() const;

Q_SIGNALS:
    void jobFinished(bool ok, const QString &summary);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    QWidget *createEntriesPage();
    void applyFilter();
    void refreshAll();
    void updateStatus();
    void showError(const QString &message);
    void chooseDirectory();
    void chooseTierChain();
    void setTierNames(const QStringList &names);
    void updateTagFilter(const QStringList &tags);
    void rememberRecent(const QString &directory);
    void updateRecentMenu();
    void toggleWritable(bool writable);
    void showAbout();
    void filterByTag(const QString &tag);
    void confirmAndStart(CacheJob::Kind kind);
    void chooseExport();
    void updateActions();

    std::unique_ptr<NetworkCache> m_cache; // the checks, tag invalidation and dataVersion()
    CatalogueReader *m_reader;             // every query
    QStringList m_specs;
    qint64 m_dataVersion = -1;
    QString m_error;
    QStackedWidget *m_stack;
    QLabel *m_message;
    QTabWidget *m_tabs;
    EntriesModel *m_model;
    QTableView *m_view;
    QLineEdit *m_filter;
    QComboBox *m_contentType;
    QComboBox *m_freshness;
    QComboBox *m_tag;
    QComboBox *m_status;
    QComboBox *m_tier;
    EntryDetails *m_details;
    TagsPane *m_tags;
    StatisticsPane *m_statistics;
    PluginsPane *m_plugins;
    QLabel *m_statusEntries;
    QLabel *m_statusMode;
    QTimer *m_refreshTimer;
    QTimer *m_filterTimer;
    QMenu *m_recentMenu = nullptr;
    QAction *m_writableAction = nullptr;
    QList<QAction *> m_writeActions; // need the window out of read-only mode
    QList<QAction *> m_cacheActions; // need an open cache
    CacheJob *m_job = nullptr;       // at most one at a time
};

} // namespace tiercache::browser
