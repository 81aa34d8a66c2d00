// SPDX-License-Identifier: MIT
#include "revalidationpins_p.h"

#include <QtCore/QDateTime>
#include <QtCore/QIODevice>

namespace tiercache {

namespace {
    constexpr qint64 PinLifetimeMs = 120 * 1000;
    constexpr qsizetype MaxPins = 32;
} // namespace

void RevalidationPins::pin(const QString &key, const TierChain::Found &found)
{
    unpin(key);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (auto it = m_pins.begin(); it != m_pins.end();) {
        if (now - it->createdMs > PinLifetimeMs || m_pins.size() >= MaxPins) {
            delete it->body;
            it = m_pins.erase(it);
        } else {
            ++it;
        }
    }
    Pin p;
    p.found = found;
    p.createdMs = now;
    p.body = found.entry->openBody();
    if (!p.body)
        return;
    p.body->setParent(m_bodyParent);
    m_pins.insert(key, p);
}

RevalidationPins::Pin *RevalidationPins::find(const QString &key)
{
    const auto it = m_pins.find(key);
    if (it == m_pins.end())
        return nullptr;
    if (QDateTime::currentMSecsSinceEpoch() - it->createdMs > PinLifetimeMs) {
        unpin(key);
        return nullptr;
    }
    return &*it;
}

QIODevice *RevalidationPins::takeBody(const QString &key, qint64 *bodySize)
{
    const auto it = m_pins.find(key);
    if (it == m_pins.end())
        return nullptr;
    Pin p = *it;
    m_pins.erase(it);
    if (p.body) {
        p.body->setParent(nullptr); // QNAM reparents it to the reply
        *bodySize = p.found.record.bodySize();
    }
    return p.body;
}

void RevalidationPins::unpin(const QString &key)
{
    const auto it = m_pins.find(key);
    if (it == m_pins.end())
        return;
    delete it->body;
    m_pins.erase(it);
}

void RevalidationPins::clear()
{
    for (auto it = m_pins.begin(); it != m_pins.end(); ++it)
        delete it->body;
    m_pins.clear();
}

} // namespace tiercache
