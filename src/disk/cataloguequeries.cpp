// SPDX-License-Identifier: MIT
#include "disk/catalogue_p.h"
#include "disk/cataloguesql_p.h"

namespace tiercache {

using namespace cataloguesql;

namespace {
    // The WHERE clause of an EntryQuery, shared by query() and count().
    QString whereClause(const EntryQuery &filter, QVariantList *binds)
    {
        QString sql = QStringLiteral(" WHERE" TC_LIVE("e"));
        if (!filter.urlContains.isEmpty()) {
            sql += QLatin1String(" AND instr(e.key, ?) > 0");
            binds->append(filter.urlContains);
        }
        if (!filter.tag.isEmpty()) {
            sql += QLatin1String(" AND e.key IN (SELECT key FROM tags WHERE tag = ?)");
            binds->append(filter.tag);
        }
        if (!filter.contentType.isEmpty()) {
            sql += QLatin1String(" AND substr(e.content_type, 1, ?) = ?");
            binds->append(filter.contentType.size());
            binds->append(filter.contentType);
        }
        if (filter.status != 0) {
            sql += QLatin1String(" AND e.status = ?");
            binds->append(filter.status);
        }
        if (filter.expired != 0) {
            sql += filter.expired > 0 ? QLatin1String(" AND e.expires <= ?")
                                      : QLatin1String(" AND e.expires > ?");
            binds->append(filter.nowMs);
        }
        return sql;
    }
} // namespace

QList<EntryRecord> Catalogue::query(const EntryQuery &filter, int offset, int limit)
{
    QVariantList binds;
    QString sql = QLatin1String("SELECT ") + QLatin1String(EntryColumns)
            + QLatin1String(" FROM entries e JOIN blobs b ON b.digest = e.digest")
            + whereClause(filter, &binds);
    switch (filter.order) {
    case EntryQuery::Order::RecentlyUsed:
        sql += QLatin1String(" ORDER BY e.last_access DESC");
        break;
    case EntryQuery::Order::MostHits:
        sql += QLatin1String(" ORDER BY e.hits DESC, e.last_access DESC");
        break;
    case EntryQuery::Order::Largest:
        sql += QLatin1String(" ORDER BY e.body_size DESC");
        break;
    case EntryQuery::Order::Oldest:
        sql += QLatin1String(" ORDER BY e.created ASC");
        break;
    case EntryQuery::Order::Key:
        sql += QLatin1String(" ORDER BY e.key");
        break;
    }
    sql += QLatin1String(" LIMIT ? OFFSET ?");
    binds.append(limit < 0 ? -1 : limit);
    binds.append(qMax(0, offset));
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(sql);
    for (qsizetype i = 0; i < binds.size(); ++i)
        q.bindValue(int(i), binds[i]);
    QList<EntryRecord> result;
    if (!exec(q))
        return result;
    while (q.next())
        result.append(entryFrom(q));
    return result;
}

qint64 Catalogue::count(const EntryQuery &filter)
{
    QVariantList binds;
    QSqlQuery q(m_db);
    q.prepare(QLatin1String("SELECT count(*) FROM entries e") + whereClause(filter, &binds));
    for (qsizetype i = 0; i < binds.size(); ++i)
        q.bindValue(int(i), binds[i]);
    if (!exec(q) || !q.next())
        return 0;
    return q.value(0).toLongLong();
}

} // namespace tiercache
