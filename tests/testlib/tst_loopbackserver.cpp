// SPDX-License-Identifier: MIT
#include "loopbackserver.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QRegularExpression>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <algorithm>
#include <memory>

using namespace tiercache::test;

namespace {

constexpr int kTimeoutMs = 30000;

// Generated bodies are large enough that a byte-wise QCOMPARE failure message
// would be useless; this reports the first differing offset instead.
qint64 firstMismatch(const QByteArray &actual, const QByteArray &expected)
{
    const qsizetype n = std::min(actual.size(), expected.size());
    for (qsizetype i = 0; i < n; ++i) {
        if (actual.at(i) != expected.at(i))
            return i;
    }
    return actual.size() == expected.size() ? -1 : n;
}

bool waitFinished(QNetworkReply *reply)
{
    if (reply->isFinished())
        return true;
    QSignalSpy spy(reply, &QNetworkReply::finished);
    return spy.wait(kTimeoutMs);
}

int statusOf(QNetworkReply *reply)
{
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

int openSockets(const LoopbackServer &server)
{
    return int(server.findChildren<QTcpSocket *>().size());
}

} // namespace

class tst_LoopbackServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void patternBodyIsDeterministic();
    void simpleGet();
    void keepAliveReusesConnection();
    void closeConnectionClosesAfterResponse();
    void postBodyIsRecorded();
    void headSendsNoBody();
    void chunkedResponse();
    void unmatchedRouteIs404();
    void handlerConditional304();
    void requestRecordedBeforeResponse();
    void generatedBody64MiB();
    void slowBody();
    void abortAfterBytes_data();
    void abortAfterBytes();
    void clientDisconnectMidResponse();
    void serverDestroyedMidResponse();

private:
    QNetworkReply *get(const QString &path, const HeaderList &headers = {});

    std::unique_ptr<LoopbackServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
};

void tst_LoopbackServer::init()
{
    m_server = std::make_unique<LoopbackServer>();
    QVERIFY(m_server->isListening());
    QVERIFY(m_server->port() != 0);
    m_nam = std::make_unique<QNetworkAccessManager>();
    // An http_proxy in the CI environment must not divert loopback traffic.
    m_nam->setProxy(QNetworkProxy::NoProxy);
}

void tst_LoopbackServer::cleanup()
{
    m_nam.reset();
    m_server.reset();
}

QNetworkReply *tst_LoopbackServer::get(const QString &path, const HeaderList &headers)
{
    QNetworkRequest request(m_server->url(path));
    for (const auto &h : headers)
        request.setRawHeader(h.first, h.second);
    QNetworkReply *reply = m_nam->get(request);
    reply->setParent(m_nam.get());
    return reply;
}

void tst_LoopbackServer::patternBodyIsDeterministic()
{
    const QByteArray whole = LoopbackServer::patternBody(0, 1000, 7);
    QCOMPARE(whole.size(), 1000);
    QCOMPARE(LoopbackServer::patternBody(0, 1000, 7), whole);
    // Unaligned slices must agree with the whole, since the server streams
    // 64 KiB pieces while clients verify arbitrary readyRead fragments.
    QCOMPARE(LoopbackServer::patternBody(13, 501, 7), whole.mid(13, 501));
    QCOMPARE(LoopbackServer::patternBody(999, 1, 7), whole.mid(999, 1));
    QVERIFY(LoopbackServer::patternBody(0, 1000, 8) != whole);
    QVERIFY(LoopbackServer::patternBody(8, 1000, 7) != whole);
    QVERIFY(LoopbackServer::patternBody(0, 0, 7).isEmpty());

    const qint64 far = qint64(511) * 1024 * 1024;
    QCOMPARE(LoopbackServer::patternBody(far + 3, 10, 1),
             LoopbackServer::patternBody(far, 16, 1).mid(3, 10));
}

