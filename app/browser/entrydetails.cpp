// SPDX-License-Identifier: MIT
#include "entrydetails.h"

#include "cataloguereader.h"

#include <tiercache/networkcache.h>

#include <QtCore/QFile>
#include <QtCore/QLocale>
#include <QtCore/QMimeDatabase>
#include <QtCore/QSaveFile>
#include <QtGui/QClipboard>
#include <QtGui/QGuiApplication>
#include <QtGui/QImage>
#include <QtGui/QPixmap>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QTextBrowser>
#include <QtWidgets/QVBoxLayout>

#include <memory>

namespace tiercache::browser {

namespace {
    enum PreviewPage { NonePage, TextPage, ImagePage, HexPage };

    QByteArray header(const QList<QPair<QByteArray, QByteArray>> &headers, const char *name)
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }

    // The value of a Cache-Control directive such as max-age, or -1.
    qint64 directive(const QByteArray &cacheControl, const QByteArray &name)
    {
        for (QByteArray part : cacheControl.split(',')) {
            part = part.trimmed().toLower();
            if (part.startsWith(name + '=')) {
                bool ok = false;
                const qint64 v = part.mid(name.size() + 1).trimmed().toLongLong(&ok);
                return ok ? v : -1;
            }
        }
        return -1;
    }

    QString hexDump(const QByteArray &bytes)
    {
        QString out;
        for (qsizetype i = 0; i < bytes.size(); i += 16) {
            const QByteArray line = bytes.mid(i, 16);
            out += QStringLiteral("%1  ").arg(i, 8, 16, QLatin1Char('0'));
            for (int j = 0; j < 16; ++j) {
                out += j < line.size()
                        ? QStringLiteral("%1 ").arg(quint8(line[j]), 2, 16, QLatin1Char('0'))
                        : QStringLiteral("   ");
            }
            out += QLatin1Char(' ');
            for (char c : line)
                out += (c >= 0x20 && c < 0x7f) ? QLatin1Char(c) : QLatin1Char('.');
            out += QLatin1Char('\n');
        }
        return out;
    }

    bool looksLikeText(const QString &contentType)
    {
        return contentType.startsWith(QLatin1String("text/"))
                || contentType.contains(QLatin1String("json"))
                || contentType.contains(QLatin1String("xml"))
                || contentType.contains(QLatin1String("javascript"));
    }
} // namespace

EntryDetails::EntryDetails(QWidget *parent)
    : QWidget(parent),
      m_info(new QTextBrowser),
      m_preview(new QStackedWidget),
      m_text(new QPlainTextEdit),
      m_image(new QLabel),
      m_hex(new QPlainTextEdit),
      m_previewNote(new QLabel),
      m_copyUrl(new QPushButton(tr("Copy URL"))),
      m_save(new QPushButton(tr("Save body…")))
{
    // Nothing in the info pane is a live link: it is our own escaped HTML.
    m_info->setOpenLinks(false);
    m_info->setOpenExternalLinks(false);
    m_text->setReadOnly(true);
    m_hex->setReadOnly(true);
    m_hex->setFont(QFont(QStringLiteral("monospace")));
    m_text->setFont(QFont(QStringLiteral("monospace")));
    m_image->setAlignment(Qt::AlignCenter);
    auto *empty = new QLabel(tr("No entry selected"));
    empty->setAlignment(Qt::AlignCenter);
    m_preview->addWidget(empty);
    m_preview->addWidget(m_text);
    m_preview->addWidget(m_image);
    m_preview->addWidget(m_hex);

    // The note on a row of its own, wrapped: beside the buttons, in a pane a quarter of the
    // window wide, it squeezed them until their labels were cut.
    m_previewNote->setWordWrap(true);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_copyUrl);
    buttons->addWidget(m_save);
    auto *previewBox = new QWidget;
    auto *previewLayout = new QVBoxLayout(previewBox);
    previewLayout->setContentsMargins(0, 0, 0, 0);
    previewLayout->addLayout(buttons);
    previewLayout->addWidget(m_previewNote);
    previewLayout->addWidget(m_preview, 1);

    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(m_info);
    splitter->addWidget(previewBox);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    connect(m_copyUrl, &QPushButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_url.toString(QUrl::FullyEncoded)); });
    connect(m_save, &QPushButton::clicked, this, &EntryDetails::askAndSaveBody);
    showEntry(QUrl());
}

QString EntryDetails::previewText() const
{
    return m_text->toPlainText();
}

QString EntryDetails::previewKind() const
{
    switch (m_preview->currentIndex()) {
    case TextPage:
        return QStringLiteral("text");
    case ImagePage:
        return QStringLiteral("image");
    case HexPage:
        return QStringLiteral("hex");
    default:
        return QStringLiteral("none");
    }
}

QString EntryDetails::infoHtml() const
{
    return m_info->toHtml();
}

void EntryDetails::setReader(CatalogueReader *reader)
{
    m_reader = reader;
    showEntry(QUrl());
}

