// SPDX-License-Identifier: MIT
#include "disk/cataloguesql_p.h"

#include <QtCore/QVariant>

namespace tiercache::cataloguesql {

namespace {
    /*
        The six columns that say how a body is stored, from \a first on, in the order both
        EntryColumns and BlobColumns name them: alloc_size, chunk_size, sums, whether the body
        is in the row, stored_size, compression.
    */
    template<typename Record>
    void readStorage(const SqlStatement &q, int first, Record *r, bool Record::*inRow)
    {
        r->allocSize = q.int64(first);
        r->chunkSize = quint32(q.int64(first + 1));
        r->sums = q.bytes(first + 2);
        r->*inRow = q.int64(first + 3) != 0;
        r->storedSize = q.int64(first + 4);
        if (!compressionFrom(q, first + 5, &r->compression))
            r->storedSize = -1; // DiskStore::hasValidSums() refuses it: damaged
    }
} // namespace

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
    readStorage(q, 11, &e, &EntryRecord::inlineBody);
    return e;
}

BlobRecord blobFrom(const SqlStatement &q)
{
    BlobRecord b;
    b.digest = q.bytes(0);
    b.bodySize = q.int64(1);
    readStorage(q, 2, &b, &BlobRecord::isInline);
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
