// SPDX-License-Identifier: MIT
#pragma once

// Helpers of the end-to-end tests. Fetching through a real QNetworkAccessManager (Fetched,
// fetch(), send(), headerOf()) lives in tests/testlib/qnamfetch.h, looking at cache
// directories (blobFiles(), allFiles(), snapshot()) in tests/testlib/cachefiles.h.

#include <cachefiles.h>
#include <loopbackserver.h>
#include <qnamfetch.h>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

namespace tiercache::test {

} // namespace tiercache::test
