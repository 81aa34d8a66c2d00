// SPDX-License-Identifier: MIT
#include "loopbackserver.h"

#include <QtCore/QDateTime>
#include <QtCore/QLocale>
#include <QtCore/QPointer>
#include <QtCore/QTimer>
#include <QtCore/QtEndian>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <utility>

namespace tiercache::test {

namespace {

    constexpr qint64 kPieceSize = 64 * 1024;
    // Upper bound for what we queue in QTcpSocket's user-space buffer; together
    // with kPieceSize this keeps a 512 MiB transfer at roughly constant memory.
    constexpr qint64 kMaxBuffered = 1024 * 1024;
    // Guards against a client that never terminates its header block.
    constexpr qsizetype kMaxHeaderBytes = 64 * 1024;
    // See LoopbackConnection::writeOut(): long enough for QNAM's HTTP thread to
    // have drained everything sent before the held-back final byte.
    constexpr int kAbortSettleMs = 50;

    bool sameName(const QByteArray &a, const QByteArray &b)
    {
        return a.compare(b, Qt::CaseInsensitive) == 0;
    }

    bool hasHeader(const HeaderList &headers, const QByteArray &name)
    {
        return std::any_of(headers.cbegin(), headers.cend(),
                           [&](const auto &h) { return sameName(h.first, name); });
    }

    bool hasToken(const QByteArray &value, const QByteArray &token)
    {
        const QList<QByteArray> parts = value.split(',');
        return std::any_of(parts.cbegin(), parts.cend(),
                           [&](const QByteArray &p) { return sameName(p.trimmed(), token); });
    }

    QByteArray defaultReason(int status)
    {
        switch (status) {
        case 100:
            return "Continue";
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 203:
            return "Non-Authoritative Information";
        case 204:
            return "No Content";
        case 206:
            return "Partial Content";
        case 300:
            return "Multiple Choices";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 303:
            return "See Other";
        case 304:
            return "Not Modified";
        case 307:
            return "Temporary Redirect";
        case 308:
            return "Permanent Redirect";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 406:
            return "Not Acceptable";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 410:
            return "Gone";
        case 411:
            return "Length Required";
        case 412:
            return "Precondition Failed";
        case 413:
            return "Content Too Large";
        case 416:
            return "Range Not Satisfiable";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "Unknown";
        }
    }

    // RFC 9110 forbids a body (and makes Content-Length misleading) for these;
    // adding one to a 304 would make a cache overwrite the stored length.
    bool statusHasNoBody(int status)
    {
        return (status >= 100 && status < 200) || status == 204 || status == 304;
    }

    QByteArray httpDate()
    {
        return QLocale::c()
                .toString(QDateTime::currentDateTimeUtc(),
                          QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
                .toLatin1();
    }

    quint64 mix64(quint64 x)
    {
        // splitmix64 finalizer: cheap, and every input bit affects every output bit,
        // so off-by-one offsets produce visibly different data.
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9ULL;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebULL;
        x ^= x >> 31;
        return x;
    }

    quint64 patternWord(quint64 block, quint32 seed)
    {
        return mix64(block * 0x9e3779b97f4a7c15ULL + (quint64(seed) + 1) * 0xd1b54a32d192ed03ULL);
    }

} // namespace

QByteArray RecordedRequest::header(const QByteArray &name) const
{
    QByteArray result;
    bool found = false;
    for (const auto &h : headers) {
        if (!sameName(h.first, name))
            continue;
        if (found)
            result += ", ";
        result += h.second;
        found = true;
    }
    return result;
}

Response &Response::header(const QByteArray &name, const QByteArray &value)
{
    headers.append(qMakePair(name, value));
    return *this;
}

Response Response::ok(const QByteArray &body, const QByteArray &cacheControl)
{
    Response r;
    r.body = body;
    if (!cacheControl.isEmpty())
        r.header("Cache-Control", cacheControl);
    return r;
}

Response Response::notModified()
{
    Response r;
    r.status = 304;
    return r;
}

// One accepted TCP connection. Handles one request at a time; data arriving
// while a response is in flight just waits in m_inbox (no pipelining needed).
class LoopbackConnection : public QObject
{
public:
    LoopbackConnection(QTcpSocket *socket, LoopbackServer *server);
    ~LoopbackConnection() override;

private:
    enum class State { ReadingHeaders, ReadingBody, ReadingChunkedBody, Responding, Closing };

