// SPDX-License-Identifier: MIT
#include "disk/catalogue_p.h"
#include "disk/cataloguesql_p.h"

namespace tiercache {

using namespace cataloguesql;

bool Catalogue::setTags(const QString &key, const QStringList &tags)
{
    {
        const ScopedStatement del = use(StDeleteTags, "DELETE FROM tags WHERE key = ?");
        del->bind(0, key);
        if (!exec(*del))
            return false;
    }
    const ScopedStatement ins =
            use(StInsertTag, "INSERT OR IGNORE INTO tags (tag, key) VALUES (?, ?)");
    for (const QString &tag : tags) {
        ins->bind(0, tag);
        ins->bind(1, key);
        const bool ok = exec(*ins);
        ins->reset();
        if (!ok)
            return false;
    }
    return true;
}

QStringList Catalogue::keysForTags(const QStringList &tags)
{
    QStringList keys;
    if (tags.isEmpty())
        return keys;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    prepareWithList(q, "SELECT DISTINCT key FROM tags t WHERE tag IN (%1) AND" TC_LIVE("t"), tags);
    if (!exec(q))
        return keys;
    while (q.next())
        keys.append(q.value(0).toString());
    return keys;
}

QStringList Catalogue::tagsOf(const QString &key)
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral(
            "SELECT tag FROM tags t WHERE key = ? AND" TC_LIVE("t") " ORDER BY tag"));
    q.bindValue(0, key);
    QStringList result;
    if (exec(q)) {
        while (q.next())
            result.append(q.value(0).toString());
    }
    return result;
}

QList<QPair<QString, qint64>> Catalogue::tagCounts()
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    QList<QPair<QString, qint64>> result;
    if (!q.exec(QStringLiteral(
                "SELECT tag, count(*) FROM tags t"
                " WHERE" TC_LIVE("t") " GROUP BY tag ORDER BY count(*) DESC, tag"))) {
        recordError(q);
        return result;
    }
    while (q.next())
        result.append({q.value(0).toString(), q.value(1).toLongLong()});
    return result;
}

QHash<QString, qint64> Catalogue::tagBytes()
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    QHash<QString, qint64> result;
    if (!q.exec(QStringLiteral("SELECT t.tag, sum(e.body_size) FROM tags t"
                               " JOIN entries e ON e.key = t.key"
                               " WHERE" TC_LIVE("t") " GROUP BY t.tag"))) {
        recordError(q);
        return result;
    }
    while (q.next())
        result.insert(q.value(0).toString(), q.value(1).toLongLong());
    return result;
}

} // namespace tiercache
