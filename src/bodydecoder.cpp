// SPDX-License-Identifier: MIT
#include "bodycodec_p.h"

#include <tiercache/bodycompression.h>

#include <zlib.h>
#include <zstd.h>

namespace tiercache {

class BodyDecoderPrivate
{
public:
    BodyCompression::Algorithm algorithm = BodyCompression::Algorithm::None;
    qint64 bodySize = 0;
    qint64 decoded = 0;
    QByteArray input;
    qsizetype inputPos = 0;
    bool ended = false; // the stream's end was decoded (its checksum checked)
    QString error;
    ZSTD_DCtx *zstd = nullptr;
    z_stream zlib {};
    bool zlibOpen = false;

    ~BodyDecoderPrivate() { close(); }

    void close()
    {
        if (zstd)
            ZSTD_freeDCtx(zstd);
        zstd = nullptr;
        if (zlibOpen)
            inflateEnd(&zlib);
        zlibOpen = false;
    }

    bool fail(const QString &why)
    {
        if (error.isEmpty())
            error = why;
        close();
        return false;
    }

    bool open()
    {
        switch (algorithm) {
        case BodyCompression::Algorithm::Zstd:
            zstd = ZSTD_createDCtx();
            if (!zstd
                || ZSTD_isError(ZSTD_DCtx_setParameter(zstd, ZSTD_d_windowLogMax,
                                                       codec::ZstdWindowLog)))
                return fail(QStringLiteral("cannot set up the zstd decompressor"));
            return true;
        case BodyCompression::Algorithm::Gzip:
            if (inflateInit2(&zlib, 15 + 16) != Z_OK) // gzip only, no zlib or raw deflate
                return fail(QStringLiteral("cannot set up the gzip decompressor"));
            zlibOpen = true;
            return true;
        case BodyCompression::Algorithm::None:
            return true;
        }
        return fail(QStringLiteral("unknown compression"));
    }

    // Decodes into \a out (of \a room bytes); returns the bytes produced, -1 on damage.
    qint64 step(char *out, qint64 room)
    {
        const qsizetype inLeft = input.size() - inputPos;
        if (ended) {
            if (inLeft > 0)
                return fail(QStringLiteral("%1 bytes follow the end of the compressed body")
                                    .arg(inLeft)),
                       -1;
            return 0;
        }
        if (algorithm == BodyCompression::Algorithm::None) {
            const qint64 n = qMin<qint64>(room, inLeft);
            memcpy(out, input.constData() + inputPos, size_t(n));
            inputPos += n;
            return n;
        }
        if (zstd) {
            ZSTD_inBuffer in {input.constData() + inputPos, size_t(inLeft), 0};
            ZSTD_outBuffer o {out, size_t(room), 0};
            const size_t rc = ZSTD_decompressStream(zstd, &o, &in);
            inputPos += qsizetype(in.pos);
            if (ZSTD_isError(rc))
                return fail(QStringLiteral("damaged zstd data: %1")
                                    .arg(QLatin1String(ZSTD_getErrorName(rc)))),
                       -1;
            if (rc == 0)
                ended = true; // frame complete, its checksum verified
            return qint64(o.pos);
        }
        zlib.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(input.constData() + inputPos));
        zlib.avail_in = uInt(qMin<qsizetype>(inLeft, 1 << 30));
        zlib.next_out = reinterpret_cast<Bytef *>(out);
        zlib.avail_out = uInt(room);
        const uInt availIn = zlib.avail_in;
        const int rc = inflate(&zlib, Z_NO_FLUSH);
        inputPos += availIn - zlib.avail_in;
        const qint64 produced = room - zlib.avail_out;
        if (rc == Z_STREAM_END) {
            ended = true; // CRC-32 and length verified
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            return fail(QStringLiteral("damaged gzip data: %1")
                                .arg(QLatin1String(zlib.msg ? zlib.msg : "inflate failed"))),
                   -1;
        }
        return produced;
    }
};

BodyDecoder::BodyDecoder(BodyCompression::Algorithm algorithm, qint64 bodySize)
    : d(std::make_unique<BodyDecoderPrivate>())
{
    d->algorithm = algorithm;
    d->bodySize = bodySize;
    d->open();
}

BodyDecoder::~BodyDecoder() = default;

void BodyDecoder::feed(const QByteArray &stored)
{
    if (d->inputPos >= d->input.size()) {
        d->input = stored;
    } else {
        d->input = d->input.mid(d->inputPos) + stored;
    }
    d->inputPos = 0;
}

bool BodyDecoder::next(QByteArray *out, qint64 maxSize)
{
    out->clear();
    if (!d->error.isEmpty())
        return false;
    // Near the end, one byte more than the body still holds: a stream that decodes longer is
    // damaged.
    const qint64 remaining = qMax<qint64>(0, d->bodySize - d->decoded);
    const qint64 room = qMax<qint64>(1, maxSize) < remaining ? qMax<qint64>(1, maxSize)
                                                             : remaining + 1;
    out->resize(room);
    qint64 filled = 0;
    while (filled < room) {
        const qsizetype inputBefore = d->inputPos;
        const qint64 n = d->step(out->data() + filled, room - filled);
        if (n < 0) {
            out->clear();
            return false;
        }
        filled += n;
        if (n == 0 && d->inputPos == inputBefore)
            break; // needs input (or the stream ended)
    }
    if (d->decoded + filled > d->bodySize) {
        out->clear();
        return d->fail(QStringLiteral("the compressed data decodes to more than the %1 bytes "
                                      "of the body")
                               .arg(d->bodySize));
    }
    out->resize(filled);
    d->decoded += filled;
    if (d->algorithm == BodyCompression::Algorithm::None && d->decoded == d->bodySize)
        d->ended = d->inputPos >= d->input.size();
    return true;
}

bool BodyDecoder::finish()
{
    if (!d->error.isEmpty())
        return false;
    if (d->input.size() > d->inputPos && d->ended)
        return d->fail(QStringLiteral("%1 bytes follow the end of the compressed body")
                               .arg(d->input.size() - d->inputPos));
    if (!d->ended || d->decoded != d->bodySize || d->input.size() > d->inputPos)
        return d->fail(QStringLiteral("the compressed data ends after %1 of %2 body bytes")
                               .arg(d->decoded)
                               .arg(d->bodySize));
    return true;
}

qint64 BodyDecoder::decodedSize() const
{
    return d->decoded;
}

QString BodyDecoder::errorString() const
{
    return d->error;
}

bool BodyDecoder::decodeAll(BodyCompression::Algorithm algorithm, const QByteArray &stored,
                            qint64 bodySize, QByteArray *body, QString *errorString)
{
    BodyDecoder decoder(algorithm, bodySize);
    decoder.feed(stored);
    QByteArray all;
    QByteArray piece;
    bool ok = true;
    while ((ok = decoder.next(&piece, 1024 * 1024)) && !piece.isEmpty())
        all.append(piece);
    ok = ok && decoder.finish();
    if (!ok) {
        if (errorString)
            *errorString = decoder.errorString();
        return false;
    }
    *body = std::move(all);
    return true;
}

} // namespace tiercache
