// SPDX-License-Identifier: MIT
#include "pluginspane.h"

#include "apiadapter.h"

#include <tiercache/tierloader.h>

#include <QtCore/QFileInfo>
#include <QtCore/QJsonObject>
#include <QtGui/QBrush>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QVBoxLayout>

namespace tiercache::browser {

namespace {
    constexpr int OptionsColumn = 4;
} // namespace

PluginsPane::PluginsPane(QWidget *parent)
    : QWidget(parent), m_searchPath(new QLabel), m_table(new QTableWidget(0, 6))
{
    m_table->setHorizontalHeaderLabels(
            {tr("Id"), tr("Name"), tr("API"), tr("State"), tr("Options"), tr("File")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // The options take what the other columns leave and wrap: sized to their contents, the
    // Redis plugin's pushed the file names out of the window.
    QHeaderView *header = m_table->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(OptionsColumn, QHeaderView::Stretch);
    m_table->setWordWrap(true);
    connect(header, &QHeaderView::sectionResized, m_table, &QTableView::resizeRowsToContents);
    m_searchPath->setWordWrap(true);
    m_searchPath->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_searchPath);
    layout->addWidget(m_table, 1);
    refresh();
}

int PluginsPane::pluginCount() const
{
    return m_table->rowCount();
}

void PluginsPane::refresh()
{
    TierLoader loader;
    m_searchPath->setText(tr("Built in: disk. Plugins searched in: %1")
                                  .arg(loader.searchPath().join(QLatin1String(", "))));
    const QList<PluginRow> rows = plugins(loader);
    m_table->setRowCount(int(rows.size()));
    for (int i = 0; i < rows.size(); ++i) {
        const PluginRow &p = rows[i];
        QStringList options;
        for (const QJsonValue &v : p.config) {
            const QJsonObject o = v.toObject();
            options.append(
                    QStringLiteral("%1 (%2)").arg(o.value(QLatin1String("key")).toString(),
                                                  o.value(QLatin1String("type")).toString()));
        }
        const QStringList cells = {p.id,
                                   p.name,
                                   QString::number(p.apiVersion),
                                   p.error.isEmpty() ? tr("usable") : tr("failed: %1").arg(p.error),
                                   options.join(QLatin1String(", ")),
                                   QFileInfo(p.fileName).fileName()};
        for (int c = 0; c < cells.size(); ++c) {
            auto *item = new QTableWidgetItem(cells[c]);
            item->setToolTip(c == 1 ? p.description : c == 5 ? p.fileName : cells[c]);
            if (!p.error.isEmpty())
                item->setForeground(QBrush(QColor(0xb0, 0x3a, 0x2e)));
            m_table->setItem(i, c, item);
        }
    }
    m_table->resizeRowsToContents();
}

} // namespace tiercache::browser
