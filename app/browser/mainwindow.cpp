// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include "cataloguereader.h"
#include "entriesmodel.h"
#include "entrydetails.h"
#include "pluginspane.h"
#include "statisticspane.h"
#include "tagspane.h"

#include <tiercache/networkcache.h>

#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFileInfo>
#include <QtCore/QLocale>
#include <QtCore/QSettings>
#include <QtCore/QTimer>
#include <QtGui/QCloseEvent>
#include <QtGui/QIcon>
#include <QtGui/QImage>
#include <QtWidgets/QApplication>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QInputDialog>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QProgressDialog>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QTableView>
#include <QtWidgets/QToolBar>
#include <QtWidgets/QVBoxLayout>

namespace tiercache::browser {

namespace {
    constexpr int RefreshIntervalMs = 1000;
    constexpr int FilterDelayMs = 150;
    constexpr int MaxRecent = 8;
    const char RecentKey[] = "recentCaches";
} // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent),
      m_reader(new CatalogueReader(this)),
      m_stack(new QStackedWidget),
      m_message(new QLabel),
      m_tabs(new QTabWidget),
      m_model(new EntriesModel(this)),
      m_view(new QTableView),
      m_filter(new QLineEdit),
      m_contentType(new QComboBox),
      m_freshness(new QComboBox),
      m_tag(new QComboBox),
      m_status(new QComboBox),
      m_tier(new QComboBox),
      m_details(new EntryDetails),
      m_tags(new TagsPane),
      m_statistics(new StatisticsPane),
      m_plugins(new PluginsPane),
      m_statusEntries(new QLabel),
      m_statusMode(new QLabel),
      m_refreshTimer(new QTimer(this)),
      m_filterTimer(new QTimer(this))
{
    setWindowTitle(tr("Tiercache Browser"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/tiercache-browser.svg")));
    m_tabs->addTab(createEntriesPage(), QIcon(QStringLiteral(":/icons/entries.svg")),
                   tr("&Entries"));
    m_tabs->addTab(m_tags, QIcon(QStringLiteral(":/icons/tags.svg")), tr("&Tags"));
    m_tabs->addTab(m_statistics, QIcon(QStringLiteral(":/icons/statistics.svg")),
                   tr("&Statistics"));
    m_tabs->addTab(m_plugins, QIcon(QStringLiteral(":/icons/plugins.svg")),
                   tr("Tiers && &plugins"));

    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setMargin(24);
    m_stack->addWidget(m_message);
    m_stack->addWidget(m_tabs);
    setCentralWidget(m_stack);
    statusBar()->addWidget(m_statusEntries, 1);
    statusBar()->addPermanentWidget(m_statusMode);

    createActions();
    connect(m_tags, &TagsPane::filterByTag, this, &MainWindow::filterByTag);
    connect(m_tags, &TagsPane::cacheChanged, this, &MainWindow::refreshAll);
    connect(m_tags, &TagsPane::tagsChanged, this, &MainWindow::updateTagFilter);
    connect(m_model, &EntriesModel::totalCountChanged, this, &MainWindow::updateStatus);

    m_model->setReader(m_reader);
    m_details->setReader(m_reader);
    m_tags->setCache(nullptr, m_reader);
    m_statistics->setReader(m_reader);
    m_refreshTimer->setInterval(RefreshIntervalMs);
    m_refreshTimer->callOnTimeout(this, &MainWindow::refreshIfChanged);
    m_filterTimer->setSingleShot(true);
    m_filterTimer->setInterval(FilterDelayMs);
    m_filterTimer->callOnTimeout(this, &MainWindow::applyFilter);

    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1200, 760);
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    updateRecentMenu();
    showError(tr("Open a cache directory with File ▸ Open (Ctrl+O)."));
}

MainWindow::~MainWindow()
{
    // The tags pane holds a pointer to the cache; detach it before it goes.
    m_tags->setCache(nullptr, nullptr);
}

bool MainWindow::isLoading() const
{
    return m_reader->pendingJobs() > 0;
}

bool MainWindow::waitUntilLoaded(int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (isLoading() && clock.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
    return !isLoading();
}

QWidget *MainWindow::createEntriesPage()
{
    m_filter->setPlaceholderText(tr("Filter by URL (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    m_contentType->addItem(tr("Any type"), QString());
    m_contentType->addItem(tr("Text"), QStringLiteral("text/"));
    m_contentType->addItem(tr("Images"), QStringLiteral("image/"));
    m_contentType->addItem(tr("JSON"), QStringLiteral("application/json"));
    m_contentType->addItem(tr("Other applications"), QStringLiteral("application/"));
    m_freshness->addItem(tr("Fresh and stale"), int(EntryQuery::Expiry::Any));
    m_freshness->addItem(tr("Fresh only"), int(EntryQuery::Expiry::Fresh));
    m_freshness->addItem(tr("Stale only"), int(EntryQuery::Expiry::Stale));
    m_tag->addItem(tr("Any tag"), QString());
    m_status->addItem(tr("Any status"), 0);
    // The statuses QNetworkAccessManager stores (it never stores 4xx and 5xx itself, other
    // writers may).
    for (int code : {200, 203, 204, 206, 300, 301, 302, 307, 308, 404, 410})
        m_status->addItem(QString::number(code), code);
    m_status->setToolTip(tr("HTTP status code"));
    m_tier->setToolTip(tr("The tier whose entries are listed"));
    m_tier->hide();
    connect(m_filter, &QLineEdit::textChanged, m_filterTimer, qOverload<>(&QTimer::start));
    for (QComboBox *box : {m_contentType, m_freshness, m_tag, m_status, m_tier})
        connect(box, &QComboBox::currentIndexChanged, this, &MainWindow::applyFilter);

    m_view->setModel(m_model);
    m_view->setSortingEnabled(true);
    m_view->horizontalHeader()->setSortIndicator(EntriesModel::LastAccessColumn,
                                                 Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->setWordWrap(false);
    m_view->setAlternatingRowColors(true);
    // Widths that fit headers and typical values (dates in the locale's narrow format), so
    // that no column starts cut off; the URL column takes what is left.
    QHeaderView *header = m_view->horizontalHeader();
    const QFontMetrics metrics = m_view->fontMetrics();
    for (int column = 0; column < EntriesModel::ColumnCount; ++column) {
        const QString title = m_model->headerData(column, Qt::Horizontal).toString();
        header->resizeSection(column, metrics.horizontalAdvance(title) + 36);
    }
    const int date = metrics.horizontalAdvance(QLocale().toString(
                             QDateTime(QDate(2026, 12, 28), QTime(23, 59)), QLocale::NarrowFormat))
            + 16;
    for (int column : {EntriesModel::StoredAtColumn, EntriesModel::LastAccessColumn})
        header->resizeSection(column, qMax(header->sectionSize(column), date));
    header->resizeSection(EntriesModel::ExpiresColumn,
                          qMax(header->sectionSize(EntriesModel::ExpiresColumn),
                               date + metrics.horizontalAdvance(tr("%1 (stale)").arg(QString()))));
    header->resizeSection(EntriesModel::ContentTypeColumn,
                          metrics.horizontalAdvance(QStringLiteral("application/json")) + 16);
    header->resizeSection(EntriesModel::UrlColumn, 260);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                const EntryRow row =
                        current.isValid() ? m_model->entryAt(current.row()) : EntryRow();
                m_details->showEntry(row.url, row);
            });

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_filter, 1);
    bar->addWidget(m_contentType);
    bar->addWidget(m_freshness);
    bar->addWidget(m_tag);
    bar->addWidget(m_status);
    bar->addWidget(m_tier);
    auto *left = new QWidget;
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addLayout(bar);
    leftLayout->addWidget(m_view, 1);
    auto *splitter = new QSplitter;
    splitter->addWidget(left);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    return splitter;
}

void MainWindow::createActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(QIcon(QStringLiteral(":/icons/open.svg")), tr("&Open Cache…"),
                                    this, &MainWindow::chooseDirectory);
    open->setShortcut(QKeySequence::Open);
    QAction *openChain =
            file->addAction(tr("Open &Tier Chain…"), this, &MainWindow::chooseTierChain);
    openChain->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *refresh = view->addAction(QIcon(QStringLiteral(":/icons/refresh.svg")), tr("&Refresh"),
                                       this, &MainWindow::refreshAll);
    refresh->setShortcut(QKeySequence::Refresh);
    QAction *find = view->addAction(tr("&Filter Entries"), this, [this] {
        showPage(EntriesPage);
        m_filter->setFocus();
        m_filter->selectAll();
    });
    find->setShortcut(QKeySequence::Find);
    for (int page = 0; page < PageCount; ++page) {
        QAction *show = view->addAction(m_tabs->tabText(page).remove(QLatin1Char('&')), this,
                                        [this, page] { showPage(Page(page)); });
        show->setShortcut(QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + page)));
    }

