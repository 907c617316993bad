/* SPDX-License-Identifier: MIT */
/*
 * The C library's own functions behind the shim's interceptors.
 *
 * Each is found with dlsym(RTLD_NEXT): the next definition after the shim in
 * the lookup order (the C library, or another preloaded library that comes
 * after us). All are resolved by the shim's first constructor, before the
 * program runs; a call that arrives earlier (another library's constructor)
 * resolves the one it needs on the spot. glibc's dlsym allocates only when
 * it fails, so a successful lookup never re-enters the shim through a
 * malloc replacement; should it happen all the same, mmap and friends fall
 * back to raw system calls and anything else stops the program with a
 * message rather than recursing.
 */
#pragma once

#include <atomic>
#include <cstdarg>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <csignal>
#include <cstdio>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/uio.h>

namespace softvfio::shim::real {

using ScandirFilter = int (*)(const struct dirent *);
using ScandirCompar = int (*)(const struct dirent **, const struct dirent **);
using Scandir64Filter = int (*)(const struct dirent64 *);
using Scandir64Compar = int (*)(const struct dirent64 **, const struct dirent64 **);
using GlobErr = int (*)(const char *, int);
using NftwFn = int (*)(const char *, const struct stat *, int, struct FTW *);
using Nftw64Fn = int (*)(const char *, const struct stat64 *, int, struct FTW *);
using FtwFn = int (*)(const char *, const struct stat *, int);
using Ftw64Fn = int (*)(const char *, const struct stat64 *, int);

/* X(name, return type, parameter list) */
#define SOFTVFIO_SHIM_REAL_FUNCTIONS(X) \
	X(open, int, (const char *, int, ...)) \
	X(openat, int, (int, const char *, int, ...)) \
	X(__open_2, int, (const char *, int)) \
	X(__openat_2, int, (int, const char *, int)) \
	X(fopen, FILE *, (const char *, const char *)) \
	X(freopen, FILE *, (const char *, const char *, FILE *)) \
	X(fclose, int, (FILE *)) \
	X(close, int, (int)) \
	X(close_range, int, (unsigned, unsigned, int)) \
	X(dup, int, (int)) \
	X(dup2, int, (int, int)) \
	X(dup3, int, (int, int, int)) \
	X(fcntl, int, (int, int, ...)) \
	X(ioctl, int, (int, unsigned long, ...)) \
	X(read, ssize_t, (int, void *, size_t)) \
	X(write, ssize_t, (int, const void *, size_t)) \
	X(pread, ssize_t, (int, void *, size_t, off_t)) \
	X(pwrite, ssize_t, (int, const void *, size_t, off_t)) \
	X(readv, ssize_t, (int, const struct iovec *, int)) \
	X(writev, ssize_t, (int, const struct iovec *, int)) \
	X(preadv, ssize_t, (int, const struct iovec *, int, off_t)) \
	X(pwritev, ssize_t, (int, const struct iovec *, int, off_t)) \
	X(preadv2, ssize_t, (int, const struct iovec *, int, off_t, int)) \
	X(pwritev2, ssize_t, (int, const struct iovec *, int, off_t, int)) \
	X(lseek, off_t, (int, off_t, int)) \
	X(mmap, void *, (void *, size_t, int, int, int, off_t)) \
	X(munmap, int, (void *, size_t)) \
	X(mremap, void *, (void *, size_t, size_t, int, ...)) \
	X(mprotect, int, (void *, size_t, int)) \
	X(madvise, int, (void *, size_t, int)) \
	X(msync, int, (void *, size_t, int)) \
	X(stat, int, (const char *, struct stat *)) \
	X(lstat, int, (const char *, struct stat *)) \
	X(fstat, int, (int, struct stat *)) \
	X(fstatat, int, (int, const char *, struct stat *, int)) \
	X(statx, int, (int, const char *, int, unsigned, struct statx *)) \
	X(statfs, int, (const char *, struct statfs *)) \
	X(fstatfs, int, (int, struct statfs *)) \
	X(faccessat, int, (int, const char *, int, int)) \
	X(readlink, ssize_t, (const char *, char *, size_t)) \
	X(readlinkat, ssize_t, (int, const char *, char *, size_t)) \
	X(realpath, char *, (const char *, char *)) \
	X(opendir, DIR *, (const char *)) \
	X(fdopendir, DIR *, (int)) \
	X(readdir, struct dirent *, (DIR *)) \
	X(readdir64, struct dirent64 *, (DIR *)) \
	X(readdir_r, int, (DIR *, struct dirent *, struct dirent **)) \
	X(readdir64_r, int, (DIR *, struct dirent64 *, struct dirent64 **)) \
	X(closedir, int, (DIR *)) \
	X(dirfd, int, (DIR *)) \
	X(rewinddir, void, (DIR *)) \
	X(telldir, long, (DIR *)) \
	X(seekdir, void, (DIR *, long)) \
	X(scandir, int, (const char *, struct dirent ***, ScandirFilter, ScandirCompar)) \
	X(scandir64, int, (const char *, struct dirent64 ***, Scandir64Filter, Scandir64Compar)) \
	X(scandirat, int, (int, const char *, struct dirent ***, ScandirFilter, ScandirCompar)) \
	X(scandirat64, int, (int, const char *, struct dirent64 ***, Scandir64Filter, Scandir64Compar)) \
	X(glob, int, (const char *, int, GlobErr, glob_t *)) \
	X(glob64, int, (const char *, int, GlobErr, glob64_t *)) \
	X(nftw, int, (const char *, NftwFn, int, int)) \
	X(nftw64, int, (const char *, Nftw64Fn, int, int)) \
	X(ftw, int, (const char *, FtwFn, int)) \
	X(ftw64, int, (const char *, Ftw64Fn, int)) \
	X(sigaction, int, (int, const struct sigaction *, struct sigaction *)) \
	X(signal, sighandler_t, (int, sighandler_t)) \
	X(sysv_signal, sighandler_t, (int, sighandler_t)) \
	X(sigprocmask, int, (int, const sigset_t *, sigset_t *)) \
	X(pthread_sigmask, int, (int, const sigset_t *, sigset_t *)) \
	X(sigsuspend, int, (const sigset_t *)) \
	X(ppoll, int, (struct pollfd *, nfds_t, const struct timespec *, const sigset_t *)) \
	X(pselect, int, (int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *)) \
	X(epoll_pwait, int, (int, struct epoll_event *, int, int, const sigset_t *)) \
	X(signalfd, int, (int, const sigset_t *, int)) \
	X(fork, pid_t, ()) \
	X(execve, int, (const char *, char *const[], char *const[])) \
	X(execveat, int, (int, const char *, char *const[], char *const[], int)) \
	X(fexecve, int, (int, char *const[], char *const[])) \
	X(execv, int, (const char *, char *const[])) \
	X(execvp, int, (const char *, char *const[])) \
	X(execvpe, int, (const char *, char *const[], char *const[])) \
	X(recvmsg, ssize_t, (int, struct msghdr *, int)) \
	X(recv, ssize_t, (int, void *, size_t, int)) \
	X(recvfrom, ssize_t, (int, void *, size_t, int, struct sockaddr *, socklen_t *)) \
	X(recvmmsg, int, (int, struct mmsghdr *, unsigned, int, struct timespec *)) \
	X(send, ssize_t, (int, const void *, size_t, int)) \
	X(sendto, ssize_t, (int, const void *, size_t, int, const struct sockaddr *, socklen_t)) \
	X(sendmsg, ssize_t, (int, const struct msghdr *, int)) \
	X(sendmmsg, int, (int, struct mmsghdr *, unsigned, int)) \
	X(memfd_create, int, (const char *, unsigned)) \
	X(eventfd, int, (unsigned, int)) \
	X(epoll_create, int, (int)) \
	X(epoll_create1, int, (int)) \
	X(socketpair, int, (int, int, int, int *)) \
	X(getxattr, ssize_t, (const char *, const char *, void *, size_t)) \
	X(lgetxattr, ssize_t, (const char *, const char *, void *, size_t)) \
	X(listxattr, ssize_t, (const char *, char *, size_t)) \
	X(llistxattr, ssize_t, (const char *, char *, size_t))

#define SOFTVFIO_SHIM_DECLARE_SLOT(name, ret, params) \
	using name##_t = ret(*) params; \
	extern std::atomic<name##_t> name##_slot;
SOFTVFIO_SHIM_REAL_FUNCTIONS(SOFTVFIO_SHIM_DECLARE_SLOT)
#undef SOFTVFIO_SHIM_DECLARE_SLOT

/* The definition after the shim, or null when there is none or one is
 * being resolved on this thread right now. */
void *resolve(const char *name);
/* For a function the shim cannot do without: the definition, or the
 * program stops with a message. */
void *resolve_or_die(const char *name);

/* Resolve every function now (the shim's first constructor). */
void resolve_all();

template<typename F>
inline F get(std::atomic<F> &slot, const char *name)
{
	F f = slot.load(std::memory_order_acquire);
	if (__builtin_expect(f != nullptr, 1))
		return f;
	f = reinterpret_cast<F>(resolve_or_die(name));
	slot.store(f, std::memory_order_release);
	return f;
}

/* The same, null when unavailable (for the raw fallbacks). */
template<typename F>
inline F try_get(std::atomic<F> &slot, const char *name)
{
	F f = slot.load(std::memory_order_acquire);
	if (__builtin_expect(f != nullptr, 1))
		return f;
	f = reinterpret_cast<F>(resolve(name));
	if (f)
		slot.store(f, std::memory_order_release);
	return f;
}

} /* namespace softvfio::shim::real */

/* REAL(open)(path, flags, mode) */
#define REAL(name) (::softvfio::shim::real::get(::softvfio::shim::real::name##_slot, #name))
#define TRY_REAL(name) (::softvfio::shim::real::try_get(::softvfio::shim::real::name##_slot, #name))
