// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QJsonArray>
#include <QtCore/QMetaType>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>

namespace tiercache {

class TierPluginInfoData;

/*!
    \brief What TierLoader found out about one plugin file: an implicitly shared value.
*/
class TIERCACHE_EXPORT TierPluginInfo
{
public:
    TierPluginInfo();
    TierPluginInfo(const TierPluginInfo &other);
    TierPluginInfo(TierPluginInfo &&other) noexcept;
    TierPluginInfo &operator=(const TierPluginInfo &other);
    TierPluginInfo &operator=(TierPluginInfo &&other) noexcept;
    ~TierPluginInfo();
    void swap(TierPluginInfo &other) noexcept { d.swap(other.d); }

    //! Absolute path of the library.
    QString fileName() const;
    void setFileName(const QString &fileName);
    //! The spec scheme it serves ("redis").
    QString id() const;
    void setId(const QString &id);
    //! Human-readable name.
    QString name() const;
    void setName(const QString &name);
    //! One line about the tier, from the metadata.
    QString description() const;
    void setDescription(const QString &description);
    //! The Tier API version the plugin was built for.
    int apiVersion() const;
    void setApiVersion(int apiVersion);
    //! [{ "key", "type", "default", "description" }]
    QJsonArray config() const;
    void setConfig(const QJsonArray &config);
    //! Why it cannot be used; empty when usable.
    QString errorString() const;
    void setErrorString(const QString &errorString);

    //! True when errorString() is empty.
    bool isUsable() const;

    friend TIERCACHE_EXPORT bool operator==(const TierPluginInfo &a, const TierPluginInfo &b);
    friend bool operator!=(const TierPluginInfo &a, const TierPluginInfo &b) { return !(a == b); }

private:
    QSharedDataPointer<TierPluginInfoData> d;
};

} // namespace tiercache

Q_DECLARE_SHARED(tiercache::TierPluginInfo)
Q_DECLARE_METATYPE(tiercache::TierPluginInfo)
