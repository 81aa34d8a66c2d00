// SPDX-License-Identifier: MIT
// tiercache: inspect, verify and exercise a tiercache::NetworkCache directory.

#include "commandline.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QDir>
#include <QtCore/QThread>

namespace {
/*
    QNetworkAccessManager's worker thread is waited for when the manager goes, but it frees its
    thread data a moment later, as the thread itself ends. A tool that returns at once can be
    torn down, and checked by LeakSanitizer, before that: 152 bytes of QThreadData then look
    leaked (CI saw it under load). Wait, briefly and bounded, until this process is down to
    its own thread (Linux: /proc/self/task lists the threads).
*/
void letWorkerThreadsEnd()
{
    const QDir tasks(QStringLiteral("/proc/self/task"));
    const QDeadlineTimer deadline(500);
    while (tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot).size() > 1 && !deadline.hasExpired())
        QThread::msleep(1);
}
} // namespace

int main(int argc, char *argv[])
{
    // QCoreApplication, not a GUI one: the tool runs on headless machines, but fetch and demo
    // need an event loop for QNetworkAccessManager.
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("tiercache"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TIERCACHE_VERSION));

    int status = 0;
    {
        tiercache::cli::CommandLine commandLine;
        status = commandLine.run(QCoreApplication::arguments());
    }
    letWorkerThreadsEnd();
    return status;
}
