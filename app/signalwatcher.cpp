#include "signalwatcher.h"

#include <QSocketNotifier>
#include <QtGlobal>

// POSIX signals and a self-pipe; what a port to Windows must supply is listed in tests/interop/test_portability.py.
#if defined(Q_OS_UNIX)
#include <csignal>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#else
#error "SignalWatcher turns SIGINT/SIGTERM into a Qt signal through a socketpair() written by a sigaction() \
handler; a Windows port must provide the same stop from SetConsoleCtrlHandler() (CTRL_C_EVENT, CTRL_CLOSE_EVENT, \
CTRL_SHUTDOWN_EVENT) posted to the main thread (tests/interop/test_portability.py)"
#endif

namespace {
#if defined(Q_OS_UNIX)
int s_fds[2] = { -1, -1 };

void onSignal(int signal)
{
    const char byte = char(signal);
    // write() is async-signal-safe; a full pipe means a stop is already pending.
    [[maybe_unused]] const auto written = ::write(s_fds[0], &byte, 1);
}

// Both ends non-blocking (a handler never waits on a full pipe) and close-on-exec (the desktop app is exec'd).
bool openSelfPipe()
{
#if defined(Q_OS_LINUX)
    return ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, s_fds) == 0;
#else
    // SOCK_CLOEXEC and SOCK_NONBLOCK are Linux's flags to socketpair(); macOS sets them with fcntl(2) after.
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, s_fds) != 0) {
        return false;
    }
    for (const int fd : s_fds) {
        const int flags = ::fcntl(fd, F_GETFL);
        if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 || ::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
            ::close(s_fds[0]);
            ::close(s_fds[1]);
            s_fds[0] = s_fds[1] = -1;
            return false;
        }
    }
    return true;
#endif
}

// Installs the handlers; returns the descriptor that becomes readable on a signal, or -1 when there is none.
int startWatching()
{
    if (!openSelfPipe()) {
        return -1;
    }
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    // A client hanging up mid-write must not kill the process.
    signal(SIGPIPE, SIG_IGN);
    return s_fds[1];
}

// The signal that was caught, or 0.
int takeSignal()
{
    char byte = 0;
    return ::read(s_fds[1], &byte, 1) == 1 ? int(byte) : 0;
}

void stopWatching()
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    ::close(s_fds[0]);
    ::close(s_fds[1]);
    s_fds[0] = s_fds[1] = -1;
}
#endif
} // namespace

SignalWatcher::SignalWatcher(QObject *parent) : QObject(parent)
{
    const int descriptor = startWatching();
    if (descriptor < 0) {
        return;
    }
    m_notifier = new QSocketNotifier(descriptor, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, [this] {
        if (const int signal = takeSignal(); signal != 0) {
            Q_EMIT terminationRequested(signal);
        }
    });
}

SignalWatcher::~SignalWatcher()
{
    stopWatching();
}
