// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPair>
#include <QtCore/QUrl>
#include <QtNetwork/QTcpServer>

namespace tiercache::browser {

/*
    A small web site on 127.0.0.1 for the Browser's demo: pages, style sheets, scripts, JSON,
    PNG and SVG images and binary data, each with its own Cache-Control, tags and validators,
    so the demo cache shows every kind of entry (fresh, stale, heuristic, tagged, image, hex).
    One response per connection (Connection: close), which keeps the server a few lines long.
*/
class DemoSite : public QObject
{
    Q_OBJECT
public:
    struct Page
    {
        QByteArray contentType;
        QByteArray body;
        QList<QPair<QByteArray, QByteArray>> headers;
    };

    explicit DemoSite(QObject *parent = nullptr);
    bool listen();
    QString errorString() const { return m_server.errorString(); }
    QUrl url(const QString &path) const;
    //! The paths it serves, in the order the demo fetches them.
    QStringList paths() const { return m_order; }
    int requestCount() const { return m_requests; }

private:
    void add(const QString &path, const Page &page);
    void serve(class QTcpSocket *socket);
    QTcpServer m_server;
    QHash<QString, Page> m_pages;
    QStringList m_order;
    int m_requests = 0;
};

} // namespace tiercache::browser
