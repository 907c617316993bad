/* SPDX-License-Identifier: MIT */
#include "session/launch.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <softvfio/base/unique_fd.h>
#include <softvfio/device_description.h>
#include <softvfio/kernel.h>

#include "kernel/kernel_impl.h"
#include "session/session_dir.h"
#include "session/session_kernel.h"

namespace softvfio::session {

namespace {

/* What the kernel process tells the caller waiting for it (one write, well
 * under PIPE_BUF, so it arrives whole or not at all). */
struct Started {
	int32_t error;       /* 0: serving */
	int32_t kernel;
	int32_t watchdog;
};

using ReadyFn = std::function<void(const Started &)>;

/* The byte that tells the watchdog the kernel ends cleanly. */
constexpr char kClean = 'c';

constexpr int kStopSignals[] = {SIGTERM, SIGINT, SIGHUP};

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

/* Close every fd from 3 up except those in `keep`. */
void close_all_but(std::vector<int> keep)
{
	std::sort(keep.begin(), keep.end());
	unsigned from = 3;
	for (int fd : keep) {
		if (fd < 3)
			continue;
		if (static_cast<unsigned>(fd) > from)
			::syscall(SYS_close_range, from, static_cast<unsigned>(fd) - 1, 0);
		from = std::max(from, static_cast<unsigned>(fd) + 1);
	}
	::syscall(SYS_close_range, from, ~0U, 0);
}

/* fds 0-2 (those in `which`) onto `path`. */
void redirect(std::initializer_list<int> which, const char *path, int flags)
{
	int fd = ::open(path, flags | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	for (int target : which)
		::dup2(fd, target);
	if (fd > 2)
		::close(fd);
}

/* The Kernel as the shim built it from its environment (shim/state.cc):
 * a device that cannot be added is a warning, not a failure. */
Kernel *build_kernel(const LaunchOptions &o, const std::string &sysfs_dir)
{
	KernelOptions options;
	options.verify_fd_identity = o.verify_fds;
	if (o.config.domain)
		options.domain = *o.config.domain;
	if (o.config.access)
		options.access = *o.config.access;
	options.sysfs_dir = sysfs_dir;
	auto *k = new Kernel(options);
	for (const shim::DeviceSpec &spec : o.config.devices) {
		auto desc = resolve_device(spec.source);
		if (auto *e = std::get_if<DescriptionError>(&desc)) {
			std::fprintf(stderr, "softvfio: %s: %s\n", shim::kEnvDevices, e->message().c_str());
			continue;
		}
		DeviceOptions dopts;
		dopts.bdf = spec.bdf;
		dopts.profile = o.config.profile;
		auto bdf = k->add_device(std::get<DeviceDescription>(desc), dopts);
		if (!bdf)
			std::fprintf(stderr, "softvfio: %s: cannot add '%s'%s: %s\n", shim::kEnvDevices, spec.source.c_str(),
				     spec.bdf.empty() ? "" : (" at " + spec.bdf).c_str(), std::strerror(bdf.error()));
	}
	std::fflush(stderr);
	return k;
}

/* Every device's memory: one memfd per PCI function holds all its BARs. */
std::vector<int> bar_memfds(Kernel &kernel)
{
	std::vector<int> fds;
	Kernel::Impl &impl = kernel.impl();
	std::lock_guard guard(impl.devices_lock);
	for (const auto &[bdf, entry] : impl.devices)
		fds.push_back(entry.device->function().memory_fd());
	return fds;
}

void empty_memfds(const std::vector<int> &fds)
{
	for (int fd : fds)
		(void)::ftruncate(fd, 0);
}

/* --- the watchdog --- */

[[noreturn]] void watchdog_main(int kernel_pidfd, int clean_fd, const std::vector<int> &memfds, const std::string &dir)
{
	::prctl(PR_SET_NAME, "softvfio-watch", 0, 0, 0);
	/* It outlives whatever ends the kernel by a signal, and its
	 * terminal's Ctrl-C when `softvfio serve` runs in the foreground. */
	for (int sig : kStopSignals)
		::signal(sig, SIG_IGN);
	::signal(SIGPIPE, SIG_IGN);
	sigset_t none;
	sigemptyset(&none);
	::sigprocmask(SIG_SETMASK, &none, nullptr);
	redirect({0, 1, 2}, "/dev/null", O_RDWR);
	std::vector<int> keep = memfds;
	keep.push_back(kernel_pidfd);
	keep.push_back(clean_fd);
	close_all_but(keep);

	struct pollfd fds[2] = {{kernel_pidfd, POLLIN, 0}, {clean_fd, POLLIN, 0}};
	while (::poll(fds, 2, -1) < 0 && errno == EINTR) {
	}
	/* The marker comes before the kernel's exit: read without waiting. */
	::fcntl(clean_fd, F_SETFL, O_NONBLOCK);
	char c = 0;
	if (::read(clean_fd, &c, 1) == 1 && c == kClean)
		::_exit(0);
	empty_memfds(memfds);
	remove_session_dir(dir);
	::_exit(0);
}

struct Watchdog {
	pid_t pid = -1;
	UniqueFD clean;   /* write kClean before a clean exit */
};

Result<Watchdog> start_watchdog(const std::vector<int> &memfds, const std::string &dir)
{
	UniqueFD self(pidfd_open(::getpid()));
	int p[2];
	if (!self || ::pipe2(p, O_CLOEXEC) < 0)
		return err(errno);
	Watchdog w;
	w.clean = UniqueFD(p[1]);
	w.pid = ::fork();
	if (w.pid < 0) {
		int e = errno;
		::close(p[0]);
		return err(e);
	}
	if (w.pid == 0) {
		::close(p[1]);
		watchdog_main(self.get(), p[0], memfds, dir);
	}
	::close(p[0]);
	return w;
}

/* --- the kernel process --- */

/* It could not start: say why, let the watchdog go, leave nothing behind. */
[[noreturn]] void give_up(const ReadyFn &ready, Started started, int error, Watchdog *watchdog, const std::string &dir)
{
	started.error = error;
	ready(started);
	if (watchdog && watchdog->clean) {
		(void)::write(watchdog->clean.get(), &kClean, 1);
		while (::waitpid(watchdog->pid, nullptr, 0) < 0 && errno == EINTR) {
		}
	}
	remove_session_dir(dir);
	std::fflush(nullptr);
	::_exit(1);
}

/* Serve the session at `dir` in this process, then end it. `detached`: a
 * process of its own (stdio and every inherited fd let go). */
[[noreturn]] void kernel_process(SessionDir dir, const LaunchOptions &o, const ReadyFn &ready, bool detached)
{
	/* `softvfio run` inside a session has the shim loaded: the kernel
	 * process is no member of any session, and its own system calls are
	 * its own. */
	using DetachFn = void (*)();
	if (auto detach = reinterpret_cast<DetachFn>(::dlsym(RTLD_DEFAULT, "softvfio_shim_detach")))
		detach();
	/* The stop signals stay blocked in every thread of this process and
	 * are taken from a signalfd by the event loop (SessionConfig says
	 * why); one that comes before the session serves waits for it. */
	sigset_t stops;
	sigemptyset(&stops);
	for (int sig : kStopSignals)
		sigaddset(&stops, sig);
	::sigprocmask(SIG_BLOCK, &stops, nullptr);
	::signal(SIGPIPE, SIG_IGN);
	::signal(SIGCHLD, SIG_DFL);

	Started started{0, static_cast<int32_t>(::getpid()), 0};
	/* Built here, after the forks, so the caller never holds a model. Its
	 * warnings still reach the caller's stderr. The Kernel and the
	 * session are never destroyed: the process ends with _exit. */
	Kernel *kernel = build_kernel(o, dir.path + "/sys");
	if (detached) {
		/* Relative device paths are resolved by now. */
		if (::chdir("/") < 0) {
		}
		const char *log = std::getenv("SOFTVFIO_LOG");
		if (log && *log)
			redirect({2}, (dir.path + "/log").c_str(), O_WRONLY | O_CREAT | O_APPEND);
		else
			redirect({2}, "/dev/null", O_WRONLY);
	}

	const std::vector<int> memfds = bar_memfds(*kernel);
	auto watchdog = start_watchdog(memfds, dir.path);
	if (!watchdog)
		give_up(ready, started, watchdog.error(), nullptr, dir.path);
	started.watchdog = watchdog->pid;

	const int stop_signals = ::signalfd(-1, &stops, SFD_CLOEXEC | SFD_NONBLOCK);
	if (stop_signals < 0)
		give_up(ready, started, errno, &*watchdog, dir.path);

	SessionConfig config;
	config.name = dir.name;
	config.founder = o.founder;
	config.exit_when_empty = o.exit_when_empty;
	config.stop_signal_fd = stop_signals;
	auto *session = new SessionKernel(*kernel, config, std::move(dir.listener));
	if (session->error())
		give_up(ready, started, session->error(), &*watchdog, dir.path);
	if (auto claimed = claim_session_dir(dir.path, ::getpid()); !claimed)
		give_up(ready, started, claimed.error(), &*watchdog, dir.path);

	/* Nothing else the caller blocked stays blocked in the thread that
	 * serves, and the threads it starts from now on. */
	::sigprocmask(SIG_SETMASK, &stops, nullptr);

	ready(started);
	session->run();

	/* The session is over: no mapping of its devices may work on in a
	 * process that is still around, as after the kernel's death. */
	empty_memfds(memfds);
	remove_session_dir(dir.path);
	(void)::write(watchdog->clean.get(), &kClean, 1);
	while (::waitpid(watchdog->pid, nullptr, 0) < 0 && errno == EINTR) {
	}
	std::fflush(nullptr);
	::_exit(0);
}

/* Read the kernel's Started within `timeout`. */
Result<Started> wait_started(int fd, std::chrono::milliseconds timeout)
{
	struct pollfd p{fd, POLLIN, 0};
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	for (;;) {
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
		int n = ::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 0)));
		if (n > 0)
			break;
		if (n == 0)
			return err(ETIMEDOUT);
		if (errno != EINTR)
			return err(errno);
	}
	Started s;
	ssize_t got;
	while ((got = ::read(fd, &s, sizeof(s))) < 0 && errno == EINTR) {
	}
	if (got != static_cast<ssize_t>(sizeof(s)))
		return err(EIO);
	return s;
}

} /* namespace */

