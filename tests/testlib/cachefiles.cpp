// SPDX-License-Identifier: MIT
#include "cachefiles.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QFile>
#include <QtCore/QUuid>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>

#include <functional>

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

namespace {
    // Runs \a work on a connection of its own to the catalogue of \a cacheDir.
    bool withCatalogue(const QString &cacheDir, const std::function<bool(QSqlDatabase &)> &work)
    {
        const QString name = QUuid::createUuid().toString();
        bool ok = false;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            db.setDatabaseName(cacheDir + QLatin1String("/catalogue.db"));
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
            ok = db.open() && work(db);
            db.close();
        }
        QSqlDatabase::removeDatabase(name);
        return ok;
    }
} // namespace

QMap<QByteArray, QByteArray> inlineBodies(const QString &cacheDir)
{
    QMap<QByteArray, QByteArray> bodies;
    if (!QFile::exists(cacheDir + QLatin1String("/catalogue.db")))
        return bodies;
    withCatalogue(cacheDir, [&](QSqlDatabase &db) {
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("SELECT digest, body FROM blobs WHERE body IS NOT NULL")))
            return false;
        while (q.next())
            bodies.insert(q.value(0).toByteArray(), q.value(1).toByteArray());
        return true;
    });
    return bodies;
}

int storedBodyCount(const QString &cacheDir)
{
    return int(blobFiles(cacheDir).size() + inlineBodies(cacheDir).size());
}

bool setInlineBody(const QString &cacheDir, const QByteArray &hexDigest, const QByteArray &bytes)
{
    return withCatalogue(cacheDir, [&](QSqlDatabase &db) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("UPDATE blobs SET body = ? WHERE digest = ?"));
        q.bindValue(0,
                    bytes.isNull() ? QVariant(QMetaType::fromType<QByteArray>()) : QVariant(bytes));
        q.bindValue(1, QString::fromLatin1(hexDigest));
        return q.exec() && q.numRowsAffected() == 1;
    });
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
