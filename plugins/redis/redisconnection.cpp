// SPDX-License-Identifier: MIT
#include "redisconnection.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <ctime>
#include <iterator>
#include <pthread.h>

Q_LOGGING_CATEGORY(lcRedisTier, "tiercache.redis")

namespace tiercache::redis {

namespace {

    /*
        hiredis writes with write(2): a server that went away would kill the process with SIGPIPE.
        Block SIGPIPE on this thread for the duration of a call and swallow one that it raised,
        without touching the process-wide disposition (the application's business).
    */
    class SigPipeGuard
    {
    public:
        SigPipeGuard()
        {
            sigset_t pending;
            sigemptyset(&pending);
            sigpending(&pending);
            m_wasPending = sigismember(&pending, SIGPIPE) == 1;
            sigset_t block;
            sigemptyset(&block);
            sigaddset(&block, SIGPIPE);
            pthread_sigmask(SIG_BLOCK, &block, &m_old);
        }
        ~SigPipeGuard()
        {
            if (!m_wasPending) {
                sigset_t pending;
                sigemptyset(&pending);
                sigpending(&pending);
                if (sigismember(&pending, SIGPIPE) == 1) {
                    sigset_t pipe;
                    sigemptyset(&pipe);
                    sigaddset(&pipe, SIGPIPE);
                    const timespec zero {0, 0};
                    while (sigtimedwait(&pipe, nullptr, &zero) == -1 && errno == EINTR) { }
                }
            }
            pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
        }
        SigPipeGuard(const SigPipeGuard &) = delete;
        SigPipeGuard &operator=(const SigPipeGuard &) = delete;

    private:
        sigset_t m_old;
        bool m_wasPending = false;
    };

    timeval toTimeval(int ms)
    {
        timeval tv;
        tv.tv_sec = ms / 1000;
        tv.tv_usec = (ms % 1000) * 1000;
        return tv;
    }

    QString formatDuration(int ms)
    {
        if (ms % 1000 == 0)
            return QStringLiteral("%1 s").arg(ms / 1000);
        if (ms > 1000)
            return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 1);
        return QStringLiteral("%1 ms").arg(ms);
    }

} // namespace

void ReplyDeleter::operator()(redisReply *reply) const
{
    if (reply)
        freeReplyObject(reply);
}

bool isStatus(const redisReply *reply, const char *status)
{
    return reply && reply->type == REDIS_REPLY_STATUS && std::strcmp(reply->str, status) == 0;
}

bool isError(const redisReply *reply)
{
    return !reply || reply->type == REDIS_REPLY_ERROR;
}

bool isNil(const redisReply *reply)
{
    return reply && reply->type == REDIS_REPLY_NIL;
}

QByteArray replyString(const redisReply *reply)
{
    if (reply
        && (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS
            || reply->type == REDIS_REPLY_ERROR))
        return QByteArray(reply->str, qsizetype(reply->len));
    return {};
}

Connection::Connection(const Options &options) : m_options(options)
{
    m_clock.start();
}

Connection::~Connection()
{
    if (m_ctx) {
        SigPipeGuard guard;
        redisFree(m_ctx);
    }
}

QString Connection::endpoint() const
{
    return QStringLiteral("redis %1:%2").arg(QString::fromUtf8(m_options.host)).arg(m_options.port);
}

bool Connection::isAvailable() const
{
    return m_ctx || m_retryAt < 0 || m_clock.elapsed() >= m_retryAt;
}

QString Connection::scrub(QString text) const
{
    if (!m_options.password.isEmpty())
        text.replace(QString::fromUtf8(m_options.password), QStringLiteral("***"));
    return text;
}

QString Connection::describeContextError() const
{
    if (!m_ctx)
        return QStringLiteral("cannot allocate a connection");
    const int err = m_ctx->err;
    const QString text = QString::fromLocal8Bit(m_ctx->errstr);
    switch (err) {
    case REDIS_ERR_EOF:
        return QStringLiteral("connection closed by the server");
    case REDIS_ERR_PROTOCOL:
        return QStringLiteral("protocol error: %1").arg(text);
    case REDIS_ERR_IO:
        if (text.contains(QLatin1String("temporarily unavailable"), Qt::CaseInsensitive)
            || text.contains(QLatin1String("timed out"), Qt::CaseInsensitive))
            return QStringLiteral("timed out after %1 ms").arg(m_options.timeoutMs);
        break;
    default:
        break;
    }
    if (text.isEmpty())
        return QStringLiteral("I/O error");
    QString lower = text;
    lower[0] = lower[0].toLower();
    return lower;
}

