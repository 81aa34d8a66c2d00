// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/bodycompression.h>
#include <tiercache/tier.h>

#include <QtCore/QHash>

#include <list>
#include <memory>

namespace tiercache::memory {

/*
    An in-process LRU over a byte budget: a hash from key to a node of a recency list, so
    lookups, hits, inserts and evictions are O(1). Bodies are implicitly shared QByteArrays:
    serving a hit copies nothing.
*/
class MemoryTier final : public Tier
{
public:
    //! \a readOnly (the SDK's "readonly" option): nothing is ever stored, so the tier stays
    //! empty; it has nothing else that could change.
    MemoryTier(qint64 maxBytes, qint64 maxEntry, bool readOnly = false,
               const BodyCompression &compression = {});

    QString name() const override { return QStringLiteral("memory"); }
    Capabilities capabilities() const override { return Capability::VerifiesBodies; }
    qint64 maxEntrySize() const override { return m_maxEntry; }
    std::unique_ptr<TierEntry> lookup(const QString &key) override;
    std::unique_ptr<TierWriter> beginWrite(const QString &key,
                                           const QNetworkCacheMetaData &metaData,
                                           qint64 sizeHint) override;
    bool remove(const QString &key) override;
    bool updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData,
                        const QByteArray &ifVersion = {}) override;
    void enumerate(const std::function<bool(const TierRecord &)> &visitor) override;
    qint64 size() override { return m_used; }
    void clear() override;
    QString errorString() const override { return {}; }

    //! Stores \a stored, which is the body (\a bodySize bytes) compressed with \a algorithm.
    void put(const QString &key, const QNetworkCacheMetaData &metaData, const QByteArray &stored,
             qint64 bodySize, BodyCompression::Algorithm algorithm);
    const BodyCompression &compression() const { return m_compression; }
    //! Drops the entry of \a key if it still holds version \a generation (a damaged body).
    void removeGeneration(const QString &key, quint64 generation);

    //! Marks the entry of \a key used, if it still holds version \a generation.
    void touch(const QString &key, quint64 generation);

private:
    struct Node
    {
        QString key;
        QNetworkCacheMetaData metaData;
        QByteArray body; // as stored: compressed with algorithm
        qint64 bodySize = 0;
        BodyCompression::Algorithm algorithm = BodyCompression::Algorithm::None;
        qint64 cost = 0;
        qint64 lastAccessMs = 0;
        quint64 generation = 0; // which put() stored the body: the record's version()
    };
    using List = std::list<Node>;

    static qint64 costOf(const QString &key, const QByteArray &body);
    void touch(List::iterator it);
    void erase(List::iterator it);

    qint64 m_maxBytes;
    qint64 m_maxEntry;
    bool m_readOnly;
    BodyCompression m_compression;
    qint64 m_used = 0;
    List m_lru; // most recently used first
    QHash<QString, List::iterator> m_index;
    quint64 m_generation = 0;
    // Handles check it before they call back: they may outlive the tier.
    std::shared_ptr<MemoryTier *> m_self = std::make_shared<MemoryTier *>(this);
};

} // namespace tiercache::memory
