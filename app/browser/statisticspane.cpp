// SPDX-License-Identifier: MIT
#include "statisticspane.h"

#include "cataloguereader.h"

#include <tiercache/networkcache.h>

#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QDateTimeAxis>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>
#include <QtCore/QLocale>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QGridLayout>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QVBoxLayout>

namespace tiercache::browser {

namespace {
    QTableWidget *makeTable(const QStringList &headers)
    {
        auto *t = new QTableWidget(0, int(headers.size()));
        t->setHorizontalHeaderLabels(headers);
        t->verticalHeader()->hide();
        t->setEditTriggers(QAbstractItemView::NoEditTriggers);
        t->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
        t->setWordWrap(false);
        t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 6);
        t->setTextElideMode(Qt::ElideMiddle);
        return t;
    }

    void setRow(QTableWidget *t, int row, const QStringList &cells)
    {
        for (int c = 0; c < cells.size(); ++c)
            t->setItem(row, c, new QTableWidgetItem(cells[c]));
    }
} // namespace

StatisticsPane::StatisticsPane(QWidget *parent)
    : QWidget(parent),
      m_tiers(makeTable({tr("Tier"), tr("Lookups"), tr("Hits"), tr("Misses"), tr("Promotions"),
                         tr("Writes"), tr("Size")})),
      m_top(makeTable({tr("Hottest"), tr("Hits"), tr("Largest"), tr("Size"), tr("Oldest"),
                       tr("Stored at")})),
      m_loadTop(new QPushButton(tr("Load top entries"))),
      m_range(new QComboBox),
      m_chart(new QChartView)
{
    const QList<QPair<QString, QString>> counters = {
            {QStringLiteral("hitRatio"), tr("Hit ratio")},
            {QStringLiteral("byteHitRatio"), tr("Byte hit ratio")},
            {QStringLiteral("lookups"), tr("Lookups")},
            {QStringLiteral("hits"), tr("Hits")},
            {QStringLiteral("staleHits"), tr("Stale hits")},
            {QStringLiteral("misses"), tr("Misses")},
            {QStringLiteral("revalidations"), tr("Revalidations")},
            {QStringLiteral("bytesFromCache"), tr("Bytes from cache")},
            {QStringLiteral("bytesFromNetwork"), tr("Bytes from network")},
            {QStringLiteral("inserts"), tr("Inserts")},
            {QStringLiteral("evictions"), tr("Evictions")},
            {QStringLiteral("promotions"), tr("Promotions")},
            {QStringLiteral("invalidations"), tr("Invalidations")},
            {QStringLiteral("refreshes"), tr("Background refreshes")},
    };
    auto *grid = new QGridLayout;
    for (int i = 0; i < counters.size(); ++i) {
        auto *value = new QLabel;
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_counters.insert(counters[i].first, value);
        grid->addWidget(new QLabel(counters[i].second + QLatin1Char(':')), i / 2, (i % 2) * 2);
        grid->addWidget(value, i / 2, (i % 2) * 2 + 1);
    }
    auto *countersBox = new QGroupBox(tr("Counters (all processes)"));
    countersBox->setLayout(grid);

    m_range->addItem(tr("Last hour"), 60);
    m_range->addItem(tr("Last 6 hours"), 6 * 60);
    m_range->addItem(tr("Last 24 hours"), 24 * 60);
    connect(m_range, &QComboBox::currentIndexChanged, this, &StatisticsPane::updateChart);
    m_chart->setRenderHint(QPainter::Antialiasing);
    m_chart->setMinimumHeight(200);
    auto *chartBox = new QGroupBox(tr("Per minute"));
    auto *chartLayout = new QVBoxLayout(chartBox);
    auto *rangeRow = new QFormLayout;
    rangeRow->addRow(tr("Range:"), m_range);
    chartLayout->addLayout(rangeRow);
    chartLayout->addWidget(m_chart, 1);

    auto *left = new QWidget;
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(countersBox);
    leftLayout->addWidget(new QLabel(tr("Tiers of this window's cache object")));
    leftLayout->addWidget(m_tiers, 1);
    auto *top = new QSplitter;
    top->addWidget(left);
    top->addWidget(chartBox);
    top->setStretchFactor(1, 1);
    // The top lists get the whole width: their URLs are long.
    for (int column : {0, 2, 4})
        m_top->horizontalHeader()->setSectionResizeMode(column, QHeaderView::Stretch);
    auto *bottom = new QWidget;
    auto *bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(m_loadTop, 0, Qt::AlignLeft);
    bottomLayout->addWidget(m_top, 1);
    connect(m_loadTop, &QPushButton::clicked, this, &StatisticsPane::loadTopLists);
    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(top);
    splitter->addWidget(bottom);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);
}

void StatisticsPane::setReader(CatalogueReader *reader)
{
    m_reader = reader;
    show(StatisticsRow());
    refresh();
}

QString StatisticsPane::counterText(const QString &name) const
{
    const QLabel *label = m_counters.value(name);
    return label ? label->text() : QString();
}

QString StatisticsPane::topText(int row, int column) const
{
    const QTableWidgetItem *item = m_top->item(row, column);
    return item ? item->text() : QString();
}

