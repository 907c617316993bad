/* SPDX-License-Identifier: MIT */
#include "session/client/sys.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace softvfio::session::sys {

namespace {

long ret(long r) noexcept { return r < 0 ? -errno : r; }

/* `attempt` once, and once more with the soft fd limit raised by `extra`
 * if the table was full. */
template<typename F>
int with_room(unsigned extra, F attempt) noexcept
{
	int r = attempt();
	if (r != -EMFILE)
		return r;
	struct rlimit rl;
	if (::syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, nullptr, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur + extra > rl.rlim_max)
		return r;
	struct rlimit raised = rl;
	raised.rlim_cur += extra;
	if (::syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &raised, nullptr) < 0)
		return r;
	r = attempt();
	::syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &rl, nullptr);
	return r;
}

} /* namespace */

long mmap(uintptr_t addr, size_t length, int prot, int flags, int fd, off_t offset) noexcept
{
	return ret(::syscall(SYS_mmap, addr, length, prot, flags, fd, offset));
}

long mremap(uintptr_t old_addr, size_t old_length, size_t new_length, int flags, uintptr_t new_addr) noexcept
{
	return ret(::syscall(SYS_mremap, old_addr, old_length, new_length, flags, new_addr));
}

int munmap(uintptr_t addr, size_t length) noexcept
{
	return static_cast<int>(ret(::syscall(SYS_munmap, addr, length)));
}

int mprotect(uintptr_t addr, size_t length, int prot) noexcept
{
	return static_cast<int>(ret(::syscall(SYS_mprotect, addr, length, prot)));
}

int madvise(uintptr_t addr, size_t length, int advice) noexcept
{
	return static_cast<int>(ret(::syscall(SYS_madvise, addr, length, advice)));
}

int close(int fd) noexcept
{
	return static_cast<int>(ret(::syscall(SYS_close, fd)));
}

int fstat(int fd, struct stat *st) noexcept
{
	return static_cast<int>(ret(::syscall(SYS_fstat, fd, st)));
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old) noexcept
{
	return static_cast<int>(ret(::syscall(SYS_rt_sigprocmask, how, set, old, _NSIG / 8)));
}

int open_momentary(const char *path, int flags) noexcept
{
	return with_room(1, [&] { return static_cast<int>(ret(::syscall(SYS_openat, AT_FDCWD, path, flags, 0))); });
}

int socketpair_momentary(int type, int sv[2]) noexcept
{
	return with_room(2, [&] { return static_cast<int>(ret(::syscall(SYS_socketpair, AF_UNIX, type, 0, sv))); });
}

} /* namespace softvfio::session::sys */
