// SPDX-License-Identifier: MIT
#include "tierread.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>

#include <memory>

namespace tiercache::test {

QIODevice *openBody(Tier &tier, const QString &key)
{
    const std::unique_ptr<TierEntry> entry = tier.lookup(key);
    return entry ? entry->openBody() : nullptr;
}

QByteArray drain(QIODevice *device, qint64 *maxWindow, int timeoutMs)
{
    QByteArray all;
    QElapsedTimer clock;
    clock.start();
    for (;;) {
        if (maxWindow)
            *maxWindow = qMax(*maxWindow, device->bytesAvailable());
        char buffer[16384];
        const qint64 n = device->read(buffer, sizeof buffer);
        if (n < 0)
            break;
        if (n > 0) {
            all.append(buffer, n);
            continue;
        }
        if (device->atEnd() || clock.elapsed() > timeoutMs)
            break;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    }
    return all;
}

} // namespace tiercache::test
