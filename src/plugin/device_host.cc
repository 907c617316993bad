/* SPDX-License-Identifier: MIT */
#include "plugin/device_host.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string_view>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cpu_affinity.h"

extern char **environ;

namespace softvfio::plugin {

namespace {

using Clock = std::chrono::steady_clock;

bool is_executable(const std::string &path)
{
	return !path.empty() && ::access(path.c_str(), X_OK) == 0;
}

std::string self_dir()
{
	char buf[PATH_MAX];
	const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return {};
	std::string exe(buf, static_cast<size_t>(n));
	return exe.substr(0, exe.rfind('/'));
}

/* The host's environment: ours without what would make it join a session
 * (the shim) or preload anything into the plugin's process. */
std::vector<std::string> host_environment()
{
	std::vector<std::string> env;
	for (char **e = environ; e && *e; ++e) {
		const std::string_view var(*e);
		if (var.starts_with("LD_PRELOAD=") || var.starts_with("SOFTVFIO_SESSION="))
			continue;
		env.emplace_back(var);
	}
	return env;
}

const char *signal_name(int sig)
{
	const char *abbrev = ::sigabbrev_np(sig);
	return abbrev ? abbrev : "an unknown signal";
}

} /* namespace */

std::string device_host_path()
{
	if (const char *env = std::getenv("SOFTVFIO_DEVICE_HOST"); env && *env)
		return env;
	const std::string beside = self_dir() + "/softvfio-device-host";
	if (is_executable(beside))
		return beside;
	if (is_executable(SOFTVFIO_DEVICE_HOST_INSTALL_PATH))
		return SOFTVFIO_DEVICE_HOST_INSTALL_PATH;
	return SOFTVFIO_DEVICE_HOST_BUILD_PATH;
}

std::chrono::milliseconds call_timeout()
{
	static const std::chrono::milliseconds timeout = [] {
		const char *env = std::getenv("SOFTVFIO_PLUGIN_TIMEOUT_MS");
		const long ms = env ? std::strtol(env, nullptr, 10) : 0;
		return std::chrono::milliseconds(ms > 0 ? ms : 2000);
	}();
	return timeout;
}

Result<std::unique_ptr<DeviceHost>> DeviceHost::start(const std::string &plugin)
{
	int pair[2];
	if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return err(errno);
	UniqueFD ours(pair[0]), theirs(pair[1]);

	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	/* dup2 clears close-on-exec on the copy; nothing else of ours (BAR
	 * memfds, clients' sockets) reaches the plugin's process. */
	posix_spawn_file_actions_adddup2(&actions, theirs.get(), wire::kHostFd);
	posix_spawn_file_actions_addclosefrom_np(&actions, wire::kHostFd + 1);

	const std::string path = device_host_path();
	std::vector<std::string> env = host_environment();
	std::vector<char *> envp;
	for (std::string &e : env)
		envp.push_back(e.data());
	envp.push_back(nullptr);
	std::string arg0 = "softvfio-device-host", arg1 = plugin;
	char *argv[] = {arg0.data(), arg1.data(), nullptr};

	/* Whatever signals the caller blocks (a session's process blocks the
	 * ones that stop it, taken from a signalfd), the host blocks none. */
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);

	pid_t pid = -1;
	int rc;
	{
		/* Not on the one CPU of the session worker that may spawn it. */
		LeaderAffinityScope affinity;
		rc = ::posix_spawn(&pid, path.c_str(), &actions, &attr, argv, envp.data());
	}
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&actions);
	if (rc)
		return err(rc);
	return std::unique_ptr<DeviceHost>(new DeviceHost(std::move(ours), pid));
}

