// SPDX-License-Identifier: MIT
// tiercache: inspect, verify and exercise a tiercache::NetworkCache directory.

#include "commandline.h"

#include <QtCore/QCoreApplication>

int main(int argc, char *argv[])
{
    // QCoreApplication, not a GUI one: the tool runs on headless machines, but fetch and demo
    // need an event loop for QNetworkAccessManager.
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("tiercache"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TIERCACHE_VERSION));

    tiercache::cli::CommandLine commandLine;
    return commandLine.run(QCoreApplication::arguments());
}
