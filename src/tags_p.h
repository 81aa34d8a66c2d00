// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QStringList>

class QNetworkCacheMetaData;

namespace tiercache {

/*
    Cache tags named by a response: Cache-Tag (comma-separated, as CDNs use it), Surrogate-Key
    (space-separated) and Cache-Groups (RFC 9875, a structured-field list of strings). Limits
    keep a hostile origin from bloating the index: headers over 16 KiB are ignored, at most 64
    tags per response, each 1-256 printable ASCII characters. Rejected input is described in
    \a problems (for a categorized warning), never an error for the request.
*/
namespace tags {

    constexpr int MaxTagsPerResponse = 64;
    constexpr int MaxTagLength = 256;
    constexpr int MaxHeaderLength = 16 * 1024;

    QStringList fromHeaders(const QNetworkCacheMetaData &md, QStringList *problems);
    //! RFC 9875 Cache-Groups / Cache-Group-Invalidation value: a list of sf-strings.
    QStringList parseStructuredStringList(const QByteArray &value, QStringList *problems);
    //! Checks one tag from any source (headers or the application); false with a reason.
    bool isValidTag(const QString &tag, QString *why);
    //! Adds \a more to \a tags, skipping invalid ones and duplicates, up to the limit.
    void merge(QStringList *tags, const QStringList &more, QStringList *problems);

    /*
        Tags travel with each stored record, in its metadata, under a reserved header: a tier
        that keeps no tag index of its own (memory, sqlite, redis plugins) still knows the tags
        of what it holds, so a chain without the disk tier can list and invalidate them from
        any process. Whatever an origin sends under that name is replaced, the header is never
        shown to QNAM, and tags read back are checked again like any other input.
    */
    constexpr char RecordHeader[] = "X-Tiercache-Tags";
    //! \a md with \a tags in the reserved header (replacing any value; none for no tags).
    QNetworkCacheMetaData withRecordTags(const QNetworkCacheMetaData &md, const QStringList &tags);
    //! The tags stored in \a md's reserved header (valid ones only).
    QStringList recordTags(const QNetworkCacheMetaData &md);
    //! \a md without the reserved header, for everything that leaves the cache.
    QNetworkCacheMetaData withoutRecordTags(const QNetworkCacheMetaData &md);

} // namespace tags
} // namespace tiercache
