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

//! Every regular file below \a dir (catalogue, WAL, shared memory, blobs, temporary files).
QStringList allFiles(const QString &dir);

//! Every file and directory under \a root with the SHA-256 of its bytes.
QMap<QString, QByteArray> snapshot(const QString &root);

} // namespace tiercache::test
