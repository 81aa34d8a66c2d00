// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/networkcache.h>
#include <tiercache/tierloader.h>

#include "tierchain_p.h"

#include <QtCore/QSet>

#include <memory>

namespace tiercache {

class DiskTier;
class InsertDevice;

class NetworkCachePrivate
{
    Q_DECLARE_PUBLIC(NetworkCache)
public:
    explicit NetworkCachePrivate(NetworkCache *q);
    ~NetworkCachePrivate();

    void setError(NetworkCache::Error error, const QString &message);
    DiskTier *diskTier() const { return disk; }
    void watchOwner(InsertDevice *device);
    void abandon(InsertDevice *device);

    NetworkCache *q_ptr;
    QString directory;
    qint64 maximumSize = 50 * 1024 * 1024;
    NetworkCache::SyncMode syncMode = NetworkCache::SyncMode::NoSync;

    TierChain chain;
    DiskTier *disk = nullptr; // the "disk:" tier inside the chain, if any
    QStringList specs;
    QStringList tierErrors;
    std::unique_ptr<TierLoader> loader;

    // The last lookup, so that data() serves the tier metaData() found.
    QString lastKey;
    TierChain::Found lastFound;

    QSet<InsertDevice *> pending; // prepare()d, not yet insert()ed or abandoned

    NetworkCache::Error error = NetworkCache::Error::NoError;
    QString errorString;
};

} // namespace tiercache
