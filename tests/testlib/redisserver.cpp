// SPDX-License-Identifier: MIT
#include "redisserver.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QFileInfo>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QThread>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#include <csignal>
#include <sys/types.h>

namespace tiercache::test {

namespace {

    quint16 freePort()
    {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0))
            return 0;
        const quint16 port = probe.serverPort();
        probe.close();
        return port;
    }

    // Parses one RESP value from \a data at \a pos; false when more bytes are needed.
    bool parseResp(const QByteArray &data, qsizetype &pos, QVariant *out)
    {
        const qsizetype eol = data.indexOf("\r\n", pos);
        if (eol < 0)
            return false;
        const char type = data.at(pos);
        const QByteArray line = data.mid(pos + 1, eol - pos - 1);
        qsizetype next = eol + 2;
        switch (type) {
        case '+':
            *out = line;
            break;
        case '-':
            *out = QString::fromUtf8(line);
            break;
        case ':':
            *out = line.toLongLong();
            break;
        case '$': {
            const qsizetype length = line.toLongLong();
            if (length < 0) {
                *out = QVariant();
                break;
            }
            if (data.size() < next + length + 2)
                return false;
            *out = data.mid(next, length);
            next += length + 2;
            break;
        }
        case '*': {
            const qsizetype count = line.toLongLong();
            QVariantList list;
            for (qsizetype i = 0; i < count; ++i) {
                QVariant element;
                if (!parseResp(data, next, &element))
                    return false;
                list.append(element);
            }
            *out = count < 0 ? QVariant() : QVariant(list);
            break;
        }
        default:
            *out = QVariant();
            break;
        }
        pos = next;
        return true;
    }

} // namespace

RedisServer::RedisServer(const QStringList &extraArguments) : m_extra(extraArguments) { }

RedisServer::~RedisServer()
{
    stop();
}

QString RedisServer::executable()
{
    QString path = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(QStringLiteral("redis-server"),
                                              {QStringLiteral("/usr/bin"),
                                               QStringLiteral("/usr/sbin"),
                                               QStringLiteral("/usr/local/bin")});
    return path;
}

bool RedisServer::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

bool RedisServer::start()
{
    if (executable().isEmpty()) {
        m_error = QStringLiteral("redis-server not found: install the Debian package redis-server");
        return false;
    }
    for (int attempt = 0; attempt < 5; ++attempt) {
        const quint16 port = freePort();
        if (port != 0 && launch(port))
            return true;
    }
    return false;
}

bool RedisServer::restart()
{
    stop();
    if (m_port == 0) {
        m_error = QStringLiteral("restart() before start()");
        return false;
    }
    // The port may take a moment to be free again.
    QDeadlineTimer deadline(5000);
    while (!launch(m_port)) {
        if (deadline.hasExpired())
            return false;
        QThread::msleep(100);
    }
    return true;
}

bool RedisServer::launch(quint16 port)
{
    m_process = std::make_unique<QProcess>();
    m_process->setProgram(executable());
    QStringList args {QStringLiteral("--port"),       QString::number(port),
                      QStringLiteral("--bind"),       QStringLiteral("127.0.0.1"),
                      QStringLiteral("--save"),       QString(),
                      QStringLiteral("--appendonly"), QStringLiteral("no"),
                      QStringLiteral("--daemonize"),  QStringLiteral("no"),
                      QStringLiteral("--loglevel"),   QStringLiteral("warning")};
    args += m_extra;
    m_process->setArguments(args);
    m_process->setStandardOutputFile(QProcess::nullDevice());
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process->start();
    if (!m_process->waitForStarted(5000)) {
        m_error = QStringLiteral("cannot start %1: %2").arg(executable(), m_process->errorString());
        m_process.reset();
        return false;
    }
    m_port = port;
    m_paused = false;
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        if (m_process->state() == QProcess::NotRunning) {
            m_error = QStringLiteral("redis-server on port %1 exited at once (code %2)")
                              .arg(port)
                              .arg(m_process->exitCode());
            m_process.reset();
            return false;
        }
        if (ping())
            return true;
        QThread::msleep(20);
    }
    m_error = QStringLiteral("redis-server on port %1 did not answer PING within 10 s").arg(port);
    kill();
    return false;
}

void RedisServer::stop()
{
    if (!isRunning()) {
        m_process.reset();
        return;
    }
    resume();
    m_process->terminate();
    if (!m_process->waitForFinished(5000)) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
    m_process.reset();
}

void RedisServer::kill()
{
    if (!isRunning()) {
        m_process.reset();
        return;
    }
    m_process->kill();
    m_process->waitForFinished(5000);
    m_process.reset();
    m_paused = false;
}

void RedisServer::pause()
{
    if (isRunning() && !m_paused) {
        ::kill(pid_t(m_process->processId()), SIGSTOP);
        m_paused = true;
    }
}

void RedisServer::resume()
{
    if (isRunning() && m_paused) {
        ::kill(pid_t(m_process->processId()), SIGCONT);
        m_paused = false;
    }
}

bool RedisServer::ping(int timeoutMs) const
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    if (!socket.waitForConnected(timeoutMs))
        return false;
    socket.write("PING\r\n");
    QByteArray reply;
    QDeadlineTimer deadline(timeoutMs);
    while (!reply.contains("\r\n")
           && socket.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime()))))
        reply += socket.readAll();
    return reply.startsWith("+PONG");
}

QMap<QByteArray, QByteArray> RedisServer::dataSnapshot() const
{
    QMap<QByteArray, QByteArray> state;
    const QByteArray info = command({"INFO", "persistence"}).toByteArray();
    for (const QByteArray &line : info.split('\n')) {
        if (line.startsWith("rdb_changes_since_last_save:"))
            state.insert(" changes", line.mid(line.indexOf(':') + 1).trimmed());
    }
    if (!state.contains(" changes"))
        state.insert(" changes", "INFO persistence failed: " + info);
    const QVariantList keys = command({"KEYS", "*"}).toList();
    for (const QVariant &key : keys) {
        const QByteArray name = key.toByteArray();
        state.insert(name,
                     command({"DUMP", name}).toByteArray().toHex() + " expires "
                             + QByteArray::number(command({"PEXPIRETIME", name}).toLongLong()));
    }
    return state;
}

QVariant RedisServer::command(const QList<QByteArray> &arguments, int timeoutMs) const
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    if (!socket.waitForConnected(timeoutMs))
        return {};
    QByteArray request = '*' + QByteArray::number(arguments.size()) + "\r\n";
    for (const QByteArray &arg : arguments)
        request += '$' + QByteArray::number(arg.size()) + "\r\n" + arg + "\r\n";
    socket.write(request);
    QByteArray data;
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        qsizetype pos = 0;
        QVariant value;
        if (!data.isEmpty() && parseResp(data, pos, &value))
            return value;
        if (!socket.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime()))))
            break;
        data += socket.readAll();
    }
    return {};
}

} // namespace tiercache::test
