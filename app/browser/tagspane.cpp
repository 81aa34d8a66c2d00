// SPDX-License-Identifier: MIT
#include "tagspane.h"

#include "cataloguereader.h"

#include <tiercache/networkcache.h>

#include <QtCore/QLocale>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTreeWidget>
#include <QtWidgets/QVBoxLayout>

namespace tiercache::browser {

TagsPane::TagsPane(QWidget *parent)
    : QWidget(parent),
      m_list(new QTreeWidget),
      m_filter(new QPushButton(tr("Show entries"))),
      m_invalidate(new QPushButton(tr("Invalidate…"))),
      m_softPurge(new QPushButton(tr("Soft purge…")))
{
    m_list->setHeaderLabels({tr("Tag"), tr("Entries"), tr("Body bytes")});
    m_list->setRootIsDecorated(false);
    m_list->setSortingEnabled(true);
    m_list->header()->setStretchLastSection(false);
    m_list->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_list->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_list->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_invalidate->setToolTip(tr("Delete every entry carrying the tag (leave read-only mode "
                                "first)"));
    m_softPurge->setToolTip(tr("Mark every entry carrying the tag stale (leave read-only "
                               "mode first)"));
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_filter);
    buttons->addStretch();
    buttons->addWidget(m_softPurge);
    buttons->addWidget(m_invalidate);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_list);
    layout->addLayout(buttons);
    connect(m_list, &QTreeWidget::itemSelectionChanged, this, &TagsPane::updateButtons);
    connect(m_list, &QTreeWidget::itemActivated, this, [this] { emit filterByTag(selectedTag()); });
    connect(m_filter, &QPushButton::clicked, this, [this] { emit filterByTag(selectedTag()); });
    connect(m_invalidate, &QPushButton::clicked, this, [this] { confirmAndInvalidate(false); });
    connect(m_softPurge, &QPushButton::clicked, this, [this] { confirmAndInvalidate(true); });
    updateButtons();
}

void TagsPane::setCache(NetworkCache *cache, CatalogueReader *reader)
{
    m_cache = cache;
    m_reader = reader;
    show({});
    refresh();
}

void TagsPane::setWritable(bool writable)
{
    m_writable = writable;
    updateButtons();
}

void TagsPane::refresh()
{
    if (!m_reader)
        return;
    m_reader->run<QList<TagRow>>(
            this,
            [](const NetworkCache *cache) {
                return cache ? browser::tags(*cache) : QList<TagRow>();
            },
            [this](const QList<TagRow> &rows) { show(rows); });
}

namespace {
    // Sorts sizes by their value, not by their formatted text.
    class TagItem : public QTreeWidgetItem
    {
    public:
        using QTreeWidgetItem::QTreeWidgetItem;
        bool operator<(const QTreeWidgetItem &other) const override
        {
            const int column = treeWidget() ? treeWidget()->sortColumn() : 0;
            if (column == 0)
                return QTreeWidgetItem::operator<(other);
            return data(column, Qt::UserRole).toLongLong()
                    < other.data(column, Qt::UserRole).toLongLong();
        }
    };
} // namespace

void TagsPane::show(const QList<TagRow> &rows)
{
    const QString selected = selectedTag();
    const QLocale locale;
    m_list->setSortingEnabled(false);
    m_list->clear();
    QStringList names;
    for (const TagRow &row : rows) {
        auto *item = new TagItem(m_list);
        item->setText(0, row.name);
        item->setText(1, locale.toString(row.entries));
        item->setData(1, Qt::UserRole, row.entries);
        item->setText(2, locale.formattedDataSize(row.bodyBytes));
        item->setData(2, Qt::UserRole, row.bodyBytes);
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        item->setTextAlignment(2, Qt::AlignRight | Qt::AlignVCenter);
        if (row.name == selected)
            item->setSelected(true);
        names.append(row.name);
    }
    m_list->setSortingEnabled(true);
    m_list->sortByColumn(1, Qt::DescendingOrder);
    updateButtons();
    emit tagsChanged(names);
}

qint64 TagsPane::bytesOf(const QString &tag) const
{
    for (int i = 0; i < m_list->topLevelItemCount(); ++i) {
        if (m_list->topLevelItem(i)->text(0) == tag)
            return m_list->topLevelItem(i)->data(2, Qt::UserRole).toLongLong();
    }
    return -1;
}

QStringList TagsPane::tags() const
{
    QStringList result;
    for (int i = 0; i < m_list->topLevelItemCount(); ++i)
        result.append(m_list->topLevelItem(i)->text(0));
    return result;
}

void TagsPane::selectTag(const QString &tag)
{
    for (int i = 0; i < m_list->topLevelItemCount(); ++i) {
        QTreeWidgetItem *item = m_list->topLevelItem(i);
        item->setSelected(item->text(0) == tag);
        if (item->text(0) == tag)
            m_list->setCurrentItem(item);
    }
}

QString TagsPane::selectedTag() const
{
    const auto items = m_list->selectedItems();
    return items.isEmpty() ? QString() : items.first()->text(0);
}

void TagsPane::updateButtons()
{
    const bool selected = !selectedTag().isEmpty();
    m_filter->setEnabled(selected);
    m_invalidate->setEnabled(selected && m_writable);
    m_softPurge->setEnabled(selected && m_writable);
}

int TagsPane::invalidate(const QString &tag, bool soft)
{
    if (!m_cache || !m_writable || tag.isEmpty())
        return 0;
    const int touched = soft ? m_cache->softPurgeTag(tag) : m_cache->invalidateTag(tag);
    emit cacheChanged();
    return touched;
}

void TagsPane::confirmAndInvalidate(bool soft)
{
    const QString tag = selectedTag();
    if (tag.isEmpty() || !m_writable)
        return;
    const QString question = soft
            ? tr("Mark every entry tagged “%1” stale? They are revalidated on their next use.")
            : tr("Delete every entry tagged “%1” from the cache? This cannot be undone.");
    if (QMessageBox::question(this, soft ? tr("Soft purge") : tr("Invalidate"), question.arg(tag))
        != QMessageBox::Yes)
        return;
    const int touched = invalidate(tag, soft);
    QMessageBox::information(this, soft ? tr("Soft purge") : tr("Invalidate"),
                             soft ? tr("%n entries marked stale.", nullptr, touched)
                                  : tr("%n entries deleted.", nullptr, touched));
}

} // namespace tiercache::browser
