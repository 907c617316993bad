/* SPDX-License-Identifier: MIT */
#include "session/session_fixture.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
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

/* How long a test waits for another process before it calls it hung. */
constexpr int kDeadlineMs = 30'000;

/* The session signal interrupts poll (it is never restarted), so wait on
 * after it. */
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

std::set<pid_t> thread_ids()
{
	std::set<pid_t> tids;
	if (DIR *d = ::opendir("/proc/self/task")) {
		while (struct dirent *e = ::readdir(d))
			if (e->d_name[0] != '.')
				tids.insert(static_cast<pid_t>(std::atoi(e->d_name)));
		::closedir(d);
	}
	return tids;
}

bool threads_exited(const std::set<pid_t> &tids, size_t kept)
{
	/* pidfd_open's PIDFD_THREAD (Linux 6.9): a pidfd of a thread,
	 * readable once it has exited. */
	constexpr unsigned kPidfdThread = O_EXCL;
	const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(kDeadlineMs);
	for (;;) {
		std::vector<struct pollfd> left;
		bool can_wait = true;
		for (pid_t tid : tids) {
			int fd = static_cast<int>(::syscall(SYS_pidfd_open, tid, kPidfdThread));
			if (fd >= 0)
				left.push_back({fd, POLLIN, 0});
			else if (errno == EINVAL)
				can_wait = false;   /* no thread pidfds */
			/* ESRCH: it has exited. */
		}
		int r = 0, error = 0;
		if (can_wait && left.size() > kept) {
			auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
			r = ms.count() > 0 ? ::poll(left.data(), left.size(), static_cast<int>(ms.count())) : 0;
			error = errno;
		}
		for (auto &p : left)
			::close(p.fd);
		if (!can_wait || left.size() <= kept)
			return true;
		if (r == 0 || (r < 0 && error != EINTR))
			return false;
	}
}

namespace {

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

void EduSessionTest::SetUp()
{
	SessionTest::SetUp();
	auto bdf = kernel_->add_device(*preset("edu"));
	ASSERT_TRUE(bdf);
	edu_ = *bdf;
	auto state = kernel_->device_state(edu_);
	ASSERT_TRUE(state);
	group_ = state->iommu_group;
}

uint64_t EduSessionTest::model_accesses(const std::string &bdf)
{
	auto s = kernel_->device_state(bdf);
	return s ? s->register_accesses : ~uint64_t(0);
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
			/* Not settled: the session may be what hangs. */
			std::fprintf(stderr, "  the session knows %zu processes\n", session_->processes().size());
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

void SessionTest::settle()
{
	/* An exec without the shim that has happened drops the old image's
	 * mappings, as on Linux. */
	session_->expire_replaced_images();
	session_->settle();
	/* A call of a process killed in the middle of it ends on its serving
	 * thread, which its record's drop told to leave: with no process
	 * left, every serving thread is on its way out, and what a call held
	 * goes before its thread has left. */
	if (session_->processes().empty()) {
		EXPECT_TRUE(session_->serving_threads_gone(std::chrono::milliseconds(kDeadlineMs)))
			<< "a thread still serves a process that is gone";
	}
	/* A buffer whose last reference went inside a device-wide operation
	 * (a revoke, a reset) is released on the releaser thread; what that
	 * release lets go, the session's worker may have to finish. */
	kernel_->flush_deferred_releases();
	session_->settle();
}

size_t SessionTest::processes()
{
	settle();
	return session_->processes().size();
}

unsigned SessionTest::open_count()
{
	settle();
	auto st = kernel_->device_state(bdf_);
	return st ? st->open_count : ~0u;
}

bool SessionTest::buffer_alive(uint64_t id)
{
	settle();
	for (const BufferInfo &b : kernel_->buffers())
		if (b.id == id)
			return true;
	return false;
}

std::vector<BufferInfo> SessionTest::buffers()
{
	settle();
	return kernel_->buffers();
}

std::vector<uint64_t> SessionTest::exported_buffers()
{
	settle();
	std::vector<uint64_t> ids;
	for (const BufferInfo &b : kernel_->buffers())
		if (!b.hidden)
			ids.push_back(b.id);
	return ids;
}

size_t SessionTest::standins()
{
	settle();
	return session_->standins().size();
}

} /* namespace softvfio::test */
