#include "startup.h"

#include "commandlineoptions.h"

#include <service/resourcelimits.h>

#include <QCoreApplication>
#include <QStringList>

#include <cstdio>

void printError(const QString &text)
{
    std::fprintf(stderr, "letterbox: %s\n", qPrintable(text));
    std::fflush(stderr);
}

std::optional<int> startUp(int argc, char *argv[], CommandLineOptions *options)
{
    QCoreApplication::setApplicationName(QStringLiteral("letterbox"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LETTERBOX_VERSION));
    QStringList arguments;
    for (int i = 0; i < argc; ++i) {
        arguments << QString::fromLocal8Bit(argv[i]);
    }
    switch (options->parse(arguments)) {
    case CommandLineOptions::Result::ShowHelp:
        std::fputs(qPrintable(options->helpText), stdout);
        return 0;
    case CommandLineOptions::Result::ShowVersion:
        std::printf("letterbox %s\n", LETTERBOX_VERSION);
        return 0;
    case CommandLineOptions::Result::Error:
        printError(options->errorString);
        return 2;
    case CommandLineOptions::Result::Run:
        break;
    }
    // Before any listener or store opens: every SMTP connection is a file descriptor, and the soft limit (often
    // 1024) would refuse clients long before --max-connections.
    ResourceLimits::raiseOpenFileLimit();
    return std::nullopt;
}
