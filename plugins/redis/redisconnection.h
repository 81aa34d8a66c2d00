// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QElapsedTimer>
#include <QtCore/QList>
#include <QtCore/QLoggingCategory>
#include <QtCore/QString>

#include <memory>
#include <vector>

struct redisContext;
struct redisReply;

Q_DECLARE_LOGGING_CATEGORY(lcRedisTier)

namespace tiercache::redis {

struct ReplyDeleter
{
    void operator()(redisReply *reply) const;
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;
using Command = QList<QByteArray>; // argv, binary safe

/*
    One synchronous hiredis connection with a timeout on everything and a circuit breaker.

    Closed (connected): commands run with the command timeout. Any connection-level failure
    (refused, timeout, EOF, protocol error) drops the connection and opens the breaker: for
    breaker_ms every run() fails at once without a system call. After that the next run()
    tries to connect once (half-open); success closes the breaker, failure opens it again.
    Error replies from the server (-ERR ...) are not connection failures; they are returned.

    Never logs or reports the password.
*/
class Connection
{
public:
    struct Options
    {
        QByteArray host = "127.0.0.1";
        int port = 6379;
        int db = 0;
        QByteArray user;
        QByteArray password;
        int timeoutMs = 100;
        int connectTimeoutMs = 100;
        int breakerMs = 2000;
        //! Only commands that read (GET, HMGET, SCAN, ...) are sent; any other is refused
        //! here, before it reaches the server: a read-only tier cannot write by mistake.
        bool readOnly = false;
    };

    explicit Connection(const Options &options);
    ~Connection();
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    const Options &options() const { return m_options; }
    //! False while the breaker is open: a run() now would fail without trying.
    bool isAvailable() const;
    bool isConnected() const { return m_ctx != nullptr; }

    //! Sends \a commands pipelined (one round trip) and reads one reply per command.
    //! Returns false on a connection-level failure; \a replies is then incomplete. On a
    //! read-only connection, a batch with a command that could write is refused whole (false,
    //! errorString() names it; the connection stays as it was).
    bool run(const std::vector<Command> &commands, std::vector<Reply> *replies);
    //! One command; a null reply means a connection-level failure.
    Reply run(const Command &command);

    //! "redis 127.0.0.1:6379: connection refused; retrying in 2 s", or empty when healthy.
    QString errorString() const { return m_error; }
    //! Reports a problem that is not a connection failure (a bad reply, a refused write).
    void setProblem(const QString &what);
    QString endpoint() const;

private:
    static bool onlyReads(const Command &command);
    bool ensureConnected();
    void fail(const QString &what);
    QString describeContextError() const;
    QString scrub(QString text) const;

    Options m_options;
    redisContext *m_ctx = nullptr;
    QElapsedTimer m_clock;
    qint64 m_retryAt = -1; // m_clock ms; < 0: closed
    bool m_recovering = false;
    QString m_error;
};

bool isStatus(const redisReply *reply, const char *status);
bool isError(const redisReply *reply);
QByteArray replyString(const redisReply *reply); // STRING/STATUS/ERROR text, else empty
bool isNil(const redisReply *reply);

} // namespace tiercache::redis