void Connection::fail(const QString &what)
{
    if (m_ctx) {
        redisFree(m_ctx);
        m_ctx = nullptr;
    }
    m_retryAt = m_clock.elapsed() + m_options.breakerMs;
    const QString message =
            QStringLiteral("%1: %2; retrying in %3")
                    .arg(endpoint(), scrub(what), formatDuration(m_options.breakerMs));
    if (message != m_error)
        qCWarning(lcRedisTier).noquote() << message;
    m_error = message;
}

void Connection::setProblem(const QString &what)
{
    m_error = QStringLiteral("%1: %2").arg(endpoint(), scrub(what));
}

bool Connection::ensureConnected()
{
    if (m_ctx)
        return true;
    if (m_retryAt >= 0 && m_clock.elapsed() < m_retryAt)
        return false; // breaker open
    m_ctx = redisConnectWithTimeout(m_options.host.constData(), m_options.port,
                                    toTimeval(m_options.connectTimeoutMs));
    if (!m_ctx || m_ctx->err) {
        QString why = describeContextError();
        if (why.startsWith(QLatin1String("timed out")))
            why = QStringLiteral("connect timed out after %1 ms").arg(m_options.connectTimeoutMs);
        fail(why);
        return false;
    }
    if (redisSetTimeout(m_ctx, toTimeval(m_options.timeoutMs)) != REDIS_OK) {
        fail(QStringLiteral("cannot set the socket timeout"));
        return false;
    }
    redisEnableKeepAlive(m_ctx);
    std::vector<Command> setup;
    if (!m_options.password.isEmpty()) {
        if (m_options.user.isEmpty())
            setup.push_back({QByteArrayLiteral("AUTH"), m_options.password});
        else
            setup.push_back({QByteArrayLiteral("AUTH"), m_options.user, m_options.password});
    }
    if (m_options.db != 0)
        setup.push_back({QByteArrayLiteral("SELECT"), QByteArray::number(m_options.db)});
    if (!setup.empty()) {
        std::vector<Reply> replies;
        if (!run(setup, &replies))
            return false; // run() has failed the connection
        for (size_t i = 0; i < replies.size(); ++i) {
            if (!isStatus(replies[i].get(), "OK")) {
                const bool auth = !m_options.password.isEmpty() && i == 0;
                fail(QStringLiteral("%1 failed: %2")
                             .arg(auth ? QStringLiteral("authentication")
                                       : QStringLiteral("SELECT %1").arg(m_options.db),
                                  QString::fromUtf8(replyString(replies[i].get()))));
                return false;
            }
        }
    }
    // Still half-open: a stopped server's kernel accepts connections, so only a reply proves
    // that the server is back (run() clears the error then).
    m_recovering = m_retryAt >= 0;
    m_retryAt = -1;
    return true;
}

bool Connection::onlyReads(const Command &command)
{
    // What the tier sends to read, and the connection's own setup; nothing else.
    static const char *const reads[] = {"AUTH", "SELECT", "PING", "GET",  "MGET",
                                        "HGET", "HMGET",  "SCAN", "PTTL", "EXISTS"};
    if (command.isEmpty())
        return false;
    const QByteArray name = command.first().toUpper();
    return std::any_of(std::begin(reads), std::end(reads),
                       [&](const char *read) { return name == read; });
}

bool Connection::run(const std::vector<Command> &commands, std::vector<Reply> *replies)
{
    replies->clear();
    if (commands.empty())
        return true;
    if (m_options.readOnly) {
        for (const Command &command : commands) {
            if (!onlyReads(command)) {
                setProblem(QStringLiteral("%1 refused: the tier is open read-only")
                                   .arg(QString::fromLatin1(command.value(0))));
                return false;
            }
        }
    }
    if (!ensureConnected())
        return false;
    SigPipeGuard guard;
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    for (const Command &command : commands) {
        argv.clear();
        lengths.clear();
        for (const QByteArray &arg : command) {
            argv.push_back(arg.constData());
            lengths.push_back(size_t(arg.size()));
        }
        if (redisAppendCommandArgv(m_ctx, int(argv.size()), argv.data(), lengths.data())
            != REDIS_OK) {
            fail(describeContextError());
            return false;
        }
    }
    replies->reserve(commands.size());
    for (size_t i = 0; i < commands.size(); ++i) {
        void *raw = nullptr;
        if (redisGetReply(m_ctx, &raw) != REDIS_OK || !raw) {
            if (raw)
                freeReplyObject(raw);
            fail(describeContextError());
            replies->clear();
            return false;
        }
        replies->emplace_back(static_cast<redisReply *>(raw));
    }
    if (m_recovering) {
        m_recovering = false;
        m_error.clear();
        qCInfo(lcRedisTier).noquote() << QStringLiteral("%1: answering again").arg(endpoint());
    }
    return true;
}

Reply Connection::run(const Command &command)
{
    std::vector<Reply> replies;
    if (!run(std::vector<Command> {command}, &replies) || replies.empty())
        return nullptr;
    return std::move(replies.front());
}

} // namespace tiercache::redis
