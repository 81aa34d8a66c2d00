// SPDX-License-Identifier: MIT
#include "disk/catalogue_p.h"
#include "disk/cataloguesql_p.h"

namespace tiercache {

using namespace cataloguesql;

std::optional<BlobRecord> Catalogue::findBlob(const QByteArray &digest)
{
    static const QByteArray sql =
            QByteArray("SELECT ") + BlobColumns + " FROM blobs WHERE digest = ?";
    const ScopedStatement q = use(StFindBlob, sql.constData());
    q->bindLatin1(0, digest);
    if (!next(*q))
        return std::nullopt;
    BlobRecord b = blobFrom(*q);
    b.digest = digest;
    return b;
}

std::optional<QByteArray> Catalogue::inlineBody(const QByteArray &digest)
{
    const ScopedStatement q = use(StInlineBody, "SELECT body FROM blobs WHERE digest = ?");
    q->bindLatin1(0, digest);
    if (!next(*q) || q->isNull(0))
        return std::nullopt;
    return q->bytes(0); // an empty body is a value (empty, not null), not "no inline body"
}

bool Catalogue::insertBlob(const BlobRecord &b)
{
    const ScopedStatement q =
            use(StInsertBlob,
                // An update in place keeps the id the entries name it by.
                "INSERT INTO blobs (digest, body_size, alloc_size, chunk_size, sums, body,"
                " stored_size, compression) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(digest) DO UPDATE SET body_size = excluded.body_size,"
                " alloc_size = excluded.alloc_size, chunk_size = excluded.chunk_size,"
                " sums = excluded.sums, body = excluded.body, stored_size = excluded.stored_size,"
                " compression = excluded.compression");
    q->bindLatin1(0, b.digest);
    q->bind(1, b.bodySize);
    q->bind(2, b.allocSize);
    q->bind(3, b.chunkSize);
    q->bindBlob(4, b.sums);
    // NULL marks a file body; an empty inline body is a zero-length value.
    if (b.isInline)
        q->bindBlob(5, b.body);
    else
        q->bindNull(5);
    q->bind(6, b.storedSize);
    q->bind(7, int(b.compression));
    return exec(*q);
}

bool Catalogue::deleteBlob(const QByteArray &digest)
{
    const ScopedStatement q = use(StDeleteBlob, "DELETE FROM blobs WHERE digest = ?");
    q->bindLatin1(0, digest);
    return exec(*q);
}

bool Catalogue::isReferenced(const QByteArray &digest)
{
    const ScopedStatement q = use(StIsReferenced,
                                  "SELECT 1 FROM entries WHERE blob_id ="
                                  " (SELECT id FROM blobs WHERE digest = ?) LIMIT 1");
    q->bindLatin1(0, digest);
    return next(*q);
}

qint64 Catalogue::sharingCount(const QByteArray &digest)
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT count(*) FROM entries e JOIN blobs b ON b.id = e.blob_id"
                             " WHERE b.digest = ? AND" TC_LIVE("e")));
    q.bindValue(0, QString::fromLatin1(digest));
    if (!exec(q) || !q.next())
        return 0;
    return q.value(0).toLongLong();
}

QList<BlobRecord> Catalogue::blobs()
{
    static const QByteArray sql = QByteArray("SELECT ") + BlobColumns + " FROM blobs";
    QList<BlobRecord> result;
    SqlStatement q;
    if (!q.prepare(handle(), sql.constData())) {
        recordError(q.step());
        return result;
    }
    while (next(q))
        result.append(blobFrom(q));
    return result;
}

QList<QByteArray> Catalogue::unreferencedBlobs()
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    QList<QByteArray> result;
    if (!q.exec(QStringLiteral("SELECT b.digest FROM blobs b WHERE NOT EXISTS"
                               " (SELECT 1 FROM entries e WHERE e.blob_id = b.id)"))) {
        recordError(q);
        return result;
    }
    while (q.next())
        result.append(q.value(0).toByteArray());
    return result;
}

QList<EntryRecord> Catalogue::entriesWithDigest(const QByteArray &digest)
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT e.key, e.row_size FROM entries e JOIN blobs b"
                             " ON b.id = e.blob_id WHERE b.digest = ?"));
    q.bindValue(0, QString::fromLatin1(digest));
    QList<EntryRecord> result;
    if (!exec(q))
        return result;
    while (q.next()) {
        EntryRecord e;
        e.key = q.value(0).toString();
        e.digest = digest;
        e.rowSize = q.value(1).toLongLong();
        result.append(e);
    }
    return result;
}

bool Catalogue::addGarbage(const QByteArray &digest)
{
    const ScopedStatement g =
            use(StAddGarbage, "INSERT OR IGNORE INTO garbage (digest) VALUES (?)");
    g->bindLatin1(0, digest);
    return exec(*g);
}

bool Catalogue::removeGarbage(const QByteArray &digest)
{
    const ScopedStatement g = use(StRemoveGarbage, "DELETE FROM garbage WHERE digest = ?");
    g->bindLatin1(0, digest);
    return exec(*g);
}

QList<QByteArray> Catalogue::garbage(int limit)
{
    // Asked after every event-loop step that swept: kept prepared.
    const ScopedStatement q = use(StGarbage, "SELECT digest FROM garbage LIMIT ?");
    q->bind(0, limit);
    QList<QByteArray> digests;
    while (next(*q))
        digests.append(q->bytes(0));
    return digests;
}

} // namespace tiercache