EntryDetails::Read EntryDetails::read(const NetworkCache *cache, const QUrl &url, qint64 limit)
{
    Read r;
    if (!cache || !url.isValid())
        return r;
    r.entry = entry(*cache, url);
    if (!r.entry.isValid())
        return r;
    // Not in a catalogue (a tier chain's record has no digest): the listed row describes it.
    if (r.entry.digest.isEmpty())
        r.entry = EntryRow();
    // The reader's cache is read-only, so is every tier it opened, and it never promotes:
    // this lookup changes nothing in any tier.
    auto *reader = const_cast<NetworkCache *>(cache);
    r.headers = reader->metaData(url).rawHeaders();
    // data() streams and verifies the stored body; only the preview's share is read.
    std::unique_ptr<QIODevice> device(reader->data(url));
    if (!device)
        return r;
    r.bodyRead = true;
    while (limit < 0 || r.body.size() < limit) {
        const QByteArray chunk = device->read(limit < 0 ? 1 << 20 : limit - r.body.size());
        if (chunk.isEmpty())
            break;
        r.body += chunk;
    }
    r.truncated = !device->atEnd();
    return r;
}

void EntryDetails::showEntry(const QUrl &url, const EntryRow &listed)
{
    m_url = url;
    if (!m_reader || !url.isValid()) {
        show(Read(), EntryRow());
        return;
    }
    ++m_loading;
    m_reader->run<Read>(
            this, [url](const NetworkCache *cache) { return read(cache, url, PreviewLimit); },
            [this, url, listed](const Read &r) {
                --m_loading;
                if (url == m_url) // the selection moved on meanwhile: a newer answer follows
                    show(r, listed);
            });
}

