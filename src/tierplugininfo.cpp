// SPDX-License-Identifier: MIT
#include <tiercache/tierplugininfo.h>

#include <QtCore/QSharedData>

namespace tiercache {

class TierPluginInfoData : public QSharedData
{
public:
    QString fileName;
    QString id;
    QString name;
    QString description;
    int apiVersion = 0;
    QJsonArray config;
    QString errorString;
};

TierPluginInfo::TierPluginInfo() : d(new TierPluginInfoData) { }
TierPluginInfo::TierPluginInfo(const TierPluginInfo &other) = default;
TierPluginInfo::TierPluginInfo(TierPluginInfo &&other) noexcept = default;
TierPluginInfo &TierPluginInfo::operator=(const TierPluginInfo &other) = default;
TierPluginInfo &TierPluginInfo::operator=(TierPluginInfo &&other) noexcept = default;
TierPluginInfo::~TierPluginInfo() = default;

QString TierPluginInfo::fileName() const
{
    return d->fileName;
}

void TierPluginInfo::setFileName(const QString &fileName)
{
    d->fileName = fileName;
}

QString TierPluginInfo::id() const
{
    return d->id;
}

void TierPluginInfo::setId(const QString &id)
{
    d->id = id;
}

QString TierPluginInfo::name() const
{
    return d->name;
}

void TierPluginInfo::setName(const QString &name)
{
    d->name = name;
}

QString TierPluginInfo::description() const
{
    return d->description;
}

void TierPluginInfo::setDescription(const QString &description)
{
    d->description = description;
}

int TierPluginInfo::apiVersion() const
{
    return d->apiVersion;
}

void TierPluginInfo::setApiVersion(int apiVersion)
{
    d->apiVersion = apiVersion;
}

QJsonArray TierPluginInfo::config() const
{
    return d->config;
}

void TierPluginInfo::setConfig(const QJsonArray &config)
{
    d->config = config;
}

QString TierPluginInfo::errorString() const
{
    return d->errorString;
}

void TierPluginInfo::setErrorString(const QString &errorString)
{
    d->errorString = errorString;
}

bool operator==(const TierPluginInfo &a, const TierPluginInfo &b)
{
    return a.d == b.d
            || (a.d->fileName == b.d->fileName && a.d->id == b.d->id && a.d->name == b.d->name
                && a.d->description == b.d->description && a.d->apiVersion == b.d->apiVersion
                && a.d->config == b.d->config && a.d->errorString == b.d->errorString);
}

bool TierPluginInfo::isUsable() const
{
    return d->errorString.isEmpty();
}

} // namespace tiercache
