// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtCore/QVariant>

struct sqlite3;
struct sqlite3_stmt;

namespace tiercache {

/*
    One SQL statement, prepared once on the catalogue's SQLite connection and run many times:
    the statements every insert and hit runs. Qt Sql is kept for the rest (schema, listings),
    but its per-exec() work is too much here: it builds a QSqlRecord of every result column,
    lower-casing each declared type, and routes each bound value through a QVariant and a
    placeholder map. Measured with perf on 5 000 inserts of 4 KiB bodies, that work was about
    half of the catalogue's share of an insert, more than SQLite's own.

    Indexes start at 0, as QSqlQuery::bindValue() and value() do. Bound values are copied, so
    temporaries may be bound, except by bindBlob(). Binds and steps on a statement that failed
    to prepare do nothing; Catalogue::exec() and Catalogue::next() report its error.
*/
class SqlStatement
{
public:
    SqlStatement() = default;
    ~SqlStatement() { finalize(); }
    SqlStatement(const SqlStatement &) = delete;
    SqlStatement &operator=(const SqlStatement &) = delete;

    //! Prepares \a sql on \a db, to be kept (SQLITE_PREPARE_PERSISTENT). False on an error,
    //! which sqlite3_errmsg(db) describes.
    bool prepare(sqlite3 *db, const char *sql);
    void finalize();
    bool isPrepared() const { return m_stmt != nullptr; }

    void bind(int index, qint64 value);
    //! Text (ASCII of up to 512 characters narrowed here, anything else handed to SQLite as
    //! UTF-16); a null QString binds NULL.
    void bind(int index, const QString &text);
    //! Text of single-byte characters (hex digests, header values); a null array binds NULL.
    void bindLatin1(int index, const QByteArray &text);
    //! A BLOB, zero-length (never NULL) when \a bytes is empty. Not copied (a body of up to
    //! 32 KiB): \a bytes must stay as it is until reset(), the end of a ScopedStatement.
    void bindBlob(int index, const QByteArray &bytes);
    //! A QString as text, any other value as an integer (the values of listing filters).
    void bind(int index, const QVariant &value);
    void bindNull(int index);

    //! SQLITE_ROW, SQLITE_DONE or an error code (SQLITE_MISUSE when not prepared).
    int step();
    //! Ends the statement's read (or write) of the database and lets its bound values go.
    void reset();

    // Columns of the current row, from 0.
    bool isNull(int column) const;
    bool isInteger(int column) const;
    qint64 int64(int column) const;
    QString text(int column) const;
    //! The bytes of a BLOB or TEXT value; NULL gives a null QByteArray, an empty value an
    //! empty but not null one.
    QByteArray bytes(int column) const;

private:
    sqlite3_stmt *m_stmt = nullptr;
};

//! A statement in use: reset when it goes out of scope, so that no read transaction outlives
//! the method that ran it (an open one would hold every checkpoint back).
class ScopedStatement
{
public:
    explicit ScopedStatement(SqlStatement &s) : m_s(s) { }
    ~ScopedStatement() { m_s.reset(); }
    ScopedStatement(const ScopedStatement &) = delete;
    ScopedStatement &operator=(const ScopedStatement &) = delete;
    SqlStatement *operator->() const { return &m_s; }
    SqlStatement &operator*() const { return m_s; }

private:
    SqlStatement &m_s;
};

} // namespace tiercache
