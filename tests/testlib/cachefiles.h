// SPDX-License-Identifier: MIT
#pragma once

// Looking at a cache directory from the outside, as the test suites do.

#include <QtCore/QByteArray>
#include <QtCore/QMap>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace tiercache::test {

//! The blob files of the cache in \a cacheDir (blobs/<sub>/<name>).
QStringList blobFiles(const QString &cacheDir);

//! Bodies kept in the catalogue instead of a file (small ones): hex digest -> bytes.
QMap<QByteArray, QByteArray> inlineBodies(const QString &cacheDir);

//! Every stored body, file or inline: blobFiles() plus inlineBodies(). Counts what the cache
//! holds whatever the storage.
int storedBodyCount(const QString &cacheDir);

/*!
    Replaces the catalogue's copy of the inline body \a hexDigest by \a bytes (a null array:
    SQL NULL), through a connection of its own, as damage from outside would. Returns false
    when the statement fails or changes no row.
*/
bool setInlineBody(const QString &cacheDir, const QByteArray &hexDigest, const QByteArray &bytes);

//! Every regular file below \a dir (catalogue, WAL, shared memory, blobs, temporary files).
QStringList allFiles(const QString &dir);

//! Every file and directory under \a root with the SHA-256 of its bytes.
QMap<QString, QByteArray> snapshot(const QString &root);

} // namespace tiercache::test
