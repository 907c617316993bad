/* SPDX-License-Identifier: MIT */
/*
 * The calls that change what an fd number means: close, close_range,
 * closefrom, dup, dup2, dup3, fcntl(F_DUPFD*), fclose, and the calls that
 * make new fds (recvmsg's received fds: intercept_socket.cc).
 *
 * Emulated fds are real fds (stand-ins: session/standins.h), so each of
 * these is the real system call; the session kernel is told afterwards of
 * every number that stood for one of its files and was closed or replaced,
 * so its last-close check (and the release) happens before the call
 * returns, as in the kernel. The one exception is close() of a file whose
 * release nobody can observe (a DMABUF's): the number is marked in the
 * mailbox and the fd closed, with no call (session/wire/closed_numbers.h).
 * dup needs nothing: the copy is the same open file, found by identity on
 * first use.
 */
#include <cstdarg>
#include <cstdio>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include "base/fork_guard.h"
#include "shim/real.h"
#include "shim/state.h"
#include "shim/trace.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/* The program's new fd: whatever the number meant before is gone. */
int created(int fd)
{
	if (fd >= 0 && !in_model() && kernel_if_created())
		fd_claim(fd, FdKind::Unknown);
	return fd;
}

/* The new number `to` now means what `from` means. */
void copy_kind(int from, FdKind kind, int to)
{
	fd_forget(to);
	if (kind == FdKind::Internal)
		kind = FdKind::Foreign;
	if (kind != FdKind::Unknown)
		fd_cache().set(to, kind);
	if (kind == FdKind::Dir || kind == FdKind::SysFile)
		note_copy(from, to);
}

int bad_fd()
{
	errno = EBADF;
	return -1;
}

/* The shim's own fd (a trace sink): a real kernel would not have it open. */
bool is_internal(int fd) { return fd_cache().get(fd).kind == FdKind::Internal; }

/* The kernel learns that `fd`, which stood for one of its files, was
 * closed or replaced. */
void tell_closed(KernelCalls *k, int fd)
{
	if (same_process())
		model_call([&] { return k->closed(fd); }, 0L);
}

/* close() of a stand-in whose file's release nobody can observe: the
 * number is marked, then closed, and the kernel is not called (the release
 * follows from the stand-in's hang-up). False, nothing done, if it must be
 * told by a call. The fork gate makes a fork see the mark and the close
 * both or neither: the child's copy of the kernel's table is taken in the
 * fork's first call, after the marks made before it were taken. */
bool close_lazily(KernelCalls *k, int fd, int &r)
{
	if (!same_process() || !releases_lazily(fd))
		return false;
	ForkGateShared gate;
	if (!k->connection().note_closed(fd))
		return false;
	r = REAL(close)(fd);
	return true;
}

int close_range_impl(unsigned first, unsigned last, int flags)
{
	KernelCalls *k = kernel_if_created();
	if (!k || (flags & CLOSE_RANGE_CLOEXEC))
		return REAL(close_range)(first, last, flags);
	if (first > last) {
		errno = EINVAL;
		return -1;
	}
	/* The emulated numbers in the range (those the cache knows, and open
	 * numbers it lost track of), and the shim's own, which stay. */
	bool emulated = false;
	std::vector<unsigned> internal;
	unsigned end = last < FdCache::kSlots ? last + 1 : FdCache::kSlots;
	end = std::min(end, fd_cache().high_water() + 1);
	for (unsigned fd = first; fd < end; fd++) {
		FdKind kind = fd_cache().get(static_cast<int>(fd)).kind;
		if (kind == FdKind::Unknown && REAL(fcntl)(static_cast<int>(fd), F_GETFD) >= 0)
			kind = classify(static_cast<int>(fd));
		emulated |= kind == FdKind::Ours;
		if (kind == FdKind::Internal)
			internal.push_back(fd);
	}
	int r = 0;
	unsigned from = first;
	for (unsigned fd : internal) {
		if (fd > from && REAL(close_range)(from, fd - 1, flags) < 0)
			r = -1;
		from = fd + 1;
	}
	if (from <= last && REAL(close_range)(from, last, flags) < 0)
		r = -1;
	int e = errno;
	if (emulated && same_process())
		model_call([&] { return k->closed_range(first, last); }, 0L);
	for (unsigned fd = first; fd < end; fd++)
		if (fd_cache().get(static_cast<int>(fd)).kind != FdKind::Internal)
			fd_cache().forget(static_cast<int>(fd));
	note_erase_range(first, last);
	errno = e;
	return r;
}

int dup3_impl(int oldfd, int newfd, int flags, bool is_dup2)
{
	KernelCalls *k = kernel_if_created();
	if (!k)
		return is_dup2 ? REAL(dup2)(oldfd, newfd) : REAL(dup3)(oldfd, newfd, flags);
	if (is_internal(oldfd))
		return bad_fd();
	FdKind kind = classify(oldfd);
	FdKind replaced = oldfd != newfd ? classify(newfd) : FdKind::Unknown;
	int r = is_dup2 ? REAL(dup2)(oldfd, newfd) : REAL(dup3)(oldfd, newfd, flags);
	if (r < 0)
		return r;
	int e = errno;
	if (replaced == FdKind::Internal) {
		/* The program's number now, as on Linux: the trace opens a new
		 * sink for its next line. */
		fd_cache().forget(newfd);
		trace_sink_lost(newfd);
	}
	if (replaced == FdKind::Ours)
		tell_closed(k, newfd);
	if (oldfd != newfd)
		copy_kind(oldfd, kind, newfd);
	errno = e;
	return r;
}

