#pragma once

struct CommandLineOptions;

// letterbox --headless: SMTP and the API without a window, the listening lines on stdout, the log on stderr, a
// clean stop on SIGINT/SIGTERM (README "Command line"). Returns the exit code.
int runHeadless(int argc, char *argv[], const CommandLineOptions &options);
