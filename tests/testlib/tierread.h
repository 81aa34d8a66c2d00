// SPDX-License-Identifier: MIT
#pragma once

// Reading entries of a Tier directly, as the tier plugin test suites do.

#include <tiercache/tier.h>

#include <QtCore/QByteArray>
#include <QtCore/QIODevice>
#include <QtCore/QString>

namespace tiercache::test {

//! The body of \a key through lookup(key)->openBody(), or nullptr (a miss included).
QIODevice *openBody(Tier &tier, const QString &key);

//! Reads a (possibly sequential, asynchronous) device to its end, as QNAM would, giving up
//! after \a timeoutMs. \a maxWindow, if given, grows to the largest bytesAvailable() seen.
QByteArray drain(QIODevice *device, qint64 *maxWindow = nullptr, int timeoutMs = 10000);

} // namespace tiercache::test
