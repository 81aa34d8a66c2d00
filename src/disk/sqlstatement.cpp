// SPDX-License-Identifier: MIT
#include "disk/sqlstatement_p.h"

#include <sqlite3.h>

namespace tiercache {

bool SqlStatement::prepare(sqlite3 *db, const char *sql)
{
    finalize();
    if (!db)
        return false;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &m_stmt, nullptr) != SQLITE_OK) {
        sqlite3_finalize(m_stmt);
        m_stmt = nullptr;
        return false;
    }
    return true;
}

void SqlStatement::finalize()
{
    if (m_stmt)
        sqlite3_finalize(m_stmt);
    m_stmt = nullptr;
}

void SqlStatement::bind(int index, qint64 value)
{
    if (m_stmt)
        sqlite3_bind_int64(m_stmt, index + 1, value);
}

void SqlStatement::bind(int index, const QString &text)
{
    if (!m_stmt)
        return;
    if (text.isNull()) {
        sqlite3_bind_null(m_stmt, index + 1);
        return;
    }
    // Cache keys are ASCII (QUrl::FullyEncoded): narrowed here, they are bound as the UTF-8
    // the catalogue stores. Bound as UTF-16, SQLite converted each one in a loop of its own,
    // on every lookup and insert.
    constexpr qsizetype Narrowable = 512;
    if (text.size() <= Narrowable) {
        char ascii[Narrowable];
        const QChar *utf16 = text.constData();
        qsizetype i = 0;
        for (; i < text.size() && utf16[i].unicode() < 0x80; ++i)
            ascii[i] = char(utf16[i].unicode());
        if (i == text.size()) {
            sqlite3_bind_text(m_stmt, index + 1, ascii, int(i), SQLITE_TRANSIENT);
            return;
        }
    }
    sqlite3_bind_text16(m_stmt, index + 1, text.utf16(), int(text.size() * sizeof(char16_t)),
                        SQLITE_TRANSIENT);
}

void SqlStatement::bindLatin1(int index, const QByteArray &text)
{
    if (!m_stmt)
        return;
    if (text.isNull()) {
        sqlite3_bind_null(m_stmt, index + 1);
        return;
    }
    for (const char c : text) {
        if (uchar(c) >= 0x80) { // not the same in UTF-8: bind it as what it is
            bind(index, QString::fromLatin1(text));
            return;
        }
    }
    sqlite3_bind_text(m_stmt, index + 1, text.constData(), int(text.size()), SQLITE_TRANSIENT);
}

void SqlStatement::bindBlob(int index, const QByteArray &bytes)
{
    if (!m_stmt)
        return;
    if (bytes.isEmpty())
        sqlite3_bind_zeroblob(m_stmt, index + 1, 0);
    else
        sqlite3_bind_blob64(m_stmt, index + 1, bytes.constData(), sqlite3_uint64(bytes.size()),
                            SQLITE_STATIC);
}

void SqlStatement::bind(int index, const QVariant &value)
{
    if (value.typeId() == QMetaType::QString)
        bind(index, value.toString());
    else
        bind(index, value.toLongLong());
}

void SqlStatement::bindNull(int index)
{
    if (m_stmt)
        sqlite3_bind_null(m_stmt, index + 1);
}

int SqlStatement::step()
{
    return m_stmt ? sqlite3_step(m_stmt) : SQLITE_MISUSE;
}

void SqlStatement::reset()
{
    if (!m_stmt)
        return;
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

bool SqlStatement::isNull(int column) const
{
    return !m_stmt || sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

bool SqlStatement::isInteger(int column) const
{
    return m_stmt && sqlite3_column_type(m_stmt, column) == SQLITE_INTEGER;
}

qint64 SqlStatement::int64(int column) const
{
    return m_stmt ? sqlite3_column_int64(m_stmt, column) : 0;
}

QString SqlStatement::text(int column) const
{
    if (isNull(column))
        return QString();
    const void *chars = sqlite3_column_text16(m_stmt, column);
    const int bytes = sqlite3_column_bytes16(m_stmt, column);
    return QString(static_cast<const QChar *>(chars), bytes / int(sizeof(QChar)));
}

QByteArray SqlStatement::bytes(int column) const
{
    if (isNull(column))
        return QByteArray();
    const void *data = sqlite3_column_blob(m_stmt, column);
    const int size = sqlite3_column_bytes(m_stmt, column);
    return size > 0 ? QByteArray(static_cast<const char *>(data), size) : QByteArray("");
}

} // namespace tiercache
