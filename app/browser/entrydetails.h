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

class CatalogueReader;

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
    void setReader(CatalogueReader *reader);
    /*!
        Shows \a url (an invalid URL clears the pane) once the reader has read it. \a listed
        is the row of the list, shown as it is for a tier without a catalogue (a tier chain),
        whose bodies are not read: a read may count as a use in such a tier.
    */
    void showEntry(const QUrl &url, const EntryRow &listed = {});
    QUrl currentUrl() const { return m_url; }
    //! What the preview shows: "text", "image", "hex" or "none".
    QString previewKind() const;
    //! The text the preview shows on its text page (for tests).
    QString previewText() const;
    //! The HTML of the information pane (for tests).
    QString infoHtml() const;
    //! Whether an answer of the reader is still awaited.
    bool isLoading() const { return m_loading > 0; }

    //! The freshness of an entry in words, from its stored headers (for tests too).
    static QString explainFreshness(const EntryRow &entry,
                                    const QList<QPair<QByteArray, QByteArray>> &headers,
                                    const QDateTime &now);

    /*!
        Writes the body of \a url to \a fileName as it streams out of \a cache, a piece at a
        time (memory does not grow with the body), and checked as it is read: a damaged or
        vanished body leaves no file behind. Returns an empty string or what went wrong.
    */
    static QString saveBody(const NetworkCache *cache, const QUrl &url, const QString &fileName);

Q_SIGNALS:
    //! The pane shows what the reader answered for currentUrl().
    void loaded();

private:
    struct Read
    {
        EntryRow entry;
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body;
        bool truncated = false;
        //! The body was read: an entry of the catalogue, or of a tier chain's other tiers.
        bool bodyRead = false;
    };
    static Read read(const NetworkCache *cache, const QUrl &url, qint64 limit);
    void show(const Read &read, const EntryRow &listed);
    void askAndSaveBody();
    CatalogueReader *m_reader = nullptr;
    int m_loading = 0;
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
