// SPDX-License-Identifier: MIT
#include "disk/cataloguesql_p.h"

#include <QtCore/QVariant>

namespace tiercache::cataloguesql {

EntryRecord entryFrom(const SqlStatement &q)
{
    EntryRecord e;
    e.key = q.text(0);
    e.digest = q.bytes(1);
    e.bodySize = q.int64(2);
    e.meta = q.bytes(3);
    e.status = int(q.int64(4));
    e.contentType = q.bytes(5);
    e.expiresMs = q.int64(6);
    e.createdMs = q.int64(7);
    e.lastAccessMs = q.int64(8);
    e.hits = q.int64(9);
    e.rowSize = q.int64(10);
    e.allocSize = q.int64(11);
    e.chunkSize = quint32(q.int64(12));
    e.sums = q.bytes(13);
    e.inlineBody = q.int64(14) != 0;
    e.storedSize = q.int64(15);
    if (!compressionFrom(q, 16, &e.compression))
        e.storedSize = -1; // DiskStore::hasValidSums() refuses it: damaged
    return e;
}

BlobRecord blobFrom(const SqlStatement &q)
{
    BlobRecord b;
    b.digest = q.bytes(0);
    b.bodySize = q.int64(1);
    b.allocSize = q.int64(2);
    b.chunkSize = quint32(q.int64(3));
    b.sums = q.bytes(4);
    b.isInline = q.int64(5) != 0;
    b.storedSize = q.int64(6);
    if (!compressionFrom(q, 7, &b.compression))
        b.storedSize = -1;
    return b;
}

bool compressionFrom(const SqlStatement &q, int column, BodyCompression::Algorithm *algorithm)
{
    const qint64 value = q.int64(column);
    return q.isInteger(column) && value == int(value)
            && BodyCompression::algorithmFromValue(int(value), algorithm);
}

namespace {
    QString placeholders(qsizetype n)
    {
        QString p;
        for (qsizetype i = 0; i < n; ++i)
            p += i ? QLatin1String(", ?") : QLatin1String("?");
        return p;
    }
} // namespace

void prepareWithList(QSqlQuery &q, const char *sql, const QStringList &values)
{
    q.prepare(QLatin1String(sql).arg(placeholders(values.size())));
    for (qsizetype i = 0; i < values.size(); ++i)
        q.bindValue(int(i), values[i]);
}

} // namespace tiercache::cataloguesql