    void onReadyRead();
    void onDisconnected();
    void processInbox();
    bool parseHead(const QByteArray &head);
    bool tryDecodeChunkedBody();
    void completeRequest();
    void startResponse(const Response &response);
    void pump();
    void finishResponse();
    void failAndClose(int status);
    bool writeOut(const QByteArray &data, bool lastBeforeAbort);
    void sendHeldBackByte();

    QTcpSocket *m_socket;
    LoopbackServer *m_server;
    QTimer m_delayTimer;
    QTimer m_abortSettleTimer;
    QByteArray m_heldBack;
    State m_state = State::ReadingHeaders;
    bool m_closed = false;
    bool m_processQueued = false;

    QByteArray m_inbox;
    RecordedRequest m_request;
    QByteArray m_httpVersion;
    qint64 m_bodyRemaining = 0;

    Response m_response;
    bool m_sendBody = false;
    bool m_closeAfterResponse = false;
    bool m_aborting = false;
    bool m_pieceDue = false;
    qint64 m_bodyLimit = 0;
    qint64 m_bodySent = 0;
};

LoopbackConnection::LoopbackConnection(QTcpSocket *socket, LoopbackServer *server)
    : QObject(server), m_socket(socket), m_server(server)
{
    m_socket->setParent(this);
    // Coarse timers may fire up to 5% early, which would make "slow body"
    // assertions about minimum durations flaky.
    m_delayTimer.setTimerType(Qt::PreciseTimer);
    m_delayTimer.setSingleShot(true);
    connect(&m_delayTimer, &QTimer::timeout, this, [this] {
        m_pieceDue = true;
        pump();
    });
    m_abortSettleTimer.setSingleShot(true);
    connect(&m_abortSettleTimer, &QTimer::timeout, this, &LoopbackConnection::sendHeldBackByte);
    connect(m_socket, &QTcpSocket::readyRead, this, &LoopbackConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &LoopbackConnection::pump);
    connect(m_socket, &QTcpSocket::disconnected, this, &LoopbackConnection::onDisconnected);

    // The peer may already be gone by the time we accept the connection, in
    // which case no disconnected() will ever arrive.
    if (m_socket->state() != QAbstractSocket::ConnectedState)
        onDisconnected();
    else if (m_socket->bytesAvailable() > 0)
        onReadyRead();
}

LoopbackConnection::~LoopbackConnection()
{
    // The socket is our child and would otherwise emit disconnected() into a
    // half-destroyed object while ~QObject tears it down.
    m_socket->disconnect(this);
    m_delayTimer.stop();
    m_abortSettleTimer.stop();
}

void LoopbackConnection::onReadyRead()
{
    m_inbox += m_socket->readAll();
    processInbox();
}

void LoopbackConnection::onDisconnected()
{
    if (m_closed)
        return;
    m_closed = true;
    m_delayTimer.stop();
    m_abortSettleTimer.stop();
    deleteLater();
}

void LoopbackConnection::processInbox()
{
    while (!m_closed) {
        switch (m_state) {
        case State::ReadingHeaders: {
            // RFC 9112 allows stray CRLFs before a request line.
            while (m_inbox.startsWith("\r\n"))
                m_inbox.remove(0, 2);
            const qsizetype end = m_inbox.indexOf("\r\n\r\n");
            if (end < 0) {
                if (m_inbox.size() > kMaxHeaderBytes)
                    failAndClose(431);
                return;
            }
            const QByteArray head = m_inbox.left(end);
            m_inbox.remove(0, end + 4);
            if (!parseHead(head)) {
                failAndClose(400);
                return;
            }
            break;
        }
        case State::ReadingBody: {
            const qint64 take = std::min<qint64>(m_bodyRemaining, m_inbox.size());
            m_request.body += m_inbox.left(take);
            m_inbox.remove(0, take);
            m_bodyRemaining -= take;
            if (m_bodyRemaining > 0)
                return;
            // May delete us (via a requestReceived slot), so nothing may touch
            // members afterwards; finishResponse() re-enters for the next request.
            completeRequest();
            return;
        }
        case State::ReadingChunkedBody:
            if (!tryDecodeChunkedBody())
                return;
            if (m_state == State::ReadingChunkedBody)
                completeRequest();
            return;
        case State::Responding:
        case State::Closing:
            return;
        }
    }
}

bool LoopbackConnection::parseHead(const QByteArray &head)
{
    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
    if (requestLine.size() != 3 || !requestLine.at(2).startsWith("HTTP/1."))
        return false;

    m_request = RecordedRequest();
    m_request.method = requestLine.at(0);
    m_request.path = requestLine.at(1);
    m_httpVersion = requestLine.at(2);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).endsWith('\r') ? lines.at(i).chopped(1) : lines.at(i);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return false;
        m_request.headers.append(qMakePair(line.left(colon), line.mid(colon + 1).trimmed()));
    }

