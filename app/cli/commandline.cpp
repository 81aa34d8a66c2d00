// SPDX-License-Identifier: MIT
#include "commandline.h"

#include "command.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QStandardPaths>

namespace tiercache::cli {

namespace {
    // What comes around the overview of the commands in `tiercache --help`.
    const QString DescriptionHead =
            QStringLiteral("Inspect, verify and exercise a Tiercache HTTP cache directory.\n"
                           "\n"
                           "Commands:\n");
    const QString DescriptionTail = QStringLiteral(
            "\n"
            "DIR defaults to $TIERCACHE_DIR, else %1.\n"
            "SIZE is bytes or 64KiB, 512MiB, 1GiB...; it defaults to $TIERCACHE_MAX_SIZE, else "
            "the\n"
            "library default. fetch and demo evict least recently used entries beyond it; without\n"
            "either, they leave room for what the directory already holds.\n"
            "SPEC composes the cache from tiers, L1 first: --tier memory:?max=64MiB --tier disk:\n"
            "(disk: is DIR; other schemes come from plugins, see 'tiercache plugins'). The "
            "default\n"
            "is disk: alone. Every command acts on and reports the whole chain.\n"
            "Exit codes: 0 success, 1 failure, 2 usage error (an invalid URL too), 3 no usable\n"
            "cache (damaged, foreign or newer catalogue; left untouched).\n"
            "Run 'tiercache COMMAND --help' for a command's options.");
} // namespace

int CommandLine::run(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
            DescriptionHead + commandOverview()
            + DescriptionTail.arg(QStandardPaths::writableLocation(QStandardPaths::CacheLocation)
                                  + QLatin1String("/tiercache")));
    // Not addHelpOption(): its --help-all is about GUI options this tool does not have.
    const QCommandLineOption helpOption(QStringList {QStringLiteral("h"), QStringLiteral("help")},
                                        QStringLiteral("Displays this help."));
    parser.addOption(helpOption);
    const QCommandLineOption versionOption = parser.addVersionOption();
    m_context.addGlobalOptions(parser);
    parser.addPositionalArgument(QStringLiteral("command"),
                                 QStringLiteral("One of the commands above."),
                                 QStringLiteral("COMMAND"));
    parser.addPositionalArgument(QStringLiteral("args"),
                                 QStringLiteral("Its arguments and options."),
                                 QStringLiteral("[ARGS...]"));
    // Everything after the command belongs to the command, which has options of its own.
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    const QString mainUsage = usageOf(parser);
    m_context.setMainUsage(mainUsage);

    if (!parser.parse(arguments))
        return m_context.usageError(parser.errorText(), mainUsage);
    if (parser.isSet(helpOption)) {
        m_context.out() << mainUsage;
        return Success;
    }
    if (parser.isSet(versionOption)) {
        m_context.out() << QCoreApplication::applicationName() << ' '
                        << QCoreApplication::applicationVersion() << Qt::endl;
        return Success;
    }
    // The environment first, so that --max-size on the command line wins over it.
    if (!m_context.applyEnvironment() || !m_context.applyGlobalOptions(parser))
        return UsageError;

    QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return m_context.usageError(QStringLiteral("no command given"), mainUsage);
    const QString name = positional.takeFirst();
    const Command *command = findCommand(name);
    if (!command)
        return m_context.usageError(QStringLiteral("unknown command '%1'").arg(name), mainUsage);
    return command->run(m_context, positional);
}

} // namespace tiercache::cli
