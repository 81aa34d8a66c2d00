// SPDX-License-Identifier: MIT
//
// File-system fault injection for the tests in this directory, as an LD_PRELOAD shim.
//
// It interposes the libc calls Tiercache and SQLite use on the cache directory (write,
// pwrite(64), read, pread(64), fsync, fdatasync, open*, creat*, mkdir*, rename*, unlink*,
// rmdir, ftruncate*) and, while a fault is armed, makes the ones that touch a path under one of
// the armed prefixes fail. Everything else (Qt's sockets, eventfds, pipes, files elsewhere)
// goes straight to libc; with no fault armed every hook is one relaxed atomic load plus the
// call.
//
// Control, at run time, from the process the shim is preloaded into:
//
//     auto set = reinterpret_cast<int (*)(const char *)>(dlsym(RTLD_DEFAULT, "tiercache_fault_set"));
//     set("kind=enospc;path=/cache/tmp/,/cache/blobs/;after=1;count=0");
//     ...
//     set(nullptr); // or "" or "kind=none": everything passes again
//
// or once, at start-up, through the TIERCACHE_FAULT environment variable (same syntax), which
// lets any program (the tiercache tool, a demo) run on a failing disk.
//
//   kind   enospc       write/pwrite fail with ENOSPC
//          eio-write    write/pwrite fail with EIO
//          short-write  write/pwrite write about half of what they are asked (at least 1 byte)
//          eio-sync     fsync/fdatasync fail with EIO
//          eio-read     read/pread fail with EIO
//          eacces       what chmod 0500 on the directories does to a non-root user: creating
//                       files or directories, renaming and unlinking fail with EACCES;
//                       already open descriptors keep working
//          erofs        a file system remounted read-only: the above with EROFS, plus opening
//                       for writing and every write/ftruncate on an open descriptor
//          kill         the process SIGKILLs itself at the matching call, before making it:
//                       any hooked call counts (reads, opens and fsyncs too), so with after=N
//                       a test crashes a process at exactly its (N+1)-th file-system step
//          Several kinds may be given, separated by commas.
//   path   comma-separated absolute prefixes (at most 4); required: nothing outside them is
//          ever touched. A descriptor's path is read from /proc/self/fd, so descriptors opened
//          before the fault was armed, dup()ed, or whose file was unlinked are covered too.
//   after  let this many matching calls succeed first (default 0)
//   count  fail at most this many calls, 0 = unlimited (default)
//
// tiercache_fault_hits() returns how many calls were failed (or shortened) since the last
// tiercache_fault_set(), so a test can tell that its fault really fired.
//
// Thread safety: the configuration is replaced under a write lock; hooks take the read lock
// only while a fault is armed. No allocation in any hook.

#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

