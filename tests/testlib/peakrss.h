// SPDX-License-Identifier: MIT
#pragma once
// Measuring the memory a phase of a test takes (the large-body suites).

#include <QtCore/QFile>
#include <QtCore/QTimer>

namespace tiercache::test {

//! Peak resident set size of this process over a phase. VmHWM after writing "5" to
//! /proc/self/clear_refs (Linux >= 4.0 resets the high-water mark to the current RSS) catches
//! every peak; a VmRSS sample every 5 ms is the fallback and a cross-check.
class PeakRss
{
public:
    static qint64 statusField(const char *name)
    {
        QFile f(QStringLiteral("/proc/self/status"));
        if (!f.open(QIODevice::ReadOnly))
            return -1;
        const QByteArray prefix = QByteArray(name) + ':';
        for (const QByteArray &line : f.readAll().split('\n')) {
            if (line.startsWith(prefix))
                return line.mid(prefix.size()).trimmed().split(' ').value(0).toLongLong() * 1024;
        }
        return -1;
    }

    void start()
    {
        m_baseline = statusField("VmRSS");
        QFile refs(QStringLiteral("/proc/self/clear_refs"));
        m_hwmUsable = refs.open(QIODevice::WriteOnly) && refs.write("5") == 1;
        refs.close();
        // The reset worked if the high-water mark now is (about) the current RSS.
        m_hwmUsable = m_hwmUsable && statusField("VmHWM") <= statusField("VmRSS") + 4 * 1024 * 1024;
        m_sampled = m_baseline;
        m_timer.setInterval(5);
        QObject::connect(&m_timer, &QTimer::timeout, &m_timer,
                         [this] { m_sampled = qMax(m_sampled, statusField("VmRSS")); });
        m_timer.start();
    }

    void stop()
    {
        m_timer.stop();
        m_sampled = qMax(m_sampled, statusField("VmRSS"));
        m_hwm = m_hwmUsable ? statusField("VmHWM") : -1;
    }

    qint64 baseline() const { return m_baseline; }
    qint64 peak() const { return qMax(m_hwm, m_sampled); }
    qint64 growth() const { return peak() - m_baseline; }
    bool hwmUsable() const { return m_hwmUsable; }
    qint64 sampledPeak() const { return m_sampled; }

private:
    QTimer m_timer;
    qint64 m_baseline = 0, m_sampled = 0, m_hwm = -1;
    bool m_hwmUsable = false;
};

} // namespace tiercache::test
