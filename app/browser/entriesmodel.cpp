// SPDX-License-Identifier: MIT
#include "entriesmodel.h"

#include "cataloguereader.h"

#include <tiercache/networkcache.h>

#include <QtCore/QLocale>
#include <QtGui/QBrush>
#include <QtGui/QColor>

namespace tiercache::browser {

EntriesModel::EntriesModel(QObject *parent) : QAbstractTableModel(parent) { }

void EntriesModel::setReader(CatalogueReader *reader)
{
    m_reader = reader;
    reload();
}

void EntriesModel::setQuery(const EntryQuery &query)
{
    if (query == m_query)
        return;
    m_query = query;
    reload();
}

void EntriesModel::request(int offset, int limit, bool count,
                           std::function<void(const Page &)> apply)
{
    if (!m_reader)
        return;
    ++m_loading;
    const quint64 generation = m_generation;
    const EntryQuery query = m_query;
    m_reader->run<Page>(
            this,
            [query, offset, limit, count](const NetworkCache *cache) {
                Page page;
                if (cache) {
                    page.rows = entries(*cache, query, offset, limit);
                    if (count)
                        page.total = entryCount(*cache, query);
                }
                return page;
            },
            [this, generation, apply = std::move(apply)](const Page &page) {
                --m_loading;
                if (generation == m_generation)
                    apply(page);
                emit loaded();
            });
}

void EntriesModel::setTotal(qint64 total)
{
    if (total < 0 || total == m_total)
        return;
    m_total = total;
    emit totalCountChanged(m_total);
}

void EntriesModel::reload()
{
    ++m_generation;
    m_exhausted = true;
    m_fetching = false;
    if (!m_reader) {
        beginResetModel();
        m_rows.clear();
        endResetModel();
        setTotal(0);
        return;
    }
    // The old rows stay in view until the new ones are there: no flicker while typing.
    request(0, PageSize, true, [this](const Page &page) {
        beginResetModel();
        m_rows = page.rows;
        endResetModel();
        m_exhausted = page.rows.size() < PageSize;
        setTotal(page.total);
    });
}

void EntriesModel::refresh()
{
    if (!m_reader)
        return;
    // Re-read as many rows as are loaded, so the view keeps its place; rows that moved in
    // the order simply show their new content.
    const int wanted = qMax(int(m_rows.size()), PageSize);
    request(0, wanted, true, [this, wanted](const Page &page) {
        const QList<EntryRow> &fresh = page.rows;
        const int after = int(fresh.size());
        // Fewer than asked for: the list now ends there. (A page fetched meanwhile, beyond
        // what was asked for, is kept otherwise.)
        if (after < wanted && after < m_rows.size()) {
            beginRemoveRows({}, after, int(m_rows.size()) - 1);
            m_rows.resize(after);
            endRemoveRows();
        }
        const int common = qMin(after, int(m_rows.size()));
        for (int i = 0; i < common; ++i)
            m_rows[i] = fresh[i];
        if (common > 0)
            emit dataChanged(index(0, 0), index(common - 1, ColumnCount - 1));
        if (after > m_rows.size()) {
            beginInsertRows({}, int(m_rows.size()), after - 1);
            m_rows.append(fresh.mid(m_rows.size()));
            endInsertRows();
        }
        if (!m_fetching)
            m_exhausted = after < wanted;
        setTotal(page.total);
    });
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
    return !parent.isValid() && !m_exhausted && !m_fetching;
}

void EntriesModel::fetchMore(const QModelIndex &parent)
{
    if (parent.isValid() || m_exhausted || m_fetching || !m_reader)
        return;
    // One page at a time: views ask again while the answer is on its way.
    m_fetching = true;
    const int offset = int(m_rows.size());
    request(offset, PageSize, false, [this, offset](const Page &page) {
        m_fetching = false;
        // A refresh may have changed the loaded rows meanwhile: append what is new.
        const QList<EntryRow> rows = page.rows.mid(qMax(0, int(m_rows.size()) - offset));
        if (!rows.isEmpty()) {
            beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + rows.size()) - 1);
            m_rows.append(rows);
            endInsertRows();
        }
        m_exhausted = page.rows.size() < PageSize;
    });
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
            return locale.toString(e.created.toLocalTime(), QLocale::NarrowFormat);
        case ExpiresColumn: {
            const QString when = locale.toString(e.expires.toLocalTime(), QLocale::NarrowFormat);
            return stale ? tr("%1 (stale)").arg(when) : tr("%1 (fresh)").arg(when);
        }
        case LastAccessColumn:
            return locale.toString(e.lastAccess.toLocalTime(), QLocale::NarrowFormat);
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
