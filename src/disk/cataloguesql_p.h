// SPDX-License-Identifier: MIT
#pragma once

#include "disk/catalogue_p.h"

#include <QtCore/QStringList>
#include <QtSql/QSqlQuery>

// SQL pieces shared by the files that implement Catalogue (catalogue*.cpp). Not for DiskStore
// or anyone else: the tables are the catalogue's business.

// Entries invalidated by tag but not yet deleted (see Catalogue::invalidateTags()) are
// invisible to every read.
#define TC_LIVE(alias) " NOT EXISTS (SELECT 1 FROM invalidated i WHERE i.key = " alias ".key)"

namespace tiercache::cataloguesql {

//! Slots of Catalogue::prepared(): the statements that run often enough to keep prepared.
enum Statement {
    // catalogueentries.cpp
    StFind,
    StFindWithBody,
    StFindAny,
    StRevive,
    StUpsertEntry,
    StDeleteEntry,
    StUpdateMeta,
    StLru,
    StApplyHit,
    StTotal,
    StAddTotal,
    // catalogue.cpp
    StFreeBytes,
    StSavepoint,
    StRelease,
    StRollbackTo,
    // catalogueblobs.cpp
    StFindBlob,
    StInlineBody,
    StInsertBlob,
    StDeleteBlob,
    StIsReferenced,
    StAddGarbage,
    StRemoveGarbage,
    StGarbage,
    // catalogueinvalidation.cpp
    StHasInvalidated,
    // cataloguetags.cpp
    StDeleteTags,
    StInsertTag,
    // cataloguestatistics.cpp
    StAddCounter,
    StAddSeries,
    StatementCount
};

//! The columns entryFrom() reads: entries e joined with blobs b. The last six are
//! BlobColumns' last six (how the body is stored), in the same order.
inline constexpr char EntryColumns[] =
        "e.key, b.digest, e.body_size, e.meta, e.status, e.content_type, e.expires, e.created, "
        "e.last_access, e.hits, e.row_size, b.alloc_size, b.chunk_size, b.sums, typeof(b.body) = "
        "'blob', b.stored_size, b.compression";

//! How many columns EntryColumns names.
inline constexpr int EntryColumnCount = 17;

//! The current row of a statement selecting EntryColumns.
EntryRecord entryFrom(const SqlStatement &q);

//! The columns blobFrom() reads, from blobs.
inline constexpr char BlobColumns[] =
        "digest, body_size, alloc_size, chunk_size, sums, typeof(body) = 'blob', stored_size, "
        "compression";

//! The current row of a statement selecting BlobColumns.
BlobRecord blobFrom(const SqlStatement &q);

/*
    The compression stored in \a column, or false for a value no writer stores (a damaged
    row): the entry is then treated as damaged. Unknown values are kept apart from None so
    that a damaged row never passes its stored bytes off as the body.
*/
bool compressionFrom(const SqlStatement &q, int column, BodyCompression::Algorithm *algorithm);

//! Prepares \a sql with its %1 replaced by one placeholder per value, and binds \a values.
void prepareWithList(QSqlQuery &q, const char *sql, const QStringList &values);

} // namespace tiercache::cataloguesql
