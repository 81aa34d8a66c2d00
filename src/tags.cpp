// SPDX-License-Identifier: MIT
#include "freshness_p.h"
#include "tags_p.h"

#include <QtCore/QUrl>
#include <QtNetwork/QNetworkCacheMetaData>

namespace tiercache::tags {

bool isValidTag(const QString &tag, QString *why)
{
    if (tag.isEmpty()) {
        *why = QStringLiteral("empty tag");
        return false;
    }
    if (tag.size() > MaxTagLength) {
        *why = QStringLiteral("tag longer than %1 characters").arg(MaxTagLength);
        return false;
    }
    for (const QChar c : tag) {
        if (c.unicode() < 0x20 || c.unicode() > 0x7e) {
            *why = QStringLiteral("tag \"%1\" has a character outside printable ASCII")
                           .arg(tag.left(40));
            return false;
        }
    }
    return true;
}

void merge(QStringList *tags, const QStringList &more, QStringList *problems)
{
    for (const QString &tag : more) {
        QString why;
        if (!isValidTag(tag, &why)) {
            problems->append(why);
            continue;
        }
        if (tags->contains(tag))
            continue;
        if (tags->size() >= MaxTagsPerResponse) {
            problems->append(QStringLiteral("more than %1 tags; the rest are ignored")
                                     .arg(MaxTagsPerResponse));
            return;
        }
        tags->append(tag);
    }
}

QStringList parseStructuredStringList(const QByteArray &value, QStringList *problems)
{
    // RFC 8941 section 4.2.1 (lists) restricted to sf-string items with optional parameters.
    QStringList result;
    qsizetype i = 0;
    const qsizetype n = value.size();
    auto skipSpaces = [&] {
        while (i < n && (value[i] == ' ' || value[i] == '\t'))
            ++i;
    };
    skipSpaces();
    while (i < n) {
        if (value[i] != '"') {
            problems->append(QStringLiteral("Cache-Groups: item is not a string"));
            return result;
        }
        ++i;
        QByteArray item;
        bool closed = false;
        while (i < n) {
            const char c = value[i++];
            if (c == '\\') {
                if (i >= n || (value[i] != '"' && value[i] != '\\')) {
                    problems->append(QStringLiteral("Cache-Groups: bad escape"));
                    return result;
                }
                item += value[i++];
            } else if (c == '"') {
                closed = true;
                break;
            } else if (c < 0x20 || c > 0x7e) {
                problems->append(QStringLiteral("Cache-Groups: non-ASCII or control character"));
                return result;
            } else {
                item += c;
            }
        }
        if (!closed) {
            problems->append(QStringLiteral("Cache-Groups: unterminated string"));
            return result;
        }
        // Parameters (;key=value) carry nothing we use: skip them.
        while (i < n && value[i] == ';') {
            while (i < n && value[i] != ',')
                ++i;
        }
        result.append(QString::fromLatin1(item));
        skipSpaces();
        if (i >= n)
            break;
        if (value[i] != ',') {
            problems->append(QStringLiteral("Cache-Groups: expected ',' between items"));
            return result;
        }
        ++i;
        skipSpaces();
    }
    return result;
}

QStringList fromHeaders(const QNetworkCacheMetaData &md, QStringList *problems)
{
    QStringList result;
    for (const auto &h : md.rawHeaders()) {
        const auto is = [&h](QByteArrayView field) {
            return h.first.compare(field, Qt::CaseInsensitive) == 0;
        };
        const bool cacheTag = is("cache-tag");
        const bool surrogateKey = is("surrogate-key");
        const bool cacheGroups = is("cache-groups");
        if (!cacheTag && !surrogateKey && !cacheGroups)
            continue;
        if (h.second.size() > MaxHeaderLength) {
            problems->append(QStringLiteral("%1 header of %2 bytes ignored (limit %3)")
                                     .arg(QString::fromLatin1(h.first))
                                     .arg(h.second.size())
                                     .arg(MaxHeaderLength));
            continue;
        }
        QStringList found;
        if (cacheGroups) {
            found = parseStructuredStringList(h.second, problems);
        } else {
            // Cache-Tag is comma-separated, Surrogate-Key space-separated; QNAM joins repeated
            // header lines with ", ", so a Surrogate-Key list may hold commas too.
            QByteArray value = h.second;
            if (surrogateKey)
                value.replace(',', ' ');
            const char separator = cacheTag ? ',' : ' ';
            for (const QByteArray &part : value.split(separator)) {
                const QByteArray tag = part.trimmed();
                if (!tag.isEmpty())
                    found.append(QString::fromLatin1(tag));
            }
        }
        merge(&result, found, problems);
    }
    return result;
}

QNetworkCacheMetaData withRecordTags(const QNetworkCacheMetaData &md, const QStringList &tags)
{
    QNetworkCacheMetaData result = withoutRecordTags(md);
    if (tags.isEmpty())
        return result;
    QByteArrayList encoded;
    for (const QString &tag : tags)
        encoded.append(QUrl::toPercentEncoding(tag));
    QNetworkCacheMetaData::RawHeaderList headers = result.rawHeaders();
    headers.append({QByteArray(RecordHeader), encoded.join(' ')});
    result.setRawHeaders(headers);
    return result;
}

QStringList recordTags(const QNetworkCacheMetaData &md)
{
    const QByteArray value = rawHeader(md, RecordHeader);
    if (value.isEmpty() || value.size() > MaxHeaderLength * 3)
        return {};
    QStringList result;
    QStringList ignored;
    QStringList decoded;
    for (const QByteArray &part : value.split(' ')) {
        if (!part.isEmpty())
            decoded.append(QUrl::fromPercentEncoding(part));
    }
    merge(&result, decoded, &ignored);
    return result;
}

QNetworkCacheMetaData withoutRecordTags(const QNetworkCacheMetaData &md)
{
    const QNetworkCacheMetaData::RawHeaderList headers = md.rawHeaders();
    QNetworkCacheMetaData::RawHeaderList kept;
    kept.reserve(headers.size());
    bool found = false;
    for (const auto &h : headers) {
        if (h.first.compare(RecordHeader, Qt::CaseInsensitive) == 0)
            found = true;
        else
            kept.append(h);
    }
    if (!found)
        return md;
    QNetworkCacheMetaData result = md;
    result.setRawHeaders(kept);
    return result;
}

} // namespace tiercache::tags
