// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tier.h>

#include <memory>

namespace tiercache::sqlite {

class Store;
struct Options;

/*
    A tier in one SQLite file: entries(key, gen, meta, ...) name the current generation of
    each body, chunks(gen, seq, sum, data) hold the bodies in checksummed 64 KiB pieces.
    Many small responses share pages instead of each taking a filesystem block; large ones
    stream in and out one chunk at a time. The file may be shared by several processes (WAL,
    busy timeout); all the state that matters lives in the file.
*/
class SqliteTier final : public Tier
{
public:
    //! Opens or creates the database (read-only: opens an existing one, see Options::readOnly);
    //! nullptr with \a errorString set when it cannot.
    static std::unique_ptr<SqliteTier> open(const Options &options, QString *errorString);
    ~SqliteTier() override;

    QString name() const override { return QStringLiteral("sqlite"); }
    Capabilities capabilities() const override
    {
        return Capability::Persistent | Capability::Shared | Capability::VerifiesBodies;
    }
    qint64 maxEntrySize() const override;
    std::unique_ptr<TierEntry> lookup(const QString &key) override;
    std::unique_ptr<TierWriter> beginWrite(const QString &key,
                                           const QNetworkCacheMetaData &metaData,
                                           qint64 sizeHint) override;
    bool remove(const QString &key) override;
    bool updateMetaData(const QString &key, const QNetworkCacheMetaData &metaData,
                        const QByteArray &ifVersion = {}) override;
    void enumerate(const std::function<bool(const TierRecord &)> &visitor) override;
    qint64 size() override;
    void clear() override;
    QString errorString() const override;

private:
    explicit SqliteTier(std::shared_ptr<Store> store);
    std::shared_ptr<Store> m_store;
};

} // namespace tiercache::sqlite
