#include "resourcelimits.h"

#include <QtGlobal>

#include <limits>

// getrlimit(2)/setrlimit(2) are POSIX; tests/interop/test_portability.py lists what each platform supplies here.
#if defined(Q_OS_UNIX)
#include <climits>

#include <sys/resource.h>
#endif

namespace {
#if defined(Q_OS_UNIX)
#if defined(Q_OS_MACOS)
// macOS refuses a soft limit above OPEN_MAX (10,240) even when the hard limit is "unlimited" (setrlimit(2),
// COMPATIBILITY: "use rlim_cur = min(OPEN_MAX, rlim_max)").
constexpr rlim_t UnlimitedTarget = OPEN_MAX;
#else
// Linux refuses a soft limit above fs.nr_open (1,048,576 by default) even when the hard limit is "unlimited".
constexpr rlim_t UnlimitedTarget = 1048576;
#endif

qint64 toCount(rlim_t value)
{
    return value == RLIM_INFINITY ? std::numeric_limits<qint64>::max() : qint64(value);
}
#endif
} // namespace

qint64 ResourceLimits::raiseOpenFileLimit()
{
#if defined(Q_OS_UNIX)
    rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return -1;
    }
    rlim_t target = limit.rlim_max == RLIM_INFINITY ? UnlimitedTarget : limit.rlim_max;
#if defined(Q_OS_MACOS)
    target = qMin(target, UnlimitedTarget);
#endif
    if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= target) {
        return toCount(limit.rlim_cur);
    }
    rlimit raised = limit;
    raised.rlim_cur = target;
    if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
        return toCount(limit.rlim_cur);
    }
    return toCount(target);
#else
    // Windows has no per-process soft limit on sockets to raise: a socket is a kernel handle, and a process may hold
    // about 16 million of them (the C runtime's limit of 512 streams covers FILE objects, which Letterbox does not use
    // for connections).
    return std::numeric_limits<qint64>::max();
#endif
}
