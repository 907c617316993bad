/* SPDX-License-Identifier: MIT */
/*
 * The calls that change what an fd number means: close, close_range,
 * closefrom, dup, dup2, dup3, fcntl(F_DUPFD*), fclose, recvmsg; and the
 * fd-creating calls the model itself makes, whose results are moved out of
 * the program's way (state.h: relocate_internal).
 */
#include <cstdarg>
#include <cstdio>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include "shim/real.h"
#include "shim/state.h"
#include "shim/trace.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/* A model-created fd, or the program's new fd (ordinary). */
int created(int fd)
{
	if (fd < 0)
		return fd;
	if (in_model())
		return t_keep_low ? fd : relocate_internal(fd);
	if (kernel_if_created())
		fd_claim(fd, FdKind::Foreign);
	return fd;
}

/* The new number `to` now means what `from` means. */
void copy_kind(int from, FdKind kind, int to)
{
	if (kind == FdKind::Ours) {
		/* The model made the copy and knows what `to` is. */
		fd_forget(to);
		fd_cache().set(to, kind);
	} else {
		fd_claim(to, kind == FdKind::Internal ? FdKind::Foreign : kind);
	}
	if (kind == FdKind::Ours || kind == FdKind::Dir || kind == FdKind::SysFile)
		note_copy(from, to);
}

int bad_fd()
{
	errno = EBADF;
	return -1;
}

/* The model's fds are not the program's: a real kernel would not have them
 * open, and closing them would break the model. */
bool is_internal(int fd) { return fd_cache().get(fd).kind == FdKind::Internal; }

int close_range_impl(unsigned first, unsigned last, int flags)
{
	Kernel *k = kernel_if_created();
	if (!k || (flags & CLOSE_RANGE_CLOEXEC))
		return REAL(close_range)(first, last, flags);
	if (first > last) {
		errno = EINVAL;
		return -1;
	}
	/* Emulated fds first, through the model; then the rest for real,
	 * around the model's own. (CLOSE_RANGE_UNSHARE: the model has one fd
	 * table per process, so it acts as if the table were shared.) */
	std::vector<unsigned> internal;
	if (same_process()) {
		unsigned end = last < FdCache::kSlots ? last + 1 : FdCache::kSlots;
		if (end > fd_cache().high_water() + 1)
			end = fd_cache().high_water() + 1;
		for (unsigned fd = first; fd < end; fd++) {
			FdKind kind = fd_cache().get(static_cast<int>(fd)).kind;
			/* An open number the cache lost track of (as in close()). */
			if (kind == FdKind::Unknown && REAL(fcntl)(static_cast<int>(fd), F_GETFD) >= 0)
				kind = classify(static_cast<int>(fd));
			if (kind == FdKind::Ours) {
				model_call([&] { return k->close(static_cast<int>(fd)); }, 0L);
				sysfs_changed();
			}
			else if (kind == FdKind::Internal)
				internal.push_back(fd);
		}
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
	for (unsigned fd = first, end = last < FdCache::kSlots ? last + 1 : FdCache::kSlots; fd < end; fd++)
		if (fd_cache().get(static_cast<int>(fd)).kind != FdKind::Internal)
			fd_cache().forget(static_cast<int>(fd));
	note_erase_range(first, last);
	errno = e;
	return r;
}

} /* namespace */

SHIM_EXPORT int close(int fd)
{
	if (in_model()) {
		fd_cache().forget(fd);
		return REAL(close)(fd);
	}
	Kernel *k = kernel_if_created();
	if (!k)
		return REAL(close)(fd);
	/* classify(), not the cache alone: another thread's close of the
	 * number's previous file may have reset it to Unknown after this file
	 * took the number, and closing an emulated fd for real would leave
	 * the model holding its object (a group would stay busy). */
	FdKind kind = classify(fd);
	if (kind == FdKind::Internal)
		return bad_fd();
	int r;
	if (kind == FdKind::Ours && same_process()) {
		long raw = model_call([&] { return k->close(fd); }, -ENOMEM);
		if (tracing())
			trace_close(fd, raw);
		r = syscall_result<int>(raw);
		sysfs_changed();
	}
	else
		r = REAL(close)(fd);
	int e = errno;
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
	if (in_model())
		return created(REAL(dup)(fd));
	Kernel *k = kernel_if_created();
	if (!k)
		return REAL(dup)(fd);
	FdKind kind = classify(fd);
	if (kind == FdKind::Internal)
		return bad_fd();
	if (kind == FdKind::Ours && same_process()) {
		long r = model_call(
			[&] {
				KeepLow keep;
				return k->dup(fd);
			},
			-ENOMEM);
		if (r >= 0)
			copy_kind(fd, kind, static_cast<int>(r));
		return syscall_result<int>(r);
	}
	int r = REAL(dup)(fd);
	if (r >= 0)
		copy_kind(fd, kind, r);
	return r;
}

