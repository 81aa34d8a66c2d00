// SPDX-License-Identifier: MIT
#include <tiercache/bodycompression.h>

#include <QtCore/QRegularExpression>

namespace tiercache {

namespace {
    constexpr int ZstdDefaultLevel = 3;
    constexpr int ZstdMaxLevel = 19; // 20+ ("ultra") want windows larger than the decoder allows
    constexpr int GzipDefaultLevel = 6;
    constexpr int GzipMaxLevel = 9;

    QByteArray headerOf(const QNetworkCacheMetaData &metaData, const QByteArray &name)
    {
        for (const auto &header : metaData.rawHeaders()) {
            if (header.first.compare(name, Qt::CaseInsensitive) == 0)
                return header.second;
        }
        return {};
    }
} // namespace

BodyCompression::BodyCompression(Algorithm algorithm, int level)
    : m_algorithm(algorithm), m_level(algorithm == Algorithm::None ? 0 : level)
{
}

QString BodyCompression::algorithmName(Algorithm algorithm)
{
    switch (algorithm) {
    case Algorithm::Zstd:
        return QStringLiteral("zstd");
    case Algorithm::Gzip:
        return QStringLiteral("gzip");
    case Algorithm::None:
        break;
    }
    return QStringLiteral("none");
}

bool BodyCompression::algorithmFromValue(int value, Algorithm *algorithm)
{
    if (value < 0 || value > int(Algorithm::Gzip))
        return false;
    *algorithm = Algorithm(value);
    return true;
}

QString BodyCompression::toString() const
{
    if (!isEnabled())
        return algorithmName(m_algorithm);
    return QStringLiteral("%1:%2").arg(algorithmName(m_algorithm)).arg(m_level);
}

BodyCompression BodyCompression::parse(const QString &text, QString *problem)
{
    static const QRegularExpression rx(QStringLiteral("^\\s*([a-z]+)\\s*(?::\\s*(\\d{1,3})\\s*)?$"),
                                       QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch m = rx.match(text);
    const QString name = m.captured(1).toLower();
    const bool hasLevel = m.hasMatch() && !m.captured(2).isEmpty();
    const int level = m.captured(2).toInt();
    if (m.hasMatch() && name == QLatin1String("none") && !hasLevel)
        return {};
    if (m.hasMatch() && name == QLatin1String("zstd")) {
        if (!hasLevel)
            return {Algorithm::Zstd, ZstdDefaultLevel};
        if (level >= 1 && level <= ZstdMaxLevel)
            return {Algorithm::Zstd, level};
        *problem = QStringLiteral("the zstd level must be from 1 to %1, not %2")
                           .arg(ZstdMaxLevel)
                           .arg(level);
        return {};
    }
    if (m.hasMatch() && name == QLatin1String("gzip")) {
        if (!hasLevel)
            return {Algorithm::Gzip, GzipDefaultLevel};
        if (level >= 1 && level <= GzipMaxLevel)
            return {Algorithm::Gzip, level};
        *problem = QStringLiteral("the gzip level must be from 1 to %1, not %2")
                           .arg(GzipMaxLevel)
                           .arg(level);
        return {};
    }
    *problem = QStringLiteral("not a compression (zstd, gzip or none, with an optional level: "
                              "zstd:19, gzip:9)");
    return {};
}

bool BodyCompression::isCompressible(const QNetworkCacheMetaData &metaData)
{
    // QNAM decodes Content-Encoding but keeps the header: whatever it names, the origin thought
    // the body worth compressing, and our stored copy is the decoded one. Still, "identity"
    // is the only value we know to be uncompressed at the origin too.
    const QByteArray encoding = headerOf(metaData, "content-encoding").trimmed().toLower();
    if (!encoding.isEmpty() && encoding != "identity")
        return false;
    QByteArray type = headerOf(metaData, "content-type").toLower();
    if (const qsizetype semicolon = type.indexOf(';'); semicolon >= 0)
        type.truncate(semicolon);
    type = type.trimmed();
    if (type.isEmpty())
        return false; // unknown: might be anything, an archive included
    if (type.startsWith("text/"))
        return true;
    const qsizetype slash = type.indexOf('/');
    if (slash <= 0)
        return false;
    const QByteArray top = type.left(slash);
    const QByteArray sub = type.mid(slash + 1);
    // Structured syntax suffixes (RFC 6839): application/ld+json, image/svg+xml, ...
    if (sub.endsWith("+json") || sub.endsWith("+xml") || sub.endsWith("+yaml")
        || sub.endsWith("+text"))
        return true;
    if (top == "application") {
        static const QByteArrayList textual = {
                "json",
                "xml",
                "javascript",
                "x-javascript",
                "ecmascript",
                "x-yaml",
                "yaml",
                "toml",
                "csv",
                "x-ndjson",
                "ndjson",
                "graphql",
                "x-www-form-urlencoded",
                "wasm",
                "x-sh",
                "sql",
                "rtf",
                "postscript",
                "x-tex",
                "manifest+json",
        };
        return textual.contains(sub);
    }
    if (top == "font")
        return sub == "ttf" || sub == "otf" || sub == "sfnt" || sub == "collection";
    if (top == "image")
        return sub == "bmp" || sub == "x-ms-bmp" || sub == "x-icon" || sub == "vnd.microsoft.icon"
                || sub == "tiff";
    return false; // other images, audio, video, archives, woff (compressed inside)
}

} // namespace tiercache
