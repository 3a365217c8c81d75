// letterbox: the catcher's command line (README "Command line"). Links the core only: `letterbox --headless` never
// maps Qt Gui, Widgets or WebEngine. Without --headless it becomes the desktop app, letterbox-desktop, installed
// beside it (docs/architecture.md "Headless and desktop").
#include "commandlineoptions.h"
#include "headless.h"
#include "sendmailmode.h"
#include "startup.h"

#include <QtGlobal>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

// exec() and finding this executable are platform code; what each platform supplies is listed in
// tests/interop/test_portability.py.
#if defined(Q_OS_UNIX)
#include <unistd.h>
#if defined(Q_OS_MACOS)
#include <cstdint>
#include <cstdlib>

#include <mach-o/dyld.h>
#endif
#endif

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
#if defined(Q_OS_UNIX)
// This executable's own path, symbolic links resolved (so that the desktop app is found beside the real file, not
// beside a link in bin), or an empty string with *error set.
std::string executablePath(QString *error)
{
#if defined(Q_OS_LINUX)
    char self[PATH_MAX];
    const ssize_t length = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) {
        *error = QStringLiteral("/proc/self/exe: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        return {};
    }
    return std::string(self, size_t(length));
#elif defined(Q_OS_MACOS)
    // There is no /proc on macOS: dyld knows the path the program was started by (_NSGetExecutablePath(3)).
    char started[PATH_MAX];
    uint32_t size = sizeof started;
    char resolved[PATH_MAX];
    if (_NSGetExecutablePath(started, &size) != 0) {
        *error = QStringLiteral("_NSGetExecutablePath: the path is longer than %1 bytes").arg(PATH_MAX);
        return {};
    }
    if (!::realpath(started, resolved)) {
        *error = QStringLiteral("%1: %2").arg(
            QString::fromLocal8Bit(started), QString::fromLocal8Bit(std::strerror(errno)));
        return {};
    }
    return std::string(resolved);
#else
#error "letterbox finds letterbox-desktop beside itself: this Unix needs its way to the running executable's path \
(FreeBSD: sysctl KERN_PROC_PATHNAME) (tests/interop/test_portability.py)"
#endif
}

// Replaces this process with the desktop app, same arguments, same process ID (so a SIGTERM sent to it reaches the
// app), and so its exit code. Returns only when that cannot be done; *missing says whether the app is not there at
// all (the letterbox-server package installed without the desktop package, letterbox).
int execDesktop(char *argv[], bool *missing)
{
    *missing = false;
    QString error;
    std::string path = executablePath(&error);
    if (path.empty()) {
        printError(QStringLiteral("cannot find the desktop app: %1").arg(error));
        return 1;
    }
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
#else
#error "letterbox execs letterbox-desktop in its own process (same process ID, so a stop signal reaches the window, \
and the same exit code); Windows has no exec that keeps the process: a port must start it with CreateProcess(), \
wait for it and return its exit code, or install letterbox-desktop as the program the Start menu runs \
(tests/interop/test_portability.py)"
#endif
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
    if (!options.attachUrl.isEmpty()) {
        // A remote catcher needs the window; running a local one instead would be a surprise.
        printError(QStringLiteral("--attach: the desktop app (%1, Debian package letterbox) is not installed")
                       .arg(QStringLiteral(LETTERBOX_DESKTOP_EXECUTABLE)));
        return 2;
    }
    // Only the headless package is installed (as qbittorrent-nox without qbittorrent): there is no window to
    // open, so this is the headless catcher, as in a build without the desktop app.
    printError(QStringLiteral("the desktop app (%1, Debian package letterbox) is not installed; running as --headless")
                   .arg(QStringLiteral(LETTERBOX_DESKTOP_EXECUTABLE)));
    return runHeadless(argc, argv, options);
#else
    // Built with -DLETTERBOX_GUI=OFF (as qbittorrent-nox): there is no window to open, so this is the headless
    // catcher.
    if (!options.attachUrl.isEmpty()) {
        printError(QStringLiteral("--attach: built without the desktop app"));
        return 2;
    }
    printError(QStringLiteral("built without the desktop app; running as --headless"));
    return runHeadless(argc, argv, options);
#endif
}
