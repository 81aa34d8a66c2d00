// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/chunkedbodydevice.h>

#include "redisrecord.h"

#include <memory>

namespace tiercache::redis {

class Store;

/*
    A chunked body from Redis: a ChunkedBodyDevice whose windows are the entry's chunks (the
    stored bytes: a compressed entry is read through a DecodingBodyDevice over this one),
    fetched and checked (Store::fetchChunk()) one at a time. The first chunk is fetched by
    openBody(), so bytesAvailable() > 0 at once. A chunk that is gone or damaged fails the
    device (see ChunkedBodyDevice) and, unless the server is merely unreachable, drops the
    entry if it still has this generation.
*/
class BodyDevice final : public ChunkedBodyDevice
{
    Q_OBJECT
public:
    BodyDevice(std::shared_ptr<Store> store, const QString &key, const Descriptor &descriptor,
               const QByteArray &firstChunk);

protected:
    bool fetchWindow(qint64 offset, QByteArray *window, QString *errorString) override;
    void handleDamage(qint64 offset, const QString &reason) override;

private:
    std::shared_ptr<Store> m_store;
    QString m_key;
    Descriptor m_descriptor;
};

} // namespace tiercache::redis