    const QByteArray connection = m_request.header("Connection");
    m_closeAfterResponse = m_httpVersion == "HTTP/1.0" ? !hasToken(connection, "keep-alive")
                                                       : hasToken(connection, "close");

    const bool chunked = hasToken(m_request.header("Transfer-Encoding"), "chunked");
    const QByteArray lengthValue = m_request.header("Content-Length");
    bool lengthOk = true;
    const qint64 length = lengthValue.isEmpty() ? 0 : lengthValue.toLongLong(&lengthOk);
    if (!chunked && (!lengthOk || length < 0))
        return false;

    const bool expectsBody = chunked || length > 0;
    if (expectsBody && hasToken(m_request.header("Expect"), "100-continue"))
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");

    // A zero-length body goes through ReadingBody as well, so completeRequest()
    // is only ever reached from processInbox() as its last action.
    m_bodyRemaining = chunked ? 0 : length;
    m_state = chunked ? State::ReadingChunkedBody : State::ReadingBody;
    return true;
}

// Re-parses from the start of m_inbox on every call; quadratic, but request
// bodies in tests are small and this keeps the state machine trivial.
bool LoopbackConnection::tryDecodeChunkedBody()
{
    QByteArray body;
    qsizetype pos = 0;
    for (;;) {
        const qsizetype lineEnd = m_inbox.indexOf("\r\n", pos);
        if (lineEnd < 0)
            return false;
        QByteArray sizeField = m_inbox.mid(pos, lineEnd - pos);
        const qsizetype ext = sizeField.indexOf(';');
        if (ext >= 0)
            sizeField.truncate(ext);
        bool ok = false;
        const qint64 size = sizeField.trimmed().toLongLong(&ok, 16);
        if (!ok || size < 0) {
            failAndClose(400);
            return true;
        }
        pos = lineEnd + 2;
        if (size == 0)
            break;
        if (m_inbox.size() < pos + size + 2)
            return false;
        body += m_inbox.mid(pos, size);
        pos += size + 2;
    }
    // Trailer section: skip fields until the empty line.
    for (;;) {
        const qsizetype lineEnd = m_inbox.indexOf("\r\n", pos);
        if (lineEnd < 0)
            return false;
        const bool empty = lineEnd == pos;
        pos = lineEnd + 2;
        if (empty)
            break;
    }
    m_inbox.remove(0, pos);
    m_request.body = body;
    return true;
}

void LoopbackConnection::completeRequest()
{
    m_state = State::Responding;
    m_server->m_requests.append(m_request);

    // A slot on requestReceived may delete the server (and thereby us).
    QPointer<LoopbackConnection> self(this);
    Q_EMIT m_server->requestReceived(m_request);
    if (!self || m_closed)
        return;

    startResponse(m_server->dispatch(m_request));
}

void LoopbackConnection::startResponse(const Response &response)
{
    m_response = response;
    m_state = State::Responding;
    m_closeAfterResponse = m_closeAfterResponse || response.closeConnection;

    const bool noBodyStatus = statusHasNoBody(response.status);
    const bool chunked = response.chunked && !noBodyStatus;
    const qint64 total = noBodyStatus         ? 0
            : response.generatedBodySize >= 0 ? response.generatedBodySize
                                              : qint64(response.body.size());
    m_sendBody = !noBodyStatus && m_request.method != "HEAD";
    m_aborting = m_sendBody && response.abortAfterBytes >= 0;
    m_bodyLimit = !m_sendBody ? 0 : m_aborting ? std::min(total, response.abortAfterBytes) : total;
    m_bodySent = 0;
    m_pieceDue = response.delayMs <= 0;
    m_heldBack.clear();

    QByteArray head = "HTTP/1.1 " + QByteArray::number(response.status) + ' '
            + (response.reason.isEmpty() ? defaultReason(response.status) : response.reason)
            + "\r\n";
    for (const auto &h : response.headers)
        head += h.first + ": " + h.second + "\r\n";
    if (!hasHeader(response.headers, "Date"))
        head += "Date: " + httpDate() + "\r\n";
    if (chunked) {
        if (!hasHeader(response.headers, "Transfer-Encoding"))
            head += "Transfer-Encoding: chunked\r\n";
    } else if (!noBodyStatus && !hasHeader(response.headers, "Content-Length")) {
        // HEAD advertises the length a GET would have produced.
        head += "Content-Length: " + QByteArray::number(total) + "\r\n";
    }
    if (m_closeAfterResponse && !hasHeader(response.headers, "Connection"))
        head += "Connection: close\r\n";
    head += "\r\n";

    if (!writeOut(head, m_aborting && m_bodyLimit == 0))
        return;
    pump();
}

