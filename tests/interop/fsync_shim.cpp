// Test-only LD_PRELOAD library for tests/interop/test_durability.py: fdatasync() and fsync() of a file whose name
// ends in "-wal" (SQLite's write-ahead log) fail with EIO while the file named by FSYNC_SHIM_FAIL exists, and take
// FSYNC_SHIM_DELAY_MS longer while the file named by FSYNC_SHIM_DELAY exists. Every other call is the C library's.
#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {

bool isWal(int fd)
{
    char link[64];
    char path[PATH_MAX];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    const ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 4) {
        return false;
    }
    path[n] = '\0';
    return std::strcmp(path + n - 4, "-wal") == 0;
}

bool flagged(const char *variable)
{
    const char *file = std::getenv(variable);
    return file && *file && access(file, F_OK) == 0;
}

// 0: go on with the real call; -1: fail it (errno set).
int before(int fd)
{
    if (!isWal(fd)) {
        return 0;
    }
    if (flagged("FSYNC_SHIM_FAIL")) {
        errno = EIO;
        return -1;
    }
    if (flagged("FSYNC_SHIM_DELAY")) {
        const char *ms = std::getenv("FSYNC_SHIM_DELAY_MS");
        const long delay = ms ? std::strtol(ms, nullptr, 10) : 1000;
        timespec wait { delay / 1000, (delay % 1000) * 1000000 };
        while (nanosleep(&wait, &wait) != 0 && errno == EINTR) { }
    }
    return 0;
}

template<typename Function>
Function real(const char *name)
{
    return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

} // namespace

extern "C" int fdatasync(int fd)
{
    static const auto next = real<int (*)(int)>("fdatasync");
    return before(fd) != 0 ? -1 : next(fd);
}

extern "C" int fsync(int fd)
{
    static const auto next = real<int (*)(int)>("fsync");
    return before(fd) != 0 ? -1 : next(fd);
}
