// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/tier.h>
#include <tiercache/tiercache_export.h>

#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QUrl>
#include <QtCore/QUrlQuery>

#include <memory>

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
    //! A size such as "64MiB", "512KiB", "1GiB", "1000" (bytes) or "64MB" (10^6 bytes).
    qint64 sizeValue(const QString &key, qint64 defaultValue, bool *ok) const;
    qint64 intValue(const QString &key, qint64 defaultValue, bool *ok) const;
    //! Keys present in the spec, to reject unknown ones.
    QStringList keys() const;

    static qint64 parseSize(const QString &text, bool *ok);

private:
    QString m_text;
    QString m_scheme;
    QUrl m_url;
    QUrlQuery m_query;
    QString m_error;
};

/*!
    \brief The root object of a tier plugin.

    A plugin is a Qt plugin whose root object derives from QObject and TierFactory, declared
    with Q_INTERFACES(tiercache::TierFactory) and
    Q_PLUGIN_METADATA(IID TierFactory_iid FILE "mytier.json"). The JSON file describes it:

    \code
    {
        "id": "mytier",
        "name": "My tier",
        "description": "Keeps entries in ...",
        "apiVersion": 2,
        "config": [
            { "key": "max", "type": "size", "default": "16MiB", "description": "byte budget" }
        ]
    }
    \endcode

    The loader reads this metadata before it loads the library, and refuses plugins with
    another IID or apiVersion. A complete minimal plugin:

    \code
    class MyFactory : public QObject, public tiercache::TierFactory
    {
        Q_OBJECT
        Q_PLUGIN_METADATA(IID TierFactory_iid FILE "mytier.json")
        Q_INTERFACES(tiercache::TierFactory)
    public:
        std::unique_ptr<tiercache::Tier> create(const tiercache::TierSpec &spec,
                                                QString *errorString) override
        {
            return std::make_unique<MyTier>(spec);
        }
    };
    \endcode
*/
class TIERCACHE_EXPORT TierFactory
{
public:
    static constexpr int ApiVersion = 2;

    virtual ~TierFactory();
    //! Creates a tier from \a spec, or returns nullptr and explains why in \a errorString.
    virtual std::unique_ptr<Tier> create(const TierSpec &spec, QString *errorString) = 0;
};

} // namespace tiercache

#define TierFactory_iid "org.tiercache.TierFactory/2"
Q_DECLARE_INTERFACE(tiercache::TierFactory, TierFactory_iid)
