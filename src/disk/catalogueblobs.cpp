// SPDX-License-Identifier: MIT
#include "disk/catalogue_p.h"
#include "disk/cataloguesql_p.h"

namespace tiercache {

using namespace cataloguesql;

std::optional<BlobRecord> Catalogue::findBlob(const QByteArray &digest)
{
    static const QByteArray sql =
            QByteArray("SELECT ") + BlobColumns + " FROM blobs WHERE digest = ?";
    QSqlQuery &q = prepared(StFindBlob, sql.constData());
    q.bindValue(0, QString::fromLatin1(digest));
    if (!exec(q) || !q.next())
        return std::nullopt;
    BlobRecord b = blobFrom(q);
    b.digest = digest;
    q.finish();
    return b;
}

std::optional<QByteArray> Catalogue::inlineBody(const QByteArray &digest)
{
    QSqlQuery &q = prepared(StInlineBody, "SELECT body FROM blobs WHERE digest = ?");
    q.bindValue(0, QString::fromLatin1(digest));
    if (!exec(q) || !q.next() || q.isNull(0))
        return std::nullopt;
    QByteArray body = q.value(0).toByteArray();
    q.finish();
    if (body.isNull())
        body = QByteArray(""); // an empty body is a value, not "no inline body"
    return body;
}

bool Catalogue::insertBlob(const BlobRecord &b)
{
    QSqlQuery &q = prepared(
            StInsertBlob,
            "INSERT OR REPLACE INTO blobs (digest, body_size, alloc_size, chunk_size, sums, body,"
            " stored_size, compression) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    q.bindValue(0, QString::fromLatin1(b.digest));
    q.bindValue(1, b.bodySize);
    q.bindValue(2, b.allocSize);
    q.bindValue(3, b.chunkSize);
    q.bindValue(4, b.sums);
    // NULL marks a file body; an empty inline body must stay a (zero-length) value.
    q.bindValue(5,
                b.isInline ? QVariant(b.body.isNull() ? QByteArray("") : b.body)
                           : QVariant(QMetaType::fromType<QByteArray>()));
    q.bindValue(6, b.storedSize);
    q.bindValue(7, int(b.compression));
    return exec(q);
}

bool Catalogue::deleteBlob(const QByteArray &digest)
{
    QSqlQuery &q = prepared(StDeleteBlob, "DELETE FROM blobs WHERE digest = ?");
    q.bindValue(0, QString::fromLatin1(digest));
    return exec(q);
}

bool Catalogue::isReferenced(const QByteArray &digest)
{
    QSqlQuery &q = prepared(StIsReferenced, "SELECT 1 FROM entries WHERE digest = ? LIMIT 1");
    q.bindValue(0, QString::fromLatin1(digest));
    const bool referenced = exec(q) && q.next();
    q.finish();
    return referenced;
}

qint64 Catalogue::sharingCount(const QByteArray &digest)
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT count(*) FROM entries e WHERE e.digest = ? AND" TC_LIVE("e")));
    q.bindValue(0, QString::fromLatin1(digest));
    if (!exec(q) || !q.next())
        return 0;
    return q.value(0).toLongLong();
}

QList<BlobRecord> Catalogue::blobs()
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    QList<BlobRecord> result;
    if (!q.exec(QLatin1String("SELECT %1 FROM blobs").arg(QLatin1String(BlobColumns)))) {
        recordError(q);
        return result;
    }
    while (q.next())
        result.append(blobFrom(q));
    return result;
}

QList<QByteArray> Catalogue::unreferencedBlobs()
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    QList<QByteArray> result;
    if (!q.exec(QStringLiteral("SELECT b.digest FROM blobs b WHERE NOT EXISTS"
                               " (SELECT 1 FROM entries e WHERE e.digest = b.digest)"))) {
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
    q.prepare(QStringLiteral("SELECT key, row_size FROM entries WHERE digest = ?"));
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
    QSqlQuery &g = prepared(StAddGarbage, "INSERT OR IGNORE INTO garbage (digest) VALUES (?)");
    g.bindValue(0, QString::fromLatin1(digest));
    return exec(g);
}

bool Catalogue::removeGarbage(const QByteArray &digest)
{
    QSqlQuery &g = prepared(StRemoveGarbage, "DELETE FROM garbage WHERE digest = ?");
    g.bindValue(0, QString::fromLatin1(digest));
    return exec(g);
}

QList<QByteArray> Catalogue::garbage(int limit)
{
    QList<QByteArray> digests;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT digest FROM garbage LIMIT ?"));
    q.bindValue(0, limit);
    if (!exec(q))
        return digests;
    while (q.next())
        digests.append(q.value(0).toByteArray());
    return digests;
}

} // namespace tiercache
