// SPDX-License-Identifier: MIT
#pragma once

#include "apiadapter.h"

#include <QtCore/QAbstractTableModel>

#include <functional>

namespace tiercache::browser {

class CatalogueReader;

/*
    The entries of a cache directory, page by page: rows are fetched from the catalogue as the
    view scrolls (canFetchMore()/fetchMore()), never all at once, so a million entries cost
    what the visible pages cost. Sorting and filtering are done by the catalogue (the query),
    not in memory. Every query runs on the CatalogueReader's worker thread: setQuery(),
    fetchMore() and refresh() return at once and the rows arrive later (loaded() then), so
    the GUI thread never waits for the catalogue. refresh() re-reads the loaded rows in
    place, keeping the view's position.
*/
class EntriesModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        UrlColumn,
        StatusColumn,
        ContentTypeColumn,
        BodySizeColumn,
        StoredSizeColumn,
        StoredAtColumn,
        ExpiresColumn,
        LastAccessColumn,
        HitsColumn,
        TagsColumn,
        ColumnCount
    };
    static constexpr int PageSize = 200;

    explicit EntriesModel(QObject *parent = nullptr);

    //! Where to read (not owned); nullptr empties the model.
    void setReader(CatalogueReader *reader);
    void setQuery(const EntryQuery &query);
    EntryQuery query() const { return m_query; }
    //! Matching entries in the catalogue (not just the loaded ones).
    qint64 totalCount() const { return m_total; }
    EntryRow entryAt(int row) const { return m_rows.value(row); }
    //! Re-reads the rows loaded so far and the total, after the catalogue changed.
    void refresh();
    //! Whether an answer of the reader is still awaited.
    bool isLoading() const { return m_loading > 0; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    //! Only the orders the catalogue has an index for: URL, body size, stored at, last
    //! access and hits; other columns keep the current order.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

Q_SIGNALS:
    void totalCountChanged(qint64 count);
    //! An answer of the reader was applied (first page, next page, refresh).
    void loaded();

private:
    struct Page
    {
        QList<EntryRow> rows;
        qint64 total = -1; // -1: not counted
    };
    void reload();
    //! Asks the reader for \a limit rows from \a offset (and the total when \a count);
    //! \a apply gets them unless the query changed meanwhile.
    void request(int offset, int limit, bool count, std::function<void(const Page &)> apply);
    void setTotal(qint64 total);
    CatalogueReader *m_reader = nullptr;
    EntryQuery m_query;
    QList<EntryRow> m_rows;
    qint64 m_total = 0;
    bool m_exhausted = true;
    bool m_fetching = false;
    int m_loading = 0;
    quint64 m_generation = 0; // bumped by every reset: older answers are dropped
};

} // namespace tiercache::browser
