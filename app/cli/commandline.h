// SPDX-License-Identifier: MIT
#pragma once

#include "context.h"

#include <QtCore/QStringList>

namespace tiercache::cli {

/*!
    \brief The `tiercache` command line: parses the part before the command, runs the command
    named there (see commands()), and returns its exit code.

    Exit codes: 0 success, 1 the command failed (fetch error, damaged bodies, cache error),
    2 the command line was wrong.
*/
class CommandLine
{
public:
    int run(const QStringList &arguments);

private:
    Context m_context;
};

} // namespace tiercache::cli
