// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/bodycompression.h>
#include <tiercache/chunkedbodydevice.h>

#include <functional>
#include <memory>

namespace tiercache {

class DecodingBodyDevicePrivate;

/*!
    \brief The body device of a compressed entry: reads the stored bytes through another
    device and hands out the decoded body, one window of at most WindowSize bytes at a time.

    Built on ChunkedBodyDevice, so it serves QNAM's streaming and synchronous readers alike
    and fails the way every body device does: a stored device that fails (its own checks) or
    stored bytes that do not decode to exactly the body (BodyDecoder's checks) stop the
    device, call the tier's damage handler (which drops the entry) and abort the reply.

    The tier supplies an opener for its stored bytes: typically its own ChunkedBodyDevice over
    the stored size, with no parent, read synchronously. The opener may be called again when
    the device must start over (a ReadMode::Verified check of a long body reads it once
    ahead), so it must deliver the same version each time.

    \code
    auto *device = tiercache::DecodingBodyDevice::open(
            entry.algorithm, entry.bodySize,
            [=](QString *) { return new MyStoredDevice(store, entry); },
            [=](const QString &) { store->dropEntry(key, entry.generation); }, &error);
    \endcode
*/
class TIERCACHE_EXPORT DecodingBodyDevice : public ChunkedBodyDevice
{
    Q_OBJECT
public:
    static constexpr qint64 WindowSize = 64 * 1024;
    //! A new, open device over the stored bytes from their start, or nullptr (with the reason).
    using StoredOpener = std::function<QIODevice *(QString *errorString)>;
    using DamageHandler = std::function<void(const QString &reason)>;

    /*!
        Decodes the first window at once (a damaged start is found before anything is handed
        out) and returns the device, or nullptr with \a errorString set; \a onDamage is called
        in that case too.
    */
    static DecodingBodyDevice *open(BodyCompression::Algorithm algorithm, qint64 bodySize,
                                    StoredOpener opener, DamageHandler onDamage,
                                    QString *errorString = nullptr);
    ~DecodingBodyDevice() override;

protected:
    bool fetchWindow(qint64 offset, QByteArray *window, QString *errorString) override;
    void handleDamage(qint64 offset, const QString &reason) override;
    void releaseSource() override;

private:
    DecodingBodyDevice(std::unique_ptr<DecodingBodyDevicePrivate> d, qint64 bodySize,
                       const QByteArray &firstWindow);

    std::unique_ptr<DecodingBodyDevicePrivate> d;
};

} // namespace tiercache