static int dup3_impl(int oldfd, int newfd, int flags, bool is_dup2)
{
	Kernel *k = kernel_if_created();
	if (!k)
		return is_dup2 ? REAL(dup2)(oldfd, newfd) : REAL(dup3)(oldfd, newfd, flags);
	if (is_internal(oldfd))
		return bad_fd();
	if (is_internal(newfd) && oldfd != newfd) {
		/* A real kernel would have the number free; the model needs it. */
		errno = EBUSY;
		return -1;
	}
	FdKind kind = classify(oldfd);
	/* So that copy_kind sees an emulated fd the real dup replaces. */
	if (oldfd != newfd)
		classify(newfd);
	long r;
	if (kind == FdKind::Ours && same_process()) {
		r = model_call(
			[&] {
				KeepLow keep;
				return is_dup2 ? k->dup2(oldfd, newfd) : k->dup3(oldfd, newfd, flags);
			},
			-ENOMEM);
	} else {
		r = is_dup2 ? REAL(dup2)(oldfd, newfd) : REAL(dup3)(oldfd, newfd, flags);
		if (r < 0)
			r = -errno;
	}
	if (r >= 0 && oldfd != newfd)
		copy_kind(oldfd, kind, newfd);
	return syscall_result<int>(r);
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

static int fcntl_impl(int fd, int cmd, void *arg)
{
	bool dupfd = cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC;
	if (in_model()) {
		if (!dupfd || t_keep_low)
			return REAL(fcntl)(fd, cmd, arg);
		long min = reinterpret_cast<long>(arg);
		if (min < internal_fd_base())
			min = internal_fd_base();
		int r = REAL(fcntl)(fd, cmd, reinterpret_cast<void *>(min));
		if (r < 0)
			r = REAL(fcntl)(fd, cmd, arg);
		return relocate_internal(r);
	}
	Kernel *k = kernel_if_created();
	if (!dupfd || !k)
		return REAL(fcntl)(fd, cmd, arg);
	FdKind kind = classify(fd);
	if (kind == FdKind::Internal)
		return bad_fd();
	long r;
	if (kind == FdKind::Ours && same_process()) {
		long min = reinterpret_cast<long>(arg);
		if (min < 0 || min > INT32_MAX)
			return syscall_result<int>(-EINVAL);
		r = model_call(
			[&] {
				KeepLow keep;
				return k->fcntl_dupfd(fd, static_cast<int>(min), cmd == F_DUPFD_CLOEXEC);
			},
			-ENOMEM);
	} else {
		r = REAL(fcntl)(fd, cmd, arg);
		if (r < 0)
			r = -errno;
	}
	if (r >= 0)
		copy_kind(fd, kind, static_cast<int>(r));
	return syscall_result<int>(r);
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
	Kernel *k = kernel_if_created();
	int fd = k && stream ? fileno(stream) : -1;
	FdKind kind = fd >= 0 ? classify(fd) : FdKind::Unknown;
	int r = REAL(fclose)(stream);
	if (fd >= 0) {
		int e = errno;
		/* The stream closed the number inside the C library: let the
		 * model drop what it stood for. */
		if (kind == FdKind::Ours && same_process()) {
			model_call([&] { k->forget_fd(fd); return 0; }, 0);
			sysfs_changed();
		}
		fd_forget(fd);
		errno = e;
	}
	return r;
}

SHIM_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t r = REAL(recvmsg)(fd, msg, flags);
	if (r < 0 || in_model() || !kernel_if_created() || !msg || !msg->msg_controllen)
		return r;
	/* Received fds take numbers the shim has not seen closed; they are
	 * classified on first use (SCM_RIGHTS needs nothing else: the
	 * stand-ins are real fds, recognised by identity). */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		const int *fds = reinterpret_cast<const int *>(CMSG_DATA(c));
		for (size_t i = 0; i < n; i++)
			fd_claim(fds[i], FdKind::Unknown);
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
		sv[0] = created(sv[0]);
		sv[1] = created(sv[1]);
	}
	return r;
}
