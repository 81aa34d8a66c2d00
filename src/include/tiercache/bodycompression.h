// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtNetwork/QNetworkCacheMetaData>

#include <memory>

namespace tiercache {

/*!
    \brief How a tier compresses the bodies it stores: an algorithm and its level (a value).

    Every tier takes it as its \c compress option, read with TierOptions::compression():
    \c{compress=zstd}, \c{compress=zstd:19}, \c{compress=gzip:6} or \c{compress=none} (the
    default). Only bodies of compressible content types are compressed (isCompressible()), and
    only when that saves space (BodyEncoder); a tier records per entry which algorithm, if any,
    its stored bytes use, so entries written with another setting stay readable.
*/
class TIERCACHE_EXPORT BodyCompression
{
public:
    //! Stored per entry by tiers: the values never change.
    enum class Algorithm : quint8 { None = 0, Zstd = 1, Gzip = 2 };

    BodyCompression() = default;
    BodyCompression(Algorithm algorithm, int level);

    Algorithm algorithm() const { return m_algorithm; }
    //! The level given, or the algorithm's default (zstd 3, gzip 6); 0 for None.
    int level() const { return m_level; }
    bool isEnabled() const { return m_algorithm != Algorithm::None; }
    //! "zstd:3", "gzip:6" or "none".
    QString toString() const;

    /*!
        Reads "none", "zstd", "gzip", "zstd:LEVEL" (1 to 19) or "gzip:LEVEL" (1 to 9). Returns
        a disabled value and sets \a problem (without the option's name) for anything else.
    */
    static BodyCompression parse(const QString &text, QString *problem);
    //! "zstd", "gzip" or "none".
    static QString algorithmName(Algorithm algorithm);
    //! The algorithm stored as \a value, false for a value no tier writes.
    static bool algorithmFromValue(int value, Algorithm *algorithm);

    /*!
        True when a body with these response headers is worth compressing: a textual
        Content-Type (any text type, JSON, XML, JavaScript, SVG, CSS, CSV, YAML, WebAssembly, fonts
        stored uncompressed, ...) and no Content-Encoding other than identity (QNAM stores the
        decoded body but keeps the header, and an encoded body is compressed already). Images,
        audio, video and archives are never compressed.
    */
    static bool isCompressible(const QNetworkCacheMetaData &metaData);

private:
    Algorithm m_algorithm = Algorithm::None;
    int m_level = 0;
};

class BodyEncoderPrivate;

/*!
    \brief Turns a body, written in pieces, into the bytes a tier stores: compressed, or as is.

    Memory stays bounded whatever the body's size: the encoder keeps the first ProbeSize bytes
    to decide, then the compressor's own state (zstd's window is at most 2 MiB, and frames
    end every 256 KiB of body; gzip's is 32 KiB) and whatever output the caller has not
    taken yet.

    The decision: bodies of a type isCompressible() refuses are stored as is from the first
    byte. Otherwise the first ProbeSize bytes are compressed and kept back; a body that ends
    within them is stored compressed only when the result is smaller, a longer one only when
    the probe shrank to at most 7/8 of its size (text that compresses at the start compresses
    on, and an incompressible start costs one probe, not the whole body). algorithm() tells
    the outcome once decided() is true; a tier records it with the entry.

    \code
    tiercache::BodyEncoder encoder(compression, metaData);
    QByteArray stored;
    encoder.write(data, size, &stored); // repeatedly; append stored to the tier's storage
    encoder.finish(&stored);            // the rest
    record.setStoredSize(encoder.storedSize());
    store(encoder.algorithm());         // None: the stored bytes are the body
    \endcode
*/
class TIERCACHE_EXPORT BodyEncoder
{
public:
    static constexpr qint64 ProbeSize = 64 * 1024;

    BodyEncoder(const BodyCompression &compression, const QNetworkCacheMetaData &metaData);
    ~BodyEncoder();
    BodyEncoder(const BodyEncoder &) = delete;
    BodyEncoder &operator=(const BodyEncoder &) = delete;

    //! Takes \a size body bytes and appends the stored bytes that are ready to \a out.
    //! False (with errorString()) when the compressor fails; the encoder is then dead.
    bool write(const char *data, qint64 size, QByteArray *out);
    //! Ends the body and appends the remaining stored bytes to \a out.
    bool finish(QByteArray *out);

    //! Whether algorithm() is final (after the probe, or after finish()).
    bool isDecided() const;
    //! The algorithm of the stored bytes: None when the body is stored as is.
    BodyCompression::Algorithm algorithm() const;
    //! Body bytes written so far.
    qint64 bodySize() const;
    //! Stored bytes handed out so far (all of them after finish()).
    qint64 storedSize() const;
    QString errorString() const;

private:
    std::unique_ptr<BodyEncoderPrivate> d;
};

class BodyDecoderPrivate;

/*!
    \brief Turns stored, compressed bytes back into the body, a bounded piece at a time.

    BodyEncoder writes the body as independent frames of 256 KiB of body each (zstd frames,
    gzip members), every one with the codec's checksum of its decoded bytes (zstd's content
    checksum, gzip's CRC-32 and length). The decoder hands out a frame's bytes only after that
    checksum matched, so a damaged stream never yields a wrong byte, and it holds at most one
    frame in memory however far a hostile frame would expand. The caller feeds stored bytes
    with feed() and takes the body with next(), at most \c maxSize bytes per call; given the
    body size, exactly that many bytes must come out. Anything else (a damaged, truncated or
    foreign stream, trailing bytes, a longer frame or a larger window than the encoder makes)
    is an error: the entry is damaged, never a shorter or altered body.
*/
class TIERCACHE_EXPORT BodyDecoder
{
public:
    BodyDecoder(BodyCompression::Algorithm algorithm, qint64 bodySize);
    ~BodyDecoder();
    BodyDecoder(const BodyDecoder &) = delete;
    BodyDecoder &operator=(const BodyDecoder &) = delete;

    //! Queues stored bytes for next().
    void feed(const QByteArray &stored);
    /*!
        Decodes up to \a maxSize body bytes from what was fed into \a out (replacing its
        contents). An empty \a out with a true result means "feed more". False with
        errorString() on damage; the decoder is then dead.
    */
    bool next(QByteArray *out, qint64 maxSize);
    /*!
        Called when no stored bytes are left: true when the stream ended exactly, with every
        body byte decoded and handed out by next(), and nothing after it.
    */
    bool finish();
    //! Body bytes handed out so far.
    qint64 decodedSize() const;
    QString errorString() const;

    //! Decodes all of \a stored at once, for small bodies; false on any damage.
    static bool decodeAll(BodyCompression::Algorithm algorithm, const QByteArray &stored,
                          qint64 bodySize, QByteArray *body, QString *errorString = nullptr);

private:
    std::unique_ptr<BodyDecoderPrivate> d;
};

} // namespace tiercache
