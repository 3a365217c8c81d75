// letterbox-desktop: the desktop app (README "Command line": `letterbox` without --headless execs it). Started
// directly it takes the same command line.
#include "commandlineoptions.h"
#include "desktop.h"
#include "headless.h"
#include "startup.h"

int main(int argc, char *argv[])
{
    CommandLineOptions options;
    if (const std::optional<int> exitCode = startUp(argc, argv, &options)) {
        return *exitCode;
    }
    if (options.headless) {
        return runHeadless(argc, argv, options);
    }
    return runDesktop(argc, argv, options);
}
