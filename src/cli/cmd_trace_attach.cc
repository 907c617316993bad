/* SPDX-License-Identifier: MIT */
/*
 * `softvfio trace --attach PID`: trace a process already running in a
 * session, as strace -p does, without ptrace: the session kernel hands the
 * settings to the process (session/trace_attach.h) and its shim writes
 * each line as one message to a socket this command listens on (or appends
 * to -o's file). The trace follows the process's forks and execs. Ended by
 * SIGINT, SIGTERM or SIGHUP (the process is detached first) or by the
 * process's exit.
 */
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include <softvfio/base/unique_fd.h>

#include "cli/commands.h"
#include "cli/process_session.h"
#include "session/session_dir.h"
#include "session/trace_attach.h"
#include "shim/trace.h"

namespace softvfio::cli {

namespace {

/* A socket the traced processes connect to, removed with this object. */
struct Listener {
	UniqueFD fd;
	std::string path;
	~Listener()
	{
		if (!path.empty())
			::unlink(path.c_str());
	}
};

Result<void> listen_at(Listener &l, const std::string &path)
{
	struct sockaddr_un addr;
	std::memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (path.size() >= sizeof(addr.sun_path))
		return err(ENAMETOOLONG);
	std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
	l.fd = UniqueFD(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (!l.fd)
		return err(errno);
	::unlink(path.c_str());
	if (::bind(l.fd.get(), reinterpret_cast<struct sockaddr *>(&addr), sizeof(addr)) < 0)
		return err(errno);
	l.path = path;
	if (::listen(l.fd.get(), 64) < 0)
		return err(errno);
	return {};
}

/* Copy every message waiting on `fd` to stderr; false at its end. */
bool drain(int fd)
{
	char buf[65536];
	for (;;) {
		ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			(void)!::write(STDERR_FILENO, buf, static_cast<size_t>(n));
			continue;
		}
		return n < 0 && (errno == EAGAIN || errno == EINTR);
	}
}

/* Every process that connected since the last look. */
void accept_all(Listener &l, std::vector<UniqueFD> &conns)
{
	for (;;) {
		int c = ::accept4(l.fd.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c < 0)
			return;
		conns.emplace_back(c);
	}
}

} /* namespace */

int run_trace_attach(const TraceOptions &opts, const std::string &calls, const std::string &fds)
{
	const pid_t pid = opts.attach;
	if (opts.summary || opts.summary_too) {
		fmt::print(stderr, "softvfio trace: -c and -C count a program's calls from its start: not with --attach\n");
		return kExitUsage;
	}
	if (::kill(pid, 0) < 0 && errno == ESRCH) {
		fmt::print(stderr, "softvfio trace: no process {}\n", pid);
		return kExitFailure;
	}
	auto dir = session_of(pid);
	if (!dir) {
		fmt::print(stderr, "softvfio trace: process {}: {}\n", pid, std::strerror(dir.error()));
		return kExitFailure;
	}
	if (dir->empty() || !session::session_alive(*dir)) {
		fmt::print(stderr, "softvfio trace: process {} is in no running softvfio session (start it with softvfio run)\n",
			   pid);
		return kExitNotServed;
	}
	UniqueFD pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
	if (!pidfd) {
		fmt::print(stderr, "softvfio trace: process {}: {}\n", pid, std::strerror(errno));
		return kExitFailure;
	}
	Listener listener;
	std::string sink;
	if (opts.output.empty()) {
		if (auto r = listen_at(listener, fmt::format("{}/trace-{}", *dir, ::getpid())); !r) {
			fmt::print(stderr, "softvfio trace: a socket in {}: {}\n", *dir, std::strerror(r.error()));
			return kExitFailure;
		}
		sink = std::string(shim::kTraceSocketPrefix) + listener.path;
	} else {
		auto path = trace_output_file(opts.output);
		if (!path)
			return kExitFailure;
		sink = *path;
	}
	std::string settings = fmt::format("{}={}\n{}={}\n{}={}\n", shim::kEnvTrace, sink, shim::kEnvTraceFormat,
					   opts.json ? "json" : "text", shim::kEnvTracePid, pid);
	if (!calls.empty())
		settings += fmt::format("{}={}\n", shim::kEnvTraceCalls, calls);
	if (!fds.empty())
		settings += fmt::format("{}={}\n", shim::kEnvTraceFds, fds);
	if (opts.timestamps > 0)
		settings += fmt::format("{}={}\n", shim::kEnvTraceTimestamps, std::min(opts.timestamps, 3));
	if (opts.durations)
		settings += fmt::format("{}=1\n", shim::kEnvTraceDurations);

	/* The signals that end the trace are taken here, not by default. */
	sigset_t ending;
	sigemptyset(&ending);
	for (int sig : {SIGINT, SIGTERM, SIGHUP})
		sigaddset(&ending, sig);
	::sigprocmask(SIG_BLOCK, &ending, nullptr);
	UniqueFD signals(::signalfd(-1, &ending, SFD_CLOEXEC));

	if (auto r = session::attach_trace(*dir, pid, settings); !r) {
		if (r.error() == ESRCH) {
			fmt::print(stderr, "softvfio trace: process {} has not joined its session {} (a program without the "
					   "shim, or one that has not started yet)\n",
				   pid, *dir);
			return kExitNotServed;
		}
		fmt::print(stderr, "softvfio trace: attaching to process {}: {}\n", pid, std::strerror(r.error()));
		return kExitFailure;
	}
	fmt::print(stderr, "softvfio trace: Process {} attached\n", pid);

	std::vector<UniqueFD> conns;
	for (;;) {
		std::vector<struct pollfd> p{{pidfd.get(), POLLIN, 0}, {signals.get(), POLLIN, 0}};
		if (listener.fd)
			p.push_back({listener.fd.get(), POLLIN, 0});
		for (const UniqueFD &c : conns)
			p.push_back({c.get(), POLLIN, 0});
		if (::poll(p.data(), p.size(), -1) < 0 && errno != EINTR)
			break;
		if (listener.fd && (p[2].revents & POLLIN))
			accept_all(listener, conns);
		for (size_t i = 0; i < conns.size();)
			if (!drain(conns[i].get()))
				conns.erase(conns.begin() + static_cast<long>(i));
			else
				i++;
		if (p[1].revents & POLLIN) {
			(void)session::attach_trace(*dir, pid, "");
			for (UniqueFD &c : conns)
				drain(c.get());
			fmt::print(stderr, "softvfio trace: Process {} detached\n", pid);
			return kExitOk;
		}
		if (p[0].revents & POLLIN) {
			/* What it wrote before its end is waiting already. */
			if (listener.fd)
				accept_all(listener, conns);
			for (UniqueFD &c : conns)
				drain(c.get());
			fmt::print(stderr, "softvfio trace: Process {} exited\n", pid);
			return kExitOk;
		}
	}
	return kExitFailure;
}

} /* namespace softvfio::cli */
