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
    bool operator==(const FileStamp &o) const
    {
        return inode == o.inode && mtimeNs == o.mtimeNs && size == o.size;
    }
};

inline FileStamp stampOf(const QString &path)
{
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return {};
    return {qint64(st.st_ino), qint64(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
            qint64(st.st_size)};
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
