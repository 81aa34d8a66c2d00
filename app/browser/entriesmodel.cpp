// SPDX-License-Identifier: MIT
#include "entriesmodel.h"

#include <tiercache/networkcache.h>

#include <QtCore/QLocale>
#include <QtGui/QBrush>
#include <QtGui/QColor>

namespace tiercache::browser {

EntriesModel::EntriesModel(QObject *parent) : QAbstractTableModel(parent) { }

void EntriesModel::setCache(NetworkCache *cache)
{
    m_cache = cache;
    reload();
}

void EntriesModel::setQuery(const EntryQuery &query)
{
    if (query == m_query)
        return;
    m_query = query;
    reload();
}

void EntriesModel::reload()
{
    // Views (and QAbstractItemModelTester) may ask for more rows while the reset is
    // announced: there is nothing to fetch until it is done.
    m_exhausted = true;
    beginResetModel();
    m_rows.clear();
    m_total = 0;
    bool more = false;
    if (m_cache) {
        m_rows = entries(*m_cache, m_query, 0, PageSize);
        more = m_rows.size() == PageSize;
        m_total = entryCount(*m_cache, m_query);
    }
    endResetModel();
    m_exhausted = !more;
    emit totalCountChanged(m_total);
}

void EntriesModel::refresh()
{
    if (!m_cache)
        return;
    // Re-read as many rows as are loaded, so the view keeps its place; rows that moved in
    // the order simply show their new content.
    const int wanted = qMax(int(m_rows.size()), PageSize);
    QList<EntryRow> fresh = entries(*m_cache, m_query, 0, wanted);
    const int before = int(m_rows.size());
    const int after = int(fresh.size());
    if (after < before) {
        beginRemoveRows({}, after, before - 1);
        m_rows.resize(after);
        endRemoveRows();
    }
    const int common = qMin(before, after);
    for (int i = 0; i < common; ++i)
        m_rows[i] = fresh[i];
    if (common > 0)
        emit dataChanged(index(0, 0), index(common - 1, ColumnCount - 1));
    if (after > before) {
        beginInsertRows({}, before, after - 1);
        for (int i = before; i < after; ++i)
            m_rows.append(fresh[i]);
        endInsertRows();
    }
    m_exhausted = after < wanted;
    const qint64 total = entryCount(*m_cache, m_query);
    if (total != m_total) {
        m_total = total;
        emit totalCountChanged(m_total);
    }
}

int EntriesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int EntriesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool EntriesModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_exhausted;
}

void EntriesModel::fetchMore(const QModelIndex &parent)
{
    if (parent.isValid() || m_exhausted || !m_cache)
        return;
    const QList<EntryRow> page = entries(*m_cache, m_query, int(m_rows.size()), PageSize);
    if (page.isEmpty()) {
        m_exhausted = true;
        return;
    }
    // Listeners of rowsAboutToBeInserted may ask for more before the page is in: the
    // offset would be the same, so nothing more is offered until it is.
    m_exhausted = true;
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + page.size()) - 1);
    m_rows.append(page);
    endInsertRows();
    m_exhausted = page.size() < PageSize;
}

void EntriesModel::sort(int column, Qt::SortOrder order)
{
    Q_UNUSED(order); // the catalogue's orders are fixed: largest, most hits, newest first
    EntryQuery q = m_query;
    switch (column) {
    case UrlColumn:
        q.order = EntryQuery::Order::Url;
        break;
    case BodySizeColumn:
    case StoredSizeColumn:
        q.order = EntryQuery::Order::Largest;
        break;
    case StoredAtColumn:
        q.order = EntryQuery::Order::Oldest;
        break;
    case LastAccessColumn:
        q.order = EntryQuery::Order::RecentlyUsed;
        break;
    case HitsColumn:
        q.order = EntryQuery::Order::MostHits;
        break;
    default:
        return;
    }
    setQuery(q);
}

QVariant EntriesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const EntryRow &e = m_rows.at(index.row());
    const QLocale locale;
    const bool stale = e.isStale();
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case UrlColumn:
            return e.url.toDisplayString();
        case StatusColumn:
            return e.status;
        case ContentTypeColumn:
            return e.contentType;
        case BodySizeColumn:
            return locale.formattedDataSize(e.bodySize);
        case StoredSizeColumn:
            return locale.formattedDataSize(e.storedSize);
        case StoredAtColumn:
            return locale.toString(e.created.toLocalTime(), QLocale::ShortFormat);
        case ExpiresColumn: {
            const QString when = locale.toString(e.expires.toLocalTime(), QLocale::ShortFormat);
            return stale ? tr("%1 (stale)").arg(when) : tr("%1 (fresh)").arg(when);
        }
        case LastAccessColumn:
            return locale.toString(e.lastAccess.toLocalTime(), QLocale::ShortFormat);
        case HitsColumn:
            return e.hits;
        case TagsColumn:
            return e.tags.join(QLatin1String(", "));
        }
    } else if (role == Qt::ToolTipRole && index.column() == UrlColumn) {
        return e.url.toString(QUrl::FullyEncoded);
    } else if (role == Qt::ForegroundRole && index.column() == ExpiresColumn && stale) {
        return QBrush(QColor(0xb0, 0x3a, 0x2e));
    } else if (role == Qt::TextAlignmentRole) {
        switch (index.column()) {
        case StatusColumn:
        case BodySizeColumn:
        case StoredSizeColumn:
        case HitsColumn:
            return int(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return int(Qt::AlignLeft | Qt::AlignVCenter);
        }
    } else if (role == Qt::UserRole) {
        return e.url;
    }
    return {};
}

QVariant EntriesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case UrlColumn:
        return tr("URL");
    case StatusColumn:
        return tr("Status");
    case ContentTypeColumn:
        return tr("Content type");
    case BodySizeColumn:
        return tr("Body size");
    case StoredSizeColumn:
        return tr("Stored size");
    case StoredAtColumn:
        return tr("Stored at");
    case ExpiresColumn:
        return tr("Expires");
    case LastAccessColumn:
        return tr("Last access");
    case HitsColumn:
        return tr("Hits");
    case TagsColumn:
        return tr("Tags");
    }
    return {};
}

} // namespace tiercache::browser
