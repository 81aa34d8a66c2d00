// SPDX-License-Identifier: MIT
// Runs the tier conformance suite (tierconformance.h) on every tier the build provides.

#include "tierconformance.h"

#include <tiercache/tierloader.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#if __has_include("redisserver.h")
#    include "redisserver.h"
#    define TIERCACHE_HAVE_REDIS_SERVER 1
#endif

#include <cstdio>

using tiercache::TierLoader;
using tiercache::TierPluginInfo;
using tiercache::test::TierConformance;

namespace {

// Empty when a usable plugin serves \a id, else why not.
QString whyNotAvailable(TierLoader &loader, const QString &id)
{
    QStringList problems;
    for (const TierPluginInfo &info : loader.plugins()) {
        if (info.id() != id)
            continue;
        if (info.isUsable())
            return {};
        problems << QStringLiteral("%1: %2").arg(info.fileName(), info.errorString());
    }
    if (!problems.isEmpty())
        return QStringLiteral("its plugin is not usable (%1)")
                .arg(problems.join(QLatin1String("; ")));
    return QStringLiteral("no plugin with id \"%1\" in %2")
            .arg(id, loader.searchPath().join(QLatin1Char(':')));
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = app.arguments();
    TierLoader loader;

    QStringList failedTiers;
    QStringList notRun;
    auto run = [&](TierConformance &suite) {
        std::printf("\n********* Tier %s *********\n", qPrintable(suite.label()));
        std::fflush(stdout);
        if (QTest::qExec(&suite, arguments) != 0)
            failedTiers << suite.label();
    };

    {
        TierConformance memory(QStringLiteral("memory:?max=64MiB"));
        run(memory);
    }
    {
        QTemporaryDir dir;
        TierConformance disk(QStringLiteral("disk:?path=") + dir.path(), {true, {}});
        run(disk);
    }
    {
        TierConformance example(QStringLiteral("example:"));
        run(example);
    }

    if (const QString why = whyNotAvailable(loader, QStringLiteral("sqlite")); why.isEmpty()) {
        QTemporaryDir dir;
        TierConformance sqlite(QStringLiteral("sqlite:?path=%1/c.db").arg(dir.path()), {true, {}});
        run(sqlite);
    } else {
        notRun << QStringLiteral("sqlite (%1)").arg(why);
    }

#ifdef TIERCACHE_HAVE_REDIS_SERVER
    if (const QString why = whyNotAvailable(loader, QStringLiteral("redis")); why.isEmpty()) {
        tiercache::test::RedisServer server;
        if (!server.start()) {
            // A missing or broken redis-server is a failure here, never a silent skip.
            std::printf("FAIL!  : tier redis: cannot start redis-server: %s\n",
                        qPrintable(server.errorString()));
            failedTiers << QStringLiteral("redis (no redis-server)");
        } else {
            // The contract, not timing: a generous command timeout, so that a loaded machine
            // (sanitizers, parallel suites) does not trip the 100 ms default mid-test.
            TierConformance redis(QStringLiteral("redis://127.0.0.1:%1/0?prefix=conformance:"
                                                 "&timeout_ms=5000")
                                          .arg(server.port()),
                                  {true, {}});
            run(redis);
        }
    } else {
        notRun << QStringLiteral("redis (%1)").arg(why);
    }
#else
    notRun << QStringLiteral(
            "redis (tests/testlib/redisserver.h, the redis-server fixture, does not exist yet)");
#endif

    std::printf("\n");
    for (const QString &tier : std::as_const(notRun))
        std::printf("QWARN  : tst_tierconformance: conformance NOT run for tier %s\n",
                    qPrintable(tier));
    if (failedTiers.isEmpty())
        std::printf("Tier conformance: all tiers run passed\n");
    else
        std::printf("Tier conformance: FAILED for %s\n",
                    qPrintable(failedTiers.join(QLatin1String(", "))));
    return failedTiers.isEmpty() ? 0 : 1;
}
