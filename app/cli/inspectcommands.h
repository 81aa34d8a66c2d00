// SPDX-License-Identifier: MIT
#pragma once

#include "format.h"

#include <QtCore/QStringList>

// The commands that only look: they change nothing stored, and fail on a directory that holds
// no cache rather than creating one.
namespace tiercache::cli {

class Context;

//! ls: the entries, most recently used first, with filters.
int listCommand(Context &context, const QStringList &args);
//! top: the most hit, largest or oldest entries.
int topCommand(Context &context, const QStringList &args);
//! stats: what the cache holds and how well it worked; --reset zeroes the counters.
int statsCommand(Context &context, const QStringList &args);
//! tags: every cache tag with its number of entries.
int tagsCommand(Context &context, const QStringList &args);
//! plugins: the tier plugins found, and why any cannot be used.
int pluginsCommand(Context &context, const QStringList &args);

//! What the summary of `stats` shows, read from the open cache; `demo` ends with it too.
SummaryFigures summaryFigures(Context &context);

} // namespace tiercache::cli
