// SPDX-License-Identifier: MIT
#include <tiercache/metadatacodec.h>

#include <QtCore/QDateTime>
#include <QtCore/QUrl>
#include <QtCore/QtEndian>
#include <QtNetwork/QNetworkRequest>

#include <cstring>
#include <limits>

namespace tiercache {

/*
    Our own format, not QDataStream << QNetworkCacheMetaData: that streams the attributes as
    arbitrary QVariants, and Qt 6.4 crashes on some of them when reading damaged bytes (a
    QBitArray with a negative length). Here every field has a fixed type and every length is
    checked against what is left before anything is allocated.

        u32 magic "TCMD", u32 version (2)
        str url, i64 expiration (ms, or INT64_MIN), i64 last-modified (ms, or INT64_MIN),
        u8 saveToDisk, u32 header count, (bytes name, bytes value)*,
        i32 status (or -1), bytes reason phrase, str redirect target
    where bytes/str = u32 length + data (str as UTF-8).
*/
namespace {
    constexpr quint32 Magic = MetaDataCodec::Magic;
    constexpr quint32 FormatVersion = MetaDataCodec::FormatVersion;
    constexpr qint64 NoDate = std::numeric_limits<qint64>::min();
    constexpr quint32 MaxHeaders = 4096;

    class Writer
    {
    public:
        void u8(quint8 v) { m_out.append(char(v)); }
        void u32(quint32 v)
        {
            char b[4];
            qToLittleEndian(v, b);
            m_out.append(b, 4);
        }
        void i64(qint64 v)
        {
            char b[8];
            qToLittleEndian(v, b);
            m_out.append(b, 8);
        }
        void bytes(const QByteArray &v)
        {
            u32(quint32(v.size()));
            m_out.append(v);
        }
        QByteArray m_out;
    };

    class Reader
    {
    public:
        explicit Reader(const QByteArray &in) : m_in(in) { }
        bool ok() const { return m_ok; }
        bool atEnd() const { return m_pos == m_in.size(); }
        quint8 u8() { return take(1) ? quint8(m_in.at(m_pos - 1)) : 0; }
        quint32 u32()
        {
            return take(4) ? qFromLittleEndian<quint32>(m_in.constData() + m_pos - 4) : 0;
        }
        qint64 i64()
        {
            return take(8) ? qFromLittleEndian<qint64>(m_in.constData() + m_pos - 8) : 0;
        }
        QByteArray bytes()
        {
            const quint32 n = u32();
            if (!m_ok || n > quint32(m_in.size() - m_pos)) {
                m_ok = false;
                return {};
            }
            m_pos += n;
            return m_in.mid(m_pos - n, n);
        }

    private:
        bool take(qsizetype n)
        {
            if (!m_ok || m_in.size() - m_pos < n) {
                m_ok = false;
                return false;
            }
            m_pos += n;
            return true;
        }
        const QByteArray &m_in;
        qsizetype m_pos = 0;
        bool m_ok = true;
    };

    qint64 toMs(const QDateTime &dt)
    {
        return dt.isValid() ? dt.toMSecsSinceEpoch() : NoDate;
    }

    QDateTime fromMs(qint64 ms)
    {
        return ms == NoDate ? QDateTime() : QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
    }
} // namespace

QByteArray MetaDataCodec::encode(const QNetworkCacheMetaData &md)
{
    const auto headers = md.rawHeaders();
    Writer w;
    // One allocation: appending field by field reallocated the buffer a dozen times (perf of
    // 4 KiB inserts: QByteArray::insert was half of encode()).
    const QByteArray url = md.url().toString(QUrl::FullyEncoded).toUtf8();
    qsizetype size = 128 + url.size();
    for (const auto &h : headers)
        size += 8 + h.first.size() + h.second.size();
    w.m_out.reserve(size);
    w.u32(Magic);
    w.u32(FormatVersion);
    w.bytes(url);
    w.i64(toMs(md.expirationDate()));
    w.i64(toMs(md.lastModified()));
    w.u8(md.saveToDisk() ? 1 : 0);
    w.u32(quint32(headers.size()));
    for (const auto &h : headers) {
        w.bytes(h.first);
        w.bytes(h.second);
    }
    // Only the attributes QNAM stores and reads back (qnetworkreplyhttpimpl.cpp).
    const auto attributes = md.attributes();
    const QVariant status = attributes.value(QNetworkRequest::HttpStatusCodeAttribute);
    w.u32(quint32(status.isValid() ? status.toInt() : -1));
    w.bytes(attributes.value(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray());
    w.bytes(attributes.value(QNetworkRequest::RedirectionTargetAttribute)
                    .toUrl()
                    .toString(QUrl::FullyEncoded)
                    .toUtf8());
    return w.m_out;
}

bool MetaDataCodec::decode(const QByteArray &bytes, QNetworkCacheMetaData *md)
{
    Reader r(bytes);
    if (r.u32() != Magic || r.u32() != FormatVersion || !r.ok())
        return false;
    QNetworkCacheMetaData decoded;
    const QUrl url(QString::fromUtf8(r.bytes()), QUrl::StrictMode);
    decoded.setExpirationDate(fromMs(r.i64()));
    decoded.setLastModified(fromMs(r.i64()));
    decoded.setSaveToDisk(r.u8() != 0);
    const quint32 count = r.u32();
    if (!r.ok() || count > MaxHeaders)
        return false;
    QNetworkCacheMetaData::RawHeaderList headers;
    headers.reserve(count);
    for (quint32 i = 0; i < count && r.ok(); ++i) {
        QByteArray name = r.bytes();
        QByteArray value = r.bytes();
        headers.append({std::move(name), std::move(value)});
    }
    QNetworkCacheMetaData::AttributesMap attributes;
    const qint32 status = qint32(r.u32());
    if (status >= 0)
        attributes.insert(QNetworkRequest::HttpStatusCodeAttribute, status);
    const QByteArray reason = r.bytes();
    if (!reason.isEmpty())
        attributes.insert(QNetworkRequest::HttpReasonPhraseAttribute, reason);
    const QByteArray redirect = r.bytes();
    if (!redirect.isEmpty()) {
        const QUrl target(QString::fromUtf8(redirect), QUrl::StrictMode);
        if (target.isValid()) // a damaged one is dropped, so that decoding is canonical
            attributes.insert(QNetworkRequest::RedirectionTargetAttribute, target);
    }
    if (!r.ok() || !r.atEnd() || !url.isValid())
        return false;
    decoded.setUrl(url); // drops password and fragment, which can leave a damaged URL invalid
    if (!decoded.url().isValid())
        return false;
    decoded.setRawHeaders(headers);
    decoded.setAttributes(attributes);
    *md = std::move(decoded);
    return true;
}

} // namespace tiercache
