// SPDX-License-Identifier: MIT
#include "disk/catalogue_p.h"
#include "disk/cataloguesql_p.h"

#include <sqlite3.h>

namespace tiercache {

using namespace cataloguesql;

std::optional<EntryRecord> Catalogue::find(const QString &key)
{
    static const QByteArray sql = QByteArray("SELECT ") + EntryColumns
            + " FROM entries e JOIN blobs b ON b.digest = e.digest"
              " WHERE e.key = ? AND" TC_LIVE("e");
    return findWith(prepared(StFind, sql.constData()), key);
}

bool Catalogue::mayContain(const QString &key)
{
    if (!reopenIfStale())
        return true; // find() reports it
    if (!m_mayContain) {
        sqlite3 *db = handle();
        if (!db
            || sqlite3_prepare_v3(db, "SELECT 1 FROM entries WHERE key = ?", -1,
                                  SQLITE_PREPARE_PERSISTENT, &m_mayContain, nullptr)
                    != SQLITE_OK) {
            m_mayContain = nullptr;
            return true;
        }
    }
    // Bound as UTF-16, as Qt Sql binds find()'s key: both compare the same text.
    if (sqlite3_bind_text16(m_mayContain, 1, key.utf16(), int(key.size() * sizeof(char16_t)),
                            SQLITE_STATIC)
        != SQLITE_OK) {
        sqlite3_reset(m_mayContain);
        return true;
    }
    const int rc = sqlite3_step(m_mayContain);
    sqlite3_reset(m_mayContain); // ends the read transaction
    sqlite3_clear_bindings(m_mayContain);
    return rc != SQLITE_DONE; // a row, or an error find() will meet and report
}

std::optional<EntryRecord> Catalogue::findAny(const QString &key)
{
    static const QByteArray sql = QByteArray("SELECT ") + EntryColumns
            + " FROM entries e JOIN blobs b ON b.digest = e.digest WHERE e.key = ?";
    return findWith(prepared(StFindAny, sql.constData()), key);
}

std::optional<EntryRecord> Catalogue::findWith(QSqlQuery &q, const QString &key)
{
    q.bindValue(0, key);
    if (!exec(q) || !q.next())
        return std::nullopt;
    EntryRecord e = entryFrom(q);
    q.finish();
    return e;
}

bool Catalogue::upsertEntry(const EntryRecord &e)
{
    QSqlQuery &q = prepared(StUpsertEntry,
                            "INSERT OR REPLACE INTO entries (key, digest, body_size, meta, status,"
                            " content_type, expires, created, last_access, hits, row_size)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.bindValue(0, e.key);
    q.bindValue(1, QString::fromLatin1(e.digest));
    q.bindValue(2, e.bodySize);
    q.bindValue(3, e.meta);
    q.bindValue(4, e.status);
    q.bindValue(5, QString::fromLatin1(e.contentType));
    q.bindValue(6, e.expiresMs);
    q.bindValue(7, e.createdMs);
    q.bindValue(8, e.lastAccessMs);
    q.bindValue(9, e.hits);
    q.bindValue(10, e.rowSize);
    if (!exec(q))
        return false;
    // A new version of an invalidated entry: it lives again, without the old version's tags.
    QSqlQuery &revive = prepared(StRevive, "DELETE FROM invalidated WHERE key = ?");
    revive.bindValue(0, e.key);
    if (!exec(revive))
        return false;
    return revive.numRowsAffected() == 0 || setTags(e.key, {});
}

bool Catalogue::deleteEntry(const QString &key)
{
    QSqlQuery &q = prepared(StDeleteEntry, "DELETE FROM entries WHERE key = ?");
    q.bindValue(0, key);
    return exec(q) && q.numRowsAffected() > 0;
}

bool Catalogue::updateMeta(const QString &key, const QByteArray &meta, qint64 expiresMs,
                           qint64 rowSize)
{
    QSqlQuery &q = prepared(StUpdateMeta,
                            "UPDATE entries SET meta = ?, expires = ?, row_size = ?"
                            " WHERE key = ? AND" TC_LIVE("entries"));
    q.bindValue(0, meta);
    q.bindValue(1, expiresMs);
    q.bindValue(2, rowSize);
    q.bindValue(3, key);
    return exec(q) && q.numRowsAffected() > 0;
}

QList<EntryRecord> Catalogue::lruVictims(int count)
{
    QSqlQuery &q = prepared(StLru,
                            "SELECT key, digest, row_size FROM entries e"
                            " WHERE" TC_LIVE("e") " ORDER BY last_access LIMIT ?");
    q.bindValue(0, count);
    QList<EntryRecord> victims;
    if (!exec(q))
        return victims;
    while (q.next()) {
        EntryRecord e;
        e.key = q.value(0).toString();
        e.digest = q.value(1).toByteArray();
        e.rowSize = q.value(2).toLongLong();
        victims.append(e);
    }
    q.finish();
    return victims;
}

bool Catalogue::applyHits(const QHash<QString, HitUpdate> &hits)
{
    QSqlQuery &q = prepared(StApplyHit,
                            "UPDATE entries SET hits = hits + ?, last_access = max(last_access, ?)"
                            " WHERE key = ?");
    for (auto it = hits.cbegin(); it != hits.cend(); ++it) {
        q.bindValue(0, it->hits);
        q.bindValue(1, it->lastAccessMs);
        q.bindValue(2, it.key());
        if (!exec(q))
            return false;
    }
    return true;
}

qint64 Catalogue::totalSize()
{
    QSqlQuery &q = prepared(StTotal, "SELECT value FROM state WHERE name = 'total_size'");
    if (!exec(q) || !q.next())
        return 0;
    const qint64 total = q.value(0).toLongLong();
    q.finish();
    return total;
}

bool Catalogue::addToTotal(qint64 delta)
{
    if (delta == 0)
        return true;
    QSqlQuery &q = prepared(StAddTotal,
                            "UPDATE state SET value = max(0, value + ?) WHERE name = 'total_size'");
    q.bindValue(0, delta);
    return exec(q);
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
