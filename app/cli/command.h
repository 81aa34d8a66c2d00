// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace tiercache::cli {

class Context;

/*!
    \brief One `tiercache` command: its name, its lines in the overview of `tiercache --help`,
    and the function that runs it.

    Each command parses its own options (so `tiercache COMMAND --help` documents them) and
    returns an ExitCode; \c run gets what followed the command name.
*/
struct Command
{
    using Function = int (*)(Context &context, const QStringList &args);

    QString name;
    //! The left column of the overview, the name first; more lines when the options are many.
    QStringList synopsis;
    //! The right column: what the command does, in a line or a few.
    QStringList summary;
    Function run = nullptr;
};

//! Every command, in the order of the overview: fetching first, then inspecting, then
//! changing what is stored. Adding a command means adding it here.
const QList<Command> &commands();

//! The command called \a name, or nullptr.
const Command *findCommand(const QString &name);

//! The "Commands:" part of `tiercache --help`: synopses and summaries in two columns.
QString commandOverview();

} // namespace tiercache::cli