Result<LaunchedSession> launch_session(const LaunchOptions &options)
{
	auto dir = create_session_dir();
	if (!dir)
		return err(dir.error());
	const std::string path = dir->path;
	int p[2];
	if (::pipe2(p, O_CLOEXEC) < 0) {
		int e = errno;
		remove_session_dir(path);
		return err(e);
	}
	/* Nothing buffered may be written twice by the children. */
	std::fflush(nullptr);
	pid_t middle = ::fork();
	if (middle == 0) {
		::close(p[0]);
		::setsid();
		pid_t k = ::fork();
		if (k != 0)
			::_exit(k < 0 ? 1 : 0);
		/* The kernel process: orphaned at once, so it is nobody's
		 * child the program could wait for. */
		redirect({0, 1}, "/dev/null", O_RDWR);
		close_all_but({dir->listener.get(), p[1]});
		const int ready_fd = p[1];
		kernel_process(std::move(*dir), options,
			       [ready_fd](const Started &s) {
				       (void)::write(ready_fd, &s, sizeof(s));
				       ::close(ready_fd);
			       },
			       true);
	}
	::close(p[1]);
	UniqueFD ready(p[0]);
	dir->listener.reset();
	if (middle < 0) {
		int e = errno;
		remove_session_dir(path);
		return err(e);
	}
	while (::waitpid(middle, nullptr, 0) < 0 && errno == EINTR) {
	}
	auto started = wait_started(ready.get(), options.timeout);
	if (!started || started->error) {
		int e = started ? started->error : started.error();
		/* One that is still starting finds its directory gone. */
		if (auto pid = session_kernel_pid(path))
			::kill(*pid, SIGKILL);
		remove_session_dir(path);
		return err(e);
	}
	return LaunchedSession{path, started->kernel, started->watchdog};
}

void serve_session(const LaunchOptions &options, const std::function<void(const Result<LaunchedSession> &)> &ready)
{
	auto dir = create_session_dir();
	if (!dir) {
		ready(err(dir.error()));
		std::fflush(nullptr);
		::_exit(1);
	}
	const std::string path = dir->path;
	kernel_process(std::move(*dir), options,
		       [&](const Started &s) {
			       if (s.error)
				       ready(err(s.error));
			       else
				       ready(LaunchedSession{path, s.kernel, s.watchdog});
		       },
		       false);
}

} /* namespace softvfio::session */
