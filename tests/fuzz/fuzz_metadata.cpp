// SPDX-License-Identifier: MIT
// decodeMetaData() on arbitrary bytes: a catalogue row may be damaged or written by anything
// that can write the database. Whatever decodes must survive encode -> decode unchanged (the
// catalogue rewrites rows on revalidation), and must have a valid URL.
#include "fuzz_common.h"

#include "metadatacodec_p.h"

#include <QtCore/QDataStream>
#include <QtCore/QDateTime>
#include <QtCore/QHash>
#include <QtCore/QIODevice>
#include <QtCore/QTimeZone>
#include <QtCore/QVariant>

namespace {

QByteArray variantBytes(const QVariant &v)
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setVersion(QDataStream::Qt_6_4);
    out << v;
    return bytes;
}

// The attributes with int keys: written by Qt's own operator<< (compiled into QtNetwork, so
// no enum is loaded here), read back up to them in the documented order.
QHash<qint32, QByteArray> attributeBytes(const QNetworkCacheMetaData &md)
{
    QByteArray bytes;
    {
        QDataStream out(&bytes, QIODevice::WriteOnly);
        out.setVersion(QDataStream::Qt_6_4);
        out << md;
    }
    QDataStream in(bytes);
    in.setVersion(QDataStream::Qt_6_4);
    QUrl url;
    QDateTime expirationDate, lastModified;
    bool saveToDisk = false;
    QHash<qint32, QVariant> byInt;
    in >> url >> expirationDate >> lastModified >> saveToDisk >> byInt;
    FUZZ_CHECK(in.status() == QDataStream::Ok, QStringLiteral("attributes do not read back"));
    QHash<qint32, QByteArray> result;
    for (auto it = byInt.cbegin(); it != byInt.cend(); ++it)
        result.insert(it.key(), variantBytes(it.value()));
    return result;
}

// Qt 6.4 reads an unknown time-spec byte into a QDateTime that claims to be valid, says
// Qt::TimeZone without a zone and is at the epoch (so an entry with it is merely expired);
// written again, it reads back invalid. Such dates are not compared.
bool sameDate(const QDateTime &original, const QDateTime &again)
{
    if (original.timeSpec() == Qt::TimeZone && !original.timeZone().isValid())
        return true;
    return original == again && original.isValid() == again.isValid();
}

QString describe(const QNetworkCacheMetaData &md)
{
    QString s = QStringLiteral(
                        "url=%1 lastModified=%2 expires=%3 saveToDisk=%4 headers=%5 attributes=%6")
                        .arg(md.url().toString(), md.lastModified().toString(Qt::ISODateWithMs),
                             md.expirationDate().toString(Qt::ISODateWithMs))
                        .arg(md.saveToDisk())
                        .arg(md.rawHeaders().size())
                        .arg(md.attributes().size());
    return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    QNetworkCacheMetaData md;
    if (!tiercache::decodeMetaData(bytes, &md))
        return 0;
    FUZZ_CHECK(md.url().isValid(), describe(md));

    const QByteArray encoded = tiercache::encodeMetaData(md);
    QNetworkCacheMetaData again;
    FUZZ_CHECK(tiercache::decodeMetaData(encoded, &again),
               QStringLiteral("re-encoded metadata does not decode: %1\n  from %2\n  re-encoded %3")
                       .arg(describe(md), fuzz::hex(bytes), fuzz::hex(encoded)));

    // (QUrl::operator== may tell apart URLs with the same text, e.g. relative ones with an
    // encoded '#' in the fragment: compare the text.)
    FUZZ_CHECK(again.url().toString(QUrl::FullyEncoded) == md.url().toString(QUrl::FullyEncoded),
               QStringLiteral("URL changed: \"%1\" -> \"%2\"")
                       .arg(md.url().toString(QUrl::FullyEncoded),
                            again.url().toString(QUrl::FullyEncoded)));
    FUZZ_CHECK(again.saveToDisk() == md.saveToDisk(), describe(md));
    FUZZ_CHECK(again.rawHeaders() == md.rawHeaders(), describe(md));
    FUZZ_CHECK(sameDate(md.lastModified(), again.lastModified()),
               QStringLiteral("Last-Modified changed: %1 -> %2")
                       .arg(md.lastModified().toString(Qt::ISODateWithMs),
                            again.lastModified().toString(Qt::ISODateWithMs)));
    FUZZ_CHECK(sameDate(md.expirationDate(), again.expirationDate()),
               QStringLiteral("expiration changed: %1 -> %2")
                       .arg(md.expirationDate().toString(Qt::ISODateWithMs),
                            again.expirationDate().toString(Qt::ISODateWithMs)));

    // Attributes are a QHash of QVariants keyed by an enum that the stream fills with any
    // 32-bit value (reading such a key as the enum is undefined behaviour): compare them as
    // int-keyed hashes, per key by serialized value (QVariant's operator== is false for NaN
    // doubles, and hash order is not part of the format).
    const QHash<qint32, QByteArray> attributes = attributeBytes(md);
    const QHash<qint32, QByteArray> attributesAgain = attributeBytes(again);
    FUZZ_CHECK(attributes == attributesAgain,
               QStringLiteral("attributes changed: %1 -> %2")
                       .arg(attributes.size())
                       .arg(attributesAgain.size()));

    // After one round trip the encoding is a fixpoint (up to hash order: compare sizes).
    const QByteArray encodedAgain = tiercache::encodeMetaData(again);
    QNetworkCacheMetaData third;
    FUZZ_CHECK(tiercache::decodeMetaData(encodedAgain, &third), describe(again));
    FUZZ_CHECK(tiercache::encodeMetaData(third).size() == encodedAgain.size(), describe(again));
    return 0;
}