void LoopbackConnection::pump()
{
    if (m_closed || m_state != State::Responding)
        return;

    const bool chunked = m_response.chunked;
    while (m_bodySent < m_bodyLimit && m_socket->bytesToWrite() <= kMaxBuffered - kPieceSize) {
        if (!m_pieceDue) {
            if (!m_delayTimer.isActive())
                m_delayTimer.start(m_response.delayMs);
            return;
        }
        const qint64 size = std::min(kPieceSize, m_bodyLimit - m_bodySent);
        QByteArray piece = m_response.generatedBodySize >= 0
                ? (m_response.generatedText
                           ? LoopbackServer::textPatternBody(m_bodySent, size, m_response.seed)
                           : LoopbackServer::patternBody(m_bodySent, size, m_response.seed))
                : m_response.body.mid(m_bodySent, size);
        if (chunked)
            piece = QByteArray::number(size, 16) + "\r\n" + piece + "\r\n";
        if (!writeOut(piece, m_aborting && m_bodySent + size == m_bodyLimit))
            return;
        m_bodySent += size;
        m_pieceDue = m_response.delayMs <= 0;
    }
    if (m_bodySent < m_bodyLimit)
        return; // bytesWritten() or the delay timer will call us again

    if (m_aborting) {
        // Let the promised bytes reach the kernel first; abort() would discard
        // whatever is still queued in the socket and the test would see fewer
        // bytes than it asked for.
        if (m_socket->bytesToWrite() > 0)
            return;
        if (!m_heldBack.isEmpty()) {
            if (!m_abortSettleTimer.isActive())
                m_abortSettleTimer.start(kAbortSettleMs);
            return;
        }
        m_state = State::Closing;
        m_socket->abort();
        onDisconnected();
        return;
    }
    if (chunked && m_sendBody)
        m_socket->write("0\r\n\r\n");
    finishResponse();
}

void LoopbackConnection::finishResponse()
{
    m_response = Response(); // drop a potentially large body early
    if (m_closeAfterResponse) {
        m_state = State::Closing;
        m_socket->disconnectFromHost(); // flushes pending data before FIN
        return;
    }
    m_state = State::ReadingHeaders;
    m_request = RecordedRequest();
    // Deferred because we may be running inside processInbox() (synchronous
    // completion) and it must not be re-entered.
    if (!m_inbox.isEmpty() && !m_processQueued) {
        m_processQueued = true;
        QMetaObject::invokeMethod(
                this,
                [this] {
                    m_processQueued = false;
                    processInbox();
                },
                Qt::QueuedConnection);
    }
}

// Qt 6.4's HTTP/1 channel only treats an early close as an error once it has
// entered its "reading" state, which happens on a readyRead that carries data.
// If the request's response (truncated body + FIN) is already buffered when
// the client finishes sending, it is consumed by a queued call that skips
// that transition, and QNAM reports the truncated body as a success. Holding
// back the last byte until the client drained the rest guarantees one more
// data-carrying readyRead, so abortAfterBytes reliably surfaces as an error.
bool LoopbackConnection::writeOut(const QByteArray &data, bool lastBeforeAbort)
{
    QByteArray now = data;
    if (lastBeforeAbort && !now.isEmpty()) {
        m_heldBack = now.right(1);
        now.chop(1);
    }
    if (!now.isEmpty() && m_socket->write(now) < 0) {
        onDisconnected();
        return false;
    }
    return true;
}

void LoopbackConnection::sendHeldBackByte()
{
    if (m_closed || m_heldBack.isEmpty())
        return;
    const QByteArray last = std::exchange(m_heldBack, QByteArray());
    if (m_socket->write(last) < 0) {
        onDisconnected();
        return;
    }
    pump(); // aborts once bytesWritten() reports the byte flushed
}

void LoopbackConnection::failAndClose(int status)
{
    m_closeAfterResponse = true;
    m_request.method = "GET"; // ensure the error body is sent even for HEAD
    Response r;
    r.status = status;
    r.body = defaultReason(status);
    startResponse(r);
}

