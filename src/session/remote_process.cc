/* SPDX-License-Identifier: MIT */
#include "session/remote_process.h"

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

namespace softvfio::session {

namespace {

/* process_vm_readv/writev: the bytes copied before the first page they
 * cannot reach. A transfer stops short at such a page (it copies whole
 * pages up to it), and the next one, starting there, fails. */
size_t vm_io(pid_t pid, void *local, uintptr_t remote, size_t n, bool write)
{
	auto *mine = static_cast<unsigned char *>(local);
	size_t total = 0;
	while (total < n) {
		struct iovec l{mine + total, n - total}, r{reinterpret_cast<void *>(remote + total), n - total};
		long done = write ? ::syscall(SYS_process_vm_writev, pid, &l, 1, &r, 1, 0)
				  : ::syscall(SYS_process_vm_readv, pid, &l, 1, &r, 1, 0);
		if (done <= 0)
			break;
		total += static_cast<size_t>(done);
	}
	return total;
}

} /* namespace */

RemoteProcess::RemoteProcess(pid_t pid, UniqueFD pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}

void RemoteProcess::bind(pid_t pid, UniqueFD pidfd)
{
	pidfd_ = std::move(pidfd);
	pid_.store(pid, std::memory_order_release);
}

bool RemoteProcess::exited() const
{
	if (!pidfd_)
		return false;
	struct pollfd p{pidfd_.get(), POLLIN, 0};
	return ::poll(&p, 1, 0) == 1;
}

Result<void> RemoteProcess::read_memory(void *dst, uintptr_t src, size_t n)
{
	return vm_io(pid(), dst, src, n, false) == n ? Result<void>{} : err(EFAULT);
}

Result<void> RemoteProcess::write_memory(uintptr_t dst, const void *src, size_t n)
{
	return vm_io(pid(), const_cast<void *>(src), dst, n, true) == n ? Result<void>{} : err(EFAULT);
}

size_t RemoteProcess::transfer(void *local, uintptr_t remote, size_t n, bool write)
{
	return vm_io(pid(), local, remote, n, write);
}

Result<void> RegisterCopyHost::read_memory(void *dst, uintptr_t src, size_t n)
{
	return copy(static_cast<unsigned char *>(dst), src, n, false);
}

Result<void> RegisterCopyHost::write_memory(uintptr_t dst, const void *src, size_t n)
{
	return copy(static_cast<unsigned char *>(const_cast<void *>(src)), dst, n, true);
}

/* Plain memory as RemoteProcess copies it (its copies stop at the first
 * page they cannot reach), the rest through the registers. */
Result<void> RegisterCopyHost::copy(unsigned char *local, uintptr_t remote, size_t n, bool write)
{
	if (&inner_ != &remote_) {
		/* The view's copy first (a read-ahead window answers from what
		 * it holds): plain memory costs what it did. A window is never
		 * filled from registers: its read of a register page fails
		 * here, and the bytes asked for come through the registers
		 * below, no more. */
		auto r = write ? inner_.write_memory(remote, local, n) : inner_.read_memory(local, remote, n);
		if (r || r.error() != EFAULT)
			return r;
	}
	HostScope plain(remote_);
	return mm_.copy_through_registers(remote, local, n, write, [&](unsigned char *l, uintptr_t r, size_t k) {
		const size_t done = remote_.transfer(l, r, k, write);
		if (done < k)
			met_registers_ = true;
		return done;
	});
}

namespace {

/* The looks at processes' fds under way. A look lasts microseconds, so a
 * waiter sees the count at zero almost at once; only looks back to back
 * from many threads could keep it up, and then the waiter gives up after
 * kLookWait (the hang-up still comes, as an event, a little later). */
std::mutex g_look_lock;
std::condition_variable g_look_cv;
unsigned g_looks = 0;
constexpr auto kLookWait = std::chrono::milliseconds(50);

class FdLook
{
public:
	FdLook()
	{
		std::lock_guard guard(g_look_lock);
		g_looks++;
	}
	~FdLook()
	{
		std::lock_guard guard(g_look_lock);
		if (--g_looks == 0)
			g_look_cv.notify_all();
	}
	FdLook(const FdLook &) = delete;
	FdLook &operator=(const FdLook &) = delete;
};

} /* namespace */

void RemoteProcess::wait_for_fd_looks()
{
	std::unique_lock guard(g_look_lock);
	g_look_cv.wait_for(guard, kLookWait, [] { return g_looks == 0; });
}

Result<UniqueFD> RemoteProcess::take_fd(int fd)
{
	if (fd < 0)
		return err(EBADF);
	FdLook look;
	UniqueFD copy(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd_.get(), fd, 0)));
	if (!copy)
		return err(errno == ESRCH ? EBADF : errno);
	return copy;
}

std::string RemoteProcess::fd_path(int fd) const
{
	return "/proc/" + std::to_string(pid()) + "/fd/" + std::to_string(fd);
}

/* A copy of the fd and fstat is a third of the cost of a stat of
 * /proc/<pid>/fd/<n> (whose lookup walks procfs); the path is the way
 * left without a pidfd, or when this process has no fd number to spare.
 * Either way the file is held for a moment, as a look. */
Result<FileIdentity> RemoteProcess::fd_identity(int fd)
{
	if (fd < 0)
		return err(EBADF);
	struct stat st;
	FdLook look;
	bool known = false;
	if (pidfd_) {
		auto copy = take_fd(fd);
		if (copy) {
			if (::fstat(copy->get(), &st) < 0)
				return err(errno);
			known = true;
		} else if (copy.error() == EBADF) {
			return err(EBADF);
		}
	}
	if (!known && ::stat(fd_path(fd).c_str(), &st) < 0)
		return err(errno == ENOENT ? EBADF : errno);
	return FileIdentity{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

Result<std::string> RemoteProcess::fd_link(int fd)
{
	if (fd < 0)
		return err(EBADF);
	char target[256];
	FdLook look;
	ssize_t n = ::readlink(fd_path(fd).c_str(), target, sizeof(target));
	if (n < 0)
		return err(errno == ENOENT ? EBADF : errno);
	return std::string(target, static_cast<size_t>(n));
}

std::string RemoteProcess::proc_file(std::string_view name) const
{
	return "/proc/" + std::to_string(pid()) + "/" + std::string(name);
}

} /* namespace softvfio::session */
