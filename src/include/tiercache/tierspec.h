// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tiercache_export.h>

#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QUrl>
#include <QtCore/QUrlQuery>

namespace tiercache {

/*!
    \brief A parsed tier spec: \c{memory:?max=64MiB}, \c{disk:},
    \c{sqlite:?path=/var/cache/app.db}, \c{redis://127.0.0.1:6379/0?prefix=tc:&timeout_ms=50}.

    The scheme names the plugin (its metadata "id"); the rest is the plugin's to interpret.
    The typed getters report malformed values through \a ok / errorString() so that a bad
    spec is refused with a message that names it.
*/
class TIERCACHE_EXPORT TierSpec
{
public:
    TierSpec() = default;
    explicit TierSpec(const QString &spec);

    bool isValid() const { return m_error.isEmpty() && !m_scheme.isEmpty(); }
    QString errorString() const { return m_error; }
    const QString &text() const { return m_text; }
    //! The spec with any password (in the user info or a "password" option) replaced by
    //! "***": what messages, logs and statistics show.
    QString redactedText() const;
    const QString &scheme() const { return m_scheme; }
    const QUrl &url() const { return m_url; }

    bool has(const QString &key) const;
    QString value(const QString &key, const QString &defaultValue = {}) const;
    //! The value of \a key read with parseSize().
    qint64 sizeValue(const QString &key, qint64 defaultValue, bool *ok) const;
    qint64 intValue(const QString &key, qint64 defaultValue, bool *ok) const;
    //! Keys present in the spec, to reject unknown ones.
    QStringList keys() const;

    /*!
        The one size grammar of Tiercache (tier specs, the command-line tool): a whole number
        of bytes ("1000", "1000B"), or a number with a unit, case-insensitive: binary "K",
        "Ki", "KiB" (2^10) up to "T", "Ti", "TiB" (2^40), decimal "KB" (10^3) up to "TB"
        (10^12). A unit may follow a fraction ("1.5GiB", rounded to the nearest byte);
        blanks around the number and the unit are allowed. Anything else, negative sizes and
        sizes beyond 2^63 - 1 bytes set \a ok to false and return -1.
    */
    static qint64 parseSize(const QString &text, bool *ok);

private:
    QString m_text;
    QString m_scheme;
    QUrl m_url;
    QUrlQuery m_query;
    QString m_error;
};

} // namespace tiercache
