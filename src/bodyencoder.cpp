// SPDX-License-Identifier: MIT
#include "bodycodec_p.h"

#include <tiercache/bodycompression.h>

#include <zlib.h>
#include <zstd.h>

namespace tiercache {

namespace {
    constexpr qint64 OutStep = 64 * 1024;
} // namespace

class BodyEncoderPrivate
{
public:
    BodyCompression compression;
    bool decided = false;
    BodyCompression::Algorithm algorithm = BodyCompression::Algorithm::None;
    QByteArray probe; // raw bytes kept back until the decision
    qint64 bodySize = 0;
    qint64 storedSize = 0;
    QString error;
    ZSTD_CCtx *zstd = nullptr;
    z_stream zlib {};
    bool zlibOpen = false;
    qint64 frameFill = 0; // body bytes in the current frame

    ~BodyEncoderPrivate() { closeCompressor(); }

    void closeCompressor()
    {
        if (zstd)
            codec::releaseZstdCompressor(zstd);
        zstd = nullptr;
        if (zlibOpen)
            deflateEnd(&zlib);
        zlibOpen = false;
    }

    bool openCompressor()
    {
        if (compression.algorithm() == BodyCompression::Algorithm::Zstd) {
            zstd = codec::acquireZstdCompressor();
            if (!zstd
                || ZSTD_isError(
                        ZSTD_CCtx_setParameter(zstd, ZSTD_c_compressionLevel, compression.level()))
                || ZSTD_isError(ZSTD_CCtx_setParameter(zstd, ZSTD_c_checksumFlag, 1))
                || ZSTD_isError(
                        ZSTD_CCtx_setParameter(zstd, ZSTD_c_windowLog, codec::ZstdWindowLog)))
                return fail(QStringLiteral("cannot set up the zstd compressor"));
            return true;
        }
        // windowBits 15 + 16: a gzip stream (header, deflate data, CRC-32 and length).
        if (deflateInit2(&zlib, compression.level(), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
            != Z_OK)
            return fail(QStringLiteral("cannot set up the gzip compressor"));
        zlibOpen = true;
        return true;
    }

    bool fail(const QString &why)
    {
        if (error.isEmpty())
            error = why;
        closeCompressor();
        return false;
    }

    enum class Mode { Continue, Flush, End };

    // Compresses \a size bytes and appends what the compressor hands out to \a out.
    bool compress(const char *data, qint64 size, Mode mode, QByteArray *out)
    {
        if (zstd) {
            ZSTD_inBuffer in {data, size_t(size), 0};
            const ZSTD_EndDirective directive = mode == Mode::End ? ZSTD_e_end
                    : mode == Mode::Flush                         ? ZSTD_e_flush
                                                                  : ZSTD_e_continue;
            for (;;) {
                const qsizetype before = out->size();
                out->resize(before + OutStep);
                ZSTD_outBuffer o {out->data() + before, size_t(OutStep), 0};
                const size_t left = ZSTD_compressStream2(zstd, &o, &in, directive);
                out->resize(before + qsizetype(o.pos));
                if (ZSTD_isError(left))
                    return fail(
                            QStringLiteral("zstd: %1").arg(QLatin1String(ZSTD_getErrorName(left))));
                const bool inputDone = in.pos == in.size;
                if (directive == ZSTD_e_continue ? inputDone : (inputDone && left == 0))
                    return true;
            }
        }
        zlib.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data));
        zlib.avail_in = uInt(size);
        const int flush = mode == Mode::End ? Z_FINISH
                : mode == Mode::Flush       ? Z_SYNC_FLUSH
                                            : Z_NO_FLUSH;
        for (;;) {
            const qsizetype before = out->size();
            out->resize(before + OutStep);
            zlib.next_out = reinterpret_cast<Bytef *>(out->data() + before);
            zlib.avail_out = uInt(OutStep);
            const int rc = deflate(&zlib, flush);
            out->resize(before + OutStep - zlib.avail_out);
            if (rc == Z_STREAM_ERROR)
                return fail(QStringLiteral("gzip: deflate failed"));
            if (mode == Mode::End) {
                if (rc == Z_STREAM_END)
                    return true;
            } else if (zlib.avail_in == 0 && zlib.avail_out != 0) {
                return true;
            }
        }
    }

