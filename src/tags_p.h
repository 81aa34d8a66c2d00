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

} // namespace tags
} // namespace tiercache