namespace {

enum Kind : unsigned {
    KindEnospc = 1u << 0,
    KindEioWrite = 1u << 1,
    KindShortWrite = 1u << 2,
    KindEioSync = 1u << 3,
    KindEioRead = 1u << 4,
    KindEacces = 1u << 5,
    KindErofs = 1u << 6,
    KindKill = 1u << 7,
};

constexpr unsigned WriteKinds = KindEnospc | KindEioWrite | KindShortWrite | KindErofs;
constexpr int MaxPrefixes = 4;
constexpr size_t MaxPath = 4096;

struct Config
{
    char prefixes[MaxPrefixes][512];
    size_t prefixLength[MaxPrefixes];
    int prefixCount;
    long after;
    long count;
};

std::atomic<unsigned> g_kinds{0}; // 0: nothing armed, the fast path
Config g_config;                  // guarded by g_lock
pthread_rwlock_t g_lock = PTHREAD_RWLOCK_INITIALIZER;
std::atomic<long> g_seen{0};      // matching calls since the last set
std::atomic<long> g_hits{0};      // calls failed since the last set

template <typename F>
F real(const char *name, std::atomic<void *> &slot)
{
    void *p = slot.load(std::memory_order_acquire);
    if (!p) {
        p = dlsym(RTLD_NEXT, name);
        if (!p) {
            static const char msg[] = "tiercache_faultshim: cannot resolve a libc symbol\n";
            [[maybe_unused]] auto n = ::syscall(SYS_write, 2, msg, sizeof msg - 1);
            std::abort();
        }
        slot.store(p, std::memory_order_release);
    }
    return reinterpret_cast<F>(p);
}

#define REAL(name, type)                                                                           \
    static std::atomic<void *> real_slot_##name{nullptr};                                          \
    auto real_##name = real<type>(#name, real_slot_##name)

bool underPrefix(const char *path, const Config &c)
{
    for (int i = 0; i < c.prefixCount; ++i) {
        if (std::strncmp(path, c.prefixes[i], c.prefixLength[i]) == 0)
            return true;
    }
    return false;
}

// The path of \a fd, or false (sockets, pipes and anonymous inodes never match a prefix).
bool fdPath(int fd, char *out, size_t size)
{
    if (fd < 0)
        return false;
    char link[32] = "/proc/self/fd/";
    char digits[12];
    int n = 0;
    for (unsigned v = unsigned(fd); n == 0 || v; v /= 10)
        digits[n++] = char('0' + v % 10);
    size_t at = std::strlen(link);
    while (n)
        link[at++] = digits[--n];
    link[at] = '\0';
    const ssize_t len = ::readlink(link, out, size - 1);
    if (len <= 0)
        return false;
    out[len] = '\0';
    return out[0] == '/';
}

// \a path made absolute against \a dirfd (AT_FDCWD: the working directory).
bool absolutePath(int dirfd, const char *path, char *out, size_t size)
{
    if (!path)
        return false;
    if (path[0] == '/') {
        std::strncpy(out, path, size - 1);
        out[size - 1] = '\0';
        return true;
    }
    if (dirfd == AT_FDCWD) {
        if (!::getcwd(out, size))
            return false;
    } else if (!fdPath(dirfd, out, size)) {
        return false;
    }
    const size_t base = std::strlen(out);
    if (base + 1 + std::strlen(path) + 1 > size)
        return false;
    out[base] = '/';
    std::strcpy(out + base + 1, path);
    return true;
}

// Decides one call: true when it is to fail (or be shortened). \a kinds are the fault kinds
// that apply to this call; the path is only resolved when one of them is armed.
bool decide(unsigned kinds, int fd, int dirfd, const char *path, const char *path2 = nullptr,
            unsigned *which = nullptr)
{
    const unsigned armed = g_kinds.load(std::memory_order_acquire) & kinds;
    if (!armed)
        return false;
    char buffer[MaxPath];
    const int savedErrno = errno;
    bool resolved = false;
    bool resolved2 = false;
    char buffer2[MaxPath];
    if (path)
        resolved = absolutePath(dirfd, path, buffer, sizeof buffer);
    else
        resolved = fdPath(fd, buffer, sizeof buffer);
    if (path2)
        resolved2 = absolutePath(dirfd, path2, buffer2, sizeof buffer2);
    errno = savedErrno;
    if (!resolved && !resolved2)
        return false;
    bool fail = false;
    pthread_rwlock_rdlock(&g_lock);
    const unsigned now = g_kinds.load(std::memory_order_acquire) & kinds;
    if (now && ((resolved && underPrefix(buffer, g_config)) || (resolved2 && underPrefix(buffer2, g_config)))) {
        const long seen = g_seen.fetch_add(1, std::memory_order_relaxed);
        if (seen >= g_config.after) {
            const long hits = g_hits.fetch_add(1, std::memory_order_relaxed);
            fail = g_config.count == 0 || hits < g_config.count;
            if (!fail)
                g_hits.fetch_sub(1, std::memory_order_relaxed);
        }
    }
    pthread_rwlock_unlock(&g_lock);
    if (which)
        *which = now;
    return fail;
}

int writeErrno(unsigned kinds)
{
    if (kinds & KindErofs)
        return EROFS;
    if (kinds & KindEnospc)
        return ENOSPC;
    return EIO;
}

bool parseKinds(const char *value, size_t length, unsigned *kinds)
{
    struct Name { const char *name; unsigned kind; };
    static const Name names[] = {
            {"enospc", KindEnospc},    {"eio-write", KindEioWrite}, {"short-write", KindShortWrite},
            {"eio-sync", KindEioSync}, {"eio-read", KindEioRead},   {"eacces", KindEacces},
            {"erofs", KindErofs},      {"kill", KindKill},          {"none", 0},
    };
    *kinds = 0;
    for (size_t start = 0; start < length;) {
        size_t end = start;
        while (end < length && value[end] != ',')
            ++end;
        bool known = false;
        for (const Name &n : names) {
            if (std::strlen(n.name) == end - start && std::strncmp(n.name, value + start, end - start) == 0) {
                *kinds |= n.kind;
                known = true;
            }
        }
        if (!known)
            return false;
        start = end + 1;
    }
    return true;
}

int applySpec(const char *spec)
{
    Config c{};
    unsigned kinds = 0;
    if (spec) {
        const char *p = spec;
        while (*p) {
            const char *end = std::strchr(p, ';');
            const size_t length = end ? size_t(end - p) : std::strlen(p);
            const char *eq = static_cast<const char *>(std::memchr(p, '=', length));
            if (length > 0) {
                if (!eq)
                    return -1;
                const size_t keyLength = size_t(eq - p);
                const char *value = eq + 1;
                const size_t valueLength = length - keyLength - 1;
                auto is = [&](const char *k) { return std::strlen(k) == keyLength && std::strncmp(p, k, keyLength) == 0; };
                if (is("kind")) {
                    if (!parseKinds(value, valueLength, &kinds))
                        return -1;
                } else if (is("path")) {
                    for (size_t start = 0; start < valueLength;) {
                        size_t stop = start;
                        while (stop < valueLength && value[stop] != ',')
                            ++stop;
                        const size_t n = stop - start;
                        if (n == 0 || n >= sizeof c.prefixes[0] || c.prefixCount == MaxPrefixes || value[start] != '/')
                            return -1;
                        std::memcpy(c.prefixes[c.prefixCount], value + start, n);
                        c.prefixes[c.prefixCount][n] = '\0';
                        c.prefixLength[c.prefixCount] = n;
                        ++c.prefixCount;
                        start = stop + 1;
                    }
                } else if (is("after") || is("count")) {
                    char number[24] = {};
                    if (valueLength == 0 || valueLength >= sizeof number)
                        return -1;
                    std::memcpy(number, value, valueLength);
                    char *stop = nullptr;
                    const long v = std::strtol(number, &stop, 10);
                    if (*stop || v < 0)
                        return -1;
                    (is("after") ? c.after : c.count) = v;
                } else {
                    return -1;
                }
            }
            if (!end)
                break;
            p = end + 1;
        }
    }
    if (kinds && c.prefixCount == 0)
        return -1; // a fault on every file of the process is never what a test wants
    pthread_rwlock_wrlock(&g_lock);
    g_kinds.store(0, std::memory_order_release);
    g_config = c;
    g_seen.store(0, std::memory_order_relaxed);
    g_hits.store(0, std::memory_order_relaxed);
    g_kinds.store(kinds, std::memory_order_release);
    pthread_rwlock_unlock(&g_lock);
    return 0;
}

__attribute__((constructor)) void initFromEnvironment()
{
    if (const char *spec = std::getenv("TIERCACHE_FAULT")) {
        if (applySpec(spec) != 0) {
            static const char msg[] = "tiercache_faultshim: ignoring invalid TIERCACHE_FAULT\n";
            [[maybe_unused]] auto n = ::syscall(SYS_write, 2, msg, sizeof msg - 1);
        }
    }
}

// kind=kill: dies at the matching call, before it is made. SIGKILL to the own process ends
// every thread on the way back from the kill() system call; nothing after it runs.
void killPoint(int fd, int dirfd, const char *path, const char *path2 = nullptr)
{
    if (!(g_kinds.load(std::memory_order_acquire) & KindKill))
        return;
    if (decide(KindKill, fd, dirfd, path, path2)) {
        ::syscall(SYS_kill, ::syscall(SYS_getpid), SIGKILL);
        for (;;)
            ::pause();
    }
}

bool writesFor(int flags)
{
    return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0;
}

// The open-time faults: EROFS for any opening for writing, EACCES for creating a new file.
bool openFails(int dirfd, const char *path, int flags)
{
    if (!writesFor(flags) || !(g_kinds.load(std::memory_order_acquire) & (KindEacces | KindErofs)))
        return false;
    unsigned which = 0;
    if (!(g_kinds.load(std::memory_order_acquire) & KindErofs)) {
        // eacces only: opening an existing file is allowed, creating one is not
        if (!(flags & O_CREAT))
            return false;
        struct stat st;
        const int saved = errno;
        const bool exists = ::fstatat(dirfd, path, &st, 0) == 0;
        errno = saved;
        if (exists && !(flags & O_EXCL))
            return false;
    }
    if (!decide(KindEacces | KindErofs, -1, dirfd, path, nullptr, &which))
        return false;
    errno = (which & KindErofs) ? EROFS : EACCES;
    return true;
}

bool namespaceFails(int dirfd, const char *path, const char *path2 = nullptr)
{
    unsigned which = 0;
    if (!decide(KindEacces | KindErofs, -1, dirfd, path, path2, &which))
        return false;
    errno = (which & KindErofs) ? EROFS : EACCES;
    return true;
}

mode_t modeArgument(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? mode_t(va_arg(ap, int)) : 0;
}

// Write-side decision shared by write/pwrite: returns the byte count to pass on, or -1 with
// errno set when the call is to fail.
ssize_t writeBudget(int fd, size_t count)
{
    unsigned which = 0;
    if (count == 0 || !decide(WriteKinds, fd, AT_FDCWD, nullptr, nullptr, &which))
        return ssize_t(count);
    if (which & (KindEnospc | KindEioWrite | KindErofs)) {
        errno = writeErrno(which);
        return -1;
    }
    return ssize_t(count > 1 ? count / 2 : 1); // short write
}

} // namespace

