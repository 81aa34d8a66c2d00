// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QStringList>

// The commands that change what an existing cache holds without fetching anything: they
// remove, expire, repair or reclaim, and fail on a directory that holds no cache.
namespace tiercache::cli {

class Context;

//! verify: re-read every body; damaged entries are removed.
int verifyCommand(Context &context, const QStringList &args);
//! rm URL...
int removeCommand(Context &context, const QStringList &args);
//! clear: remove every entry.
int clearCommand(Context &context, const QStringList &args);
//! gc: reclaim disk space nothing refers to.
int collectGarbageCommand(Context &context, const QStringList &args);
//! invalidate-tag TAG...: remove the entries carrying any of the tags.
int invalidateTagCommand(Context &context, const QStringList &args);
//! soft-purge TAG...: mark them stale, to be revalidated on their next use.
int softPurgeCommand(Context &context, const QStringList &args);

} // namespace tiercache::cli
