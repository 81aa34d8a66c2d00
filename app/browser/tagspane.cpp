// SPDX-License-Identifier: MIT
#include "tagspane.h"

#include <tiercache/networkcache.h>

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
    m_list->setHeaderLabels({tr("Tag"), tr("Entries")});
    m_list->setRootIsDecorated(false);
    m_list->setSortingEnabled(true);
    m_list->header()->setSectionResizeMode(0, QHeaderView::Stretch);
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

void TagsPane::setCache(NetworkCache *cache)
{
    m_cache = cache;
    refresh();
}

void TagsPane::setWritable(bool writable)
{
    m_writable = writable;
    updateButtons();
}

void TagsPane::refresh()
{
    const QString selected = selectedTag();
    m_list->setSortingEnabled(false);
    m_list->clear();
    if (m_cache) {
        for (const auto &[tag, count] : m_cache->tags()) {
            auto *item = new QTreeWidgetItem(m_list);
            item->setText(0, tag);
            item->setData(1, Qt::DisplayRole, count);
            item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
            if (tag == selected)
                item->setSelected(true);
        }
    }
    m_list->setSortingEnabled(true);
    m_list->sortByColumn(1, Qt::DescendingOrder);
    updateButtons();
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
    refresh();
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