extern "C" {

__attribute__((visibility("default"))) int tiercache_fault_set(const char *spec)
{
    return applySpec(spec);
}

__attribute__((visibility("default"))) long tiercache_fault_hits(void)
{
    return g_hits.load(std::memory_order_relaxed);
}

ssize_t write(int fd, const void *buf, size_t count)
{
    REAL(write, ssize_t (*)(int, const void *, size_t));
    killPoint(fd, AT_FDCWD, nullptr);
    const ssize_t n = writeBudget(fd, count);
    return n < 0 ? -1 : real_write(fd, buf, size_t(n));
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset)
{
    REAL(pwrite, ssize_t (*)(int, const void *, size_t, off_t));
    killPoint(fd, AT_FDCWD, nullptr);
    const ssize_t n = writeBudget(fd, count);
    return n < 0 ? -1 : real_pwrite(fd, buf, size_t(n), offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t offset)
{
    REAL(pwrite64, ssize_t (*)(int, const void *, size_t, off64_t));
    killPoint(fd, AT_FDCWD, nullptr);
    const ssize_t n = writeBudget(fd, count);
    return n < 0 ? -1 : real_pwrite64(fd, buf, size_t(n), offset);
}

ssize_t read(int fd, void *buf, size_t count)
{
    REAL(read, ssize_t (*)(int, void *, size_t));
    killPoint(fd, AT_FDCWD, nullptr);
    if (count && decide(KindEioRead, fd, AT_FDCWD, nullptr)) {
        errno = EIO;
        return -1;
    }
    return real_read(fd, buf, count);
}

ssize_t pread(int fd, void *buf, size_t count, off_t offset)
{
    REAL(pread, ssize_t (*)(int, void *, size_t, off_t));
    killPoint(fd, AT_FDCWD, nullptr);
    if (count && decide(KindEioRead, fd, AT_FDCWD, nullptr)) {
        errno = EIO;
        return -1;
    }
    return real_pread(fd, buf, count, offset);
}

ssize_t pread64(int fd, void *buf, size_t count, off64_t offset)
{
    REAL(pread64, ssize_t (*)(int, void *, size_t, off64_t));
    killPoint(fd, AT_FDCWD, nullptr);
    if (count && decide(KindEioRead, fd, AT_FDCWD, nullptr)) {
        errno = EIO;
        return -1;
    }
    return real_pread64(fd, buf, count, offset);
}

int fsync(int fd)
{
    REAL(fsync, int (*)(int));
    killPoint(fd, AT_FDCWD, nullptr);
    if (decide(KindEioSync, fd, AT_FDCWD, nullptr)) {
        errno = EIO;
        return -1;
    }
    return real_fsync(fd);
}

int fdatasync(int fd)
{
    REAL(fdatasync, int (*)(int));
    killPoint(fd, AT_FDCWD, nullptr);
    if (decide(KindEioSync, fd, AT_FDCWD, nullptr)) {
        errno = EIO;
        return -1;
    }
    return real_fdatasync(fd);
}

int ftruncate(int fd, off_t length)
{
    REAL(ftruncate, int (*)(int, off_t));
    killPoint(fd, AT_FDCWD, nullptr);
    if (decide(KindErofs, fd, AT_FDCWD, nullptr)) {
        errno = EROFS;
        return -1;
    }
    return real_ftruncate(fd, length);
}

int ftruncate64(int fd, off64_t length)
{
    REAL(ftruncate64, int (*)(int, off64_t));
    killPoint(fd, AT_FDCWD, nullptr);
    if (decide(KindErofs, fd, AT_FDCWD, nullptr)) {
        errno = EROFS;
        return -1;
    }
    return real_ftruncate64(fd, length);
}

int open(const char *path, int flags, ...)
{
    REAL(open, int (*)(const char *, int, ...));
    killPoint(-1, AT_FDCWD, path);
    va_list ap;
    va_start(ap, flags);
    const mode_t mode = modeArgument(flags, ap);
    va_end(ap);
    if (openFails(AT_FDCWD, path, flags))
        return -1;
    return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    REAL(open64, int (*)(const char *, int, ...));
    killPoint(-1, AT_FDCWD, path);
    va_list ap;
    va_start(ap, flags);
    const mode_t mode = modeArgument(flags, ap);
    va_end(ap);
    if (openFails(AT_FDCWD, path, flags))
        return -1;
    return real_open64(path, flags, mode);
}

int __open_2(const char *path, int flags)
{
    REAL(__open_2, int (*)(const char *, int));
    killPoint(-1, AT_FDCWD, path);
    if (openFails(AT_FDCWD, path, flags))
        return -1;
    return real___open_2(path, flags);
}

int __open64_2(const char *path, int flags)
{
    REAL(__open64_2, int (*)(const char *, int));
    killPoint(-1, AT_FDCWD, path);
    if (openFails(AT_FDCWD, path, flags))
        return -1;
    return real___open64_2(path, flags);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    REAL(openat, int (*)(int, const char *, int, ...));
    killPoint(-1, dirfd, path);
    va_list ap;
    va_start(ap, flags);
    const mode_t mode = modeArgument(flags, ap);
    va_end(ap);
    if (openFails(dirfd, path, flags))
        return -1;
    return real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    REAL(openat64, int (*)(int, const char *, int, ...));
    killPoint(-1, dirfd, path);
    va_list ap;
    va_start(ap, flags);
    const mode_t mode = modeArgument(flags, ap);
    va_end(ap);
    if (openFails(dirfd, path, flags))
        return -1;
    return real_openat64(dirfd, path, flags, mode);
}

int __openat_2(int dirfd, const char *path, int flags)
{
    REAL(__openat_2, int (*)(int, const char *, int));
    killPoint(-1, dirfd, path);
    if (openFails(dirfd, path, flags))
        return -1;
    return real___openat_2(dirfd, path, flags);
}

int __openat64_2(int dirfd, const char *path, int flags)
{
    REAL(__openat64_2, int (*)(int, const char *, int));
    killPoint(-1, dirfd, path);
    if (openFails(dirfd, path, flags))
        return -1;
    return real___openat64_2(dirfd, path, flags);
}

int creat(const char *path, mode_t mode)
{
    REAL(creat, int (*)(const char *, mode_t));
    killPoint(-1, AT_FDCWD, path);
    if (openFails(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC))
        return -1;
    return real_creat(path, mode);
}

int creat64(const char *path, mode_t mode)
{
    REAL(creat64, int (*)(const char *, mode_t));
    killPoint(-1, AT_FDCWD, path);
    if (openFails(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC))
        return -1;
    return real_creat64(path, mode);
}

int mkdir(const char *path, mode_t mode)
{
    REAL(mkdir, int (*)(const char *, mode_t));
    killPoint(-1, AT_FDCWD, path);
    if (namespaceFails(AT_FDCWD, path))
        return -1;
    return real_mkdir(path, mode);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
    REAL(mkdirat, int (*)(int, const char *, mode_t));
    killPoint(-1, dirfd, path);
    if (namespaceFails(dirfd, path))
        return -1;
    return real_mkdirat(dirfd, path, mode);
}

int rename(const char *from, const char *to)
{
    REAL(rename, int (*)(const char *, const char *));
    killPoint(-1, AT_FDCWD, from, to);
    if (namespaceFails(AT_FDCWD, from, to))
        return -1;
    return real_rename(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
    REAL(renameat, int (*)(int, const char *, int, const char *));
    killPoint(-1, fromfd, from);
    killPoint(-1, tofd, to);
    if (namespaceFails(fromfd, from) || namespaceFails(tofd, to))
        return -1;
    return real_renameat(fromfd, from, tofd, to);
}

int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned flags)
{
    REAL(renameat2, int (*)(int, const char *, int, const char *, unsigned));
    killPoint(-1, fromfd, from);
    killPoint(-1, tofd, to);
    if (namespaceFails(fromfd, from) || namespaceFails(tofd, to))
        return -1;
    return real_renameat2(fromfd, from, tofd, to, flags);
}

int unlink(const char *path)
{
    REAL(unlink, int (*)(const char *));
    killPoint(-1, AT_FDCWD, path);
    if (namespaceFails(AT_FDCWD, path))
        return -1;
    return real_unlink(path);
}

int unlinkat(int dirfd, const char *path, int flags)
{
    REAL(unlinkat, int (*)(int, const char *, int));
    killPoint(-1, dirfd, path);
    if (namespaceFails(dirfd, path))
        return -1;
    return real_unlinkat(dirfd, path, flags);
}

int rmdir(const char *path)
{
    REAL(rmdir, int (*)(const char *));
    killPoint(-1, AT_FDCWD, path);
    if (namespaceFails(AT_FDCWD, path))
        return -1;
    return real_rmdir(path);
}

} // extern "C"
