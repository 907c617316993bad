/* SPDX-License-Identifier: MIT */
#include "session/session_fixture.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <softvfio/device_description.h>
#include <softvfio/uapi/vfio.h>

#include "session/session_dir.h"
#include "support/sigbus_probe.h"

namespace softvfio::test {

void SessionTest::SetUp()
{
	auto dir = session::create_session_dir();
	ASSERT_TRUE(dir) << std::strerror(dir.error());
	dir_ = dir->path;
	kernel_options_.sysfs_dir = dir_ + "/sys";
	kernel_ = std::make_unique<Kernel>(kernel_options_);
	auto bdf = kernel_->add_device(*preset("nic"));
	ASSERT_TRUE(bdf);
	bdf_ = *bdf;
	session::SessionConfig config;
	config.name = dir->name;
	config.exit_when_empty = false;
	session_ = std::make_unique<session::SessionKernel>(*kernel_, config, std::move(dir->listener));
	ASSERT_EQ(session_->error(), 0);
	ASSERT_TRUE(session::claim_session_dir(dir_, ::getpid()));
	thread_ = std::thread([this] { session_->run(); });
}

void SessionTest::TearDown()
{
	if (session_)
		session_->stop();
	if (thread_.joinable())
		thread_.join();
	session_.reset();
	kernel_.reset();
	if (!dir_.empty())
		session::remove_session_dir(dir_);
}

int SessionTest::in_child(const std::function<int(session::Connection &)> &body)
{
	::fflush(nullptr);
	pid_t pid = ::fork();
	if (pid == 0) {
		session::Connection c;
		int r = c.join(dir_.c_str());
		if (r < 0) {
			std::fprintf(stderr, "join: %s\n", std::strerror(-r));
			::_exit(100);
		}
		::_exit(body(c));
	}
	int status = 0;
	::waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

namespace child {

using session::wire::Op;

long open(session::Connection &c, const char *path, int flags)
{
	return c.call(Op::Open, {reinterpret_cast<int64_t>(path), flags});
}

long ioctl(session::Connection &c, int fd, unsigned long cmd, void *arg)
{
	return c.call(Op::Ioctl, {fd, static_cast<int64_t>(cmd), reinterpret_cast<int64_t>(arg)});
}

long ioctl(session::Connection &c, int fd, unsigned long cmd, unsigned long arg)
{
	return c.call(Op::Ioctl, {fd, static_cast<int64_t>(cmd), static_cast<int64_t>(arg)});
}

long mmap(session::Connection &c, size_t length, int prot, int fd, uint64_t offset, uintptr_t addr, int flags)
{
	session::MmTable::Guard guard(c.mm());
	long r = c.call(Op::Mmap, {static_cast<int64_t>(addr), static_cast<int64_t>(length), prot, flags, fd,
				   static_cast<int64_t>(offset)},
			nullptr, true);
	if (r >= 0 && session::last_apply_error()) {
		int e = session::last_apply_error();
		c.call(Op::Munmap, {r, static_cast<int64_t>(length)}, nullptr, true);
		return e;
	}
	return r;
}

long munmap(session::Connection &c, uintptr_t addr, size_t length)
{
	session::MmTable::Guard guard(c.mm());
	long r = c.call(Op::Munmap, {static_cast<int64_t>(addr), static_cast<int64_t>(length)}, nullptr, true);
	if (r == 0 || r == Kernel::kForeign)
		::munmap(reinterpret_cast<void *>(addr), length);
	return r == Kernel::kForeign ? 0 : r;
}

long close(session::Connection &c, int fd)
{
	if (::close(fd) < 0)
		return -errno;
	return c.call(Op::Closed, {fd});
}

bool open_device(session::Connection &c, const std::string &bdf, Device &out)
{
	out.container = static_cast<int>(open(c, "/dev/vfio/vfio"));
	out.group = static_cast<int>(open(c, "/dev/vfio/1"));
	if (out.container < 0 || out.group < 0) {
		std::fprintf(stderr, "open: %ld %ld\n", static_cast<long>(out.container), static_cast<long>(out.group));
		return false;
	}
	int container = out.container;
	if (ioctl(c, out.group, VFIO_GROUP_SET_CONTAINER, &container) < 0 ||
	    ioctl(c, out.container, VFIO_SET_IOMMU, static_cast<unsigned long>(VFIO_TYPE1v2_IOMMU)) < 0) {
		std::fprintf(stderr, "container setup failed\n");
		return false;
	}
	long dev = ioctl(c, out.group, VFIO_GROUP_GET_DEVICE_FD, const_cast<char *>(bdf.c_str()));
	if (dev < 0) {
		std::fprintf(stderr, "GET_DEVICE_FD: %s\n", std::strerror(static_cast<int>(-dev)));
		return false;
	}
	out.device = static_cast<int>(dev);
	return true;
}

pid_t fork(session::Connection &c)
{
	::fflush(nullptr);
	c.fork_prepare();
	pid_t pid = ::fork();
	if (pid == 0)
		c.fork_child();
	else
		c.fork_parent(pid);
	return pid;
}

int wait(pid_t pid)
{
	int status = 0;
	if (::waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

bool set_memory(session::Connection &c, int device, bool on)
{
	const int64_t at = (int64_t(VFIO_PCI_CONFIG_REGION_INDEX) << 40) + 4;
	uint16_t cmd = 0;
	if (c.call(Op::Pread, {device, reinterpret_cast<int64_t>(&cmd), 2, at}) != 2)
		return false;
	cmd = on ? (cmd | 0x2) : (cmd & ~0x2);
	return c.call(Op::Pwrite, {device, reinterpret_cast<int64_t>(&cmd), 2, at}) == 2;
}

Pipe::Pipe()
{
	if (::pipe2(fds, O_CLOEXEC) < 0)
		fds[0] = fds[1] = -1;
}

void Pipe::post()
{
	char b = 1;
	ssize_t r = ::write(fds[1], &b, 1);
	(void)r;
}

bool Pipe::take()
{
	char b;
	return ::read(fds[0], &b, 1) == 1;
}

bool faults(const volatile void *addr)
{
	SigbusProbe probe;
	return probe.read32(addr).faulted;
}

} /* namespace child */

} /* namespace softvfio::test */
