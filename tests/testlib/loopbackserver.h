// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QObject>
#include <QtCore/QPair>
#include <QtCore/QString>
#include <QtCore/QUrl>

#include <functional>

QT_BEGIN_NAMESPACE
class QTcpServer;
QT_END_NAMESPACE

namespace tiercache::test {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

struct RecordedRequest
{
    QByteArray method;
    // The request target exactly as sent, so tests can assert on query encoding.
    QByteArray path;
    HeaderList headers;
    QByteArray body;

    // Repeated fields are joined with ", " (RFC 9110 field combination), so
    // callers never have to care whether a client split a list header.
    QByteArray header(const QByteArray &name) const;
};

struct Response
{
    int status = 200;
    // Empty means "derive from status" so tests only spell it out when they
    // want a deliberately odd reason phrase.
    QByteArray reason;
    HeaderList headers;
    QByteArray body;
    // >= 0 streams patternBody() of this size; lets tests exercise
    // multi-hundred-MiB transfers without the server holding them in memory.
    qint64 generatedBodySize = -1;
    quint32 seed = 0;
    // With generatedBodySize: textPatternBody() (compressible JSON lines) instead of
    // patternBody() (incompressible).
    bool generatedText = false;
    bool chunked = false;
    // Each body piece (at most 64 KiB, including the first one) is preceded by
    // this delay, so even tiny bodies are observably "in flight".
    int delayMs = 0;
    // Simulates an origin crash: the connection is closed once this many body
    // bytes went out, without completing the message (no chunk terminator).
    // Only applies when a body is sent (not for HEAD, 1xx, 204, 304). The
    // final byte before the close is held back for ~50 ms so that QNAM
    // (Qt 6.4) reliably reports the truncation as RemoteHostClosedError
    // instead of occasionally finishing "successfully" with a short body.
    qint64 abortAfterBytes = -1;
    bool closeConnection = false;

    Response &header(const QByteArray &name, const QByteArray &value);
    static Response ok(const QByteArray &body, const QByteArray &cacheControl = "max-age=3600");
    static Response notModified();
};

class LoopbackConnection;

class LoopbackServer : public QObject
{
    Q_OBJECT
public:
    using Handler = std::function<Response(const RecordedRequest &)>;

    explicit LoopbackServer(QObject *parent = nullptr);
    ~LoopbackServer() override;

    bool isListening() const;
    quint16 port() const;
    QUrl url(const QString &pathAndQuery = QStringLiteral("/")) const;

    void setHandler(Handler handler);
    void setRoute(const QByteArray &path, const Response &response);

    QList<RecordedRequest> requests() const;
    int requestCount() const;
    int requestCount(const QByteArray &path) const;
    void clearRequests();

    static QByteArray patternBody(qint64 offset, qint64 length, quint32 seed);
    //! Like patternBody(), but compressible text: fixed-width JSON lines that differ by a
    //! counter and a few seed-derived fields (zstd shrinks it about 8-fold).
    static QByteArray textPatternBody(qint64 offset, qint64 length, quint32 seed);

Q_SIGNALS:
    void requestReceived(const tiercache::test::RecordedRequest &request);

private:
    friend class LoopbackConnection;

    void acceptPendingConnections();
    Response dispatch(const RecordedRequest &request) const;

    QTcpServer *m_server = nullptr;
    Handler m_handler;
    QHash<QByteArray, Response> m_routes;
    QList<RecordedRequest> m_requests;
};

} // namespace tiercache::test

Q_DECLARE_METATYPE(tiercache::test::RecordedRequest)
