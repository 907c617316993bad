/* SPDX-License-Identifier: MIT */
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

/* The children of the test process (which runs the session kernel's
 * threads) start threads of their own (the stress tests' readers): under
 * ThreadSanitizer a child of a multi-threaded fork may. */
#if defined(__SANITIZE_THREAD__)
extern "C" const char *__tsan_default_options()
{
	return "die_after_fork=0";
}
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
extern "C" const char *__tsan_default_options()
{
	return "die_after_fork=0";
}
#endif
#endif

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

namespace {

/* How long a test waits for another process before it calls it hung. */
constexpr int kDeadlineMs = 30'000;

/* Wait until `fd` is readable, at most the deadline; the session signal
 * interrupts poll (it is never restarted), so wait on after it. */
bool readable(int fd)
{
	const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(kDeadlineMs);
	for (;;) {
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
		if (left.count() < 0)
			return false;
		struct pollfd p{fd, POLLIN, 0};
		int r = ::poll(&p, 1, static_cast<int>(left.count()));
		if (r == 1)
			return true;
		if (r == 0 || errno != EINTR)
			return false;
	}
}

/* What a hung child's threads were doing (the system call each sits in,
 * and where in the kernel it waits), for the log of the test that saw it:
 * a hang in CI must say where it was. */
void describe_hung(pid_t pid)
{
	const std::string task = "/proc/" + std::to_string(pid) + "/task";
	DIR *d = ::opendir(task.c_str());
	if (d == nullptr)
		return;
	while (struct dirent *e = ::readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		std::string line = std::string("  thread ") + e->d_name + ":";
		for (const char *what : {"wchan", "syscall"}) {
			std::string path = task + "/" + e->d_name + "/" + what;
			FILE *f = std::fopen(path.c_str(), "r");
			if (f == nullptr)
				continue;
			char buf[256] = {};
			if (std::fgets(buf, sizeof(buf), f) != nullptr) {
				buf[std::strcspn(buf, "\n")] = 0;
				line += std::string(" ") + what + "=" + buf;
			}
			std::fclose(f);
		}
		std::fprintf(stderr, "%s\n", line.c_str());
	}
	::closedir(d);
}

/* How long a forked child may take to join before it is taken for one
 * that never will (below). */
constexpr int kJoinDeadlineMs = 10'000;

/* Fork a child that joins the session and runs `body`; the child tells
 * through `joined` once it has. A child forked from this process (which
 * runs the session kernel's threads) can be stuck for good before it
 * joins: a lock a kernel thread held at the fork, that nobody in the child
 * will release (GCC 12's libasan takes no allocator lock around fork, so
 * the child of a fork made while a kernel thread allocated spins in its
 * first malloc). Nothing of the test has run in it then: it is replaced by
 * a new fork, up to twice, and said in the log. */
pid_t fork_joined_once(const std::string &dir, const std::function<int(session::Connection &)> &body,
		       const int joined[2])
{
	::fflush(nullptr);
	pid_t pid = ::fork();
	if (pid == 0) {
		/* The body sees the fd table it would have had without the
		 * pipe: both ends are gone before it runs. */
		::close(joined[0]);
		const int joined_fd = joined[1];
		child::note_inherited_mailboxes();
		session::Connection c;
		int r = c.join(dir.c_str());
		if (r < 0) {
			std::fprintf(stderr, "join: %s\n", std::strerror(-r));
			::_exit(100);
		}
		char b = 1;
		if (::write(joined_fd, &b, 1) != 1)
			::_exit(101);
		::close(joined_fd);
		::_exit(body(c));
	}
	return pid;
}

/* Did child `pid` join (true), or end before (true: reap() says how), or
 * neither within the deadline (false)? */
bool joined_or_ended(pid_t pid, int joined_fd)
{
	int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
	if (pidfd < 0)
		return true;
	const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(kJoinDeadlineMs);
	bool answered = false;
	for (;;) {
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
		if (left.count() < 0)
			break;
		struct pollfd p[2] = {{joined_fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
		int r = ::poll(p, 2, static_cast<int>(left.count()));
		if (r < 0 && errno == EINTR)
			continue;
		answered = r > 0;
		break;
	}
	::close(pidfd);
	return answered;
}

pid_t fork_joined(const std::string &dir, const std::function<int(session::Connection &)> &body)
{
	for (int attempt = 1;; attempt++) {
		int joined[2];
		if (::pipe2(joined, O_CLOEXEC) < 0)
			return -1;
		pid_t pid = fork_joined_once(dir, body, joined);
		::close(joined[1]);
		const bool ok = pid < 0 || joined_or_ended(pid, joined[0]);
		::close(joined[0]);
		if (ok || attempt == 3)
			return pid;
		std::fprintf(stderr, "child %d did not join within %d ms (attempt %d): replaced\n", static_cast<int>(pid),
			     kJoinDeadlineMs, attempt);
		describe_hung(pid);
		::kill(pid, SIGKILL);
		::waitpid(pid, nullptr, 0);
	}
}

int exit_status(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

} /* namespace */

void SessionTest::TearDown()
{
	for (pid_t pid : children_) {
		::kill(pid, SIGKILL);
		::waitpid(pid, nullptr, 0);
	}
	children_.clear();
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
	return reap(spawn(body));
}

pid_t SessionTest::spawn(const std::function<int(session::Connection &)> &body)
{
	return spawn_in(dir_, body);
}

pid_t SessionTest::spawn_in(const std::string &dir, const std::function<int(session::Connection &)> &body)
{
	pid_t pid = fork_joined(dir, body);
	if (pid > 0)
		children_.push_back(pid);
	return pid;
}

int SessionTest::reap(pid_t pid)
{
	if (pid <= 0)
		return -1;
	auto it = std::find(children_.begin(), children_.end(), pid);
	if (it != children_.end())
		children_.erase(it);
	/* A pidfd bounds the wait: a hung child fails the test, not the
	 * whole run. */
	int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
	if (pidfd >= 0) {
		bool ended = readable(pidfd);
		::close(pidfd);
		if (!ended) {
			std::fprintf(stderr, "child %d did not end in time: killed\n", static_cast<int>(pid));
			describe_hung(pid);
			std::fprintf(stderr, "  the session knows %zu processes\n", processes());
			::kill(pid, SIGKILL);
			::waitpid(pid, nullptr, 0);
			return -1;
		}
	}
	int status = 0;
	if (::waitpid(pid, &status, 0) < 0)
		return -1;
	return exit_status(status);
}

bool SessionTest::await(child::Pipe &pipe, pid_t pid)
{
	int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
	if (pidfd < 0)
		return pipe.take();
	const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(kDeadlineMs);
	bool got = false;
	for (;;) {
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
		if (left.count() < 0)
			break;
		struct pollfd p[2] = {{pipe.fds[0], POLLIN, 0}, {pidfd, POLLIN, 0}};
		int r = ::poll(p, 2, static_cast<int>(left.count()));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (p[0].revents & POLLIN) {
			char b;
			got = ::read(pipe.fds[0], &b, 1) == 1;
			break;
		}
		if (p[1].revents)
			break;
	}
	::close(pidfd);
	return got;
}

unsigned SessionTest::open_count()
{
	auto st = kernel_->device_state(bdf_);
	return st ? st->open_count : ~0u;
}

bool SessionTest::buffer_alive(uint64_t id)
{
	for (const BufferInfo &b : kernel_->buffers())
		if (b.id == id)
			return true;
	return false;
}

std::vector<uint64_t> SessionTest::exported_buffers()
{
	std::vector<uint64_t> ids;
	for (const BufferInfo &b : kernel_->buffers())
		if (!b.hidden)
			ids.push_back(b.id);
	return ids;
}

bool SessionTest::eventually(const std::function<bool()> &cond, std::chrono::milliseconds budget)
{
	const auto end = std::chrono::steady_clock::now() + budget;
	for (;;) {
		if (cond())
			return true;
		if (std::chrono::steady_clock::now() >= end)
			return false;
		/* Releases run on the session's threads: let them. */
		std::this_thread::sleep_for(std::chrono::microseconds(100));
	}
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