LoopbackServer::LoopbackServer(QObject *parent) : QObject(parent), m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &LoopbackServer::acceptPendingConnections);
    if (!m_server->listen(QHostAddress::LocalHost, 0))
        qWarning("LoopbackServer: listen failed: %s", qPrintable(m_server->errorString()));
}

LoopbackServer::~LoopbackServer()
{
    m_server->close();
    // Delete connections explicitly while the server is still fully alive;
    // they hold a raw back-pointer to us.
    const QObjectList kids = children();
    for (QObject *child : kids) {
        if (auto *connection = dynamic_cast<LoopbackConnection *>(child))
            delete connection;
    }
}

bool LoopbackServer::isListening() const
{
    return m_server->isListening();
}

quint16 LoopbackServer::port() const
{
    return m_server->serverPort();
}

QUrl LoopbackServer::url(const QString &pathAndQuery) const
{
    const QString suffix = pathAndQuery.startsWith(QLatin1Char('/'))
            ? pathAndQuery
            : QLatin1Char('/') + pathAndQuery;
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port()).arg(suffix));
}

void LoopbackServer::setHandler(Handler handler)
{
    m_handler = std::move(handler);
}

void LoopbackServer::setRoute(const QByteArray &path, const Response &response)
{
    m_routes.insert(path, response);
}

QList<RecordedRequest> LoopbackServer::requests() const
{
    return m_requests;
}

int LoopbackServer::requestCount() const
{
    return int(m_requests.size());
}

int LoopbackServer::requestCount(const QByteArray &path) const
{
    return int(std::count_if(m_requests.cbegin(), m_requests.cend(),
                             [&](const RecordedRequest &r) { return r.path == path; }));
}

void LoopbackServer::clearRequests()
{
    m_requests.clear();
}

QByteArray LoopbackServer::patternBody(qint64 offset, qint64 length, quint32 seed)
{
    if (offset < 0 || length <= 0)
        return QByteArray();
    QByteArray out(length, Qt::Uninitialized);
    char *dst = out.data();
    qint64 pos = offset;
    const qint64 end = offset + length;
    while (pos < end) {
        const quint64 block = quint64(pos) / 8;
        const qint64 inBlock = pos % 8;
        const qint64 n = std::min<qint64>(8 - inBlock, end - pos);
        // Little-endian so the byte at a given offset is platform independent.
        const quint64 word = qToLittleEndian(patternWord(block, seed));
        std::memcpy(dst, reinterpret_cast<const char *>(&word) + inBlock, size_t(n));
        dst += n;
        pos += n;
    }
    return out;
}

QByteArray LoopbackServer::textPatternBody(qint64 offset, qint64 length, quint32 seed)
{
    if (offset < 0 || length <= 0)
        return QByteArray();
    // Every line is exactly LineSize bytes, so the byte at any offset is known without the
    // lines before it.
    constexpr qint64 LineSize = 96;
    QByteArray out;
    out.reserve(length);
    qint64 pos = offset;
    const qint64 end = offset + length;
    while (pos < end) {
        const quint64 index = quint64(pos / LineSize);
        const quint64 word = patternWord(index, seed);
        char line[LineSize + 1];
        const int n =
                std::snprintf(line, sizeof line,
                              "{\"id\":%012llu,\"name\":\"item-%04u\",\"price\":%05u,"
                              "\"active\":%s,\"tag\":\"cat-%02u\"}",
                              static_cast<unsigned long long>(index), unsigned(word % 10000),
                              unsigned((word >> 16) % 100000), (word >> 40) & 1 ? "true " : "false",
                              unsigned((word >> 48) % 100));
        Q_ASSERT(n > 0 && n < LineSize);
        std::memset(line + n, ' ', size_t(LineSize - 1 - n));
        line[LineSize - 1] = '\n';
        const qint64 from = pos % LineSize;
        const qint64 take = std::min<qint64>(LineSize - from, end - pos);
        out.append(line + from, take);
        pos += take;
    }
    return out;
}

void LoopbackServer::acceptPendingConnections()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection())
        new LoopbackConnection(socket, this);
}

Response LoopbackServer::dispatch(const RecordedRequest &request) const
{
    if (m_handler)
        return m_handler(request);
    const auto it = m_routes.constFind(request.path);
    if (it != m_routes.cend())
        return *it;
    Response notFound;
    notFound.status = 404;
    notFound.body = "not found";
    return notFound;
}

} // namespace tiercache::test
