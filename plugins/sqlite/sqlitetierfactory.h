// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tierfactory.h>

#include <QtCore/QObject>

class SqliteTierFactory : public QObject, public tiercache::TierFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "sqlite.json")
    Q_INTERFACES(tiercache::TierFactory)
public:
    //! sqlite:?path=/abs/file.db&max=256MiB&max_entry=64MiB&timeout_ms=2000
    std::unique_ptr<tiercache::Tier> create(const tiercache::TierSpec &spec,
                                            QString *errorString) override;
};
