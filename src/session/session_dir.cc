/* SPDX-License-Identifier: MIT */
#include "session/session_dir.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace softvfio::session {

namespace {

namespace fs = std::filesystem;

/* A session being set up has no kernel file yet for this long. */
constexpr auto kSetupGrace = std::chrono::seconds(30);

std::string user_dir()
{
	const char *xdg = std::getenv("XDG_RUNTIME_DIR");
	std::string base = xdg && *xdg && ::access(xdg, W_OK | X_OK) == 0 ? xdg : "/tmp";
	return base + "/softvfio-" + std::to_string(::getuid());
}

/* Field 22 of /proc/<pid>/stat: when the process started. */
unsigned long long start_time(pid_t pid)
{
	std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
	std::string line;
	if (!std::getline(in, line))
		return 0;
	size_t p = line.rfind(')');
	if (p == std::string::npos)
		return 0;
	std::string rest = line.substr(p + 2);
	unsigned long long v = 0;
	size_t at = 0;
	for (int field = 3; field <= 22 && at != std::string::npos; field++) {
		size_t sp = rest.find(' ', at);
		if (field == 22)
			v = std::strtoull(rest.substr(at, sp - at).c_str(), nullptr, 10);
		at = sp == std::string::npos ? sp : sp + 1;
	}
	return v;
}

} /* namespace */

Result<SessionDir> create_session_dir()
{
	const std::string parent = user_dir();
	if (::mkdir(parent.c_str(), 0700) < 0 && errno != EEXIST)
		return err(errno);
	struct stat st;
	if (::lstat(parent.c_str(), &st) < 0)
		return err(errno);
	/* Someone else's, or a link: not a place for our socket. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != ::getuid() || (st.st_mode & 077))
		return err(EACCES);
	reap_dead_sessions();

	std::random_device rd;
	char name[32];
	std::snprintf(name, sizeof(name), "s%d-%08x", static_cast<int>(::getpid()), rd());
	SessionDir d;
	d.name = name;
	d.path = parent + "/" + name;
	if (::mkdir(d.path.c_str(), 0700) < 0)
		return err(errno);
	struct sockaddr_un addr;
	std::memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	std::string sock = d.path + "/sock";
	if (sock.size() >= sizeof(addr.sun_path)) {
		remove_session_dir(d.path);
		return err(ENAMETOOLONG);
	}
	std::memcpy(addr.sun_path, sock.c_str(), sock.size() + 1);
	d.listener = UniqueFD(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (!d.listener || ::bind(d.listener.get(), reinterpret_cast<struct sockaddr *>(&addr), sizeof(addr)) < 0 ||
	    ::listen(d.listener.get(), 128) < 0) {
		int e = errno;
		remove_session_dir(d.path);
		return err(e);
	}
	return d;
}

Result<void> claim_session_dir(const std::string &path, pid_t pid)
{
	std::string tmp = path + "/kernel.tmp";
	FILE *f = std::fopen(tmp.c_str(), "we");
	if (!f)
		return err(errno);
	std::fprintf(f, "%d %llu\n", static_cast<int>(pid), start_time(pid));
	if (std::fclose(f) != 0)
		return err(errno);
	if (std::rename(tmp.c_str(), (path + "/kernel").c_str()) < 0)
		return err(errno);
	return {};
}

void remove_session_dir(const std::string &path)
{
	std::error_code ec;
	fs::remove_all(path, ec);
}

Result<pid_t> session_kernel_pid(const std::string &path)
{
	std::ifstream in(path + "/kernel");
	int pid = 0;
	unsigned long long started = 0;
	if (!(in >> pid >> started) || pid <= 0)
		return err(ENOENT);
	/* The same pid with another start time is another process. */
	if ((::kill(pid, 0) == 0 || errno == EPERM) && start_time(pid) == started)
		return static_cast<pid_t>(pid);
	return err(ESRCH);
}

bool session_alive(const std::string &path)
{
	return static_cast<bool>(session_kernel_pid(path));
}

std::vector<std::string> live_sessions()
{
	std::vector<std::string> out;
	std::error_code ec;
	for (const auto &entry : fs::directory_iterator(user_dir(), ec))
		if (entry.is_directory(ec) && session_alive(entry.path().string()))
			out.push_back(entry.path().string());
	std::sort(out.begin(), out.end());
	return out;
}

unsigned reap_dead_sessions()
{
	unsigned n = 0;
	std::error_code ec;
	for (const auto &entry : fs::directory_iterator(user_dir(), ec)) {
		if (!entry.is_directory(ec))
			continue;
		const std::string path = entry.path().string();
		/* One reading decides: a session being set up has no kernel
		 * file yet (give it time), and asking "alive?" then "has it a
		 * kernel file?" would take one whose file appeared in between
		 * for dead, and remove it under its kernel. */
		auto kernel = session_kernel_pid(path);
		if (kernel)
			continue;
		if (kernel.error() == ENOENT) {
			auto age = fs::file_time_type::clock::now() - fs::last_write_time(path, ec);
			if (ec || age < kSetupGrace)
				continue;
		}
		remove_session_dir(path);
		n++;
	}
	return n;
}

std::string session_from_environment()
{
	const char *dir = std::getenv("SOFTVFIO_SESSION");
	if (!dir || !*dir)
		return {};
	return dir;
}

Result<UniqueFD> connect_session(const std::string &path, std::chrono::milliseconds timeout)
{
	struct sockaddr_un addr;
	std::memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	const std::string sock = path + "/sock";
	if (sock.size() >= sizeof(addr.sun_path))
		return err(ENAMETOOLONG);
	std::memcpy(addr.sun_path, sock.c_str(), sock.size() + 1);
	UniqueFD fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (!fd)
		return err(errno);
	struct timeval tv{static_cast<time_t>(timeout.count() / 1000),
			  static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
	::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (::connect(fd.get(), reinterpret_cast<struct sockaddr *>(&addr), sizeof(addr)) < 0)
		return err(errno);
	return fd;
}

} /* namespace softvfio::session */
