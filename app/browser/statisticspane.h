// SPDX-License-Identifier: MIT
#pragma once

#include "apiadapter.h"

#include <QtWidgets/QWidget>

QT_BEGIN_NAMESPACE
class QChartView;
class QComboBox;
class QFormLayout;
class QLabel;
class QPushButton;
class QTableWidget;
QT_END_NAMESPACE

namespace tiercache::browser {

class CatalogueReader;

/*
    How well the cache works: counters shared by every process using the directory (read
    from its catalogue), hit and byte hit ratios, per-tier counters of this window's cache
    object, the per-minute series as a chart over a chosen range, and the top entries.
*/
class StatisticsPane : public QWidget
{
    Q_OBJECT
public:
    explicit StatisticsPane(QWidget *parent = nullptr);
    void setReader(CatalogueReader *reader);
    //! Asks for the counters and the series; they show when the reader answers.
    void refresh();
    //! Asks for the hottest/largest/oldest lists (sorts the whole catalogue: on request only).
    void loadTopLists();
    //! The label text of counter \a name ("hits", "hitRatio", ...), for tests.
    QString counterText(const QString &name) const;
    //! The text of a cell of the top lists (Hottest, Hits, Largest, Size, Oldest, Stored at).
    QString topText(int row, int column) const;

private:
    void show(const StatisticsRow &stats);
    void updateChart();
    CatalogueReader *m_reader = nullptr;
    StatisticsRow m_stats;
    QHash<QString, QLabel *> m_counters;
    QTableWidget *m_tiers;
    QTableWidget *m_top;
    QPushButton *m_loadTop;
    QComboBox *m_range;
    QChartView *m_chart;
};

} // namespace tiercache::browser
