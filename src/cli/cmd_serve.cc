/* SPDX-License-Identifier: MIT */
/*
 * `softvfio serve`: a session kernel for a harness, joined by any number of
 * programs (`SOFTVFIO_SESSION=DIR softvfio run -- program`), which lives
 * until it is told to stop rather than until its last program is gone.
 *
 * In the foreground the serve process is the session kernel itself, so a
 * supervisor's or a terminal's SIGTERM, SIGINT or SIGHUP reaches it
 * directly; --detach starts it in the background as `softvfio run` does
 * and returns once it serves. `--stop DIR` ends a session: SIGTERM to the
 * kernel named in DIR/kernel, then a wait for it to be gone.
 */
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <softvfio/base/unique_fd.h>

#include "cli/commands.h"
#include "cli/run_env.h"
#include "cli/session_setup.h"
#include "session/launch.h"
#include "session/session_dir.h"

namespace softvfio::cli {

namespace {

/* How long --stop waits for the kernel to be gone. */
constexpr int kStopWaitMs = 10000;

void announce(const session::LaunchedSession &s, bool json)
{
	if (json)
		fmt::print("{}\n", nlohmann::json{{"session", s.dir}, {"pid", s.kernel}}.dump());
	else
		fmt::print("{}={}\n", kEnvSession, s.dir);
	std::fflush(stdout);
}

int stop(const std::string &dir)
{
	auto pid = session::session_kernel_pid(dir);
	if (!pid) {
		fmt::print(stderr, "softvfio serve: no session is running in {}\n", dir);
		return kExitFailure;
	}
	/* A pidfd first: the pid cannot be another process's by the time we
	 * wait for it. */
	UniqueFD pidfd(static_cast<int>(::syscall(SYS_pidfd_open, *pid, 0)));
	if (!pidfd || ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGTERM, nullptr, 0) < 0) {
		fmt::print(stderr, "softvfio serve: cannot stop the session kernel {}: {}\n", *pid, std::strerror(errno));
		return kExitFailure;
	}
	struct pollfd p{pidfd.get(), POLLIN, 0};
	int n;
	while ((n = ::poll(&p, 1, kStopWaitMs)) < 0 && errno == EINTR) {
	}
	if (n == 0) {
		fmt::print(stderr, "softvfio serve: the session kernel {} did not end within {} s\n", *pid,
			   kStopWaitMs / 1000);
		return kExitFailure;
	}
	return kExitOk;
}

} /* namespace */

int run_serve(const ServeOptions &opts)
{
	if (!opts.stop.empty())
		return stop(opts.stop);
	RunSettings settings;
	if (int code = check_session_args("serve", opts.session, settings))
		return code;
	session::LaunchOptions launch = launch_options(settings, opts.session.verify_fds);
	launch.exit_when_empty = false;
	if (opts.detach) {
		auto started = session::launch_session(launch);
		if (!started) {
			fmt::print(stderr, "softvfio serve: cannot start the session kernel: {}\n",
				   std::strerror(started.error()));
			return kExitFailure;
		}
		announce(*started, opts.json);
		return kExitOk;
	}
	/* Never returns: the process serves, then exits. */
	session::serve_session(launch, [&](const Result<session::LaunchedSession> &started) {
		if (started)
			announce(*started, opts.json);
		else
			fmt::print(stderr, "softvfio serve: cannot start the session kernel: {}\n",
				   std::strerror(started.error()));
	});
}

} /* namespace softvfio::cli */
