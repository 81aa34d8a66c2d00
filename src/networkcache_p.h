// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/networkcache.h>

#include "diskstore_p.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QPointer>
#include <QtCore/QSet>
#include <QtCore/QTimer>

namespace tiercache {

class SpoolDevice;

class NetworkCachePrivate
{
    Q_DECLARE_PUBLIC(NetworkCache)
public:
    explicit NetworkCachePrivate(NetworkCache *q);

    bool ensureOpen();
    void setError(NetworkCache::Error error, const QString &message);
    QNetworkCacheMetaData presentable(const EntryRecord &e) const;
    bool lookup(const QString &key);
    void forgetLookup();
    void watchOwner(SpoolDevice *spool);
    void abandon(SpoolDevice *spool);
    void scheduleHitFlush();
    void scheduleTrim();
    void trimStep();

    NetworkCache *q_ptr;
    QString directory;
    qint64 maximumSize = 50 * 1024 * 1024;
    NetworkCache::SyncMode syncMode = NetworkCache::SyncMode::NoSync;
    DiskStore store;
    QElapsedTimer lastOpenAttempt;

    // The last lookup: QNAM asks metaData() then data() (or metaData() twice around a 304)
    // for the same URL in a row; the verified first window is read once for both.
    struct Lookup
    {
        QString key;
        EntryRecord entry;
        QNetworkCacheMetaData metaData;
        QByteArray window;
        int fd = -1;
    } last;

    QSet<SpoolDevice *> pending; // prepare()d, not yet insert()ed or abandoned
    QTimer hitFlushTimer;
    QTimer trimTimer;

    NetworkCache::Error error = NetworkCache::Error::NoError;
    QString errorString;
};

} // namespace tiercache
