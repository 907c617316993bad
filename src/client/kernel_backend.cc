/* SPDX-License-Identifier: MIT */
/*
 * The kernel backend: plain system calls through the C library, so the
 * LD_PRELOAD shim can answer them under `softvfio run`.
 */
#include <cerrno>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "client/device_handle.h"

namespace softvfio::client {

namespace {

long ret(long r) { return r < 0 ? -errno : r; }

class KernelBackend : public Backend
{
public:
	const char *name() const override { return "kernel"; }
	long open(const std::string &path, int flags) override { return ret(::open(path.c_str(), flags)); }
	long close(int fd) override { return ret(::close(fd)); }
	long dup(int fd) override { return ret(::fcntl(fd, F_DUPFD_CLOEXEC, 0)); }
	long ioctl(int fd, unsigned long cmd, uintptr_t arg) override { return ret(::ioctl(fd, cmd, arg)); }
	using Backend::ioctl;
	long pread(int fd, void *buf, size_t count, uint64_t offset) override
	{
		return ret(::pread(fd, buf, count, static_cast<off_t>(offset)));
	}
	long pwrite(int fd, const void *buf, size_t count, uint64_t offset) override
	{
		return ret(::pwrite(fd, buf, count, static_cast<off_t>(offset)));
	}
	long lseek(int fd, off_t offset, int whence) override { return ret(::lseek(fd, offset, whence)); }
	long mmap(void *addr, size_t length, int prot, int flags, int fd, uint64_t offset) override
	{
		void *p = ::mmap(addr, length, prot, flags, fd, static_cast<off_t>(offset));
		return p == MAP_FAILED ? -errno : reinterpret_cast<long>(p);
	}
	long munmap(void *addr, size_t length) override { return ret(::munmap(addr, length)); }
	long mremap(void *old_addr, size_t old_length, size_t new_length, int flags, void *new_addr) override
	{
		void *p = ::mremap(old_addr, old_length, new_length, flags, new_addr);
		return p == MAP_FAILED ? -errno : reinterpret_cast<long>(p);
	}
	Result<std::string> read_text(const std::string &path) override { return detail::read_text_file(path); }
	Result<std::string> readlink(const std::string &path) override { return detail::read_link(path); }
	Result<std::vector<std::string>> list_dir(const std::string &path) override
	{
		return detail::list_directory(path);
	}
	bool exists(const std::string &path) override { return ::access(path.c_str(), F_OK) == 0; }
};

} /* namespace */

std::shared_ptr<Backend> kernel_backend()
{
	static const std::shared_ptr<Backend> backend = std::make_shared<KernelBackend>();
	return backend;
}

} /* namespace softvfio::client */
