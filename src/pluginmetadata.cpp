// SPDX-License-Identifier: MIT
#include "pluginmetadata_p.h"

#include <QtCore/QJsonValue>
#include <QtCore/QRegularExpression>

namespace tiercache {

TierPluginInfo pluginInfoFromMetaData(const QJsonObject &meta)
{
    TierPluginInfo info;
    const QString iid = meta.value(QLatin1String("IID")).toString();
    if (iid != QLatin1String(TierFactory_iid)) {
        info.setErrorString(QStringLiteral("plugin interface is \"%1\", expected \"%2\"")
                                    .arg(iid, QLatin1String(TierFactory_iid)));
        return info;
    }
    const QJsonValue data = meta.value(QLatin1String("MetaData"));
    if (!data.isObject() || data.toObject().isEmpty()) {
        info.setErrorString(
                QStringLiteral("plugin metadata (the JSON file) is missing or not a JSON object"));
        return info;
    }
    const QJsonObject json = data.toObject();
    info.setId(json.value(QLatin1String("id")).toString());
    info.setName(json.value(QLatin1String("name")).toString(info.id()));
    info.setDescription(json.value(QLatin1String("description")).toString());
    info.setApiVersion(json.value(QLatin1String("apiVersion")).toInt(0));
    info.setConfig(json.value(QLatin1String("config")).toArray());
    static const QRegularExpression idRx(QStringLiteral("^[a-z][a-z0-9+.-]*$"));
    if (!idRx.match(info.id()).hasMatch()) {
        info.setErrorString(
                QStringLiteral("plugin metadata has no valid \"id\" (a lower-case scheme name)"));
    } else if (info.apiVersion() != TierFactory::ApiVersion) {
        info.setErrorString(QStringLiteral("plugin was built for tier API version %1, this library "
                                           "provides version %2")
                                    .arg(info.apiVersion())
                                    .arg(TierFactory::ApiVersion));
    } else if (info.id() == QLatin1String("disk")) {
        info.setErrorString(
                QStringLiteral("\"disk\" is built in and cannot be replaced by a plugin"));
    }
    return info;
}

} // namespace tiercache
