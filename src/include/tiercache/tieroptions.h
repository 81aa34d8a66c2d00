// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/bodycompression.h>
#include <tiercache/tiercache_export.h>
#include <tiercache/tierspec.h>

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <limits>
#include <memory>

namespace tiercache {

class TierOptionsPrivate;

/*!
    \brief Reads the options of a TierSpec the way every tier factory should: unknown keys
    and malformed or out-of-range values are refused with one clear message naming the spec.

    The constructor checks the keys against the ones the tier knows. Each typed getter returns
    the value of its key, or the default when the key is absent; a malformed or out-of-range
    value records an error (the first one wins, the getter returns the default) so that a
    factory reads all its options and checks isValid() once. Sizes use the one size grammar,
    TierSpec::parseSize().

    \code
    std::unique_ptr<tiercache::Tier> MyFactory::create(const tiercache::TierSpec &spec,
                                                       QString *errorString)
    {
        tiercache::TierOptions options(spec, {QStringLiteral("max"), QStringLiteral("timeout_ms")});
        const qint64 max = options.size(QStringLiteral("max"), 64 * 1024 * 1024, 1);
        const qint64 timeout = options.integer(QStringLiteral("timeout_ms"), 100, 1, 60000);
        if (!options.isValid()) {
            // tier "mytier:?max=lots": max="lots" is not a size of at least 1 bytes (e.g. 64MiB)
            *errorString = options.errorString();
            return nullptr;
        }
        return std::make_unique<MyTier>(max, int(timeout));
    }
    \endcode
*/
class TIERCACHE_EXPORT TierOptions
{
public:
    static constexpr qint64 Unlimited = std::numeric_limits<qint64>::max();

    //! Refuses any key of \a spec that is not in \a knownKeys.
    TierOptions(const TierSpec &spec, const QStringList &knownKeys);
    ~TierOptions();
    TierOptions(const TierOptions &) = delete;
    TierOptions &operator=(const TierOptions &) = delete;

    const TierSpec &spec() const;
    //! True while no problem was found.
    bool isValid() const;
    //! The first problem, as \c{tier "<spec, password hidden>": <problem>}; empty when valid.
    QString errorString() const;
    //! The first problem without the spec, e.g. \c{max="lots" is not a size (e.g. 64MiB)}.
    QString problem() const;
    //! Records a problem the factory found itself (a missing or inconsistent option), unless
    //! an earlier one was recorded already.
    void addProblem(const QString &problem);

    //! The text of \a key (percent-decoded), or \a defaultValue.
    QString string(const QString &key, const QString &defaultValue = {}) const;
    //! A size (TierSpec::parseSize()) from \a minimum to \a maximum bytes.
    qint64 size(const QString &key, qint64 defaultValue, qint64 minimum = 0,
                qint64 maximum = Unlimited);
    //! A whole number from \a minimum to \a maximum.
    qint64 integer(const QString &key, qint64 defaultValue, qint64 minimum, qint64 maximum);
    //! A duration in milliseconds: seconds ("90"), or a number with s, m, h or d ("15m"); at
    //! most 100 years.
    qint64 durationMs(const QString &key, qint64 defaultMs);
    //! "true", "false", "1", "0", "yes", "no", "on" or "off".
    bool boolean(const QString &key, bool defaultValue);
    //! A compression, BodyCompression::parse(): "zstd", "zstd:19", "gzip:6", "none".
    BodyCompression compression(const QString &key = QStringLiteral("compress"),
                                const BodyCompression &defaultValue = {});

private:
    Q_DECLARE_PRIVATE(TierOptions)
    std::unique_ptr<TierOptionsPrivate> d_ptr;
};

} // namespace tiercache
