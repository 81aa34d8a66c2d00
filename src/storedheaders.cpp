// SPDX-License-Identifier: MIT
#include "storedheaders_p.h"

#include "freshness_p.h"

#include <QtCore/QList>
#include <QtNetwork/QNetworkCacheMetaData>

namespace tiercache::storedheaders {

namespace {
    QList<QByteArray> tokenList(const QByteArray &value)
    {
        QList<QByteArray> tokens;
        for (const QByteArray &part : value.split(',')) {
            QByteArray token = part.trimmed().toLower();
            if (token.size() >= 2 && token.startsWith('"') && token.endsWith('"'))
                token = token.mid(1, token.size() - 2).trimmed();
            if (!token.isEmpty())
                tokens.append(token);
        }
        return tokens;
    }

    // The field names of a qualified no-cache="a, b" (CacheControl::parse() splits on every
    // comma, so the quoted list is read here).
    QList<QByteArray> noCacheFields(const QByteArray &cacheControl)
    {
        QList<QByteArray> names;
        const QByteArray lower = cacheControl.toLower();
        qsizetype from = 0;
        while ((from = lower.indexOf("no-cache", from)) >= 0) {
            qsizetype i = from + 8;
            from = i;
            while (i < lower.size() && (lower.at(i) == ' ' || lower.at(i) == '\t'))
                ++i;
            if (i >= lower.size() || lower.at(i) != '=')
                continue;
            ++i;
            while (i < lower.size() && (lower.at(i) == ' ' || lower.at(i) == '\t'))
                ++i;
            if (i < lower.size() && lower.at(i) == '"') {
                const qsizetype end = lower.indexOf('"', i + 1);
                names += tokenList(lower.mid(i + 1, end < 0 ? -1 : end - i - 1));
            } else {
                qsizetype end = lower.indexOf(',', i);
                names += tokenList(lower.mid(i, end < 0 ? -1 : end - i));
            }
        }
        return names;
    }
} // namespace

QNetworkCacheMetaData withoutUnstorableFields(const QNetworkCacheMetaData &md,
                                              const QByteArray &connection)
{
    // Run on every insert: names compared in place, no set built per call.
    static constexpr const char *HopByHop[] = {
            "connection",         "keep-alive", "proxy-connection",   "te",
            "transfer-encoding",  "upgrade",    "proxy-authenticate", "proxy-authentication-info",
            "proxy-authorization"};
    const QList<QByteArray> named = tokenList(connection) + tokenList(rawHeader(md, "connection"))
            + noCacheFields(rawHeader(md, "cache-control"));
    auto dropped = [&](const QByteArray &name) {
        for (const char *field : HopByHop) {
            if (name.compare(field, Qt::CaseInsensitive) == 0)
                return true;
        }
        for (const QByteArray &field : named) {
            if (name.compare(field, Qt::CaseInsensitive) == 0)
                return true;
        }
        return false;
    };
    QNetworkCacheMetaData::RawHeaderList kept;
    bool changed = false;
    for (const auto &h : md.rawHeaders()) {
        if (dropped(h.first)) {
            changed = true;
            continue;
        }
        kept.append(h);
    }
    if (!changed)
        return md;
    QNetworkCacheMetaData stored = md;
    stored.setRawHeaders(kept);
    return stored;
}

QList<QByteArray> varyFields(const QNetworkCacheMetaData &md)
{
    QList<QByteArray> fields;
    for (const auto &h : md.rawHeaders()) {
        if (h.first.compare("vary", Qt::CaseInsensitive) == 0)
            fields += tokenList(h.second);
    }
    return fields;
}

QString varyRefusal(const QNetworkCacheMetaData &md)
{
    const QList<QByteArray> fields = varyFields(md);
    if (fields.isEmpty())
        return {};
    if (fields.contains("*"))
        return QStringLiteral("Vary: * matches no later request");
    if (rawHeader(md, "etag").trimmed().isEmpty())
        return QStringLiteral("Vary without an ETag cannot be revalidated per request");
    return {};
}

} // namespace tiercache::storedheaders
