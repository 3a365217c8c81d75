#pragma once

#include <QString>

#include <optional>

struct CommandLineOptions;

// What both executables do first, before any application object exists (a usage error needs no display): name the
// application, parse the command line into *options, answer --help, --version and usage errors (README "Command
// line": exit 0, 0 and 2), and raise the descriptor limit. Returns the exit code when there is nothing more to do.
std::optional<int> startUp(int argc, char *argv[], CommandLineOptions *options);

// Writes "letterbox: TEXT" to stderr.
void printError(const QString &text);
