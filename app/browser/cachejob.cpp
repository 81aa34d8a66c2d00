// SPDX-License-Identifier: MIT
#include "cachejob.h"

#include <tiercache/networkcache.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QLocale>
#include <QtCore/QSaveFile>
#include <QtCore/QThread>

namespace tiercache::browser {

namespace {
    constexpr int ExportPage = 1000;

    QByteArray csvField(const QString &text)
    {
        QByteArray field = text.toUtf8();
        if (field.contains(',') || field.contains('"') || field.contains('\n')) {
            field.replace("\"", "\"\"");
            field = '"' + field + '"';
        }
        return field;
    }
} // namespace

CacheJob::CacheJob(Kind kind, const QString &directory, bool writable, QObject *parent)
    : QObject(parent), m_kind(kind), m_directory(directory), m_writable(writable)
{
}

CacheJob::~CacheJob()
{
    if (m_thread) {
        cancel();
        m_thread->wait();
        delete m_thread;
    }
}

void CacheJob::setExport(const EntryQuery &query, const QString &path, Format format)
{
    m_query = query;
    m_path = path;
    m_format = format;
}

void CacheJob::start()
{
    if (m_thread)
        return;
    m_thread = QThread::create([this] {
        const Result result = run();
        QMetaObject::invokeMethod(
                this,
                [this, result] {
                    m_thread->wait();
                    delete m_thread;
                    m_thread = nullptr;
                    emit finished(result.ok, result.summary);
                },
                Qt::QueuedConnection);
    });
    m_thread->start();
}

void CacheJob::report(qint64 done, qint64 total)
{
    // From the worker: queued to the job's thread by the signal's automatic connection.
    emit progress(done, total);
}

CacheJob::Result CacheJob::run()
{
    NetworkCache cache;
    const bool readOnly =
            m_kind == Kind::Verify ? !m_writable : m_kind == Kind::Export || !m_writable;
    cache.setReadOnly(readOnly);
    cache.setPromotionPolicy(PromotionPolicy::never());
    if (!m_tiers.isEmpty() && !cache.setTiers(m_tiers))
        return {false, tr("Cannot open the cache: %1").arg(cache.errorString())};
    // A chain without a disk tier has no directory: its tiers are used as they are.
    if (!m_directory.isEmpty()) {
        cache.setCacheDirectory(m_directory);
        if (!cache.open())
            return {false, tr("Cannot open the cache: %1").arg(cache.errorString())};
    }
    const QLocale locale;
    switch (m_kind) {
    case Kind::Verify:
        return runVerify(cache);
    case Kind::Export:
        return runExport(cache);
    case Kind::CollectGarbage: {
        report(0, 0);
        const qint64 bytes = cache.collectGarbage();
        if (cache.error() != NetworkCache::Error::NoError)
            return {false, cache.errorString()};
        return {true, tr("Garbage collected: %1 reclaimed.").arg(locale.formattedDataSize(bytes))};
    }
    case Kind::Clear: {
        report(0, 0);
        const qint64 before = entryCount(cache, EntryQuery());
        cache.clear();
        if (cache.error() != NetworkCache::Error::NoError)
            return {false, cache.errorString()};
        return {true, tr("Cache cleared: %n entries removed.", nullptr, int(before))};
    }
    case Kind::Delete: {
        int removed = 0;
        for (qsizetype i = 0; i < m_urls.size() && !m_cancelled; ++i) {
            removed += cache.remove(m_urls[i]) ? 1 : 0;
            report(i + 1, m_urls.size());
        }
        if (cache.error() != NetworkCache::Error::NoError && removed == 0)
            return {false, cache.errorString()};
        return {true,
                m_cancelled ? tr("Cancelled: %n entries deleted.", nullptr, removed)
                            : tr("%n entries deleted.", nullptr, removed)};
    }
    }
    return {false, QString()};
}

CacheJob::Result CacheJob::runVerify(NetworkCache &cache)
{
    const VerifyRow r = verify(cache, [this](qint64 done, qint64 total) {
        report(done, total);
        return !m_cancelled.load();
    });
    const QLocale locale;
    QString summary = r.cancelled
            ? tr("Verification cancelled after %n bodies.", nullptr, int(r.checked))
            : tr("%n bodies verified", nullptr, int(r.checked)) + QLatin1String(" (")
                    + locale.formattedDataSize(r.bytesChecked) + QLatin1String("): ")
                    + (r.damaged == 0 ? tr("all intact.")
                                      : tr("%n damaged", nullptr, int(r.damaged))
                                       + (m_writable ? tr(", %n entries removed.", nullptr,
                                                          int(r.removedEntries))
                                                     : tr(" (kept: read-only)."))
                                       + QLatin1Char('\n') + r.problems.join(QLatin1Char('\n')));
    return {r.damaged == 0 && !r.cancelled, summary};
}

CacheJob::Result CacheJob::runExport(NetworkCache &cache)
{
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly))
        return {false, tr("Cannot write %1: %2").arg(m_path, file.errorString())};
    const qint64 total = entryCount(cache, m_query);
    qint64 done = 0;
    // Offset paging over a changing catalogue may repeat or skip a row when another process
    // writes meanwhile; an export is a snapshot of what was there while it ran.
    bool first = true;
    while (!m_cancelled) {
        const QList<EntryRow> rows = entries(cache, m_query, int(done), ExportPage);
        const bool last = rows.size() < ExportPage;
        file.write(format(rows, m_format, first, last));
        first = false;
        done += rows.size();
        report(done, total);
        if (last)
            break;
    }
    if (m_cancelled) {
        file.cancelWriting();
        file.commit();
        return {false, tr("Export cancelled; nothing written.")};
    }
    if (!file.commit())
        return {false, tr("Cannot write %1: %2").arg(m_path, file.errorString())};
    return {true, tr("%n entries exported to %1.", nullptr, int(done)).arg(m_path)};
}

