// SPDX-License-Identifier: MIT
#pragma once

#include <sys/file.h>

namespace tiercache {

/*
    Says "a writer is waiting for the catalogue's write lock" for as long as it lives: a shared
    flock() of the cache directory (\a directoryFd, -1: say nothing). A process holding a batch
    of inserts open looks for it (Catalogue::othersWaiting()) and commits at once instead of
    when the batch gets old. Shared, so that any number of waiters can say so together.
*/
class WaitingWriterFlag
{
public:
    explicit WaitingWriterFlag(int directoryFd)
        : m_fd(directoryFd >= 0 && ::flock(directoryFd, LOCK_SH) == 0 ? directoryFd : -1)
    {
    }
    ~WaitingWriterFlag()
    {
        if (m_fd >= 0)
            ::flock(m_fd, LOCK_UN);
    }
    WaitingWriterFlag(const WaitingWriterFlag &) = delete;
    WaitingWriterFlag &operator=(const WaitingWriterFlag &) = delete;

private:
    const int m_fd;
};

} // namespace tiercache