void tst_LoopbackServer::simpleGet()
{
    m_server->setRoute("/hello?x=1", Response::ok("hello world").header("X-Test", "yes"));
    QSignalSpy received(m_server.get(), &LoopbackServer::requestReceived);

    QNetworkReply *reply = get(QStringLiteral("/hello?x=1"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(statusOf(reply), 200);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray(),
             QByteArray("OK"));
    QCOMPARE(reply->readAll(), QByteArray("hello world"));
    QCOMPARE(reply->rawHeader("X-Test"), QByteArray("yes"));
    QCOMPARE(reply->rawHeader("Cache-Control"), QByteArray("max-age=3600"));
    QCOMPARE(reply->rawHeader("Content-Length"), QByteArray("11"));
    static const QRegularExpression imfFixdate(QStringLiteral(
            "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d\\d "
            "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d\\d:\\d\\d:\\d\\d GMT$"));
    const QString date = QString::fromLatin1(reply->rawHeader("Date"));
    QVERIFY2(imfFixdate.match(date).hasMatch(), qPrintable(date));

    QCOMPARE(received.size(), 1);
    QCOMPARE(m_server->requestCount(), 1);
    QCOMPARE(m_server->requestCount("/hello?x=1"), 1);
    QCOMPARE(m_server->requestCount("/hello"), 0);
    const RecordedRequest recorded = m_server->requests().constFirst();
    QCOMPARE(recorded.method, QByteArray("GET"));
    QCOMPARE(recorded.path, QByteArray("/hello?x=1"));
    QCOMPARE(recorded.header("host"),
             QByteArray("127.0.0.1:") + QByteArray::number(m_server->port()));
    QVERIFY(recorded.header("X-Does-Not-Exist").isEmpty());
    QVERIFY(recorded.body.isEmpty());
    QCOMPARE(received.constFirst().constFirst().value<RecordedRequest>().path, recorded.path);

    m_server->clearRequests();
    QCOMPARE(m_server->requestCount(), 0);
}

void tst_LoopbackServer::keepAliveReusesConnection()
{
    m_server->setRoute("/a", Response::ok("first"));
    m_server->setRoute("/b", Response::ok("second"));

    QNetworkReply *first = get(QStringLiteral("/a"));
    QVERIFY(waitFinished(first));
    QCOMPARE(first->readAll(), QByteArray("first"));
    QNetworkReply *second = get(QStringLiteral("/b"));
    QVERIFY(waitFinished(second));
    QCOMPARE(second->readAll(), QByteArray("second"));

    QCOMPARE(m_server->requestCount(), 2);
    // Both requests travelled over the single connection the server accepted.
    QCOMPARE(openSockets(*m_server), 1);
}

void tst_LoopbackServer::closeConnectionClosesAfterResponse()
{
    Response closing = Response::ok("bye");
    closing.closeConnection = true;
    m_server->setRoute("/close", closing);

    QNetworkReply *reply = get(QStringLiteral("/close"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->readAll(), QByteArray("bye"));
    QCOMPARE(reply->rawHeader("Connection").toLower(), QByteArray("close"));
    QTRY_COMPARE_WITH_TIMEOUT(openSockets(*m_server), 0, kTimeoutMs);

    QNetworkReply *again = get(QStringLiteral("/close"));
    QVERIFY(waitFinished(again));
    QCOMPARE(again->readAll(), QByteArray("bye"));
    QCOMPARE(m_server->requestCount("/close"), 2);
}

void tst_LoopbackServer::postBodyIsRecorded()
{
    m_server->setRoute("/submit", Response::ok("stored", "no-store"));
    QNetworkRequest request(m_server->url(QStringLiteral("/submit")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("text/plain"));
    const QByteArray payload = LoopbackServer::patternBody(0, 300 * 1024, 3);
    QNetworkReply *reply = m_nam->post(request, payload);
    reply->setParent(m_nam.get());
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->readAll(), QByteArray("stored"));

    QCOMPARE(m_server->requestCount(), 1);
    const RecordedRequest recorded = m_server->requests().constFirst();
    QCOMPARE(recorded.method, QByteArray("POST"));
    QCOMPARE(recorded.header("content-type"), QByteArray("text/plain"));
    QCOMPARE(recorded.header("Content-Length"), QByteArray::number(payload.size()));
    QCOMPARE(firstMismatch(recorded.body, payload), -1);

    // The connection must be back in a clean state for the next request.
    m_server->setRoute("/after", Response::ok("ok"));
    QNetworkReply *after = get(QStringLiteral("/after"));
    QVERIFY(waitFinished(after));
    QCOMPARE(after->readAll(), QByteArray("ok"));
}

void tst_LoopbackServer::headSendsNoBody()
{
    m_server->setRoute("/h", Response::ok("abcdef"));
    QNetworkReply *head = m_nam->head(QNetworkRequest(m_server->url(QStringLiteral("/h"))));
    head->setParent(m_nam.get());
    QVERIFY(waitFinished(head));
    QCOMPARE(head->error(), QNetworkReply::NoError);
    QCOMPARE(statusOf(head), 200);
    QCOMPARE(head->rawHeader("Content-Length"), QByteArray("6"));
    QVERIFY(head->readAll().isEmpty());
    QCOMPARE(m_server->requests().constFirst().method, QByteArray("HEAD"));

    // A stray body after HEAD would be parsed as the next response's status line.
    QNetworkReply *get = this->get(QStringLiteral("/h"));
    QVERIFY(waitFinished(get));
    QCOMPARE(get->error(), QNetworkReply::NoError);
    QCOMPARE(get->readAll(), QByteArray("abcdef"));
    QCOMPARE(openSockets(*m_server), 1);
}

void tst_LoopbackServer::chunkedResponse()
{
    // Spans several 64 KiB chunks and ends with a partial one.
    const QByteArray body = LoopbackServer::patternBody(0, 200 * 1024 + 17, 11);
    Response response = Response::ok(body);
    response.chunked = true;
    m_server->setRoute("/chunked", response);

    QNetworkReply *reply = get(QStringLiteral("/chunked"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->rawHeader("Transfer-Encoding").toLower(), QByteArray("chunked"));
    QVERIFY(!reply->hasRawHeader("Content-Length"));
    QCOMPARE(firstMismatch(reply->readAll(), body), -1);

    // Proves the terminating zero-length chunk was sent and consumed.
    m_server->setRoute("/next", Response::ok("next"));
    QNetworkReply *next = get(QStringLiteral("/next"));
    QVERIFY(waitFinished(next));
    QCOMPARE(next->readAll(), QByteArray("next"));
    QCOMPARE(openSockets(*m_server), 1);
}

void tst_LoopbackServer::unmatchedRouteIs404()
{
    m_server->setRoute("/exists", Response::ok("here"));
    QNetworkReply *reply = get(QStringLiteral("/exists?but=query"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->error(), QNetworkReply::ContentNotFoundError);
    QCOMPARE(statusOf(reply), 404);
    QCOMPARE(reply->readAll(), QByteArray("not found"));
    QCOMPARE(m_server->requestCount("/exists?but=query"), 1);
}

void tst_LoopbackServer::handlerConditional304()
{
    const QByteArray etag = "\"v1\"";
    m_server->setRoute("/r", Response::ok("shadowed by the handler"));
    m_server->setHandler([etag](const RecordedRequest &request) {
        if (request.header("If-None-Match") == etag)
            return Response::notModified().header("ETag", etag);
        return Response::ok("representation").header("ETag", etag);
    });

    QNetworkReply *first = get(QStringLiteral("/r"));
    QVERIFY(waitFinished(first));
    QCOMPARE(statusOf(first), 200);
    QCOMPARE(first->rawHeader("ETag"), etag);
    QCOMPARE(first->readAll(), QByteArray("representation"));

    QNetworkReply *second = get(QStringLiteral("/r"), {{"If-None-Match", etag}});
    QVERIFY(waitFinished(second));
    QCOMPARE(statusOf(second), 304);
    QCOMPARE(second->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray(),
             QByteArray("Not Modified"));
    QCOMPARE(second->rawHeader("ETag"), etag);
    // A 304 must not carry a Content-Length: a cache would merge it into the
    // stored response and truncate the cached body.
    QVERIFY(!second->hasRawHeader("Content-Length"));
    QVERIFY(second->readAll().isEmpty());

    QCOMPARE(m_server->requestCount("/r"), 2);
    QCOMPARE(m_server->requests().at(1).header("if-none-match"), etag);
}

void tst_LoopbackServer::requestRecordedBeforeResponse()
{
    int countSeenByHandler = -1;
    m_server->setHandler([&](const RecordedRequest &) {
        countSeenByHandler = m_server->requestCount();
        return Response::ok("x");
    });
    QNetworkReply *reply = get(QStringLiteral("/x"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(countSeenByHandler, 1);
}

void tst_LoopbackServer::generatedBody64MiB()
{
    constexpr qint64 size = qint64(64) * 1024 * 1024;
    constexpr quint32 seed = 42;
    Response response;
    response.generatedBodySize = size;
    response.seed = seed;
    m_server->setRoute("/big", response);

    QNetworkReply *reply = get(QStringLiteral("/big"));
    qint64 offset = 0;
    qint64 mismatchAt = -1;
    connect(reply, &QNetworkReply::readyRead, this, [&] {
        const QByteArray data = reply->readAll();
        if (mismatchAt < 0) {
            const qint64 at =
                    firstMismatch(data, LoopbackServer::patternBody(offset, data.size(), seed));
            if (at >= 0)
                mismatchAt = offset + at;
        }
        offset += data.size();
    });
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->rawHeader("Content-Length"), QByteArray::number(size));
    offset += reply->readAll().size(); // nothing should be left, but be exact
    QCOMPARE(mismatchAt, -1);
    QCOMPARE(offset, size);
}

void tst_LoopbackServer::slowBody()
{
    constexpr int delayMs = 80;
    constexpr qint64 size = 3 * 64 * 1024;
    Response response;
    response.generatedBodySize = size;
    response.seed = 5;
    response.delayMs = delayMs;
    m_server->setRoute("/slow", response);

    QElapsedTimer elapsed;
    elapsed.start();
    QNetworkReply *reply = get(QStringLiteral("/slow"));
    qint64 headersAtMs = -1;
    int readyReads = 0;
    QByteArray received;
    connect(reply, &QNetworkReply::metaDataChanged, this, [&] {
        if (headersAtMs < 0)
            headersAtMs = elapsed.elapsed();
    });
    connect(reply, &QNetworkReply::readyRead, this, [&] {
        ++readyReads;
        received += reply->readAll();
    });
    QVERIFY(waitFinished(reply));
    received += reply->readAll();
    const qint64 totalMs = elapsed.elapsed();

    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(firstMismatch(received, LoopbackServer::patternBody(0, size, 5)), -1);
    // Three pieces, each preceded by a delay; headers go out immediately.
    QVERIFY2(totalMs >= 3 * delayMs, qPrintable(QString::number(totalMs)));
    QVERIFY(headersAtMs >= 0);
    QVERIFY2(totalMs - headersAtMs >= 2 * delayMs,
             qPrintable(QStringLiteral("headers %1 total %2").arg(headersAtMs).arg(totalMs)));
    QVERIFY(readyReads >= 3);
}

void tst_LoopbackServer::abortAfterBytes_data()
{
    QTest::addColumn<bool>("chunked");
    QTest::addColumn<qint64>("abortAfter");
    QTest::newRow("content-length") << false << qint64(100000);
    QTest::newRow("chunked") << true << qint64(100000);
    QTest::newRow("before-any-body") << false << qint64(0);
}

void tst_LoopbackServer::abortAfterBytes()
{
    QFETCH(bool, chunked);
    QFETCH(qint64, abortAfter);
    constexpr qint64 size = 1024 * 1024;
    Response response;
    response.generatedBodySize = size;
    response.chunked = chunked;
    response.abortAfterBytes = abortAfter;
    m_server->setRoute("/crash", response);

    // Deliberately the first exchange on a fresh connection: that is where
    // Qt 6.4 is prone to reporting a truncated body as success (see
    // LoopbackConnection::writeOut()).
    QNetworkReply *reply = get(QStringLiteral("/crash"));
    QByteArray received;
    connect(reply, &QNetworkReply::readyRead, this, [&] { received += reply->readAll(); });
    QVERIFY(waitFinished(reply));
    received += reply->readAll();
    QCOMPARE(reply->error(), QNetworkReply::RemoteHostClosedError);
    QVERIFY(received.size() <= abortAfter);
    QCOMPARE(firstMismatch(received, LoopbackServer::patternBody(0, received.size(), 0)), -1);
    QCOMPARE(m_server->requestCount("/crash"), 1);
    QTRY_COMPARE_WITH_TIMEOUT(openSockets(*m_server), 0, kTimeoutMs);
}

void tst_LoopbackServer::clientDisconnectMidResponse()
{
    // Both a bytesWritten-driven transfer and a timer-driven one must survive
    // the client vanishing halfway.
    Response big;
    big.generatedBodySize = qint64(512) * 1024 * 1024;
    m_server->setRoute("/big", big);
    Response slow = Response::ok(QByteArray(4 * 64 * 1024, 'x'));
    slow.delayMs = 50;
    m_server->setRoute("/slow", slow);

    for (const QString &path : {QStringLiteral("/big"), QStringLiteral("/slow")}) {
        QNetworkReply *reply = get(path);
        QSignalSpy readyRead(reply, &QNetworkReply::readyRead);
        QVERIFY(readyRead.wait(kTimeoutMs));
        reply->abort();
    }
    // Dropping the manager closes its idle keep-alive connections too.
    m_nam.reset();
    QTRY_COMPARE_WITH_TIMEOUT(openSockets(*m_server), 0, kTimeoutMs);

    m_nam = std::make_unique<QNetworkAccessManager>();
    m_nam->setProxy(QNetworkProxy::NoProxy);
    m_server->setRoute("/alive", Response::ok("still here"));
    QNetworkReply *reply = get(QStringLiteral("/alive"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->readAll(), QByteArray("still here"));
}

void tst_LoopbackServer::serverDestroyedMidResponse()
{
    Response slow = Response::ok(QByteArray(4 * 64 * 1024, 'x'));
    slow.delayMs = 50;
    m_server->setRoute("/slow", slow);
    QNetworkReply *reply = get(QStringLiteral("/slow"));
    QSignalSpy readyRead(reply, &QNetworkReply::readyRead);
    QVERIFY(readyRead.wait(kTimeoutMs));

    // Pending timers and sockets must go down with the server, not fire later.
    m_server.reset();
    QVERIFY(waitFinished(reply));
    QVERIFY(reply->error() != QNetworkReply::NoError);
}

QTEST_GUILESS_MAIN(tst_LoopbackServer)
#include "tst_loopbackserver.moc"
