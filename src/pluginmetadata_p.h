// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tierloader.h>

#include <QtCore/QJsonObject>

namespace tiercache {

/*!
    Validates what QPluginLoader::metaData() returns for a tier plugin — the object Qt builds
    around the plugin's JSON file: {"IID": ..., "MetaData": {"id": ..., "apiVersion": ...}, ...}
    — and fills in id, name, description, apiVersion and config. errorString says why the
    plugin cannot be used (wrong IID, missing or invalid metadata, wrong API version, the
    reserved id "disk"); fileName is left empty. The caller handles an empty \a
    qtPluginMetaData itself (it has the loader's error to report).

    Kept out of TierLoader so that it can be fed arbitrary JSON (tests/fuzz/fuzz_pluginmeta).
*/
TierPluginInfo pluginInfoFromMetaData(const QJsonObject &qtPluginMetaData);

} // namespace tiercache
