// SPDX-License-Identifier: MIT
#pragma once

#include "apiadapter.h"

#include <QtWidgets/QWidget>

QT_BEGIN_NAMESPACE
class QPushButton;
class QTreeWidget;
QT_END_NAMESPACE

namespace tiercache::browser {

/*
    The cache tags with their entry counts. Selecting a tag filters the entries view;
    invalidating (hard delete) or soft-purging (mark stale) asks first, needs the window out
    of read-only mode, and reports how many entries it touched.
*/
class TagsPane : public QWidget
{
    Q_OBJECT
public:
    explicit TagsPane(QWidget *parent = nullptr);
    void setCache(NetworkCache *cache);
    void refresh();
    //! Whether invalidation is allowed (the window left read-only mode).
    void setWritable(bool writable);
    QStringList tags() const;
    void selectTag(const QString &tag);
    //! Without asking (tests, scripted use); returns the entries touched.
    int invalidate(const QString &tag, bool soft);

Q_SIGNALS:
    void filterByTag(const QString &tag);
    void cacheChanged();

private:
    QString selectedTag() const;
    void confirmAndInvalidate(bool soft);
    void updateButtons();
    NetworkCache *m_cache = nullptr;
    bool m_writable = false;
    QTreeWidget *m_list;
    QPushButton *m_filter;
    QPushButton *m_invalidate;
    QPushButton *m_softPurge;
};

} // namespace tiercache::browser