DeviceHost::~DeviceHost()
{
	if (reaped_)
		return;
	/* End of file tells the host to go; a host stuck in its plugin is
	 * killed after a moment (its pidfd turns readable when it exits). */
	socket_.reset();
	if (reap(false).empty()) {
		UniqueFD exited(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
		if (exited) {
			struct pollfd p = {exited.get(), POLLIN, 0};
			while (::poll(&p, 1, 200) < 0 && errno == EINTR) {
			}
		}
		(void)reap(false);
	}
	if (!reaped_)
		(void)kill();
}

std::string DeviceHost::reap(bool wait)
{
	if (reaped_)
		return end_;
	int status = 0;
	pid_t r;
	while ((r = ::waitpid(pid_, &status, wait ? 0 : WNOHANG)) < 0 && errno == EINTR) {
	}
	if (r == 0)
		return {};
	reaped_ = true;
	if (r < 0)
		end_ = "the device host is gone";
	else if (WIFSIGNALED(status))
		end_ = std::string("the device host died of SIG") + signal_name(WTERMSIG(status));
	else
		end_ = "the device host exited with status " + std::to_string(WEXITSTATUS(status));
	return end_;
}

std::string DeviceHost::kill()
{
	if (!reaped_)
		::kill(pid_, SIGKILL);
	socket_.reset();
	return reap(true);
}

namespace {

/* The gate released for the scope of a wait. */
class Released
{
public:
	explicit Released(CallGate *gate) : gate_(gate)
	{
		if (gate_)
			gate_->release();
	}
	~Released()
	{
		if (gate_)
			gate_->reacquire();
	}
	Released(const Released &) = delete;
	Released &operator=(const Released &) = delete;

private:
	CallGate *gate_;
};

} /* namespace */

std::variant<HostAnswer, std::string> DeviceHost::call(const wire::Message &message, RequestHandler *handler,
						       CallGate *gate, std::string_view bytes)
{
	using wire::Op;
	if (!socket_)
		return std::string("the device host is gone");
	if (bytes.size() > wire::kMaxPayload)
		return std::string("a call of more than a packet");
	const auto deadline = Clock::now() + call_timeout();
	const void *out = &message;
	size_t out_len = sizeof(message);
	std::vector<uint8_t> reply;
	if (!bytes.empty()) {
		/* The call as one packet: header, then its bytes. */
		reply.resize(sizeof(message) + bytes.size());
		std::memcpy(reply.data(), &message, sizeof(message));
		std::memcpy(reply.data() + sizeof(message), bytes.data(), bytes.size());
		out = reply.data();
		out_len = reply.size();
	}
	for (;;) {
		if (::send(socket_.get(), out, out_len, MSG_NOSIGNAL) < 0) {
			/* The host is gone: say how it ended. */
			return kill();
		}
		/* Wait for the next packet, within what is left of the call,
		 * with the caller's lock let go. */
		{
			Released released(gate);
			for (;;) {
				const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
				if (left.count() <= 0) {
					(void)kill();
					return "no answer within " + std::to_string(call_timeout().count()) +
					       " ms (the plugin blocks or loops); the device host was killed";
				}
				pollfd p{socket_.get(), POLLIN, 0};
				const int n = ::poll(&p, 1, static_cast<int>(left.count()) + 1);
				if (n > 0)
					break;
				if (n < 0 && errno != EINTR)
					return kill();
			}
		}
		const ssize_t n = ::recv(socket_.get(), packet_.data(), packet_.size(), MSG_DONTWAIT);
		if (n <= 0) {
			/* End of file: the host exited or died. */
			std::string why = kill();
			return why;
		}
		if (static_cast<size_t>(n) < sizeof(wire::Message)) {
			(void)kill();
			return "protocol error: a packet of " + std::to_string(n) + " bytes";
		}
		wire::Message m;
		std::memcpy(&m, packet_.data(), sizeof(m));
		const std::span<const uint8_t> payload(packet_.data() + sizeof(m), static_cast<size_t>(n) - sizeof(m));
		if (m.op == Op::Done || m.op == Op::Failed || m.op == Op::ProbeOk)
			return HostAnswer{m.op, m.a, m.result, std::string(payload.begin(), payload.end())};
		std::string protocol_error;
		wire::Message r{Op::Reply, 0, 0, 0, 0};
		reply.clear();
		if (!handler)
			protocol_error = "a request outside a call that may make one";
		else
			r.result = handler->handle(m, payload, reply, protocol_error);
		if (!protocol_error.empty()) {
			(void)kill();
			return "protocol error: " + protocol_error;
		}
		/* The reply goes out as one packet: header, then its bytes. */
		reply.insert(reply.begin(), reinterpret_cast<const uint8_t *>(&r),
			     reinterpret_cast<const uint8_t *>(&r) + sizeof(r));
		out = reply.data();
		out_len = reply.size();
	}
}

} /* namespace softvfio::plugin */
