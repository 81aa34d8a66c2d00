// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tierfactory.h>

#include <QtCore/QObject>

/*
    Base of the broken plugin fixtures. It refuses every spec, so a fixture the loader wrongly
    accepts shows up as a clear test failure instead of serving entries.
*/
class FixtureFactory : public QObject, public tiercache::TierFactory
{
public:
    std::unique_ptr<tiercache::Tier> create(const tiercache::TierSpec &spec,
                                            QString *errorString) override
    {
        *errorString = QStringLiteral("broken plugin fixture asked for \"%1\"").arg(spec.text());
        return nullptr;
    }
};
