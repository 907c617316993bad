/* SPDX-License-Identifier: MIT */
#include "shim/introspect.h"

#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <pthread.h>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <softvfio/device_description.h>

#include "base/fork_guard.h"
#include "base/reentry.h"
#include "shim/introspect_wire.h"
#include "shim/maps_mailbox.h"
#include "shim/state.h"

namespace softvfio::shim {

namespace {

std::atomic<bool> g_started{false};
Kernel *g_kernel = nullptr;
int g_listen = -1;
pid_t g_owner = 0;
char g_path[sizeof(sockaddr_un::sun_path)] = "";

/* The directory exists, is ours and nobody else's. */
bool private_dir(const std::string &dir)
{
	if (::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST)
		return false;
	struct stat st;
	return ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::getuid() &&
	       (st.st_mode & 077) == 0;
}

std::string program_path()
{
	char buf[PATH_MAX];
	ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

DeviceSnapshot device_snapshot(const DeviceState &state)
{
	DeviceSnapshot d{state, {}};
	auto desc = resolve_device(state.description);
	if (auto *dd = std::get_if<DeviceDescription>(&desc))
		for (unsigned i = 0; i < dd->bars.size(); i++) {
			const BarDescription &b = dd->bars[i];
			if (b.size && (b.kind == BarKind::Mem32 || b.kind == BarKind::Mem64))
				d.bars.push_back({i, b.size, b.address});
		}
	return d;
}

Snapshot take_snapshot()
{
	Snapshot s;
	s.pid = ::getpid();
	s.program = program_path();
	s.mappings = g_kernel->mappings(true);
	s.buffers = g_kernel->buffers();
	for (const std::string &bdf : g_kernel->devices())
		if (auto state = g_kernel->device_state(bdf))
			s.devices.push_back(device_snapshot(*state));
	return s;
}

bool peer_allowed(int conn)
{
	struct ucred cred {};
	socklen_t len = sizeof(cred);
	if (::getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == ::getuid() || cred.uid == 0;
}

bool read_request(int conn)
{
	/* A client that connects and says nothing must not hold the server. */
	struct timeval tv {2, 0};
	::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[64];
	size_t got = 0;
	while (got < sizeof(buf)) {
		ssize_t n = ::recv(conn, buf + got, sizeof(buf) - got, 0);
		if (n <= 0)
			return false;
		got += static_cast<size_t>(n);
		if (std::memchr(buf, '\n', got))
			return std::string_view(buf, got) == kIntrospectRequest;
	}
	return false;
}

void send_all(int conn, const std::string &text)
{
	size_t at = 0;
	while (at < text.size()) {
		ssize_t n = ::send(conn, text.data() + at, text.size() - at, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		at += static_cast<size_t>(n);
	}
}

/*
 * Exit destroys the model's static objects while this thread may still read
 * them. Each snapshot registers stop_serving() with atexit() before and
 * after it reads: exit handlers run last-registered first, so the handler
 * runs before the destructors of everything a snapshot has touched, waits
 * for a snapshot in progress, and lets no new one start.
 */
std::mutex g_serving;
bool g_stopped = false;   /* under g_serving */

void stop_serving()
{
	std::lock_guard lock(g_serving);
	g_stopped = true;
}

std::string snapshot_text()
{
	/* The fork gate first, the lock inside it: a fork never copies a
	 * held lock into the child (whose own exit would wait on it). */
	ForkGateShared gate;
	std::lock_guard lock(g_serving);
	if (g_stopped)
		return "{\"error\": \"exiting\"}\n";
	std::atexit(stop_serving);
	std::string text = to_json(take_snapshot()).dump() + "\n";
	std::atexit(stop_serving);
	return text;
}

void answer(int conn)
{
	if (peer_allowed(conn) && read_request(conn))
		send_all(conn, introspect_snapshot_text());
}

void *serve(void *)
{
	enter_model_thread();
	for (;;) {
		int conn = ::accept4(g_listen, nullptr, nullptr, SOCK_CLOEXEC);
		if (conn < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return nullptr;   /* the listener is gone: stop serving */
		}
		conn = relocate_internal(conn);
		answer(conn);
		::close(conn);
	}
}

int listen_at(const std::string &path)
{
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	if (path.size() >= sizeof(addr.sun_path))
		return -1;
	std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
	int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	fd = relocate_internal(fd);
	/* A socket of an earlier program image with this pid (before exec). */
	::unlink(path.c_str());
	if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0 || ::listen(fd, 8) < 0) {
		::close(fd);
		return -1;
	}
	std::memcpy(g_path, path.c_str(), path.size() + 1);
	return fd;
}

bool start_thread()
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 1 << 20);
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_t thread;
	int r = pthread_create(&thread, &attr, serve, nullptr);
	pthread_sigmask(SIG_SETMASK, &old, nullptr);
	pthread_attr_destroy(&attr);
	return r == 0;
}

/* The socket file goes with the process that made it. */
__attribute__((destructor)) void remove_socket()
{
	if (g_path[0] && ::getpid() == g_owner) {
		ModelScope pass;
		::unlink(g_path);
	}
}

} /* namespace */

std::string introspect_snapshot_text() noexcept
{
	try {
		return snapshot_text();
	} catch (...) {
		return "{\"error\": \"out of memory\"}\n";
	}
}

void introspect_start(Kernel *k) noexcept
{
	if (!k || g_started.exchange(true))
		return;
	g_kernel = k;
	mailbox_open();
	/* The server only when asked for (softvfio run --maps): its thread
	 * makes the process multi-threaded for good, which costs every
	 * cancellable C library call (read, open, ...) two atomic operations
	 * (docs/maps-and-trace.md, docs/performance.md). */
	const char *opt = std::getenv(kEnvIntrospect);
	if (!opt || std::strcmp(opt, "on") != 0)
		return;
	ModelScope pass;
	try {
		std::string dir = introspect_dir(std::getenv("XDG_RUNTIME_DIR"));
		if (!private_dir(dir))
			return;
		g_owner = ::getpid();
		g_listen = listen_at(introspect_socket_path(dir, g_owner));
		if (g_listen >= 0 && !start_thread()) {
			::unlink(g_path);
			g_path[0] = '\0';
			::close(g_listen);
			g_listen = -1;
		}
	} catch (...) {
		/* Not queryable; the program runs on. */
	}
}

} /* namespace softvfio::shim */
