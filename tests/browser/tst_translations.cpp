// SPDX-License-Identifier: MIT
// The German catalogue is complete: every user-visible string of the Browser's sources (as
// lupdate finds them now) has a finished, non-empty translation, with the same placeholders.

#include <QtCore/QFile>
#include <QtCore/QHash>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtCore/QXmlStreamReader>
#include <QtTest/QTest>

namespace {
struct Message
{
    QString context, source;
    QStringList translations; // one per numerus form
    bool unfinished = false;
};

QList<Message> readTs(const QString &path, QString *error)
{
    QList<Message> messages;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = file.errorString();
        return messages;
    }
    QXmlStreamReader xml(&file);
    QString context;
    Message m;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement())
            continue;
        if (xml.name() == QLatin1String("name")) {
            context = xml.readElementText();
        } else if (xml.name() == QLatin1String("message")) {
            m = Message();
            m.context = context;
        } else if (xml.name() == QLatin1String("source")) {
            m.source = xml.readElementText();
        } else if (xml.name() == QLatin1String("translation")) {
            const QString type = xml.attributes().value(QLatin1String("type")).toString();
            m.unfinished = type == QLatin1String("unfinished") || type == QLatin1String("obsolete")
                    || type == QLatin1String("vanished");
            const QString text = xml.readElementText(QXmlStreamReader::IncludeChildElements);
            m.translations = {text};
            messages.append(m);
        } else if (xml.name() == QLatin1String("numerusform")) {
            // handled by IncludeChildElements above
        }
    }
    if (xml.hasError())
        *error = xml.errorString();
    return messages;
}

QStringList placeholders(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("%(\\d|n)"));
    QStringList found;
    for (auto it = re.globalMatch(text); it.hasNext();)
        found.append(it.next().captured(0));
    found.sort();
    found.removeDuplicates();
    return found;
}
} // namespace

class tst_Translations : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyMessageIsTranslated();
    void everySourceStringIsInTheCatalogue();
};

void tst_Translations::everyMessageIsTranslated()
{
    QString error;
    const QList<Message> messages = readTs(QStringLiteral(TS_FILE), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(messages.size() > 50);
    for (const Message &m : messages) {
        const QString what = m.context + QLatin1String(": ") + m.source;
        QVERIFY2(!m.unfinished, qPrintable(QLatin1String("unfinished: ") + what));
        QVERIFY2(!m.translations.value(0).trimmed().isEmpty(),
                 qPrintable(QLatin1String("empty: ") + what));
        QCOMPARE(placeholders(m.translations.value(0)), placeholders(m.source));
    }
}

void tst_Translations::everySourceStringIsInTheCatalogue()
{
    // lupdate the sources into a scratch copy: a string added in the code since the catalogue
    // was last updated shows up there as unfinished.
    QTemporaryDir dir;
    const QString scratch = dir.filePath(QStringLiteral("scratch_de.ts"));
    QVERIFY(QFile::copy(QStringLiteral(TS_FILE), scratch));
    QFile::setPermissions(scratch, QFile::ReadOwner | QFile::WriteOwner);
    QProcess lupdate;
    lupdate.start(QStringLiteral(LUPDATE),
                  {QStringLiteral("-no-obsolete"), QStringLiteral("-locations"),
                   QStringLiteral("none"), QStringLiteral(BROWSER_SOURCE_DIR),
                   QStringLiteral("-ts"), scratch});
    QVERIFY(lupdate.waitForFinished(60000));
    QCOMPARE(lupdate.exitCode(), 0);
    QString error;
    const QList<Message> messages = readTs(scratch, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    for (const Message &m : messages) {
        QVERIFY2(!m.unfinished && !m.translations.value(0).trimmed().isEmpty(),
                 qPrintable(QStringLiteral("not translated: %1: %2").arg(m.context, m.source)));
    }
}

QTEST_GUILESS_MAIN(tst_Translations)
#include "tst_translations.moc"
