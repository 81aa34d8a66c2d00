// SPDX-License-Identifier: MIT
// A tier plugin built against the installed headers only: a tier that stores nothing.
#include <tiercache/tier.h>
#include <tiercache/tierfactory.h>

#include <QtCore/QObject>

namespace {

class NullTier : public tiercache::Tier
{
public:
    QString name() const override { return QStringLiteral("null"); }
    Capabilities capabilities() const override { return {}; }
    qint64 maxEntrySize() const override { return -1; }
    std::unique_ptr<tiercache::TierEntry> lookup(const QString &) override { return nullptr; }
    std::unique_ptr<tiercache::TierWriter> beginWrite(const QString &,
                                                      const QNetworkCacheMetaData &,
                                                      qint64) override
    {
        return nullptr;
    }
    bool remove(const QString &) override { return false; }
    bool updateMetaData(const QString &, const QNetworkCacheMetaData &, const QByteArray &) override
    {
        return false;
    }
    void enumerate(const std::function<bool(const tiercache::TierRecord &)> &) override { }
    qint64 size() override { return 0; }
    void clear() override { }
    QString errorString() const override { return {}; }
};

} // namespace

class NullTierFactory : public QObject, public tiercache::TierFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "nulltier.json")
    Q_INTERFACES(tiercache::TierFactory)

public:
    std::unique_ptr<tiercache::Tier> create(const tiercache::TierSpec &spec,
                                            QString *errorString) override
    {
        if (!spec.keys().isEmpty()) {
            *errorString = QStringLiteral("the null tier takes no options");
            return nullptr;
        }
        return std::make_unique<NullTier>();
    }
};

#include "nulltier.moc"
