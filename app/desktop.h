#pragma once

struct CommandLineOptions;

// The desktop app: the main window, catching from the start. The saved settings apply, except where the command
// line gives an option. Returns the exit code.
int runDesktop(int argc, char *argv[], const CommandLineOptions &options);
