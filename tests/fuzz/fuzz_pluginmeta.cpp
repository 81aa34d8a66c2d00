// SPDX-License-Identifier: MIT
// Tier plugin metadata as QPluginLoader::metaData() returns it, validated before the library
// is loaded: plugin files are found by directory scan, so their metadata is untrusted. The
// first input byte selects the decoder, the rest is the document:
//   even: JSON text, as in the plugin's .json file;
//   odd:  CBOR, the form Qt 6 embeds in the library, converted the way QPluginLoader does
//         (a map that parses without error; integer keys 2-5 are IID, className, MetaData,
//         URI, as in qplugin_p.h; each value through QCborValue::toJsonValue()).
// The decoded value is tried as the whole loader metadata, and wrapped as
// {"IID": ..., "MetaData": value} with the right IID and with an arbitrary one.
#include "fuzz_common.h"

#include "pluginmetadata_p.h"

#include <QtCore/QCborMap>
#include <QtCore/QCborValue>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QRegularExpression>

using namespace tiercache;

namespace {

void check(const QJsonObject &meta, const char *what)
{
    const TierPluginInfo info = pluginInfoFromMetaData(meta);
    const QString context =
            QStringLiteral("%1: %2 -> id \"%3\" error \"%4\"")
                    .arg(QLatin1String(what),
                         QString::fromUtf8(QJsonDocument(meta).toJson(QJsonDocument::Compact))
                                 .left(300),
                         info.id(), info.errorString());
    FUZZ_CHECK(info.fileName().isEmpty(), context);
    if (!info.isUsable())
        return;
    static const QRegularExpression idRx(QStringLiteral("^[a-z][a-z0-9+.-]*$"));
    FUZZ_CHECK(meta.value(QLatin1String("IID")).toString() == QLatin1String(TierFactory_iid), context);
    FUZZ_CHECK(meta.value(QLatin1String("MetaData")).isObject(), context);
    FUZZ_CHECK(idRx.match(info.id()).hasMatch(), context);
    FUZZ_CHECK(info.id() != QLatin1String("disk"), context);
    FUZZ_CHECK(info.apiVersion() == TierFactory::ApiVersion, context);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const QByteArray document(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    QJsonValue value;
    if (data[0] & 1) {
        // (QCborValue::toJsonValue() on what fromCbor() returns *with* an error can crash in
        // Qt 6.4; QPluginLoader never does that.)
        QCborParserError error;
        const QCborValue cbor = QCborValue::fromCbor(document, &error);
        if (error.error != QCborError::NoError || !cbor.isMap())
            return 0;
        QJsonObject object;
        const QCborMap map = cbor.toMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it) {
            QString key;
            if (it.key().isInteger()) {
                switch (it.key().toInteger()) {
                case 2: key = QStringLiteral("IID"); break;
                case 3: key = QStringLiteral("className"); break;
                case 4: key = QStringLiteral("MetaData"); break;
                case 5: key = QStringLiteral("URI"); break;
                default: break;
                }
            } else {
                key = it.key().toString();
            }
            if (!key.isEmpty())
                object.insert(key, it.value().toJsonValue());
        }
        value = object;
    } else {
        const QJsonDocument doc = QJsonDocument::fromJson(document);
        if (doc.isObject())
            value = doc.object();
        else if (doc.isArray())
            value = doc.array();
    }

    if (value.isObject())
        check(value.toObject(), "as loader metadata");

    QJsonObject wrapped;
    wrapped.insert(QLatin1String("IID"), QLatin1String(TierFactory_iid));
    wrapped.insert(QLatin1String("MetaData"), value);
    check(wrapped, "with the right IID");

    // An arbitrary IID: the object's own "IID" if any, else the raw document text.
    QJsonObject other = wrapped;
    const QJsonValue ownIid = value.toObject().value(QLatin1String("IID"));
    other.insert(QLatin1String("IID"), ownIid.isUndefined() ? QJsonValue(QString::fromUtf8(document.left(200))) : ownIid);
    check(other, "with another IID");
    return 0;
}
