// SPDX-License-Identifier: MIT
#include "eventlog_p.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDateTime>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QRandomGenerator>

#include <fcntl.h>
#include <unistd.h>

namespace tiercache {

bool EventLog::open(const QString &path, double sampleRate, bool hashKeys, QString *error)
{
    close();
    if (!(sampleRate > 0.0 && sampleRate <= 1.0)) {
        *error = QStringLiteral("event log sample rate must be in (0, 1], got %1").arg(sampleRate);
        return false;
    }
    // Keys are URLs: create the log readable by its owner only (an existing file keeps its mode).
    const int fd = ::open(QFile::encodeName(path).constData(),
                          O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0)
        ::close(fd);
    m_file.setFileName(path);
    // Unbuffered: one write() per line, so a reader tailing the file sees events at once and
    // a crash loses none.
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered)) {
        *error = QStringLiteral("cannot open event log %1: %2").arg(path, m_file.errorString());
        return false;
    }
    m_rate = sampleRate;
    m_hash = hashKeys;
    return true;
}

void EventLog::close()
{
    if (m_file.isOpen())
        m_file.close();
}

bool EventLog::sample()
{
    return m_file.isOpen()
            && (m_rate >= 1.0 || QRandomGenerator::global()->generateDouble() < m_rate);
}

void EventLog::write(const char *event, const QString &key, const QString &result,
                     const QString &tier, qint64 micros, const QStringList &tags, qint64 bytes)
{
    QJsonObject o;
    o.insert(QLatin1String("ts"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    o.insert(QLatin1String("event"), QLatin1String(event));
    if (!result.isEmpty())
        o.insert(QLatin1String("result"), result);
    if (!tier.isEmpty())
        o.insert(QLatin1String("tier"), tier);
    if (!key.isEmpty()) {
        o.insert(QLatin1String("key"),
                 m_hash ? QString::fromLatin1(
                         QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha256)
                                 .toHex()
                                 .left(16))
                        : key);
    }
    if (micros >= 0)
        o.insert(QLatin1String("us"), micros);
    if (bytes >= 0)
        o.insert(QLatin1String("bytes"), bytes);
    if (!tags.isEmpty())
        o.insert(QLatin1String("tags"), QJsonArray::fromStringList(tags));
    m_file.write(QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n');
}

void EventLog::flush()
{
    if (m_file.isOpen())
        m_file.flush();
}

} // namespace tiercache
