// SPDX-License-Identifier: MIT
#pragma once

#include "apiadapter.h"

#include <QtWidgets/QWidget>

QT_BEGIN_NAMESPACE
class QPushButton;
class QTreeWidget;
QT_END_NAMESPACE

namespace tiercache::browser {

class CatalogueReader;

/*
    The cache tags with their entry counts and the body bytes of those entries (read by the
    CatalogueReader, off the GUI thread). Selecting a tag filters the entries view;
    invalidating (hard delete) or soft-purging (mark stale) asks first, needs the window out
    of read-only mode, and reports how many entries it touched.
*/
class TagsPane : public QWidget
{
    Q_OBJECT
public:
    explicit TagsPane(QWidget *parent = nullptr);
    //! \a cache (the window's) performs invalidations, \a reader lists the tags.
    void setCache(NetworkCache *cache, CatalogueReader *reader);
    //! Asks for the tags; they show when the reader answers (tagsChanged()).
    void refresh();
    //! Whether invalidation is allowed (the window left read-only mode).
    void setWritable(bool writable);
    QStringList tags() const;
    //! The body bytes shown for \a tag; -1 when it is not listed.
    qint64 bytesOf(const QString &tag) const;
    void selectTag(const QString &tag);
    //! Without asking (tests, scripted use); returns the entries touched.
    int invalidate(const QString &tag, bool soft);

Q_SIGNALS:
    void filterByTag(const QString &tag);
    void cacheChanged();
    //! The list was (re)filled.
    void tagsChanged(const QStringList &tags);

private:
    QString selectedTag() const;
    void confirmAndInvalidate(bool soft);
    void updateButtons();
    void show(const QList<TagRow> &rows);
    NetworkCache *m_cache = nullptr;
    CatalogueReader *m_reader = nullptr;
    bool m_writable = false;
    QTreeWidget *m_list;
    QPushButton *m_filter;
    QPushButton *m_invalidate;
    QPushButton *m_softPurge;
};

} // namespace tiercache::browser
