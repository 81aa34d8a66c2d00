// SPDX-License-Identifier: MIT
#pragma once

#include "tierfacets_p.h"

#include <QtCore/QHash>
#include <QtCore/QSet>

namespace tiercache {

/*
    The tag index of a chain without a tier that keeps one (e.g. memory: alone): in this
    process only, gone with it, like the entries it indexes.
*/
class MemoryTagIndex final : public TagIndex
{
public:
    bool setTags(const QString &key, const QStringList &tags) override;
    QStringList tagsOf(const QString &key) override { return m_tagsOf.value(key); }
    QStringList keysForTags(const QStringList &tags) override;
    QList<QPair<QString, qint64>> tagCounts() override;
    bool dropTags(const QStringList &keys) override;

private:
    QHash<QString, QSet<QString>> m_keys; // tag -> keys
    QHash<QString, QStringList> m_tagsOf; // key -> tags
};

} // namespace tiercache
