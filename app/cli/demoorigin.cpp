// SPDX-License-Identifier: MIT
#include "demoorigin.h"

#include <QtCore/QDateTime>
#include <QtCore/QLocale>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QTcpSocket>

namespace tiercache::cli {

namespace {
    constexpr qint64 PieceSize = 64 * 1024;
    // Keeps what waits in QTcpSocket's user-space buffer bounded whatever the body size.
    constexpr qint64 MaxBuffered = 512 * 1024;
    // A client that never ends its header block is not a client we want to buffer for.
    constexpr qsizetype MaxHeaderBytes = 64 * 1024;

    QByteArray httpDate()
    {
        return QLocale::c()
                .toString(QDateTime::currentDateTimeUtc(),
                          QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
                .toLatin1();
    }

    QByteArray headerValue(const QList<QByteArray> &lines, const QByteArray &name)
    {
        for (const QByteArray &line : lines) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }

    QByteArray etagOf(int item, qint64 size)
    {
        return "\"item-" + QByteArray::number(item) + '-' + QByteArray::number(size) + '"';
    }
} // namespace

DemoOrigin::DemoOrigin(qint64 bodySize, QObject *parent) : QObject(parent), m_bodySize(bodySize)
{
    connect(&m_server, &QTcpServer::newConnection, this, &DemoOrigin::acceptConnections);
}

DemoOrigin::~DemoOrigin()
{
    // The sockets are children of the server; make sure none of their signals reaches us
    // while the server member is being torn down.
    const auto sockets = m_connections.keys();
    for (QTcpSocket *socket : sockets)
        socket->disconnect(this);
}

bool DemoOrigin::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QString DemoOrigin::errorString() const
{
    return m_server.errorString();
}

QUrl DemoOrigin::itemUrl(int item) const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(m_server.serverPort());
    url.setPath(QStringLiteral("/item/%1").arg(item));
    return url;
}

QByteArray DemoOrigin::body(int item, qint64 offset, qint64 length)
{
    // A repeated line naming the item: distinct per item (so the cache cannot share bodies
    // between URLs), readable in a hex dump, and any range of it is computable on its own.
    const QByteArray line = "tiercache demo item " + QByteArray::number(item) + '\n';
    QByteArray out(length, Qt::Uninitialized);
    qsizetype pos = qsizetype(offset % line.size());
    for (qsizetype i = 0; i < out.size(); ++i) {
        out[i] = line.at(pos);
        if (++pos == line.size())
            pos = 0;
    }
    return out;
}

void DemoOrigin::acceptConnections()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        m_connections.insert(socket, Connection());
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { process(socket); });
        connect(socket, &QTcpSocket::bytesWritten, this, [this, socket] { process(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_connections.remove(socket);
            socket->deleteLater();
        });
    }
}

void DemoOrigin::process(QTcpSocket *socket)
{
    auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    Connection &c = *it;
    c.input += socket->readAll();
    for (;;) {
        pump(socket, c);
        if (c.remaining > 0)
            return; // wait for bytesWritten
        if (c.closeWhenDone) {
            socket->disconnectFromHost();
            return;
        }
        if (!startNextResponse(socket, c))
            return; // wait for more input
    }
}

bool DemoOrigin::startNextResponse(QTcpSocket *socket, Connection &c)
{
    const qsizetype end = c.input.indexOf("\r\n\r\n");
    if (end < 0) {
        if (c.input.size() > MaxHeaderBytes)
            socket->abort();
        return false;
    }
    const QList<QByteArray> lines = c.input.left(end).split('\n');
    c.input.remove(0, end + 4);
    ++m_requests;

    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    const QByteArray method = requestLine.value(0);
    const QByteArray target = requestLine.value(1);
    const QByteArray version = requestLine.value(2);
    c.closeWhenDone = version != "HTTP/1.1"
            || headerValue(lines, "Connection").compare("close", Qt::CaseInsensitive) == 0;

    int status = 200;
    QByteArray reason = "OK";
    QByteArray extraHeaders;
    qint64 contentLength = 0;
    bool ok = false;
    const int item = target.startsWith("/item/") ? target.mid(6).toInt(&ok) : -1;
    if (method != "GET" && method != "HEAD") {
        // Request bodies are never expected, so rather than parse them, end the connection.
        status = 405;
        reason = "Method Not Allowed";
        extraHeaders = "Allow: GET, HEAD\r\n";
        c.closeWhenDone = true;
    } else if (!ok || item < 0) {
        status = 404;
        reason = "Not Found";
        extraHeaders = "Cache-Control: no-store\r\n";
    } else {
        const QByteArray etag = etagOf(item, m_bodySize);
        // Tags so that `tiercache tags` and invalidate-tag have something to work on after a
        // demo: every item, and a third of them each (repeated on a 304, like the other headers).
        extraHeaders = "Cache-Control: max-age=300\r\nETag: " + etag
                + "\r\nContent-Type: text/plain\r\n" + "Cache-Tag: demo,item-"
                + QByteArray::number(item % 3) + "\r\n";
        if (headerValue(lines, "If-None-Match") == etag) {
            status = 304;
            reason = "Not Modified";
        } else {
            contentLength = m_bodySize;
        }
    }

    QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason
            + "\r\nDate: " + httpDate() + "\r\n" + extraHeaders;
    if (status != 304)
        head += "Content-Length: " + QByteArray::number(contentLength) + "\r\n";
    if (c.closeWhenDone)
        head += "Connection: close\r\n";
    head += "\r\n";
    socket->write(head);

    c.item = item;
    c.offset = 0;
    c.remaining = (method == "HEAD" || status != 200) ? 0 : contentLength;
    return true;
}

void DemoOrigin::pump(QTcpSocket *socket, Connection &c)
{
    while (c.remaining > 0 && socket->bytesToWrite() < MaxBuffered) {
        const qint64 n = qMin(PieceSize, c.remaining);
        socket->write(body(c.item, c.offset, n));
        c.offset += n;
        c.remaining -= n;
    }
}

} // namespace tiercache::cli
