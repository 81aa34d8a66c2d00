// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QUrl>
#include <QtNetwork/QTcpServer>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace tiercache::cli {

/*!
    \brief A tiny HTTP/1.1 origin on 127.0.0.1 for `tiercache demo`.

    Serves \c{/item/<n>} with a deterministic text body of a fixed size, cacheable for five
    minutes, with an ETag (If-None-Match gets a 304) and the cache tags \c demo and
    \c{item-<n % 3>}, and counts the requests it answers so
    the demo can show how many the cache saved. Keep-alive; one request at a time per
    connection, which is all QNetworkAccessManager sends. Bodies are written in pieces as the
    socket drains, so large sizes do not have to fit in memory.
*/
class DemoOrigin : public QObject
{
    Q_OBJECT
public:
    explicit DemoOrigin(qint64 bodySize, QObject *parent = nullptr);
    ~DemoOrigin() override;

    //! Listens on 127.0.0.1 with a port chosen by the system.
    bool listen();
    QString errorString() const;

    QUrl itemUrl(int item) const;
    int requestCount() const { return m_requests; }

    //! \a length bytes of item \a item's body starting at \a offset.
    static QByteArray body(int item, qint64 offset, qint64 length);

private:
    struct Connection
    {
        QByteArray input;
        int item = -1;
        qint64 offset = 0;
        qint64 remaining = 0; //!< body bytes of the current response still to be written
        bool closeWhenDone = false;
    };

    void acceptConnections();
    void process(QTcpSocket *socket);
    bool startNextResponse(QTcpSocket *socket, Connection &c);
    void pump(QTcpSocket *socket, Connection &c);

    QTcpServer m_server;
    qint64 m_bodySize;
    int m_requests = 0;
    QHash<QTcpSocket *, Connection> m_connections;
};

} // namespace tiercache::cli