    QMenu *cache = menuBar()->addMenu(tr("&Cache"));
    m_writableAction =
            cache->addAction(QIcon(QStringLiteral(":/icons/unlock.svg")), tr("&Allow Changes"));
    m_writableAction->setCheckable(true);
    m_writableAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W));
    connect(m_writableAction, &QAction::triggered, this, &MainWindow::toggleWritable);
    cache->addSeparator();
    QAction *verify = cache->addAction(tr("&Verify Integrity…"), this,
                                       [this] { confirmAndStart(CacheJob::Kind::Verify); });
    QAction *exportList = cache->addAction(tr("&Export Entries…"), this, &MainWindow::chooseExport);
    exportList->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    cache->addSeparator();
    QAction *remove = cache->addAction(tr("&Delete Selected Entries…"), this,
                                       [this] { confirmAndStart(CacheJob::Kind::Delete); });
    remove->setShortcut(QKeySequence::Delete);
    QAction *gc = cache->addAction(tr("Collect &Garbage…"), this,
                                   [this] { confirmAndStart(CacheJob::Kind::CollectGarbage); });
    QAction *clear = cache->addAction(tr("C&lear Cache…"), this,
                                      [this] { confirmAndStart(CacheJob::Kind::Clear); });
    m_writeActions = {remove, gc, clear};
    m_cacheActions = {verify, exportList, m_writableAction};

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Tiercache Browser"), this, &MainWindow::showAbout);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);

    QToolBar *tools = addToolBar(tr("Main"));
    tools->setObjectName(QStringLiteral("mainToolBar"));
    tools->addAction(open);
    tools->addAction(refresh);
    tools->addAction(m_writableAction);
    updateActions();
}

