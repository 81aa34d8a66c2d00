// SPDX-License-Identifier: MIT
#include "disk/cataloguesql_p.h"

#include <QtCore/QVariant>

namespace tiercache::cataloguesql {

EntryRecord entryFrom(const QSqlQuery &q)
{
    EntryRecord e;
    e.key = q.value(0).toString();
    e.digest = q.value(1).toByteArray();
    e.bodySize = q.value(2).toLongLong();
    e.meta = q.value(3).toByteArray();
    e.status = q.value(4).toInt();
    e.contentType = q.value(5).toByteArray();
    e.expiresMs = q.value(6).toLongLong();
    e.createdMs = q.value(7).toLongLong();
    e.lastAccessMs = q.value(8).toLongLong();
    e.hits = q.value(9).toLongLong();
    e.rowSize = q.value(10).toLongLong();
    e.allocSize = q.value(11).toLongLong();
    e.chunkSize = q.value(12).toUInt();
    e.sums = q.value(13).toByteArray();
    e.inlineBody = q.value(14).toBool();
    e.storedSize = q.value(15).toLongLong();
    if (!compressionFrom(q.value(16), &e.compression))
        e.storedSize = -1; // DiskStore::hasValidSums() refuses it: damaged
    return e;
}

BlobRecord blobFrom(const QSqlQuery &q)
{
    BlobRecord b;
    b.digest = q.value(0).toByteArray();
    b.bodySize = q.value(1).toLongLong();
    b.allocSize = q.value(2).toLongLong();
    b.chunkSize = q.value(3).toUInt();
    b.sums = q.value(4).toByteArray();
    b.isInline = q.value(5).toBool();
    b.storedSize = q.value(6).toLongLong();
    if (!compressionFrom(q.value(7), &b.compression))
        b.storedSize = -1;
    return b;
}

bool compressionFrom(const QVariant &value, BodyCompression::Algorithm *algorithm)
{
    bool ok = false;
    const int v = value.toInt(&ok);
    return ok && BodyCompression::algorithmFromValue(v, algorithm);
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
