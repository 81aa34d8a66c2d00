// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QStringList>

// The commands that send requests through the cache, as an application would: they are the
// only ones that store bodies, and the only ones that need an event loop.
namespace tiercache::cli {

class Context;

//! fetch [--tag TAG] URL...
int fetchCommand(Context &context, const QStringList &args);
//! demo [--count N] [--size SIZE]: fetch from a local origin twice, expect the second to hit.
int demoCommand(Context &context, const QStringList &args);

} // namespace tiercache::cli