void MainWindow::updateActions()
{
    for (QAction *a : std::as_const(m_cacheActions))
        a->setEnabled(m_cache != nullptr && !m_job);
    for (QAction *a : std::as_const(m_writeActions))
        a->setEnabled(isWritable() && !m_job);
}

QList<QUrl> MainWindow::selectedUrls() const
{
    QList<QUrl> urls;
    for (const QModelIndex &index : m_view->selectionModel()->selectedRows())
        urls.append(m_model->entryAt(index.row()).url);
    return urls;
}

CacheJob *MainWindow::startJob(CacheJob::Kind kind, const QList<QUrl> &urls,
                               const QString &exportPath, CacheJob::Format format)
{
    if (!m_cache || m_job)
        return nullptr;
    const bool writes = kind == CacheJob::Kind::CollectGarbage || kind == CacheJob::Kind::Clear
            || kind == CacheJob::Kind::Delete;
    if (writes && !isWritable())
        return nullptr;
    m_job = new CacheJob(kind, m_cache->cacheDirectory(), isWritable(), this);
    m_job->setTiers(m_specs);
    m_job->setUrls(urls);
    m_job->setExport(m_model->query(), exportPath, format);
    auto *dialog = new QProgressDialog(this);
    dialog->setWindowTitle(tr("Tiercache Browser"));
    dialog->setLabelText(kind == CacheJob::Kind::Verify           ? tr("Verifying bodies…")
                                 : kind == CacheJob::Kind::Export ? tr("Exporting entries…")
                                 : kind == CacheJob::Kind::Delete ? tr("Deleting entries…")
                                 : kind == CacheJob::Kind::Clear  ? tr("Clearing the cache…")
                                                                  : tr("Collecting garbage…"));
    dialog->setRange(0, 0);
    dialog->setMinimumDuration(400); // quick jobs never flash a dialog
    dialog->setAutoClose(false);
    dialog->setAutoReset(false);
    connect(m_job, &CacheJob::progress, dialog, [dialog](qint64 done, qint64 total) {
        dialog->setRange(0, total > 0 ? 1000 : 0);
        if (total > 0)
            dialog->setValue(int(qMin<qint64>(1000, done * 1000 / total)));
    });
    connect(dialog, &QProgressDialog::canceled, m_job, &CacheJob::cancel);
    connect(m_job, &CacheJob::finished, this, [this, dialog](bool ok, const QString &summary) {
        dialog->deleteLater();
        m_job->deleteLater();
        m_job = nullptr;
        statusBar()->showMessage(summary.section(QLatin1Char('\n'), 0, 0), 10000);
        refreshAll();
        updateActions();
        emit jobFinished(ok, summary);
    });
    m_job->start();
    updateActions();
    return m_job;
}

