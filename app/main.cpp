// letterbox: the catcher's command line (README "Command line"). Links the core only: `letterbox --headless` never
// maps Qt Gui, Widgets or WebEngine. Without --headless it becomes the desktop app, letterbox-desktop, installed
// beside it (docs/architecture.md "Headless and desktop").
#include "commandlineoptions.h"
#include "headless.h"
#include "sendmailmode.h"
#include "startup.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

namespace {
QStringList sendmailArguments(int argc, char *argv[], int first)
{
    QStringList arguments;
    for (int i = first; i < argc; ++i) {
        arguments << QString::fromLocal8Bit(argv[i]);
    }
    return arguments;
}

#ifdef LETTERBOX_DESKTOP_EXECUTABLE
// Replaces this process with the desktop app, same arguments, same process ID (so a SIGTERM sent to it reaches the
// app), and so its exit code. Returns only when that cannot be done; *missing says whether the app is not there at
// all (the letterbox-server package installed without the desktop package, letterbox).
int execDesktop(char *argv[], bool *missing)
{
    *missing = false;
    char self[PATH_MAX];
    const ssize_t length = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) {
        printError(QStringLiteral("cannot find the desktop app: /proc/self/exe: %1")
                       .arg(QString::fromLocal8Bit(std::strerror(errno))));
        return 1;
    }
    std::string path(self, size_t(length));
    path.erase(path.rfind('/') + 1);
    path += LETTERBOX_DESKTOP_EXECUTABLE;
    std::vector<char *> arguments { path.data() };
    for (int i = 1; argv[i]; ++i) {
        arguments.push_back(argv[i]);
    }
    arguments.push_back(nullptr);
    ::execv(path.c_str(), arguments.data());
    if (errno == ENOENT) {
        *missing = true;
        return 1;
    }
    printError(QStringLiteral("cannot start the desktop app %1: %2")
                   .arg(QString::fromLocal8Bit(path.c_str()), QString::fromLocal8Bit(std::strerror(errno))));
    return 1;
}
#endif
} // namespace

int main(int argc, char *argv[])
{
    // CONTRACT "Settled details", sendmail mode: `letterbox sendmail …`, and the same under the name
    // letterbox-sendmail (a symlink, for programs that take a sendmail path without arguments). Also under the name
    // sendmail: bsd-mailx runs the program of its `sendmail` variable with argv[0] "sendmail", whatever its path.
    const char *slash = std::strrchr(argv[0], '/');
    const char *program = slash ? slash + 1 : argv[0];
    if (std::strcmp(program, "letterbox-sendmail") == 0 || std::strcmp(program, "sendmail") == 0) {
        return runSendmail(argc, argv, sendmailArguments(argc, argv, 1));
    }
    if (argc > 1 && std::strcmp(argv[1], "sendmail") == 0) {
        return runSendmail(argc, argv, sendmailArguments(argc, argv, 2));
    }
    CommandLineOptions options;
    if (const std::optional<int> exitCode = startUp(argc, argv, &options)) {
        return *exitCode;
    }
    if (options.headless) {
        return runHeadless(argc, argv, options);
    }
#ifdef LETTERBOX_DESKTOP_EXECUTABLE
    bool missing = false;
    const int exitCode = execDesktop(argv, &missing);
    if (!missing) {
        return exitCode;
    }
    // Only the headless package is installed (as qbittorrent-nox without qbittorrent): there is no window to
    // open, so this is the headless catcher, as in a build without the desktop app.
    printError(QStringLiteral("the desktop app (%1, Debian package letterbox) is not installed; running as --headless")
                   .arg(QStringLiteral(LETTERBOX_DESKTOP_EXECUTABLE)));
    return runHeadless(argc, argv, options);
#else
    // Built with -DLETTERBOX_GUI=OFF (as qbittorrent-nox): there is no window to open, so this is the headless
    // catcher.
    printError(QStringLiteral("built without the desktop app; running as --headless"));
    return runHeadless(argc, argv, options);
#endif
}
