// SPDX-License-Identifier: MIT
#include "insertdevice_p.h"
#include "logging_p.h"

namespace tiercache {

InsertDevice::InsertDevice(const QString &key, const QNetworkCacheMetaData &metaData,
                           std::vector<Target> targets, QObject *parent)
    : QIODevice(parent), m_key(key), m_metaData(metaData), m_targets(std::move(targets))
{
    open(QIODevice::WriteOnly | QIODevice::Unbuffered);
}

InsertDevice::~InsertDevice() = default;

void InsertDevice::discard()
{
    m_targets.clear(); // an uncommitted writer leaves nothing behind
}

qint64 InsertDevice::readData(char *, qint64)
{
    return -1;
}

qint64 InsertDevice::writeData(const char *data, qint64 size)
{
    if (m_leading.size() < 4)
        m_leading.append(data, qMin<qint64>(size, 4 - m_leading.size()));
    m_size += size;
    if (m_maximumSize >= 0 && m_size > m_maximumSize && !m_targets.empty()) {
        qCDebug(lcCache).noquote() << m_key << "exceeds the policy's maximum body size; not stored";
        discard();
    }
    for (auto it = m_targets.begin(); it != m_targets.end();) {
        if (it->writer->write(data, size)) {
            ++it;
        } else {
            qCDebug(lcCache).noquote() << "tier" << it->index << "declined" << m_key << ":"
                                       << it->writer->errorString();
            m_dropped.emplace_back(it->index, it->writer->errorString());
            it = m_targets.erase(it);
        }
    }
    // QNAM ignores the result; report success so that its own bookkeeping goes on.
    return size;
}

} // namespace tiercache
