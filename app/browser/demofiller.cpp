// SPDX-License-Identifier: MIT
#include "demofiller.h"

#include "demosite.h"

#include <tiercache/networkcache.h>

#include <QtCore/QDir>
#include <QtCore/QEventLoop>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>

namespace tiercache::browser {

namespace {
    constexpr int FetchTimeoutMs = 10000;

    bool get(QNetworkAccessManager &nam, const QUrl &url, QString *error)
    {
        QNetworkReply *reply = nam.get(QNetworkRequest(url));
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(FetchTimeoutMs, &loop, &QEventLoop::quit);
        if (!reply->isFinished())
            loop.exec();
        reply->readAll();
        const bool ok = reply->isFinished() && reply->error() == QNetworkReply::NoError;
        if (!ok)
            *error = QStringLiteral("%1: %2").arg(url.toString(), reply->errorString());
        delete reply;
        return ok;
    }
} // namespace

bool DemoFiller::fill(const QString &directory)
{
    m_log.clear();
    QDir dir(directory);
    if (dir.exists() && !dir.removeRecursively()) {
        m_error = QStringLiteral("cannot empty %1").arg(directory);
        return false;
    }
    DemoSite site;
    if (!site.listen()) {
        m_error = QStringLiteral("demo site: %1").arg(site.errorString());
        return false;
    }
    QNetworkAccessManager nam;
    auto *cache = new NetworkCache;
    cache->setCacheDirectory(directory);
    if (!cache->setTiers({QStringLiteral("memory:?max=8MiB"), QStringLiteral("disk:")})) {
        m_log.append(QStringLiteral("memory tier unavailable, disk only: %1")
                             .arg(cache->tierErrors().join(QLatin1String("; "))));
    }
    nam.setCache(cache); // owned by the manager
    m_log.append(QStringLiteral("demo site on %1, tiers %2")
                         .arg(site.url(QString()).toString(),
                              cache->tiers().join(QLatin1String(" -> "))));
    const QStringList paths = site.paths();
    for (const QString &path : paths) {
        if (!get(nam, site.url(path), &m_error))
            return false;
    }
    // Hits: the home page and its assets are requested again, a few of them often.
    const QStringList popular = {QStringLiteral("/"),
                                 QStringLiteral("/images/logo.png"),
                                 QStringLiteral("/styles/site.css"),
                                 QStringLiteral("/app.js"),
                                 QStringLiteral("/api/products.json"),
                                 QStringLiteral("/api/stock.json")};
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < popular.size() - round * 2; ++i) {
            if (!get(nam, site.url(popular[i]), &m_error))
                return false;
        }
    }
    // The memory tier served those repeats, and its hits are not per-entry on disk. A second
    // application on the same directory without a memory tier (as another process would)
    // reads the popular pages too: its hits land in the catalogue's per-entry counts.
    {
        QNetworkAccessManager second;
        auto *diskOnly = new NetworkCache;
        diskOnly->setCacheDirectory(directory);
        second.setCache(diskOnly);
        for (int i = 0; i < popular.size(); ++i) {
            for (int n = 0; n <= popular.size() - i; ++n) {
                if (!get(second, site.url(popular[i]), &m_error))
                    return false;
            }
        }
    }
    m_log.append(QStringLiteral("%1 requests from two applications, %2 reached the origin; "
                                "%3 entries stored")
                         .arg(paths.size() + 12 + 27)
                         .arg(site.requestCount())
                         .arg(cache->entryCount()));
    return true;
}

} // namespace tiercache::browser
