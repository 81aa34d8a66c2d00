// SPDX-License-Identifier: MIT
#include "cachefiles.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QFile>

namespace tiercache::test {

QStringList blobFiles(const QString &cacheDir)
{
    QStringList files;
    const QString blobs = cacheDir + QLatin1String("/blobs");
    const auto subdirs = QDir(blobs).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &sub : subdirs) {
        const auto names = QDir(blobs + QLatin1Char('/') + sub).entryList(QDir::Files);
        for (const QString &n : names)
            files.append(blobs + QLatin1Char('/') + sub + QLatin1Char('/') + n);
    }
    return files;
}

QStringList allFiles(const QString &dir)
{
    QStringList files;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext())
        files.append(it.next());
    return files;
}

QMap<QString, QByteArray> snapshot(const QString &root)
{
    QMap<QString, QByteArray> files;
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QString relative = QDir(root).relativeFilePath(path);
        if (it.fileInfo().isDir()) {
            files.insert(relative, QByteArrayLiteral("<dir>"));
            continue;
        }
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            files.insert(relative, QByteArrayLiteral("<unreadable>"));
            continue;
        }
        QCryptographicHash hash(QCryptographicHash::Sha256);
        hash.addData(&file);
        files.insert(relative, hash.result().toHex());
    }
    return files;
}

} // namespace tiercache::test
