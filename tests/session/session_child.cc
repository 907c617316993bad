/* SPDX-License-Identifier: MIT */
/*
 * The raw calls a process of a session test makes (session_fixture.h,
 * namespace child), as a program under the shim would make them.
 */
#include "session/session_fixture.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <poll.h>
#include <set>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <softvfio/device_description.h>
#include <softvfio/uapi/vfio.h>

#include "session/session_dir.h"
#include "support/dma_buf_arg.h"
#include "support/scm_rights.h"
#include "support/sigbus_probe.h"

namespace softvfio::test {

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

long pread0(session::Connection &c, int fd, void *buf, size_t n, uint64_t offset)
{
	return c.call(Op::Pread, {fd, reinterpret_cast<int64_t>(buf), static_cast<int64_t>(n),
				  static_cast<int64_t>(offset)});
}

long pwrite0(session::Connection &c, int fd, const void *buf, size_t n, uint64_t offset)
{
	return c.call(Op::Pwrite, {fd, reinterpret_cast<int64_t>(buf), static_cast<int64_t>(n),
				   static_cast<int64_t>(offset)});
}

bool open_device(session::Connection &c, const std::string &bdf, Device &out, unsigned group)
{
	out.container = static_cast<int>(open(c, "/dev/vfio/vfio"));
	out.group = static_cast<int>(open(c, ("/dev/vfio/" + std::to_string(group)).c_str()));
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

long export_dmabuf(session::Connection &c, int device, unsigned bar, uint64_t offset, uint64_t length)
{
	DmaBufArg arg = dma_buf_arg(bar, offset, length);
	return ioctl(c, device, VFIO_DEVICE_FEATURE, arg.data());
}

long revoke_dmabuf(session::Connection &c, int device, int dmabuf)
{
	uint8_t arg[sizeof(vfio_device_feature) + sizeof(vfio_device_feature_dma_buf_revoke)] = {};
	vfio_device_feature hdr{sizeof(arg), VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE | VFIO_DEVICE_FEATURE_SET};
	vfio_device_feature_dma_buf_revoke req{dmabuf};
	std::memcpy(arg, &hdr, sizeof(hdr));
	std::memcpy(arg + sizeof(hdr), &req, sizeof(req));
	return ioctl(c, device, VFIO_DEVICE_FEATURE, arg);
}

uint64_t buffer_id(session::Connection &c, int dmabuf)
{
	session::wire::BufferData d{};
	if (c.call(Op::BufferOf, {dmabuf, reinterpret_cast<int64_t>(&d)}) != 0)
		return 0;
	return d.id;
}

bool send_fd(int sock, int fd)
{
	const char byte = 'F';
	return send_with_fd(sock, &byte, 1, fd, MSG_NOSIGNAL) == 1;
}

int recv_fd(int sock)
{
	char byte;
	if (!readable(sock))
		return -ETIMEDOUT;
	int fd;
	ssize_t n = recv_with_fd(sock, &byte, 1, MSG_CMSG_CLOEXEC, fd);
	if (n != 1)
		return n < 0 ? -errno : -EPROTO;
	return fd >= 0 ? fd : -EPROTO;
}

namespace {

std::set<uint64_t> g_inherited_mailboxes;

/* The inode and start of every mailbox mapping of this process. */
std::vector<std::pair<uint64_t, uintptr_t>> mailbox_mappings()
{
	std::vector<std::pair<uint64_t, uintptr_t>> out;
	FILE *f = std::fopen("/proc/self/maps", "re");
	if (!f)
		return out;
	char line[512];
	while (std::fgets(line, sizeof(line), f)) {
		if (!std::strstr(line, "softvfio-mailbox"))
			continue;
		unsigned long start, end, offset, ino;
		char perms[8], dev[16];
		if (std::sscanf(line, "%lx-%lx %7s %lx %15s %lu", &start, &end, perms, &offset, dev, &ino) == 6 &&
		    offset == 0)
			out.emplace_back(ino, start);
	}
	std::fclose(f);
	return out;
}

} /* namespace */

void note_inherited_mailboxes()
{
	g_inherited_mailboxes.clear();
	for (auto &[ino, start] : mailbox_mappings())
		g_inherited_mailboxes.insert(ino);
}

session::wire::Mailbox *own_mailbox()
{
	for (auto &[ino, start] : mailbox_mappings())
		if (!g_inherited_mailboxes.count(ino))
			return reinterpret_cast<session::wire::Mailbox *>(start);
	return nullptr;
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
	if (!readable(fds[0]))
		return false;
	char b;
	return ::read(fds[0], &b, 1) == 1;
}

bool faults(const volatile void *addr)
{
	SigbusProbe probe;
	return probe.read32(addr).faulted;
}

char *map_page(session::Connection &c, int fd, int prot, uintptr_t at)
{
	long p = mmap(c, 4096, prot, fd, 0, at, at ? MAP_SHARED | MAP_FIXED : MAP_SHARED);
	return p > 0 ? reinterpret_cast<char *>(p) : nullptr;
}

bool api_version_works(session::Connection &c, int container)
{
	return ioctl(c, container, VFIO_GET_API_VERSION, 0ul) == VFIO_API_VERSION;
}

bool region_info_works(session::Connection &c, int device)
{
	vfio_region_info info{};
	info.argsz = sizeof(info);
	info.index = VFIO_PCI_BAR2_REGION_INDEX;
	return ioctl(c, device, VFIO_DEVICE_GET_REGION_INFO, &info) == 0 && info.size > 0;
}

int device_calls(session::Connection &c, const Device &d)
{
	CHILD_CHECK(region_info_works(c, d.device));
	CHILD_CHECK(set_memory(c, d.device, false));
	CHILD_CHECK(set_memory(c, d.device, true));
	const uint64_t bar2 = uint64_t(VFIO_PCI_BAR2_REGION_INDEX) << 40;
	long p = mmap(c, 0x10000, PROT_READ | PROT_WRITE, d.device, bar2);
	CHILD_CHECK(p > 0);
	CHILD_CHECK(!faults(reinterpret_cast<void *>(p)));
	CHILD_CHECK(munmap(c, static_cast<uintptr_t>(p), 0x10000) == 0);
	long buf = export_dmabuf(c, d.device, VFIO_PCI_BAR2_REGION_INDEX, 0, 0x1000);
	CHILD_CHECK(buf >= 0);
	CHILD_CHECK(close(c, static_cast<int>(buf)) == 0);
	return 0;
}

} /* namespace child */

} /* namespace softvfio::test */
