// SPDX-License-Identifier: MIT
#pragma once
// Reading a large reply as it arrives (the large-body suites): every piece is checked against
// the loopback origin's generated body and dropped, so the test itself holds one buffer.

#include <QtCore/QByteArray>

QT_BEGIN_NAMESPACE
class QNetworkReply;
QT_END_NAMESPACE

namespace tiercache::test {

class PatternReader
{
public:
    //! Reads \a reply on each readyRead; the body is LoopbackServer::patternBody() of \a seed,
    //! or textPatternBody() with \a text. \a reply must outlive the reader's use.
    PatternReader(QNetworkReply *reply, quint32 seed, bool text = false);

    //! Reads what is available now (call once more after finished()).
    void drain();

    qint64 received() const { return m_received; }
    //! Offset of the first piece that differs from the pattern, -1 if none did.
    qint64 firstMismatch() const { return m_firstMismatch; }
    int readyReads() const { return m_readyReads; }

private:
    QNetworkReply *m_reply;
    quint32 m_seed;
    bool m_text;
    QByteArray m_buffer;
    qint64 m_received = 0;
    qint64 m_firstMismatch = -1;
    int m_readyReads = 0;
};

} // namespace tiercache::test