void MainWindow::confirmAndStart(CacheJob::Kind kind)
{
    QString question;
    QList<QUrl> urls;
    switch (kind) {
    case CacheJob::Kind::Delete:
        urls = selectedUrls();
        if (urls.isEmpty())
            return;
        question = tr("Delete the %n selected entries from the cache?", nullptr, int(urls.size()));
        break;
    case CacheJob::Kind::Clear:
        question = tr("Delete every entry of this cache? This cannot be undone.");
        break;
    case CacheJob::Kind::CollectGarbage:
        question = tr("Reclaim the space of bodies and files no entry refers to?");
        break;
    default:
        break;
    }
    if (!question.isEmpty()
        && QMessageBox::question(this, tr("Tiercache Browser"), question) != QMessageBox::Yes)
        return;
    CacheJob *job = startJob(kind, urls);
    if (!job)
        return;
    connect(job, &CacheJob::finished, this, [this](bool ok, const QString &summary) {
        auto *box = new QMessageBox(ok ? QMessageBox::Information : QMessageBox::Warning,
                                    tr("Tiercache Browser"), summary, QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
}

void MainWindow::chooseExport()
{
    QString selectedFilter;
    const QString csv = tr("CSV (*.csv)");
    const QString json = tr("JSON (*.json)");
    const QString path =
            QFileDialog::getSaveFileName(this, tr("Export Entries"), QStringLiteral("entries.csv"),
                                         csv + QLatin1String(";;") + json, &selectedFilter);
    if (path.isEmpty())
        return;
    const bool isJson = selectedFilter == json || path.endsWith(QLatin1String(".json"));
    startJob(CacheJob::Kind::Export, {}, path,
             isJson ? CacheJob::Format::Json : CacheJob::Format::Csv);
}

bool MainWindow::openCache(const QString &directory, const QStringList &tiers)
{
    m_refreshTimer->stop();
    m_reader->close();
    m_tags->setCache(nullptr, m_reader);
    m_cache = std::make_unique<NetworkCache>();
    m_cache->setReadOnly(true);
    m_cache->setPromotionPolicy(PromotionPolicy::never());
    m_specs = tiers;
    m_writableAction->setChecked(false);
    m_tags->setWritable(false);
    const QString where = directory.isEmpty() ? tiers.join(QLatin1Char(' '))
                                              : QDir::toNativeSeparators(directory);
    QString why;
    if (!tiers.isEmpty() && !m_cache->setTiers(tiers))
        why = m_cache->tierErrors().join(QLatin1Char('\n'));
    if (why.isEmpty() && !directory.isEmpty()) {
        m_cache->setCacheDirectory(directory);
        if (!m_cache->open())
            why = m_cache->errorString();
    }
    if (why.isEmpty() && directory.isEmpty() && tiers.isEmpty())
        why = tr("no cache directory and no tier chain given");
    if (!why.isEmpty()) {
        showError(tr("Cannot open %1 as a Tiercache cache:\n\n%2\n\nNothing in it was changed.")
                          .arg(where, why));
        m_cache.reset();
        m_specs.clear();
        m_model->setReader(nullptr);
        updateStatus();
        updateActions();
        return false;
    }
    m_error.clear();
    m_stack->setCurrentWidget(m_tabs);
    setWindowTitle(tr("%1 — Tiercache Browser").arg(where));
    m_reader->open(m_cache->cacheDirectory(), tiers);
    m_tags->setCache(m_cache.get(), m_reader);
    setTierNames({});
    m_reader->run<QStringList>(
            this,
            [](const NetworkCache *cache) { return cache ? tierNames(*cache) : QStringList(); },
            [this](const QStringList &names) { setTierNames(names); });
    m_model->setReader(m_reader);
    m_details->setReader(m_reader);
    m_statistics->setReader(m_reader);
    m_dataVersion = m_cache->dataVersion();
    if (!directory.isEmpty() && tiers.isEmpty())
        rememberRecent(m_cache->cacheDirectory());
    m_refreshTimer->start();
    updateStatus();
    updateActions();
    return true;
}

bool MainWindow::openTierChain(const QStringList &specs)
{
    return openCache(QString(), specs);
}

void MainWindow::chooseTierChain()
{
    bool ok = false;
    const QString text = QInputDialog::getText(
            this, tr("Open Tier Chain"),
            tr("Tier specs, first tier first, separated by spaces (e.g. "
               "redis://127.0.0.1:6379/0 or sqlite:?path=/tmp/cache.db). The chain is opened "
               "read-only, to list what its tiers hold; a chain with disk: uses the open "
               "cache directory."),
            QLineEdit::Normal, m_specs.join(QLatin1Char(' ')), &ok);
    const QStringList specs = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (!ok || specs.isEmpty())
        return;
    const bool disk = std::any_of(specs.begin(), specs.end(), [](const QString &spec) {
        return spec.startsWith(QLatin1String("disk:"));
    });
    openCache(disk ? cacheDirectory() : QString(), specs);
}

void MainWindow::setTierNames(const QStringList &names)
{
    // Tiers without a catalogue are listed by name; the disk tier's catalogue is the default.
    const bool hasCatalogue = names.isEmpty() || names.contains(QLatin1String("disk"));
    m_tier->blockSignals(true);
    m_tier->clear();
    if (hasCatalogue)
        m_tier->addItem(tr("Catalogue"), QString());
    for (const QString &name : names) {
        if (name != QLatin1String("disk"))
            m_tier->addItem(tr("Tier %1").arg(name), name);
    }
    m_tier->setCurrentIndex(0);
    m_tier->blockSignals(false);
    m_tier->setVisible(m_tier->count() > 1 || !hasCatalogue);
    applyFilter();
}

void MainWindow::updateTagFilter(const QStringList &tags)
{
    const QString current = m_tag->currentData().toString();
    m_tag->blockSignals(true);
    while (m_tag->count() > 1)
        m_tag->removeItem(1);
    for (const QString &tag : tags)
        m_tag->addItem(tag, tag);
    m_tag->setCurrentIndex(qMax(0, m_tag->findData(current)));
    m_tag->blockSignals(false);
}

QString MainWindow::cacheDirectory() const
{
    return m_cache ? m_cache->cacheDirectory() : QString();
}

QString MainWindow::errorText() const
{
    return m_error;
}

void MainWindow::showError(const QString &message)
{
    m_error = message;
    m_message->setText(message);
    m_stack->setCurrentWidget(m_message);
}

bool MainWindow::isWritable() const
{
    return m_cache && !m_cache->isReadOnly();
}

bool MainWindow::setWritable(bool writable)
{
    if (!m_cache)
        return false;
    m_cache->setReadOnly(!writable);
    // A chain without a disk tier has no directory to open: its tiers are used as they are.
    if (!m_cache->cacheDirectory().isEmpty() && !m_cache->open()) {
        // Back to what worked: the directory may not be writable for this account.
        const QString why = m_cache->errorString();
        m_cache->setReadOnly(true);
        m_cache->open();
        m_tags->setWritable(false);
        QMessageBox::warning(this, tr("Allow Changes"),
                             tr("The cache cannot be opened for writing: %1").arg(why));
        writable = false;
    }
    m_writableAction->setChecked(writable);
    m_tags->setWritable(writable);
    updateActions();
    m_dataVersion = -1; // a new connection: its versions start afresh
    refreshAll();
    return writable == isWritable();
}

void MainWindow::toggleWritable(bool writable)
{
    if (writable
        && QMessageBox::question(this, tr("Allow Changes"),
                                 tr("Allow changes to this cache? Invalidating tags and other "
                                    "actions will modify the directory, also for every other "
                                    "process using it."))
                != QMessageBox::Yes) {
        m_writableAction->setChecked(false);
        return;
    }
    setWritable(writable);
}

void MainWindow::applyFilter()
{
    EntryQuery q = m_model->query();
    q.text = m_filter->text();
    q.contentType = m_contentType->currentData().toString();
    q.expiry = EntryQuery::Expiry(m_freshness->currentData().toInt());
    q.tag = m_tag->currentData().toString();
    q.status = m_status->currentData().toInt();
    q.tier = m_tier->currentData().toString();
    m_model->setQuery(q);
}

void MainWindow::filterByTag(const QString &tag)
{
    int index = m_tag->findData(tag);
    if (index < 0) {
        m_tag->addItem(tag, tag);
        index = m_tag->count() - 1;
    }
    m_tag->setCurrentIndex(index);
    showPage(EntriesPage);
}

void MainWindow::refreshIfChanged()
{
    if (!m_cache)
        return;
    // One refresh at a time: a slow one (a huge catalogue) is not piled up behind.
    if (m_reader->pendingJobs() > 0)
        return;
    const qint64 version = m_cache->dataVersion();
    if (version == m_dataVersion)
        return;
    m_dataVersion = version;
    refreshAll();
}

void MainWindow::refreshAll()
{
    if (!m_cache)
        return;
    m_dataVersion = m_cache->dataVersion();
    m_model->refresh();
    m_tags->refresh();
    m_statistics->refresh();
    if (m_details->currentUrl().isValid()) {
        const QModelIndex current = m_view->selectionModel()->currentIndex();
        const EntryRow row = current.isValid() ? m_model->entryAt(current.row()) : EntryRow();
        m_details->showEntry(m_details->currentUrl(),
                             row.url == m_details->currentUrl() ? row : EntryRow());
    }
    updateStatus();
}

void MainWindow::updateStatus()
{
    if (!m_cache) {
        m_statusEntries->setText(tr("No cache open"));
        m_statusMode->clear();
        return;
    }
    m_statusMode->setText(isWritable() ? tr("Changes allowed") : tr("Read-only"));
    m_reader->run<SummaryRow>(
            this, [](const NetworkCache *cache) { return cache ? summary(*cache) : SummaryRow(); },
            [this](const SummaryRow &s) {
                if (!m_cache)
                    return;
                const QLocale locale;
                if (m_cache->cacheDirectory().isEmpty()) { // a tier chain
                    m_statusEntries->setText(
                            tr("%n entries listed", nullptr, int(m_model->totalCount())));
                    return;
                }
                m_statusEntries->setText(
                        tr("%1 of %n entries shown · %2 on disk", nullptr, int(s.entries))
                                .arg(locale.toString(m_model->totalCount()),
                                     locale.formattedDataSize(s.storedBytes)));
            });
}

void MainWindow::showPage(Page page)
{
    m_tabs->setCurrentIndex(page);
}

QStringList MainWindow::saveScreenshots(const QString &directory)
{
    QStringList written;
    if (!QDir().mkpath(directory))
        return written;
    const char *names[] = {"entries", "tags", "statistics", "plugins"};
    const int current = m_tabs->currentIndex();
    for (int page = 0; page < PageCount; ++page) {
        showPage(Page(page));
        waitUntilLoaded(10000);
        QApplication::processEvents(); // lay out the page before grabbing it
        const QString path = QDir(directory).filePath(
                QStringLiteral("tiercache-browser-%1.png").arg(QLatin1String(names[page])));
        if (grab().save(path))
            written.append(path);
    }
    m_tabs->setCurrentIndex(current);
    return written;
}

void MainWindow::chooseDirectory()
{
    const QString directory =
            QFileDialog::getExistingDirectory(this, tr("Open Cache Directory"), cacheDirectory());
    if (!directory.isEmpty())
        openCache(directory);
}

void MainWindow::rememberRecent(const QString &directory)
{
    QSettings settings;
    QStringList recent = settings.value(QLatin1String(RecentKey)).toStringList();
    recent.removeAll(directory);
    recent.prepend(directory);
    while (recent.size() > MaxRecent)
        recent.removeLast();
    settings.setValue(QLatin1String(RecentKey), recent);
    updateRecentMenu();
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(QLatin1String(RecentKey)).toStringList();
    for (const QString &directory : recent) {
        m_recentMenu->addAction(QDir::toNativeSeparators(directory), this,
                                [this, directory] { openCache(directory); });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About Tiercache Browser"),
                       tr("<h3>Tiercache Browser %1</h3><p>Browse the entries, tags and hit "
                          "statistics of a Tiercache HTTP cache directory, also while another "
                          "process uses it. It opens caches read-only; changes need Cache ▸ "
                          "Allow Changes.</p><p>MIT licence.</p>")
                               .arg(QApplication::applicationVersion()));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    event->accept();
}

} // namespace tiercache::browser