void EntryDetails::show(const Read &r, const EntryRow &listed)
{
    const bool stored = r.entry.isValid();
    const EntryRow e = stored ? r.entry : listed;
    m_copyUrl->setEnabled(e.isValid());
    m_save->setEnabled(stored || r.bodyRead);
    if (!e.isValid()) {
        m_info->setHtml(QStringLiteral("<p>%1</p>")
                                .arg(tr("Select an entry to see what is "
                                        "stored for it.")));
        m_preview->setCurrentIndex(NonePage);
        m_previewNote->clear();
        emit loaded();
        return;
    }
    const QLocale locale;
    const auto row = [](const QString &name, const QString &value) {
        return QStringLiteral("<tr><th align=left valign=top>%1</th><td>%2</td></tr>")
                .arg(name.toHtmlEscaped(), value.toHtmlEscaped());
    };
    QString html = QStringLiteral("<h3>%1</h3><table cellspacing=4>")
                           .arg(e.url.toDisplayString().toHtmlEscaped());
    html += row(tr("Status"), QString::number(e.status));
    html += row(tr("Content type"), e.contentType);
    html += row(tr("Body size"), locale.formattedDataSize(e.bodySize));
    if (stored)
        html += row(tr("Stored size"), locale.formattedDataSize(e.storedSize));
    if (e.created.isValid())
        html += row(tr("Stored at"), locale.toString(e.created.toLocalTime(), QLocale::LongFormat));
    html += row(tr("Last access"),
                locale.toString(e.lastAccess.toLocalTime(), QLocale::LongFormat));
    if (stored)
        html += row(tr("Hits"), QString::number(e.hits));
    html += row(tr("Tags"), e.tags.join(QLatin1String(", ")));
    if (stored) {
        html += row(tr("Digest (SHA-256)"), QString::fromLatin1(e.digest));
        html += row(tr("Shared body"),
                    e.sharedBodies > 1
                            ? tr("%n entries (this one included) share this body, stored once.",
                                 nullptr, int(e.sharedBodies))
                            : tr("Only this entry uses this body."));
        html += row(tr("Freshness"),
                    explainFreshness(e, r.headers, QDateTime::currentDateTimeUtc()));
        html += QStringLiteral("</table><h4>%1</h4><table cellspacing=2>")
                        .arg(tr("Stored headers"));
        for (const auto &h : r.headers)
            html += row(QString::fromLatin1(h.first), QString::fromLatin1(h.second));
    } else {
        html += row(tr("Expires"),
                    locale.toString(e.expires.toLocalTime(), QLocale::LongFormat) + QLatin1Char(' ')
                            + (e.isStale() ? tr("(stale)") : tr("(fresh)")));
    }
    html += QStringLiteral("</table>");
    m_info->setHtml(html);

    if (!r.bodyRead) {
        m_previewNote->setText(tr("No preview: the body could not be read."));
        m_preview->setCurrentIndex(NonePage);
        emit loaded();
        return;
    }
    const QString note = r.truncated
            ? tr("Preview of the first %1").arg(locale.formattedDataSize(PreviewLimit))
            : tr("Whole body");
    m_previewNote->setText(note);
    QImage image;
    if (e.contentType.startsWith(QLatin1String("image/")) && !r.truncated
        && image.loadFromData(r.body)) {
        QPixmap pixmap = QPixmap::fromImage(image);
        if (pixmap.width() > 480 || pixmap.height() > 360)
            pixmap = pixmap.scaled(480, 360, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        m_image->setPixmap(pixmap);
        m_preview->setCurrentIndex(ImagePage);
    } else if (looksLikeText(e.contentType)) {
        m_text->setPlainText(QString::fromUtf8(r.body));
        m_preview->setCurrentIndex(TextPage);
    } else {
        m_hex->setPlainText(hexDump(r.body.left(64 * 1024)));
        m_preview->setCurrentIndex(HexPage);
    }
    emit loaded();
}

QString EntryDetails::explainFreshness(const EntryRow &e,
                                       const QList<QPair<QByteArray, QByteArray>> &headers,
                                       const QDateTime &now)
{
    const QByteArray cc = header(headers, "cache-control");
    // NetworkCache::metaData() serves the current Age (the stored age plus the time in the
    // cache, RFC 9111 4.2.3): it is the age itself, not something to add the time since storing
    // to. Without one, the time since storing is the best estimate.
    const QByteArray ageField = header(headers, "age").trimmed();
    const qint64 ageHeader = ageField.toLongLong();
    const qint64 age = ageField.isEmpty() ? qMax<qint64>(0, e.created.secsTo(now)) : ageHeader;
    QString source;
    if (const qint64 s = directive(cc, "s-maxage"); s >= 0)
        source = tr("s-maxage=%1 in Cache-Control").arg(s);
    else if (const qint64 m = directive(cc, "max-age"); m >= 0)
        source = tr("max-age=%1 in Cache-Control").arg(m);
    else if (!header(headers, "expires").isEmpty())
        source = tr("Expires minus Date");
    else if (!header(headers, "last-modified").isEmpty())
        source = tr("heuristic: 10 % of the time since Last-Modified");
    else
        source = tr("no freshness information: the policy's default");
    const qint64 lifetime = e.created.secsTo(e.expires);
    QString text = tr("Age %1 s (stored %2 s ago, Age header %3 s); lifetime %4 s from %5.")
                           .arg(age)
                           .arg(qMax<qint64>(0, e.created.secsTo(now)))
                           .arg(ageHeader)
                           .arg(lifetime)
                           .arg(source);
    if (e.isStale(now)) {
        text += QLatin1Char(' ')
                + tr("Stale since %1 s: the next request revalidates it with the origin.")
                          .arg(e.expires.secsTo(now));
    } else {
        text += QLatin1Char(' ')
                + tr("Fresh for another %1 s: served without asking the origin.")
                          .arg(now.secsTo(e.expires));
    }
    return text;
}

QString EntryDetails::saveBody(const NetworkCache *cache, const QUrl &url, const QString &fileName)
{
    if (!cache || !url.isValid())
        return tr("Nothing is open.");
    const EntryRow listed = entry(*cache, url);
    // The reader's cache is read-only and never promotes: reading changes nothing.
    std::unique_ptr<QIODevice> device(const_cast<NetworkCache *>(cache)->data(url));
    if (!device)
        return tr("The entry is gone.");
    QSaveFile file(fileName);
    if (!file.open(QIODevice::WriteOnly))
        return file.errorString();
    QByteArray buffer(1 << 20, Qt::Uninitialized);
    qint64 total = 0;
    for (;;) {
        const qint64 n = device->read(buffer.data(), buffer.size());
        if (n < 0)
            break; // the end, after the last checked byte
        if (n == 0) {
            // A body device answers 0 only when it found damage (or, for a device that
            // would wait for readyRead(), which no device of a cache opened here does).
            file.cancelWriting();
            const QString why = device->errorString();
            return tr("The stored body is damaged (%1); nothing was saved.")
                    .arg(why.isEmpty() ? tr("it ended early") : why);
        }
        if (file.write(buffer.constData(), n) != n)
            return file.errorString();
        total += n;
    }
    if (listed.isValid() && listed.bodySize >= 0 && total != listed.bodySize) {
        file.cancelWriting();
        return tr("The stored body has %1 bytes instead of %2; nothing was saved.")
                .arg(total)
                .arg(listed.bodySize);
    }
    if (!file.commit())
        return file.errorString();
    return QString();
}

void EntryDetails::askAndSaveBody()
{
    if (!m_url.isValid() || !m_reader)
        return;
    const QString name = QFileDialog::getSaveFileName(this, tr("Save body"), m_url.fileName());
    if (name.isEmpty())
        return;
    // Streamed on the worker: a large body never holds up the window, nor sits in memory.
    m_save->setEnabled(false);
    m_save->setText(tr("Saving…"));
    const QUrl url = m_url;
    m_reader->run<QString>(
            this, [url, name](const NetworkCache *cache) { return saveBody(cache, url, name); },
            [this, name](const QString &error) {
                m_save->setEnabled(true);
                m_save->setText(tr("Save body…"));
                if (!error.isEmpty()) {
                    QMessageBox::warning(this, tr("Save body"),
                                         tr("Could not save %1: %2").arg(name, error));
                }
            });
}

} // namespace tiercache::browser
