// SPDX-License-Identifier: MIT
#include "disk/catalogue_p.h"
#include "disk/cataloguesql_p.h"

namespace tiercache {

using namespace cataloguesql;

std::optional<EntryRecord> Catalogue::find(const QString &key)
{
    static const QByteArray sql = QByteArray("SELECT ") + EntryColumns
            + " FROM entries e JOIN blobs b ON b.id = e.blob_id"
              " WHERE e.key = ? AND" TC_LIVE("e");
    return findWith(StFind, sql.constData(), key);
}

std::optional<EntryRecord> Catalogue::findWithBody(const QString &key)
{
    // The body column comes last: a file body's is NULL, and reading the others first never
    // touches an inline body's overflow pages.
    static const QByteArray sql = QByteArray("SELECT ") + EntryColumns
            + ", b.body FROM entries e JOIN blobs b ON b.id = e.blob_id"
              " WHERE e.key = ? AND" TC_LIVE("e");
    if (!reopenIfStale())
        return std::nullopt;
    return findWith(StFindWithBody, sql.constData(), key, /*withBody*/ true);
}

std::optional<EntryRecord> Catalogue::findAny(const QString &key)
{
    static const QByteArray sql = QByteArray("SELECT ") + EntryColumns
            + " FROM entries e JOIN blobs b ON b.id = e.blob_id WHERE e.key = ?";
    return findWith(StFindAny, sql.constData(), key);
}

std::optional<EntryRecord> Catalogue::findWith(int id, const char *sql, const QString &key,
                                               bool withBody)
{
    const ScopedStatement q = use(id, sql);
    q->bind(0, key);
    if (!next(*q))
        return std::nullopt;
    EntryRecord e = entryFrom(*q);
    if (withBody && e.inlineBody)
        e.storedBytes = q->bytes(EntryColumnCount);
    return e;
}

bool Catalogue::upsertEntry(const EntryRecord &e)
{
    {
        const ScopedStatement q =
                use(StUpsertEntry,
                    "INSERT OR REPLACE INTO entries (key, blob_id, body_size, meta, status,"
                    " content_type, expires, created, last_access, hits, row_size)"
                    " VALUES (?, (SELECT id FROM blobs WHERE digest = ?), ?, ?, ?, ?, ?, ?, ?,"
                    " ?, ?)");
        q->bind(0, e.key);
        q->bindLatin1(1, e.digest);
        q->bind(2, e.bodySize);
        q->bindBlob(3, e.meta);
        q->bind(4, e.status);
        q->bindLatin1(5, e.contentType);
        q->bind(6, e.expiresMs);
        q->bind(7, e.createdMs);
        q->bind(8, e.lastAccessMs);
        q->bind(9, e.hits);
        q->bind(10, e.rowSize);
        if (!exec(*q))
            return false;
    }
    // A new version of an invalidated entry: it lives again, without the old version's tags.
    const ScopedStatement revive = use(StRevive, "DELETE FROM invalidated WHERE key = ?");
    revive->bind(0, e.key);
    if (!exec(*revive))
        return false;
    return changes() == 0 || setTags(e.key, {});
}

bool Catalogue::deleteEntry(const QString &key)
{
    const ScopedStatement q = use(StDeleteEntry, "DELETE FROM entries WHERE key = ?");
    q->bind(0, key);
    return exec(*q) && changes() > 0;
}

bool Catalogue::updateMeta(const QString &key, const QByteArray &meta, qint64 expiresMs,
                           qint64 rowSize)
{
    const ScopedStatement q = use(StUpdateMeta,
                                  "UPDATE entries SET meta = ?, expires = ?, row_size = ?"
                                  " WHERE key = ? AND" TC_LIVE("entries"));
    q->bindBlob(0, meta);
    q->bind(1, expiresMs);
    q->bind(2, rowSize);
    q->bind(3, key);
    return exec(*q) && changes() > 0;
}

QList<EntryRecord> Catalogue::lruVictims(int count)
{
    const ScopedStatement q = use(StLru,
                                  // A row whose body row is gone (damage) goes too.
                                  "SELECT e.key, b.digest, e.row_size FROM entries e"
                                  " LEFT JOIN blobs b ON b.id = e.blob_id WHERE" TC_LIVE(
                                          "e") " ORDER BY e.last_access LIMIT ?");
    q->bind(0, count);
    QList<EntryRecord> victims;
    while (next(*q)) {
        EntryRecord e;
        e.key = q->text(0);
        e.digest = q->bytes(1);
        e.rowSize = q->int64(2);
        victims.append(e);
    }
    return victims;
}

bool Catalogue::applyHits(const QHash<QString, HitUpdate> &hits)
{
    const ScopedStatement q = use(StApplyHit,
                                  "UPDATE entries SET hits = hits + ?,"
                                  " last_access = max(last_access, ?) WHERE key = ?");
    for (auto it = hits.cbegin(); it != hits.cend(); ++it) {
        q->bind(0, it->hits);
        q->bind(1, it->lastAccessMs);
        q->bind(2, it.key());
        const bool ok = exec(*q);
        q->reset();
        if (!ok)
            return false;
    }
    return true;
}

qint64 Catalogue::totalSize()
{
    const ScopedStatement q = use(StTotal, "SELECT value FROM state WHERE name = 'total_size'");
    return next(*q) ? q->int64(0) : 0;
}

bool Catalogue::addToTotal(qint64 delta)
{
    if (delta == 0)
        return true;
    const ScopedStatement q =
            use(StAddTotal, "UPDATE state SET value = max(0, value + ?) WHERE name = 'total_size'");
    q->bind(0, delta);
    return exec(*q);
}

qint64 Catalogue::stateValue(const QString &name)
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT value FROM state WHERE name = ?"));
    q.bindValue(0, name);
    if (!q.exec() || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

bool Catalogue::setStateValue(const QString &name, qint64 value)
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("INSERT INTO state (name, value) VALUES (?, ?)"
                             " ON CONFLICT(name) DO UPDATE SET value = excluded.value"));
    q.bindValue(0, name);
    q.bindValue(1, value);
    if (!q.exec()) {
        recordError(q);
        return false;
    }
    return true;
}

qint64 Catalogue::recomputeTotal()
{
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("SELECT (SELECT coalesce(sum(alloc_size), 0) FROM blobs)"
                               " + (SELECT coalesce(sum(row_size), 0) FROM entries)"))
        || !q.next()) {
        recordError(q);
        return -1;
    }
    const qint64 total = q.value(0).toLongLong();
    q.finish();
    QSqlQuery u(m_db);
    u.prepare(QStringLiteral("UPDATE state SET value = ? WHERE name = 'total_size'"));
    u.bindValue(0, total);
    if (!u.exec())
        recordError(u);
    return total;
}

} // namespace tiercache
