// SPDX-License-Identifier: MIT
#include "bodydevice_p.h"
#include "teedevice_p.h"

namespace tiercache {

TeeDevice::TeeDevice(QIODevice *source, const QNetworkCacheMetaData &metaData,
                     const QStringList &tags, qint64 bodySize, std::vector<Target> targets,
                     Done done)
    : m_source(source),
      m_metaData(metaData),
      m_tags(tags),
      m_bodySize(bodySize),
      m_targets(std::move(targets)),
      m_done(std::move(done))
{
    m_source->setParent(this);
    setProperty(BodyDevice::ForwardsReadyReadProperty, true);
    connect(m_source, &QIODevice::readyRead, this, &QIODevice::readyRead);
    connect(m_source, &QIODevice::readChannelFinished, this, &QIODevice::readChannelFinished);
    open(QIODevice::ReadOnly | QIODevice::Unbuffered);
}

TeeDevice::~TeeDevice()
{
    finish(false);
}

qint64 TeeDevice::bytesAvailable() const
{
    return m_source->bytesAvailable() + QIODevice::bytesAvailable();
}

bool TeeDevice::atEnd() const
{
    return m_ended && QIODevice::bytesAvailable() == 0;
}

qint64 TeeDevice::readData(char *data, qint64 maxSize)
{
    if (m_ended)
        return -1;
    const qint64 n = m_source->read(data, maxSize);
    if (n > 0) {
        m_passed += n;
        for (auto it = m_targets.begin(); it != m_targets.end();) {
            if (it->writer->write(data, n)) {
                ++it;
            } else {
                if (m_done)
                    m_done(it->index, false);
                it = m_targets.erase(it);
            }
        }
        return n;
    }
    // A non-sequential source (a QBuffer from a memory tier) says 0 at its end, not -1.
    const bool ended = n < 0 || (!m_source->isSequential() && m_source->atEnd());
    if (!ended)
        return 0;
    m_ended = true;
    finish(m_passed == m_bodySize);
    return -1;
}

qint64 TeeDevice::writeData(const char *, qint64)
{
    return -1;
}

void TeeDevice::finish(bool complete)
{
    for (Target &t : m_targets) {
        const bool committed = complete && t.writer->commit(m_metaData, m_tags);
        if (m_done)
            m_done(t.index, committed);
    }
    m_targets.clear();
}

} // namespace tiercache
