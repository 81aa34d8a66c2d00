// SPDX-License-Identifier: MIT
#include "disk/catalogue_p.h"
#include "disk/cataloguesql_p.h"

namespace tiercache {

using namespace cataloguesql;

bool Catalogue::addCounters(const QHash<QString, qint64> &deltas, qint64 minute)
{
    const ScopedStatement c =
            use(StAddCounter,
                "INSERT INTO counters (name, value) VALUES (?, ?)"
                " ON CONFLICT(name) DO UPDATE SET value = value + excluded.value");
    const ScopedStatement s =
            use(StAddSeries,
                "INSERT INTO series (minute, name, value) VALUES (?, ?, ?)"
                " ON CONFLICT(minute, name) DO UPDATE SET value = value + excluded.value");
    for (auto it = deltas.cbegin(); it != deltas.cend(); ++it) {
        if (it.value() == 0)
            continue;
        c->bind(0, it.key());
        c->bind(1, it.value());
        s->bind(0, minute);
        s->bind(1, it.key());
        s->bind(2, it.value());
        const bool ok = exec(*c) && exec(*s);
        c->reset();
        s->reset();
        if (!ok)
            return false;
    }
    return true;
}

QHash<QString, qint64> Catalogue::counters()
{
    QHash<QString, qint64> result;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT name, value FROM counters"))) {
        recordError(q);
        return result;
    }
    while (q.next())
        result.insert(q.value(0).toString(), q.value(1).toLongLong());
    return result;
}

QList<Catalogue::SeriesPoint> Catalogue::series(qint64 sinceMinute)
{
    QList<SeriesPoint> result;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral(
            "SELECT minute, name, value FROM series WHERE minute >= ? ORDER BY minute"));
    q.bindValue(0, sinceMinute);
    if (!exec(q))
        return result;
    while (q.next())
        result.append({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toLongLong()});
    return result;
}

bool Catalogue::pruneSeries(qint64 beforeMinute)
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("DELETE FROM series WHERE minute < ?"));
    q.bindValue(0, beforeMinute);
    return exec(q);
}

bool Catalogue::resetStatistics()
{
    return execSql(QStringLiteral("DELETE FROM counters"))
            && execSql(QStringLiteral("DELETE FROM series"))
            && execSql(QStringLiteral("UPDATE entries SET hits = 0"));
}

Catalogue::Counts Catalogue::counts()
{
    Counts c;
    QSqlQuery q(m_db);
    if (q.exec(QStringLiteral("SELECT count(*), coalesce(sum(body_size), 0), coalesce(sum(hits), 0)"
                              " FROM entries e WHERE" TC_LIVE("e")))
        && q.next()) {
        c.entries = q.value(0).toLongLong();
        c.bodyBytes = q.value(1).toLongLong();
        c.hits = q.value(2).toLongLong();
    } else {
        recordError(q);
    }
    q.finish();
    if (q.exec(QStringLiteral("SELECT count(*), coalesce(sum(body_size), 0) FROM blobs"))
        && q.next()) {
        c.blobs = q.value(0).toLongLong();
        c.distinctBodyBytes = q.value(1).toLongLong();
    }
    return c;
}

} // namespace tiercache
