// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tierfactory.h>

#include <QtCore/QObject>

class MemoryTierFactory : public QObject, public tiercache::TierFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "memory.json")
    Q_INTERFACES(tiercache::TierFactory)
public:
    std::unique_ptr<tiercache::Tier> create(const tiercache::TierSpec &spec,
                                            QString *errorString) override;
};