void StatisticsPane::refresh()
{
    if (!m_reader)
        return;
    // Counters and the series only: the top lists sort the whole catalogue (seconds at
    // 200 000 entries), which a refresh every second must not do; they load on request.
    m_reader->run<StatisticsRow>(
            this,
            [](const NetworkCache *cache) {
                return cache ? statistics(*cache, 0) : StatisticsRow();
            },
            [this](const StatisticsRow &fresh) {
                StatisticsRow stats = fresh;
                stats.hottest = m_stats.hottest;
                stats.largest = m_stats.largest;
                stats.oldest = m_stats.oldest;
                show(stats);
            });
}

void StatisticsPane::loadTopLists()
{
    if (!m_reader)
        return;
    m_loadTop->setEnabled(false);
    m_reader->run<StatisticsRow>(
            this,
            [](const NetworkCache *cache) {
                return cache ? statistics(*cache, 10) : StatisticsRow();
            },
            [this](const StatisticsRow &stats) {
                m_loadTop->setEnabled(true);
                show(stats);
            });
}

void StatisticsPane::show(const StatisticsRow &stats)
{
    m_stats = stats;
    const QLocale locale;
    const auto set = [&](const char *name, const QString &text) {
        m_counters.value(QLatin1String(name))->setText(text);
    };
    set("hitRatio", locale.toString(m_stats.hitRatio * 100, 'f', 1) + QLatin1String(" %"));
    set("byteHitRatio", locale.toString(m_stats.byteHitRatio * 100, 'f', 1) + QLatin1String(" %"));
    set("lookups", locale.toString(m_stats.lookups));
    set("hits", locale.toString(m_stats.hits));
    set("staleHits", locale.toString(m_stats.staleHits));
    set("misses", locale.toString(m_stats.misses));
    set("revalidations", locale.toString(m_stats.revalidations));
    set("bytesFromCache", locale.formattedDataSize(m_stats.bytesFromCache));
    set("bytesFromNetwork", locale.formattedDataSize(m_stats.bytesFromNetwork));
    set("inserts", locale.toString(m_stats.inserts));
    set("evictions", locale.toString(m_stats.evictions));
    set("promotions", locale.toString(m_stats.promotions));
    set("invalidations", locale.toString(m_stats.invalidations));
    set("refreshes",
        tr("%1 done, %2 skipped, %3 failed")
                .arg(locale.toString(m_stats.refreshesDone),
                     locale.toString(m_stats.refreshesSkipped),
                     locale.toString(m_stats.refreshesFailed)));

    m_tiers->setRowCount(int(m_stats.tiers.size()));
    for (int i = 0; i < m_stats.tiers.size(); ++i) {
        const TierRow &t = m_stats.tiers[i];
        setRow(m_tiers, i,
               {t.spec, locale.toString(t.lookups), locale.toString(t.hits),
                locale.toString(t.misses), locale.toString(t.promotions), locale.toString(t.writes),
                locale.formattedDataSize(t.size)});
    }
    const int top =
            int(qMax(m_stats.hottest.size(), qMax(m_stats.largest.size(), m_stats.oldest.size())));
    m_top->setRowCount(top);
    for (int i = 0; i < top; ++i) {
        const EntryRow hot = m_stats.hottest.value(i);
        const EntryRow large = m_stats.largest.value(i);
        const EntryRow old = m_stats.oldest.value(i);
        setRow(m_top, i,
               {hot.url.toDisplayString(), hot.isValid() ? locale.toString(hot.hits) : QString(),
                large.url.toDisplayString(),
                large.isValid() ? locale.formattedDataSize(large.bodySize) : QString(),
                old.url.toDisplayString(),
                old.isValid() ? locale.toString(old.created.toLocalTime(), QLocale::ShortFormat)
                              : QString()});
    }
    updateChart();
}

void StatisticsPane::updateChart()
{
    auto *chart = new QChart;
    chart->setTitle(tr("Lookups per minute"));
    auto *hits = new QLineSeries;
    hits->setName(tr("Hits"));
    auto *stale = new QLineSeries;
    stale->setName(tr("Stale hits"));
    auto *misses = new QLineSeries;
    misses->setName(tr("Misses"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const int minutes = m_range->currentData().toInt();
    const QDateTime since = now.addSecs(-60 * qint64(minutes));
    qint64 peak = 1;
    // Minutes without activity are not stored: plot them as zeros so lines drop to the axis.
    QHash<qint64, MinuteRow> byMinute;
    for (const MinuteRow &m : std::as_const(m_stats.series))
        byMinute.insert(m.start.toSecsSinceEpoch() / 60, m);
    for (qint64 minute = since.toSecsSinceEpoch() / 60; minute <= now.toSecsSinceEpoch() / 60;
         ++minute) {
        const MinuteRow m = byMinute.value(minute);
        const qreal x = qreal(minute * 60 * 1000);
        hits->append(x, qreal(m.hits));
        stale->append(x, qreal(m.staleHits));
        misses->append(x, qreal(m.misses));
        peak = qMax(peak, qMax(m.hits, qMax(m.staleHits, m.misses)));
    }
    auto *x = new QDateTimeAxis;
    x->setFormat(QStringLiteral("HH:mm"));
    x->setRange(since.toLocalTime(), now.toLocalTime());
    auto *y = new QValueAxis;
    y->setRange(0, qreal(peak) * 1.1);
    y->setLabelFormat(QStringLiteral("%d"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QLineSeries *s : {hits, stale, misses}) {
        chart->addSeries(s);
        s->attachAxis(x);
        s->attachAxis(y);
    }
    chart->legend()->setAlignment(Qt::AlignBottom);
    QChart *old = m_chart->chart();
    m_chart->setChart(chart);
    delete old;
}

} // namespace tiercache::browser
