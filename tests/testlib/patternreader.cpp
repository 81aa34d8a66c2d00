// SPDX-License-Identifier: MIT
#include "patternreader.h"

#include "loopbackserver.h"

#include <QtNetwork/QNetworkReply>

namespace tiercache::test {

PatternReader::PatternReader(QNetworkReply *reply, quint32 seed, bool text)
    : m_reply(reply), m_seed(seed), m_text(text), m_buffer(4 * 1024 * 1024, Qt::Uninitialized)
{
    QObject::connect(reply, &QIODevice::readyRead, reply, [this] {
        ++m_readyReads;
        drain();
    });
}

void PatternReader::drain()
{
    for (;;) {
        const qint64 n = m_reply->read(m_buffer.data(), m_buffer.size());
        if (n <= 0)
            return;
        if (m_firstMismatch < 0) {
            const QByteArray expected = m_text
                    ? LoopbackServer::textPatternBody(m_received, n, m_seed)
                    : LoopbackServer::patternBody(m_received, n, m_seed);
            if (QByteArrayView(m_buffer.constData(), n) != expected)
                m_firstMismatch = m_received;
        }
        m_received += n;
    }
}

} // namespace tiercache::test
