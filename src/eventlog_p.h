// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QFile>
#include <QtCore/QStringList>

namespace tiercache {

/*
    Opt-in structured event log: one JSON object per line, for offline analysis, e.g.
      {"ts":"2026-11-23T17:01:02.345Z","event":"lookup","result":"hit","tier":"memory",
       "key":"https://…","us":12,"tags":["user:42"]}
    Sampling keeps the cost bounded on hot paths; keys can be hashed (SHA-256, 16 hex digits)
    when URLs are sensitive.
*/
class EventLog
{
public:
    bool open(const QString &path, double sampleRate, bool hashKeys, QString *error);
    void close();
    bool isOpen() const { return m_file.isOpen(); }
    QString path() const { return isOpen() ? m_file.fileName() : QString(); }
    double sampleRate() const { return m_rate; }
    bool hashesKeys() const { return m_hash; }
    //! Whether the next event should be written (the sampling decision), cheap.
    bool sample();
    void write(const char *event, const QString &key, const QString &result, const QString &tier,
               qint64 micros, const QStringList &tags = {}, qint64 bytes = -1);
    void flush();

private:
    QFile m_file;
    double m_rate = 1.0;
    bool m_hash = false;
};

} // namespace tiercache