    // Compresses \a size body bytes, ending a frame after every codec::FrameSize of them (a
    // frame that ends here starts the next one afresh: independent frames, each with its
    // checksum). With Mode::Flush the bytes given are flushed; Mode::End ends the last frame.
    bool compressAll(const char *data, qint64 size, Mode mode, QByteArray *out)
    {
        while (size > 0) {
            const qint64 n = qMin(size, codec::FrameSize - frameFill);
            const bool frameFull = frameFill + n == codec::FrameSize;
            const Mode step = frameFull                ? Mode::End
                    : n == size && mode == Mode::Flush ? Mode::Flush
                                                       : Mode::Continue;
            if (!compress(data, n, step, out))
                return false;
            frameFill += n;
            data += n;
            size -= n;
            if (frameFull && !startFrame())
                return false;
        }
        if (mode == Mode::End && (frameFill > 0 || !anyFrame)) {
            anyFrame = true; // the empty body is one empty frame
            return compress(nullptr, 0, Mode::End, out);
        }
        return true;
    }

    bool startFrame()
    {
        frameFill = 0;
        anyFrame = true;
        if (zlibOpen && deflateReset(&zlib) != Z_OK)
            return fail(QStringLiteral("gzip: cannot start a member"));
        return true; // zstd starts a new frame after ZSTD_e_end by itself
    }

    bool anyFrame = false;

    void emitBytes(const QByteArray &bytes, QByteArray *out)
    {
        out->append(bytes);
        storedSize += bytes.size();
    }

    // The probe is complete (or the body ended in it): compress it and decide.
    bool decide(bool ended, QByteArray *out)
    {
        decided = true;
        QByteArray compressed;
        if (!compressAll(probe.constData(), probe.size(), ended ? Mode::End : Mode::Flush,
                         &compressed))
            return false;
        const bool worth = ended ? compressed.size() < probe.size()
                                 : compressed.size() <= probe.size() / 8 * 7;
        if (worth) {
            algorithm = compression.algorithm();
            emitBytes(compressed, out);
        } else {
            closeCompressor();
            emitBytes(probe, out);
        }
        probe = QByteArray();
        return true;
    }
};

BodyEncoder::BodyEncoder(const BodyCompression &compression, const QNetworkCacheMetaData &metaData)
    : d(std::make_unique<BodyEncoderPrivate>())
{
    d->compression = compression;
    if (!compression.isEnabled() || !BodyCompression::isCompressible(metaData))
        d->decided = true;
    else if (!d->openCompressor())
        d->decided = true; // errorString() tells; write() refuses
}

BodyEncoder::~BodyEncoder() = default;

bool BodyEncoder::write(const char *data, qint64 size, QByteArray *out)
{
    if (!d->error.isEmpty())
        return false;
    if (size <= 0)
        return true;
    d->bodySize += size;
    if (!d->decided) {
        const qint64 take = qMin(size, BodyEncoder::ProbeSize - d->probe.size());
        d->probe.append(data, take);
        data += take;
        size -= take;
        if (d->probe.size() < BodyEncoder::ProbeSize)
            return true;
        if (!d->decide(false, out))
            return false;
        if (size == 0)
            return true;
    }
    if (d->algorithm == BodyCompression::Algorithm::None) {
        out->append(data, size);
        d->storedSize += size;
        return true;
    }
    const qsizetype before = out->size();
    if (!d->compressAll(data, size, BodyEncoderPrivate::Mode::Continue, out))
        return false;
    d->storedSize += out->size() - before;
    return true;
}

bool BodyEncoder::finish(QByteArray *out)
{
    if (!d->error.isEmpty())
        return false;
    if (!d->decided)
        return d->decide(true, out);
    if (d->algorithm == BodyCompression::Algorithm::None)
        return true;
    const qsizetype before = out->size();
    if (!d->compressAll(nullptr, 0, BodyEncoderPrivate::Mode::End, out))
        return false;
    d->storedSize += out->size() - before;
    d->closeCompressor();
    return true;
}

bool BodyEncoder::isDecided() const
{
    return d->decided;
}

BodyCompression::Algorithm BodyEncoder::algorithm() const
{
    return d->algorithm;
}

qint64 BodyEncoder::bodySize() const
{
    return d->bodySize;
}

qint64 BodyEncoder::storedSize() const
{
    return d->storedSize;
}

QString BodyEncoder::errorString() const
{
    return d->error;
}

} // namespace tiercache
