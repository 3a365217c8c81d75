#include "resourcelimits.h"

#include <limits>

#include <sys/resource.h>

namespace {
// Linux refuses a soft limit above fs.nr_open (1,048,576 by default) even when the hard limit is "unlimited".
constexpr rlim_t UnlimitedTarget = 1048576;

qint64 toCount(rlim_t value)
{
    return value == RLIM_INFINITY ? std::numeric_limits<qint64>::max() : qint64(value);
}
} // namespace

qint64 ResourceLimits::raiseOpenFileLimit()
{
    rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return -1;
    }
    const rlim_t target = limit.rlim_max == RLIM_INFINITY ? UnlimitedTarget : limit.rlim_max;
    if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= target) {
        return toCount(limit.rlim_cur);
    }
    rlimit raised = limit;
    raised.rlim_cur = target;
    if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
        return toCount(limit.rlim_cur);
    }
    return toCount(target);
}
