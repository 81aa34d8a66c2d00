// SPDX-License-Identifier: MIT
#include <tiercache/decodingbodydevice.h>

namespace tiercache {

namespace {
    constexpr qint64 StoredPiece = 64 * 1024;
} // namespace

class DecodingBodyDevicePrivate
{
public:
    BodyCompression::Algorithm algorithm = BodyCompression::Algorithm::None;
    qint64 bodySize = 0;
    DecodingBodyDevice::StoredOpener opener;
    DecodingBodyDevice::DamageHandler onDamage;
    std::unique_ptr<QIODevice> stored;
    std::unique_ptr<BodyDecoder> decoder;

    bool restart(QString *errorString)
    {
        decoder.reset();
        stored.reset(opener(errorString));
        if (!stored) {
            if (errorString->isEmpty())
                *errorString = QStringLiteral("the stored body cannot be opened");
            return false;
        }
        decoder = std::make_unique<BodyDecoder>(algorithm, bodySize);
        return true;
    }

    // The next decoded bytes, at most \a maxSize of them, or false with \a errorString.
    bool decodeNext(QByteArray *window, qint64 maxSize, QString *errorString)
    {
        for (;;) {
            if (!decoder->next(window, maxSize)) {
                *errorString = decoder->errorString();
                return false;
            }
            if (!window->isEmpty())
                return true;
            QByteArray piece(StoredPiece, Qt::Uninitialized);
            const qint64 n = stored->atEnd() ? -1 : stored->read(piece.data(), piece.size());
            if (n > 0) {
                piece.resize(n);
                decoder->feed(piece);
                continue;
            }
            auto *chunked = qobject_cast<ChunkedBodyDevice *>(stored.get());
            if (chunked && chunked->hasFailed()) {
                *errorString = QStringLiteral("stored bytes: %1").arg(stored->errorString());
                return false;
            }
            if (n == 0 && !stored->atEnd()) {
                *errorString = QStringLiteral("the stored body stopped after %1 body bytes")
                                       .arg(decoder->decodedSize());
                return false;
            }
            // The stored bytes ended before the body did.
            if (!decoder->finish()) {
                *errorString = decoder->errorString();
                return false;
            }
            *errorString = QStringLiteral("the compressed data ends early");
            return false;
        }
    }

    bool fetch(qint64 offset, QByteArray *window, QString *errorString)
    {
        if (!decoder || decoder->decodedSize() != offset) {
            if (!restart(errorString))
                return false;
            while (decoder->decodedSize() < offset) { // skip what was handed out already
                if (!decodeNext(window, qMin(WindowSizeOf(), offset - decoder->decodedSize()),
                                errorString))
                    return false;
            }
        }
        if (!decodeNext(window, qMin(WindowSizeOf(), bodySize - offset), errorString))
            return false;
        if (decoder->decodedSize() == bodySize) {
            // The last window: the stream must end here, checksum included.
            for (;;) {
                QByteArray piece(StoredPiece, Qt::Uninitialized);
                const qint64 n = stored->atEnd() ? -1 : stored->read(piece.data(), piece.size());
                if (n <= 0)
                    break;
                piece.resize(n);
                decoder->feed(piece);
                QByteArray extra;
                if (!decoder->next(&extra, 1) || !extra.isEmpty()) {
                    *errorString = decoder->errorString().isEmpty()
                            ? QStringLiteral("the compressed data is longer than the body")
                            : decoder->errorString();
                    return false;
                }
            }
            QByteArray extra;
            if (!decoder->next(&extra, 1) || !extra.isEmpty() || !decoder->finish()) {
                *errorString = decoder->errorString();
                return false;
            }
            stored.reset();
        }
        return true;
    }

    static constexpr qint64 WindowSizeOf() { return DecodingBodyDevice::WindowSize; }
};

DecodingBodyDevice *DecodingBodyDevice::open(BodyCompression::Algorithm algorithm, qint64 bodySize,
                                             StoredOpener opener, DamageHandler onDamage,
                                             QString *errorString)
{
    auto d = std::make_unique<DecodingBodyDevicePrivate>();
    d->algorithm = algorithm;
    d->bodySize = qMax<qint64>(0, bodySize);
    d->opener = std::move(opener);
    d->onDamage = std::move(onDamage);
    QByteArray first;
    if (d->bodySize > 0) {
        QString why;
        if (!d->fetch(0, &first, &why)) {
            if (d->onDamage)
                d->onDamage(why);
            if (errorString)
                *errorString = why;
            return nullptr;
        }
    }
    const qint64 size = d->bodySize;
    return new DecodingBodyDevice(std::move(d), size, first);
}

DecodingBodyDevice::DecodingBodyDevice(std::unique_ptr<DecodingBodyDevicePrivate> dd,
                                       qint64 bodySize, const QByteArray &firstWindow)
    : ChunkedBodyDevice(bodySize, firstWindow), d(std::move(dd))
{
    if (isFullyLoaded())
        ensureSourceReleased();
}

DecodingBodyDevice::~DecodingBodyDevice()
{
    ensureSourceReleased();
}

bool DecodingBodyDevice::fetchWindow(qint64 offset, QByteArray *window, QString *errorString)
{
    return d->fetch(offset, window, errorString);
}

void DecodingBodyDevice::handleDamage(qint64 offset, const QString &reason)
{
    ChunkedBodyDevice::handleDamage(offset, reason);
    if (d->onDamage)
        d->onDamage(reason);
}

void DecodingBodyDevice::releaseSource()
{
    d->stored.reset();
    d->decoder.reset();
}

} // namespace tiercache
