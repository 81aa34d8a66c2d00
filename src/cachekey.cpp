// SPDX-License-Identifier: MIT
#include "cachekey_p.h"

namespace tiercache {

QString normalizedCacheKey(const QUrl &url)
{
    if (!url.isValid() || url.isRelative() || url.host().isEmpty())
        return {};
    // The password never reaches the disk; the user name stays part of the key. Path
    // segments are normalized exactly as QNAM does before sending the request
    // (QHttpNetworkRequest::uri()), so the key names what the origin was asked for — even
    // where Qt 6.4's normalization differs from RFC 3986 ("/a/./b/../c" is sent as "/a//c").
    // Formatting options rather than QUrl::adjusted(): no copy of the URL on every lookup.
    QUrl::FormattingOptions options = QUrl::RemoveFragment | QUrl::RemovePassword
            | QUrl::NormalizePathSegments | QUrl::FullyEncoded;
    const int port = url.port();
    if (port >= 0) {
        const QString scheme = url.scheme();
        if ((port == 80 && scheme == QLatin1String("http"))
            || (port == 443 && scheme == QLatin1String("https")))
            options |= QUrl::RemovePort;
    }
    QByteArray encoded = url.toEncoded(options);
    // "http://host" and "http://host?q" ask for "/": make the path explicit.
    const qsizetype authority = encoded.indexOf("//");
    if (authority >= 0) {
        qsizetype end = authority + 2;
        while (end < encoded.size() && encoded.at(end) != '/' && encoded.at(end) != '?')
            ++end;
        if (end == encoded.size() || encoded.at(end) == '?')
            encoded.insert(end, '/');
    }
    return QString::fromLatin1(encoded);
}

} // namespace tiercache
