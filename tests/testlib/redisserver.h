// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QMap>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QVariant>

#include <memory>

QT_BEGIN_NAMESPACE
class QProcess;
QT_END_NAMESPACE

namespace tiercache::test {

/*
    A private redis-server for one test: 127.0.0.1 on a free port, no persistence, started with
    QProcess and ready (answers PING) when start() returns. stop() is SIGTERM, kill() SIGKILL,
    pause()/resume() SIGSTOP/SIGCONT, restart() starts it again on the same port (empty, as
    nothing is persisted). The destructor stops it.

    A missing redis-server is a test failure, never a skip: use TIERCACHE_START_REDIS(server)
    in a test function, which QFAILs with "redis-server not found: install the Debian package
    redis-server".
*/
class RedisServer
{
public:
    explicit RedisServer(const QStringList &extraArguments = {});
    ~RedisServer();
    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;

    //! The redis-server binary, or empty when it is not installed.
    static QString executable();

    bool start();
    bool restart();
    void stop();
    void kill();
    void pause();
    void resume();

    bool isRunning() const;
    quint16 port() const { return m_port; }
    QString errorString() const { return m_error; }

    /*!
        One command over a fresh socket (RESP), for assertions and fixtures: a bulk or simple
        string is a QByteArray, an integer a qint64, an array a QVariantList, nil an invalid
        QVariant, an error reply a QString. A connection problem is an invalid QVariant too.
    */
    QVariant command(const QList<QByteArray> &arguments, int timeoutMs = 2000) const;
    //! PING answered with +PONG within \a timeoutMs.
    bool ping(int timeoutMs = 200) const;
    /*!
        Everything a write would change, for "nothing was written" assertions: each key with
        its serialized value (DUMP) and absolute expiry (PEXPIRETIME, which unlike PTTL does not
        move by itself), plus the server's count of changes (rdb_changes_since_last_save, which
        every write command raises, even one that stores the same bytes again).
    */
    QMap<QByteArray, QByteArray> dataSnapshot() const;

private:
    bool launch(quint16 port);

    QStringList m_extra;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    bool m_paused = false;
    QString m_error;
};

} // namespace tiercache::test

#define TIERCACHE_START_REDIS(server) \
    do { \
        if (!(server).start()) \
            QFAIL(qPrintable((server).errorString())); \
    } while (false)
