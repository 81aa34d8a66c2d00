// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QString>
#include <QtCore/QStringList>

namespace tiercache::browser {

/*
    Fills a demo cache the way an application would: a DemoSite on loopback, a real
    QNetworkAccessManager with a tiercache::NetworkCache on a memory + disk tier chain, every
    page fetched, some of them again (hits), so the Browser has entries of every kind, tags,
    hit counts, a stale entry and statistics to show.
*/
class DemoFiller
{
public:
    //! Empties \a directory and fills it; false with errorString() on failure.
    bool fill(const QString &directory);
    QString errorString() const { return m_error; }
    //! What was done, one line each, for the console.
    QStringList log() const { return m_log; }

private:
    QString m_error;
    QStringList m_log;
};

} // namespace tiercache::browser
