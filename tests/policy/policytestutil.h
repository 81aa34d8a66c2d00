// SPDX-License-Identifier: MIT
#pragma once

// Helpers shared by the policy, tags and statistics tests (on top of tests/auto/cachetestutil.h).

#include "cachetestutil.h"

#include <tiercache/networkcache.h>

#include <QtCore/QDirIterator>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QSignalSpy>

#include <sys/stat.h>

namespace tiercache::test {

//! Like fetch(), for any request and operation ("GET", "POST", ...).
inline Fetched send(QNetworkAccessManager &nam, const QNetworkRequest &request,
                    const QByteArray &verb = "GET", const QByteArray &body = QByteArray(),
                    int timeoutMs = 30000)
{
    QNetworkReply *reply = verb == "GET" ? nam.get(request)
            : verb == "POST"             ? nam.post(request, body)
                                         : nam.sendCustomRequest(request, verb, body);
    Fetched f;
    QObject::connect(reply, &QIODevice::readyRead, reply, [&] { f.body += reply->readAll(); });
    QSignalSpy finished(reply, &QNetworkReply::finished);
    f.finished = reply->isFinished() || finished.wait(timeoutMs);
    f.body += reply->readAll();
    f.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    f.fromCache = reply->attribute(QNetworkRequest::SourceIsFromCacheAttribute).toBool();
    f.error = reply->error();
    f.headers = reply->rawHeaderPairs();
    delete reply;
    return f;
}

inline QByteArray headerOf(const Fetched &f, const QByteArray &name)
{
    for (const auto &h : f.headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

inline bool hasHeader(const Fetched &f, const QByteArray &name)
{
    for (const auto &h : f.headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

//! Every regular file below \a dir (catalogue, WAL, shared memory, blobs, temporary files).
inline QStringList allFiles(const QString &dir)
{
    QStringList files;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext())
        files.append(it.next());
    return files;
}

//! The files below \a dir whose raw bytes contain \a needle.
inline QStringList filesContaining(const QString &dir, const QByteArray &needle)
{
    QStringList hits;
    for (const QString &path : allFiles(dir)) {
        QFile file(path);
        if (file.open(QIODevice::ReadOnly) && file.readAll().contains(needle))
            hits.append(path);
    }
    return hits;
}

//! (inode, mtime in ns, size) of a file, to tell whether it was rewritten.
struct FileStamp
{
    qint64 inode = -1, mtimeNs = -1, size = -1;
    bool operator==(const FileStamp &o) const { return inode == o.inode && mtimeNs == o.mtimeNs && size == o.size; }
};

inline FileStamp stampOf(const QString &path)
{
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return {};
    return {qint64(st.st_ino), qint64(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec, qint64(st.st_size)};
}

inline QStringList tagNames(const QList<QPair<QString, qint64>> &counts)
{
    QStringList names;
    for (const auto &p : counts)
        names.append(p.first);
    return names;
}

inline QStringList urlPaths(const QList<CacheEntryInfo> &infos)
{
    QStringList paths;
    for (const CacheEntryInfo &i : infos)
        paths.append(i.url().path()
                     + (i.url().hasQuery() ? QLatin1Char('?') + i.url().query() : QString()));
    paths.sort();
    return paths;
}

} // namespace tiercache::test
