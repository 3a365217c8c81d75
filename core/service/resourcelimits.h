#pragma once

#include <QtGlobal>

// Process-wide resource limits the servers depend on, set once at program start.
class ResourceLimits
{
public:
    // Raises the soft limit on open file descriptors (RLIMIT_NOFILE) to the hard limit. Every SMTP connection is a
    // descriptor, and the usual soft limit of 1024 is below what --max-connections (1000 by default) plus the store
    // and the API need; the hard limit is what the administrator allows. Returns the soft limit in force afterwards,
    // or -1 when it cannot be read.
    static qint64 raiseOpenFileLimit();
};
