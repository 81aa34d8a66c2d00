// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QStringList>

// The commands about one entry: they only look (the cache is opened read-only).
namespace tiercache::cli {

class Context;

//! show: an entry's stored headers, its freshness explained, the tiers holding it, its tags.
int showCommand(Context &context, const QStringList &args);
//! cat: an entry's body to stdout, checked chunk by chunk as it is written.
int catCommand(Context &context, const QStringList &args);

} // namespace tiercache::cli
