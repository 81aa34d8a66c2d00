// SPDX-License-Identifier: MIT
#include "demosite.h"

#include <QtCore/QBuffer>
#include <QtCore/QDateTime>
#include <QtCore/QLocale>
#include <QtGui/QImage>
#include <QtGui/QLinearGradient>
#include <QtGui/QPainter>
#include <QtNetwork/QTcpSocket>

namespace tiercache::browser {

namespace {
    QByteArray png(int width, int height, const QColor &from, const QColor &to, const QString &text)
    {
        QImage image(width, height, QImage::Format_ARGB32);
        QPainter p(&image);
        QLinearGradient gradient(0, 0, width, height);
        gradient.setColorAt(0, from);
        gradient.setColorAt(1, to);
        p.fillRect(image.rect(), gradient);
        p.setPen(Qt::white);
        QFont font = p.font();
        font.setPixelSize(height / 5);
        font.setBold(true);
        p.setFont(font);
        p.drawText(image.rect(), Qt::AlignCenter, text);
        p.end();
        QByteArray bytes;
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::WriteOnly);
        image.save(&buffer, "PNG");
        return bytes;
    }

    QByteArray httpDate(const QDateTime &t)
    {
        return QLocale::c()
                .toString(t.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
                .toLatin1();
    }
} // namespace

DemoSite::DemoSite(QObject *parent) : QObject(parent)
{
    using H = QList<QPair<QByteArray, QByteArray>>;
    const QByteArray lastWeek = httpDate(QDateTime::currentDateTimeUtc().addDays(-7));
    add(QStringLiteral("/"),
        {"text/html; charset=utf-8",
         "<!doctype html><html><head><title>Demo shop</title>"
         "<link rel=stylesheet href=/styles/site.css></head><body><h1>Demo shop</h1>"
         "<img src=/images/logo.png><script src=/app.js></script></body></html>\n",
         H {{"Cache-Control", "max-age=600"}, {"Cache-Tag", "page,site"}, {"ETag", "\"home-1\""}}});
    add(QStringLiteral("/styles/site.css"),
        {"text/css", "body { font-family: sans-serif; margin: 2em; }\nh1 { color: #2a6fb0; }\n",
         H {{"Cache-Control", "max-age=86400"}, {"Cache-Tag", "static,site"}}});
    add(QStringLiteral("/app.js"),
        {"application/javascript",
         "document.addEventListener('DOMContentLoaded', () => console.log('cached'));\n",
         H {{"Cache-Control", "max-age=86400"}, {"Surrogate-Key", "static site"}}});
    add(QStringLiteral("/api/products.json"),
        {"application/json",
         "{\"products\": [{\"id\": 1, \"name\": \"Teapot\", \"price\": 24.5},"
         " {\"id\": 2, \"name\": \"Cup\", \"price\": 6}]}\n",
         H {{"Cache-Control", "max-age=300"},
            {"Cache-Groups", "\"api\", \"catalog\""},
            {"ETag", "\"products-7\""}}});
    add(QStringLiteral("/api/stock.json"),
        {"application/json", "{\"teapot\": 3, \"cup\": 120}\n",
         H {{"Cache-Control", "max-age=0"},
            {"Cache-Tag", "api,catalog"},
            {"ETag", "\"stock-42\""}}});
    add(QStringLiteral("/images/logo.png"),
        {"image/png",
         png(320, 120, QColor(0x2a, 0x6f, 0xb0), QColor(0x6c, 0x3f, 0xa8),
             QStringLiteral("Tiercache")),
         H {{"Cache-Control", "max-age=604800"}, {"Cache-Tag", "images,static"}}});
    add(QStringLiteral("/images/banner.png"),
        {"image/png",
         png(960, 300, QColor(0xe0, 0x7a, 0x1f), QColor(0xb0, 0x3a, 0x2e),
             QStringLiteral("Summer sale")),
         H {{"Cache-Control", "max-age=3600"}, {"Cache-Tag", "images,campaign"}}});
    add(QStringLiteral("/images/badge.svg"),
        {"image/svg+xml",
         "<svg xmlns='http://www.w3.org/2000/svg' width='96' height='96'>"
         "<circle cx='48' cy='48' r='44' fill='#3a9a5b'/>"
         "<text x='48' y='58' font-size='30' text-anchor='middle' fill='white'>OK</text></svg>\n",
         H {{"Cache-Control", "max-age=3600"}, {"Cache-Tag", "images"}}});
    QByteArray binary;
    for (int i = 0; i < 4096; ++i)
        binary.append(char((i * 37 + i / 7) & 0xff));
    add(QStringLiteral("/downloads/data.bin"),
        {"application/octet-stream", binary,
         H {{"Cache-Control", "max-age=3600"}, {"Cache-Tag", "downloads"}}});
    add(QStringLiteral("/docs/readme.txt"),
        {"text/plain; charset=utf-8",
         "This response has no max-age: its freshness is a heuristic, 10 % of the time "
         "since Last-Modified.\n",
         H {{"Last-Modified", lastWeek}, {"Cache-Tag", "docs"}}});
    add(QStringLiteral("/news/today"),
        {"text/html; charset=utf-8", "<p>Caches are fast today.</p>\n",
         H {{"Cache-Control", "max-age=60"}, {"Cache-Tag", "news,page"}}});
    add(QStringLiteral("/search?q=caf%C3%A9"),
        {"application/json", "{\"query\": \"café\", \"results\": 3}\n",
         H {{"Cache-Control", "max-age=120"}, {"Cache-Tag", "api,search"}}});
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { serve(socket); });
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    });
}

void DemoSite::add(const QString &path, const Page &page)
{
    m_pages.insert(path, page);
    m_order.append(path);
}

bool DemoSite::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QUrl DemoSite::url(const QString &path) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_server.serverPort()).arg(path));
}

void DemoSite::serve(QTcpSocket *socket)
{
    QByteArray request = socket->property("request").toByteArray() + socket->readAll();
    if (!request.contains("\r\n\r\n")) {
        socket->setProperty("request", request);
        return; // the header is not complete yet
    }
    ++m_requests;
    const QList<QByteArray> requestLine = request.left(request.indexOf("\r\n")).split(' ');
    const QString path = QString::fromLatin1(requestLine.value(1));
    QByteArray response;
    const auto page = m_pages.constFind(path);
    if (page == m_pages.cend()) {
        response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    } else {
        response = "HTTP/1.1 200 OK\r\nContent-Type: " + page->contentType
                + "\r\nContent-Length: " + QByteArray::number(page->body.size()) + "\r\nDate: "
                + httpDate(QDateTime::currentDateTimeUtc()) + "\r\nConnection: close\r\n";
        for (const auto &h : page->headers)
            response += h.first + ": " + h.second + "\r\n";
        response += "\r\n" + page->body;
    }
    socket->write(response);
    socket->disconnectFromHost();
}

} // namespace tiercache::browser
