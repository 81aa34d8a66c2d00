// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tierfactory.h>

#include <QtCore/QObject>

/*
    The plugin's root object. The loader reads example.json (embedded by moc) before it loads
    the library; its "id" is the spec scheme this factory serves: "example:".
*/
class ExampleTierFactory : public QObject, public tiercache::TierFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "example.json")
    Q_INTERFACES(tiercache::TierFactory)
public:
    std::unique_ptr<tiercache::Tier> create(const tiercache::TierSpec &spec,
                                            QString *error) override;
};