int fcntl_impl(int fd, int cmd, void *arg)
{
	const bool dupfd = cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC;
	KernelCalls *k = in_model() ? nullptr : kernel_if_created();
	if (!k)
		return REAL(fcntl)(fd, cmd, arg);
	if (dupfd) {
		if (is_internal(fd))
			return bad_fd();
		FdKind kind = classify(fd);
		int r = REAL(fcntl)(fd, cmd, arg);
		if (r >= 0)
			copy_kind(fd, kind, r);
		return r;
	}
	if (cmd == F_GETFL && classify(fd) == FdKind::Ours && same_process()) {
		/* The stand-in is a socket, always read-write: the file's own
		 * access mode replaces its bits. */
		int flags = REAL(fcntl)(fd, cmd, arg);
		if (flags < 0)
			return flags;
		long mode = model_call([&] { return k->access_mode(fd); }, -ENOMEM);
		if (mode < 0)
			return syscall_result<int>(mode);
		return (flags & ~O_ACCMODE) | static_cast<int>(mode);
	}
	return REAL(fcntl)(fd, cmd, arg);
}

} /* namespace */

SHIM_EXPORT int close(int fd)
{
	if (in_model()) {
		fd_cache().forget(fd);
		return REAL(close)(fd);
	}
	KernelCalls *k = kernel_if_created();
	if (!k)
		return REAL(close)(fd);
	FdKind kind = classify(fd);
	if (kind == FdKind::Internal)
		return bad_fd();
	TraceStart t0 = trace_start();
	int r;
	bool told = kind == FdKind::Ours && close_lazily(k, fd, r);
	if (!told)
		r = REAL(close)(fd);
	int e = errno;
	if (r == 0 && kind == FdKind::Ours) {
		if (!told)
			tell_closed(k, fd);
		if (tracing())
			trace_close(fd, 0, t0);
	}
	fd_forget(fd);
	errno = e;
	return r;
}

SHIM_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	if (in_model())
		return REAL(close_range)(first, last, flags);
	return close_range_impl(first, last, flags);
}

SHIM_EXPORT void closefrom(int lowfd)
{
	/* glibc's closefrom uses the system call directly, so it needs its own
	 * wrapper; it falls back to nothing when close_range is missing. */
	if (lowfd < 0)
		lowfd = 0;
	if (in_model())
		REAL(close_range)(static_cast<unsigned>(lowfd), ~0u, 0);
	else
		close_range_impl(static_cast<unsigned>(lowfd), ~0u, 0);
}

SHIM_EXPORT int dup(int fd)
{
	if (in_model() || !kernel_if_created())
		return REAL(dup)(fd);
	if (is_internal(fd))
		return bad_fd();
	FdKind kind = classify(fd);
	int r = REAL(dup)(fd);
	if (r >= 0)
		copy_kind(fd, kind, r);
	return r;
}

SHIM_EXPORT int dup2(int oldfd, int newfd)
{
	if (in_model())
		return REAL(dup2)(oldfd, newfd);
	return dup3_impl(oldfd, newfd, 0, true);
}

SHIM_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (in_model())
		return REAL(dup3)(oldfd, newfd, flags);
	return dup3_impl(oldfd, newfd, flags, false);
}

SHIM_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_impl(fd, cmd, arg);
}

SHIM_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_impl(fd, cmd, arg);
}

SHIM_EXPORT int fclose(FILE *stream)
{
	if (in_model())
		return REAL(fclose)(stream);
	KernelCalls *k = kernel_if_created();
	int fd = k && stream ? fileno(stream) : -1;
	FdKind kind = fd >= 0 ? classify(fd) : FdKind::Unknown;
	int r = REAL(fclose)(stream);
	if (fd >= 0) {
		int e = errno;
		/* The stream closed the number inside the C library. */
		if (kind == FdKind::Ours)
			tell_closed(k, fd);
		fd_forget(fd);
		errno = e;
	}
	return r;
}

SHIM_EXPORT int memfd_create(const char *name, unsigned flags)
{
	return created(REAL(memfd_create)(name, flags));
}

SHIM_EXPORT int eventfd(unsigned count, int flags)
{
	return created(REAL(eventfd)(count, flags));
}

SHIM_EXPORT int epoll_create(int size)
{
	return created(REAL(epoll_create)(size));
}

SHIM_EXPORT int epoll_create1(int flags)
{
	return created(REAL(epoll_create1)(flags));
}

SHIM_EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	int r = REAL(socketpair)(domain, type, protocol, sv);
	if (r == 0) {
		created(sv[0]);
		created(sv[1]);
	}
	return r;
}
