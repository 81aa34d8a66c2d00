// SPDX-License-Identifier: MIT
#pragma once

#include "apiadapter.h"

#include <QtWidgets/QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QPlainTextEdit;
class QStackedWidget;
class QTextBrowser;
class QPushButton;
QT_END_NAMESPACE

namespace tiercache::browser {

/*
    Everything stored for one entry: URL, status, headers, the freshness computation in
    words, hits, digest, and a preview of the body. The preview never loads anything
    remote and never runs anything: text is shown as plain text, images are decoded by
    QImage from the stored bytes, anything else as a hex dump, each up to a size limit.
*/
class EntryDetails : public QWidget
{
    Q_OBJECT
public:
    static constexpr qint64 PreviewLimit = 256 * 1024;

    explicit EntryDetails(QWidget *parent = nullptr);
    void setCache(NetworkCache *cache) { m_cache = cache; }
    //! Shows \a url (an invalid URL clears the pane).
    void showEntry(const QUrl &url);
    QUrl currentUrl() const { return m_url; }
    //! What the preview shows: "text", "image", "hex" or "none".
    QString previewKind() const;

    //! The freshness of an entry in words, from its stored headers (for tests too).
    static QString explainFreshness(const EntryRow &entry,
                                    const QList<QPair<QByteArray, QByteArray>> &headers,
                                    const QDateTime &now);

private:
    void saveBody();
    QByteArray readBody(qint64 limit, bool *truncated) const;
    NetworkCache *m_cache = nullptr;
    QUrl m_url;
    QTextBrowser *m_info;
    QStackedWidget *m_preview;
    QPlainTextEdit *m_text;
    QLabel *m_image;
    QPlainTextEdit *m_hex;
    QLabel *m_previewNote;
    QPushButton *m_copyUrl;
    QPushButton *m_save;
};

} // namespace tiercache::browser
