// SPDX-License-Identifier: MIT
#include "bodycodec_p.h"

#include <tiercache/bodycompression.h>

#include <zlib.h>
#include <zstd.h>

#include <cstring>

namespace tiercache {

namespace {
    constexpr qint64 Step = 64 * 1024;
} // namespace

class BodyDecoderPrivate
{
public:
    BodyCompression::Algorithm algorithm = BodyCompression::Algorithm::None;
    qint64 bodySize = 0;
    qint64 decoded = 0; // handed out
    QByteArray input;
    qsizetype inputPos = 0;
    QByteArray frame; // decoded bytes of the frame in progress: not checked yet
    QByteArray ready; // bytes of checked frames, from readyPos on not handed out yet
    qsizetype readyPos = 0;
    bool inFrame = false; // a frame has started and not ended
    QString error;
    ZSTD_DCtx *zstd = nullptr;
    z_stream zlib {};
    bool zlibOpen = false;

    ~BodyDecoderPrivate() { close(); }

    void close()
    {
        if (zstd)
            codec::releaseZstdDecompressor(zstd);
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
        frame = QByteArray();
        ready = QByteArray();
        readyPos = 0;
        return false;
    }

    bool open()
    {
        switch (algorithm) {
        case BodyCompression::Algorithm::Zstd:
            zstd = codec::acquireZstdDecompressor();
            if (!zstd
                || ZSTD_isError(
                        ZSTD_DCtx_setParameter(zstd, ZSTD_d_windowLogMax, codec::ZstdWindowLog)))
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

    qsizetype inputLeft() const { return input.size() - inputPos; }

    /*
        Decodes from the input into the frame in progress, until the frame ends (its bytes
        then move to ready, checked) or the input runs out. Returns false on damage; sets
        \a progress when it consumed input or produced bytes.
    */
    bool decodeFrame(bool *progress)
    {
        *progress = false;
        if (algorithm == BodyCompression::Algorithm::None) {
            // Nothing to check: the tier's own checks cover stored bytes as they are.
            if (inputLeft() > 0) {
                ready = readyPos < ready.size() ? ready.mid(readyPos) : QByteArray();
                ready.append(input.constData() + inputPos, inputLeft());
                readyPos = 0;
                inputPos = input.size();
                *progress = true;
            }
            return true;
        }
        for (;;) {
            if (inputLeft() == 0)
                return true;
            // One byte more than a frame holds, to see a frame that is too long.
            const qint64 room = qMin<qint64>(Step, codec::FrameSize + 1 - frame.size());
            if (room <= 0)
                return fail(QStringLiteral("a compressed frame decodes to more than %1 bytes")
                                    .arg(codec::FrameSize));
            const qsizetype before = frame.size();
            frame.resize(before + room);
            char *out = frame.data() + before;
            const qsizetype inBefore = inputPos;
            qint64 produced = 0;
            bool frameEnd = false;
            if (zstd) {
                ZSTD_inBuffer in {input.constData() + inputPos, size_t(inputLeft()), 0};
                ZSTD_outBuffer o {out, size_t(room), 0};
                const size_t rc = ZSTD_decompressStream(zstd, &o, &in);
                inputPos += qsizetype(in.pos);
                produced = qint64(o.pos);
                if (ZSTD_isError(rc)) {
                    frame.resize(before);
                    return fail(QStringLiteral("damaged zstd data: %1")
                                        .arg(QLatin1String(ZSTD_getErrorName(rc))));
                }
                frameEnd = rc == 0; // the frame's checksum matched
            } else {
                zlib.next_in =
                        reinterpret_cast<Bytef *>(const_cast<char *>(input.constData() + inputPos));
                zlib.avail_in = uInt(qMin<qsizetype>(inputLeft(), 1 << 30));
                zlib.next_out = reinterpret_cast<Bytef *>(out);
                zlib.avail_out = uInt(room);
                const uInt availIn = zlib.avail_in;
                const int rc = inflate(&zlib, Z_NO_FLUSH);
                inputPos += availIn - zlib.avail_in;
                produced = room - zlib.avail_out;
                if (rc == Z_STREAM_END) {
                    frameEnd = true; // the member's CRC-32 and length matched
                    if (inflateReset(&zlib) != Z_OK)
                        return fail(QStringLiteral("cannot restart the gzip decompressor"));
                } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
                    frame.resize(before);
                    return fail(
                            QStringLiteral("damaged gzip data: %1")
                                    .arg(QLatin1String(zlib.msg ? zlib.msg : "inflate failed")));
                }
            }
            frame.resize(before + produced);
            if (inputPos > inBefore || produced > 0) {
                *progress = true;
                inFrame = true;
            }
            if (frame.size() > codec::FrameSize)
                return fail(QStringLiteral("a compressed frame decodes to more than %1 bytes")
                                    .arg(codec::FrameSize));
            if (frameEnd) {
                inFrame = false;
                ready = readyPos < ready.size() ? ready.mid(readyPos) + frame : frame;
                readyPos = 0;
                frame = QByteArray();
                return true;
            }
            if (inputPos == inBefore && produced == 0)
                return true; // needs more input
        }
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
    if (d->inputPos >= d->input.size())
        d->input = stored;
    else
        d->input = d->input.mid(d->inputPos) + stored;
    d->inputPos = 0;
}

bool BodyDecoder::next(QByteArray *out, qint64 maxSize)
{
    out->clear();
    if (!d->error.isEmpty())
        return false;
    maxSize = qMax<qint64>(1, maxSize);
    for (;;) {
        const qsizetype available = d->ready.size() - d->readyPos;
        if (available > 0) {
            if (d->decoded + available > d->bodySize)
                return d->fail(QStringLiteral("the compressed data decodes to more than the %1 "
                                              "bytes of the body")
                                       .arg(d->bodySize));
            const qint64 n = qMin<qint64>(maxSize, available);
            *out = d->ready.mid(d->readyPos, n);
            d->readyPos += n;
            d->decoded += n;
            if (d->readyPos == d->ready.size()) {
                d->ready = QByteArray();
                d->readyPos = 0;
            }
            return true;
        }
        bool progress = false;
        if (!d->decodeFrame(&progress))
            return false;
        if (!progress && d->ready.size() == d->readyPos)
            return true; // feed more
    }
}

bool BodyDecoder::finish()
{
    if (!d->error.isEmpty())
        return false;
    bool progress = true;
    while (progress && d->ready.size() == d->readyPos) {
        if (!d->decodeFrame(&progress))
            return false;
    }
    if (d->ready.size() > d->readyPos)
        return d->fail(QStringLiteral("the compressed data decodes to more than the %1 bytes of "
                                      "the body")
                               .arg(d->bodySize));
    if (d->inFrame || d->inputLeft() > 0 || !d->frame.isEmpty() || d->decoded != d->bodySize)
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
