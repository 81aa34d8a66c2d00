// SPDX-License-Identifier: MIT
#include "entrydetails.h"

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

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_previewNote, 1);
    buttons->addWidget(m_copyUrl);
    buttons->addWidget(m_save);
    auto *previewBox = new QWidget;
    auto *previewLayout = new QVBoxLayout(previewBox);
    previewLayout->setContentsMargins(0, 0, 0, 0);
    previewLayout->addLayout(buttons);
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
    connect(m_save, &QPushButton::clicked, this, &EntryDetails::saveBody);
    showEntry(QUrl());
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

QByteArray EntryDetails::readBody(qint64 limit, bool *truncated) const
{
    *truncated = false;
    if (!m_cache)
        return {};
    // data() streams and verifies the stored body; only the preview's share is read.
    std::unique_ptr<QIODevice> device(m_cache->data(m_url));
    if (!device)
        return {};
    QByteArray bytes;
    while (limit < 0 || bytes.size() < limit) {
        const QByteArray chunk = device->read(limit < 0 ? 1 << 20 : limit - bytes.size());
        if (chunk.isEmpty())
            break;
        bytes += chunk;
    }
    *truncated = !device->atEnd();
    return bytes;
}

void EntryDetails::showEntry(const QUrl &url)
{
    m_url = url;
    const EntryRow e = m_cache && url.isValid() ? entry(*m_cache, url) : EntryRow();
    m_copyUrl->setEnabled(e.isValid());
    m_save->setEnabled(e.isValid());
    if (!e.isValid()) {
        m_info->setHtml(QStringLiteral("<p>%1</p>")
                                .arg(tr("Select an entry to see what is "
                                        "stored for it.")));
        m_preview->setCurrentIndex(NonePage);
        m_previewNote->clear();
        return;
    }
    const QNetworkCacheMetaData md = m_cache->metaData(url);
    const auto headers = md.rawHeaders();
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
    html += row(tr("Stored size"), locale.formattedDataSize(e.storedSize));
    html += row(tr("Stored at"), locale.toString(e.created.toLocalTime(), QLocale::LongFormat));
    html += row(tr("Last access"),
                locale.toString(e.lastAccess.toLocalTime(), QLocale::LongFormat));
    html += row(tr("Hits"), QString::number(e.hits));
    html += row(tr("Tags"), e.tags.join(QLatin1String(", ")));
    html += row(tr("Digest (SHA-256)"), QString::fromLatin1(e.digest));
    html += row(tr("Freshness"), explainFreshness(e, headers, QDateTime::currentDateTimeUtc()));
    html += QStringLiteral("</table><h4>%1</h4><table cellspacing=2>").arg(tr("Stored headers"));
    for (const auto &h : headers)
        html += row(QString::fromLatin1(h.first), QString::fromLatin1(h.second));
    html += QStringLiteral("</table>");
    m_info->setHtml(html);

    bool truncated = false;
    const QByteArray body = readBody(PreviewLimit, &truncated);
    const QString note = truncated
            ? tr("Preview of the first %1").arg(locale.formattedDataSize(PreviewLimit))
            : tr("Whole body");
    m_previewNote->setText(note);
    QImage image;
    if (e.contentType.startsWith(QLatin1String("image/")) && !truncated
        && image.loadFromData(body)) {
        QPixmap pixmap = QPixmap::fromImage(image);
        if (pixmap.width() > 480 || pixmap.height() > 360)
            pixmap = pixmap.scaled(480, 360, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        m_image->setPixmap(pixmap);
        m_preview->setCurrentIndex(ImagePage);
    } else if (looksLikeText(e.contentType)) {
        m_text->setPlainText(QString::fromUtf8(body));
        m_preview->setCurrentIndex(TextPage);
    } else {
        m_hex->setPlainText(hexDump(body.left(64 * 1024)));
        m_preview->setCurrentIndex(HexPage);
    }
}

QString EntryDetails::explainFreshness(const EntryRow &e,
                                       const QList<QPair<QByteArray, QByteArray>> &headers,
                                       const QDateTime &now)
{
    const QByteArray cc = header(headers, "cache-control");
    const qint64 ageHeader = header(headers, "age").trimmed().toLongLong();
    const qint64 age = qMax<qint64>(0, e.created.secsTo(now)) + ageHeader;
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

void EntryDetails::saveBody()
{
    if (!m_url.isValid())
        return;
    const QString name = QFileDialog::getSaveFileName(this, tr("Save body"), m_url.fileName());
    if (name.isEmpty())
        return;
    bool truncated = false;
    const QByteArray body = readBody(-1, &truncated);
    QSaveFile file(name);
    if (!file.open(QIODevice::WriteOnly) || file.write(body) != body.size() || !file.commit()) {
        QMessageBox::warning(this, tr("Save body"),
                             tr("Could not save %1: %2").arg(name, file.errorString()));
    }
}

} // namespace tiercache::browser
