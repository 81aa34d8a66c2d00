// SPDX-License-Identifier: MIT
// browser_writer DIR FIRST COUNT PAUSE_MS: another process writing a cache directory while the
// Browser has it open (tst_mainwindow). Stores items FIRST.. through prepare()/insert(), as
// QNAM would, one every PAUSE_MS, and prints "stored N" after each.

#include "browsertestutil.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QTextStream>
#include <QtCore/QThread>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 5) {
        QTextStream(stderr) << "usage: browser_writer DIR FIRST COUNT PAUSE_MS\n";
        return 2;
    }
    const int first = args[2].toInt();
    const int count = args[3].toInt();
    const int pauseMs = args[4].toInt();
    tiercache::NetworkCache cache;
    cache.setCacheDirectory(args[1]);
    QTextStream out(stdout);
    for (int n = first; n < first + count; ++n) {
        if (!tiercache::test::storeItems(cache, n, 1)) {
            QTextStream(stderr) << "store failed: " << cache.errorString() << '\n';
            return 1;
        }
        out << "stored " << n << Qt::endl;
        QThread::msleep(pauseMs);
    }
    return 0;
}
