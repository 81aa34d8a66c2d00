// SPDX-License-Identifier: MIT
#pragma once

#include "tierchain_p.h"

#include <QtCore/QHash>

QT_BEGIN_NAMESPACE
class QIODevice;
class QObject;
QT_END_NAMESPACE

namespace tiercache {

/*
    A revalidation spans two metaData() calls with the network in between, and another
    process may replace or remove the entry meanwhile. The stale entry the first call found
    is pinned (its handle kept, its body open) so that the 304 is answered with that very body
    and its metadata update applies only while the stored body is still the same
    (Tier::updateMetaData() with the record's version). Pins expire after two minutes and are
    bounded in number: a revalidation that never comes back costs nothing lasting.
*/
class RevalidationPins
{
public:
    struct Pin
    {
        TierChain::Found found;
        QIODevice *body = nullptr; // owned until take() hands it out
        qint64 createdMs = 0;
    };

    explicit RevalidationPins(QObject *bodyParent) : m_bodyParent(bodyParent) { }
    ~RevalidationPins() { clear(); }

    //! Pins \a found for \a key, opening its body now.
    void pin(const QString &key, const TierChain::Found &found);
    //! The live pin of \a key, or nullptr.
    Pin *find(const QString &key);
    //! Hands the pinned body of \a key to the caller (who owns it then); nullptr if none.
    QIODevice *takeBody(const QString &key, qint64 *bodySize);
    void unpin(const QString &key);
    void clear();
    bool contains(const QString &key) const { return m_pins.contains(key); }

private:
    QObject *m_bodyParent;
    QHash<QString, Pin> m_pins;
};

} // namespace tiercache
