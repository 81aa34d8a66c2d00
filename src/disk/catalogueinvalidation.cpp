// SPDX-License-Identifier: MIT
#include "disk/catalogue_p.h"
#include "disk/cataloguesql_p.h"

namespace tiercache {

using namespace cataloguesql;

bool Catalogue::prepareDoomed()
{
    const char *const setup[] = {
            "CREATE TEMP TABLE IF NOT EXISTS doomed (key TEXT PRIMARY KEY) WITHOUT ROWID",
            "CREATE TEMP TABLE IF NOT EXISTS doomed_bodies (digest TEXT PRIMARY KEY) WITHOUT ROWID",
            "DELETE FROM doomed",
            "DELETE FROM doomed_bodies",
    };
    return execAll(setup);
}

std::optional<Catalogue::BatchResult> Catalogue::deleteEntriesBatch(const QStringList &keys)
{
    // Set-based, so that invalidating ten thousand entries is a handful of statements.
    if (!prepareDoomed())
        return std::nullopt;
    QSqlQuery ins(m_db);
    ins.prepare(QStringLiteral("INSERT OR IGNORE INTO doomed (key) VALUES (?)"));
    for (const QString &key : keys) {
        ins.bindValue(0, key);
        if (!exec(ins))
            return std::nullopt;
    }
    return deleteDoomed();
}

std::optional<qint64> Catalogue::invalidateTags(const QStringList &tags)
{
    if (tags.isEmpty())
        return 0;
    // Deleting ten thousand rows scattered over a large table rewrites most of its pages
    // and of its indexes' (half a second at 200 000 entries). Listing the keys here is a
    // sequential read of the tag index and a small append; reads skip these keys from now
    // on, and deleteInvalidated() removes the rows in short steps.
    QSqlQuery q(m_db);
    prepareWithList(
            q,
            "SELECT count(*) FROM entries e WHERE e.key IN (SELECT key FROM tags WHERE tag IN (%1))"
            " AND" TC_LIVE("e"),
            tags);
    if (!exec(q) || !q.next())
        return std::nullopt;
    const qint64 affected = q.value(0).toLongLong();
    q.finish();
    QSqlQuery ins(m_db);
    prepareWithList(
            ins, "INSERT OR IGNORE INTO invalidated (key) SELECT key FROM tags WHERE tag IN (%1)",
            tags);
    if (!exec(ins))
        return std::nullopt;
    return affected;
}

bool Catalogue::hasInvalidated()
{
    // Asked before every insert that evicts and every event-loop step: kept prepared.
    const ScopedStatement q = use(StHasInvalidated, "SELECT EXISTS (SELECT 1 FROM invalidated)");
    return next(*q) && q->int64(0) != 0;
}

std::optional<Catalogue::BatchResult> Catalogue::deleteInvalidated(int limit)
{
    if (!prepareDoomed())
        return std::nullopt;
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("INSERT INTO doomed (key) SELECT key FROM invalidated LIMIT ?"));
    q.bindValue(0, limit);
    if (!exec(q))
        return std::nullopt;
    auto result = deleteDoomed();
    if (!result
        || !execSql(
                QStringLiteral("DELETE FROM invalidated WHERE key IN (SELECT key FROM doomed)")))
        return std::nullopt;
    return result;
}

std::optional<Catalogue::BatchResult> Catalogue::deleteDoomed()
{
    BatchResult r;
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("SELECT count(*), coalesce(sum(row_size), 0) FROM entries"
                               " WHERE key IN (SELECT key FROM doomed)"))
        || !q.next()) {
        recordError(q);
        return std::nullopt;
    }
    r.entries = q.value(0).toLongLong();
    r.freedBytes = q.value(1).toLongLong();
    q.finish();
    const char *const work[] = {
            "INSERT OR IGNORE INTO doomed_bodies SELECT b.digest FROM entries e JOIN blobs b"
            " ON b.id = e.blob_id WHERE e.key IN (SELECT key FROM doomed)",
            "DELETE FROM entries WHERE key IN (SELECT key FROM doomed)",
            "DELETE FROM tags WHERE key IN (SELECT key FROM doomed)",
            "DELETE FROM doomed_bodies WHERE EXISTS (SELECT 1 FROM blobs b JOIN entries e"
            " ON e.blob_id = b.id WHERE b.digest = doomed_bodies.digest)",
    };
    if (!execAll(work))
        return std::nullopt;
    if (!q.exec(QStringLiteral("SELECT coalesce(sum(alloc_size), 0) FROM blobs"
                               " WHERE digest IN (SELECT digest FROM doomed_bodies)"))
        || !q.next()) {
        recordError(q);
        return std::nullopt;
    }
    r.freedBytes += q.value(0).toLongLong();
    q.finish();
    // Only files need a tombstone: an inline body goes with its row.
    if (!execSql(QStringLiteral("INSERT OR IGNORE INTO garbage SELECT digest FROM blobs"
                                " WHERE digest IN (SELECT digest FROM doomed_bodies)"
                                " AND body IS NULL"))
        || !execSql(QStringLiteral(
                "DELETE FROM blobs WHERE digest IN (SELECT digest FROM doomed_bodies)")))
        return std::nullopt;
    return r;
}

bool Catalogue::expireKeys(const QStringList &keys)
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("UPDATE entries SET expires = 0 WHERE key = ?"));
    for (const QString &key : keys) {
        q.bindValue(0, key);
        if (!exec(q))
            return false;
    }
    return true;
}

bool Catalogue::clearAll()
{
    return execSql(QStringLiteral("DELETE FROM entries"))
            && execSql(QStringLiteral("DELETE FROM blobs"))
            && execSql(QStringLiteral("DELETE FROM tags"))
            && execSql(QStringLiteral("DELETE FROM invalidated"))
            && execSql(QStringLiteral("UPDATE state SET value = 0 WHERE name = 'total_size'"));
}

bool Catalogue::clearToGarbage()
{
    return execSql(QStringLiteral(
                   "INSERT OR IGNORE INTO garbage SELECT digest FROM blobs WHERE body IS NULL"))
            && clearAll();
}

} // namespace tiercache
