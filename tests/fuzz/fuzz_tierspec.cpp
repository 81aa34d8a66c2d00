// SPDX-License-Identifier: MIT
// Tier specs come from configuration, command lines and environment variables. Parsing must
// not crash, the typed getters must be consistent, and redactedText() — what messages, logs
// and statistics show — must not reveal a password a plugin would be given.
//
// The input is the spec text (UTF-8). Every "XYZ" in it is replaced by a distinctive secret
// first, so "redis://u:XYZ@h:6379/0" or "memory:?password=XYZ" place a known password.
#include "fuzz_common.h"

#include <tiercache/tierfactory.h>

#include <QtCore/QRegularExpression>

using namespace tiercache;

namespace {

const QString Secret = QStringLiteral("Sx9Qv7Kw");

QString decoded(const QString &s)
{
    return QUrl::fromPercentEncoding(s.toUtf8());
}

void checkParseSize(const QString &text)
{
    bool ok = false;
    const qint64 v = TierSpec::parseSize(text, &ok);
    FUZZ_CHECK(!ok || v >= 0, QStringLiteral("parseSize(\"%1\") = %2").arg(text).arg(v));
    FUZZ_CHECK(ok || v == -1, QStringLiteral("parseSize(\"%1\") failed with %2").arg(text).arg(v));
    if (ok) {
        // Plain byte counts read back as themselves.
        bool okAgain = false;
        FUZZ_CHECK(TierSpec::parseSize(QString::number(v), &okAgain) == v && okAgain,
                   QStringLiteral("parseSize(\"%1\") = %2 does not read back").arg(text).arg(v));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    text.replace(QLatin1String("XYZ"), Secret);

    const TierSpec spec(text);
    const QString redacted = spec.redactedText();
    const QString error = spec.errorString();
    FUZZ_CHECK(spec.isValid() == (error.isEmpty() && !spec.scheme().isEmpty()), text);
    if (spec.isValid()) {
        static const QRegularExpression schemeRx(QStringLiteral("^[a-z][a-z0-9+.-]*$"));
        FUZZ_CHECK(schemeRx.match(spec.scheme()).hasMatch(),
                   QStringLiteral("scheme \"%1\"").arg(spec.scheme()));
        FUZZ_CHECK(spec.url().isValid(), text);
    }

    const QStringList keys = spec.keys();
    for (const QString &key : keys) {
        FUZZ_CHECK(spec.has(key), QStringLiteral("key \"%1\" of \"%2\"").arg(key, text));
        bool ok = false;
        const qint64 size = spec.sizeValue(key, -7, &ok);
        FUZZ_CHECK(ok ? size >= 0 : size == -7,
                   QStringLiteral("sizeValue(%1) = %2").arg(key).arg(size));
        const qint64 n = spec.intValue(key, -7, &ok);
        FUZZ_CHECK(ok || n == -7, QStringLiteral("intValue(%1) = %2").arg(key).arg(n));
        checkParseSize(spec.value(key));
    }
    bool ok = false;
    FUZZ_CHECK(spec.sizeValue(QStringLiteral("no-such-key"), 42, &ok) == 42 && ok, text);
    checkParseSize(text);

    // Redaction, for a secret that occurs exactly once (also after percent-decoding), so that
    // it cannot legitimately appear anywhere else in the spec.
    if (text.count(Secret) != 1 || decoded(text).count(Secret) != 1)
        return 0;
    const QString leak =
            QStringLiteral("password leaked: spec \"%1\" (%2) is shown as \"%3\" / error \"%4\"");
    if (spec.url().isValid()) {
        // What a plugin would be handed as a password.
        bool secretIsPassword = spec.url().password(QUrl::FullyDecoded).contains(Secret);
        if (spec.has(QStringLiteral("password")))
            secretIsPassword =
                    secretIsPassword || spec.value(QStringLiteral("password")).contains(Secret);
        if (secretIsPassword) {
            FUZZ_CHECK(!redacted.contains(Secret) && !decoded(redacted).contains(Secret),
                       leak.arg(text, QStringLiteral("valid URL"), redacted, error));
        }
    }
    // A spec that is not even a URL: anything that looks like a password option or the
    // password of a "//user:password@" user info is hidden, in the error message too.
    static const QRegularExpression userInfo(QStringLiteral("//[^/:@]*:[^/@]*") + Secret
                                             + QStringLiteral("[^/@]*@"));
    if (!spec.url().isValid()
        && (text.contains(QLatin1String("password=") + Secret)
            || userInfo.match(text).hasMatch())) {
        FUZZ_CHECK(!redacted.contains(Secret) && !decoded(redacted).contains(Secret),
                   leak.arg(text, QStringLiteral("invalid URL"), redacted, error));
        FUZZ_CHECK_UNLESS_KNOWN("spec-error-leak",
                                !error.contains(Secret) && !decoded(error).contains(Secret),
                                leak.arg(text, QStringLiteral("invalid URL"), redacted, error));
    }
    return 0;
}
