// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tier.h>

#include <QtCore/QIODevice>
#include <QtCore/QPointer>

#include <functional>
#include <memory>
#include <vector>

namespace tiercache {

/*
    Promotion without a second read: serves a lower tier's body device to QNAM unchanged and
    copies every byte that passes into writers for the upper tiers. The writers are committed
    only if the whole body, exactly bodySize bytes, went through and the source ended cleanly;
    anything else (damage found mid-stream, the reply deleted early) discards them.

    It keeps the source's reading contract (see Tier::openBody()): sequential, read() == 0 while
    waiting, readyRead() when more comes, -1 after the last byte. The source stays a child of
    this device, so a source that looks up its QNetworkReply through parent() still finds it.
*/
class TeeDevice : public QIODevice
{
    Q_OBJECT
public:
    using Done = std::function<void(int index, bool committed)>;
    struct Target
    {
        int index; // position of the tier in the chain, for statistics
        std::unique_ptr<TierWriter> writer;
    };

    //! The upper tiers' writers are committed with \a metaData and \a tags.
    TeeDevice(QIODevice *source, const QNetworkCacheMetaData &metaData, const QStringList &tags,
              qint64 bodySize, std::vector<Target> targets, Done done);
    ~TeeDevice() override;

    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override;
    bool atEnd() const override;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    void finish(bool complete);

    QIODevice *m_source;
    QNetworkCacheMetaData m_metaData;
    QStringList m_tags;
    qint64 m_bodySize;
    qint64 m_passed = 0;
    bool m_ended = false;
    std::vector<Target> m_targets;
    Done m_done;
};

} // namespace tiercache