QByteArray CacheJob::format(const QList<EntryRow> &rows, Format format, bool first, bool last)
{
    QByteArray out;
    if (format == Format::Csv) {
        if (first)
            out += "url,status,content_type,body_size,stored_size,stored_at,expires,stale,"
                   "last_access,hits,tags,digest\n";
        for (const EntryRow &e : rows) {
            const QList<QByteArray> fields = {csvField(e.url.toString(QUrl::FullyEncoded)),
                                              QByteArray::number(e.status),
                                              csvField(e.contentType),
                                              QByteArray::number(e.bodySize),
                                              QByteArray::number(e.storedSize),
                                              e.created.toString(Qt::ISODateWithMs).toLatin1(),
                                              e.expires.toString(Qt::ISODateWithMs).toLatin1(),
                                              e.isStale() ? "true" : "false",
                                              e.lastAccess.toString(Qt::ISODateWithMs).toLatin1(),
                                              QByteArray::number(e.hits),
                                              csvField(e.tags.join(QLatin1Char(' '))),
                                              e.digest};
            out += fields.join(',') + '\n';
        }
        return out;
    }
    if (first)
        out += "[\n";
    for (qsizetype i = 0; i < rows.size(); ++i) {
        const EntryRow &e = rows[i];
        const QJsonObject o {
                {QStringLiteral("url"), e.url.toString(QUrl::FullyEncoded)},
                {QStringLiteral("status"), e.status},
                {QStringLiteral("contentType"), e.contentType},
                {QStringLiteral("bodySize"), e.bodySize},
                {QStringLiteral("storedSize"), e.storedSize},
                {QStringLiteral("storedAt"), e.created.toString(Qt::ISODateWithMs)},
                {QStringLiteral("expires"), e.expires.toString(Qt::ISODateWithMs)},
                {QStringLiteral("stale"), e.isStale()},
                {QStringLiteral("lastAccess"), e.lastAccess.toString(Qt::ISODateWithMs)},
                {QStringLiteral("hits"), e.hits},
                {QStringLiteral("tags"), QJsonArray::fromStringList(e.tags)},
                {QStringLiteral("digest"), QString::fromLatin1(e.digest)}};
        // Pages are joined by the caller: a comma before every row but the very first.
        if (!first || i > 0)
            out += ",\n";
        out += QJsonDocument(o).toJson(QJsonDocument::Compact);
    }
    if (last)
        out += "\n]\n";
    return out;
}

} // namespace tiercache::browser
