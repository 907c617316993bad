/* SPDX-License-Identifier: MIT */
/*
 * `softvfio maps [PID]`: ask the shim of a running program for its
 * software mappings and draw them; without a PID, list the processes that
 * can be asked. A program started with --maps answers on its socket
 * (shim/introspect_wire.h) at once; any other answers through its mailbox
 * (shim/mailbox_wire.h) at its next ioctl or mmap call.
 */
#include <algorithm>
#include <chrono>
#include <climits>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <optional>
#include <set>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <variant>

#include <fmt/format.h>

#include "cli/cmd_maps_render.h"
#include "cli/commands.h"
#include "cli/maps_mailbox.h"
#include "shim/introspect_wire.h"

namespace softvfio::cli {

namespace {

/* XDG_RUNTIME_DIR as process `pid` has it (readable for our own processes). */
std::optional<std::string> runtime_dir_of(pid_t pid)
{
	std::ifstream in(fmt::format("/proc/{}/environ", pid), std::ios::binary);
	std::string var;
	while (std::getline(in, var, '\0'))
		if (var.rfind("XDG_RUNTIME_DIR=", 0) == 0)
			return var.substr(16);
	return std::nullopt;
}

/* Where a process's socket may be: our rule, its rule, the /tmp rule. */
std::vector<std::string> candidate_dirs(std::optional<pid_t> pid)
{
	std::vector<std::string> dirs{shim::introspect_dir(std::getenv("XDG_RUNTIME_DIR"))};
	if (pid)
		if (auto theirs = runtime_dir_of(*pid))
			dirs.push_back(shim::introspect_dir(theirs->c_str()));
	dirs.push_back(shim::introspect_dir(nullptr));
	std::vector<std::string> unique;
	for (auto &d : dirs)
		if (std::find(unique.begin(), unique.end(), d) == unique.end())
			unique.push_back(d);
	return unique;
}

/* The server's answer, or -errno of the last attempt. */
std::variant<std::string, int> ask(const std::string &path)
{
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	if (path.size() >= sizeof(addr.sun_path))
		return ENAMETOOLONG;
	std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
	int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	struct timeval tv {10, 0};
	::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	std::string reply;
	int error = 0;
	if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0 ||
	    ::send(fd, shim::kIntrospectRequest, std::strlen(shim::kIntrospectRequest), MSG_NOSIGNAL) < 0) {
		error = errno;
	} else {
		char buf[65536];
		ssize_t n;
		while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0)
			reply.append(buf, static_cast<size_t>(n));
		if (n < 0)
			error = errno;
	}
	::close(fd);
	if (error)
		return error;
	return reply;
}

struct Fetched {
	std::optional<shim::Snapshot> snapshot;
	int exit_code = kExitOk;
	std::string message;
};

/* The answer by socket (--maps), else by mailbox; or an errno. */
std::variant<std::string, int> ask_any(pid_t pid, std::chrono::milliseconds wait)
{
	int last = ENOENT;
	for (const auto &dir : candidate_dirs(pid)) {
		auto reply = ask(shim::introspect_socket_path(dir, pid));
		if (std::holds_alternative<std::string>(reply))
			return reply;
		last = std::get<int>(reply);
	}
	auto reply = ask_mailbox(pid, wait);
	if (auto *e = std::get_if<int>(&reply); e && *e == ENOENT && (last == EACCES || last == EPERM))
		return last;
	return reply;
}

std::chrono::milliseconds to_ms(double seconds)
{
	return std::chrono::milliseconds(seconds > 0 ? static_cast<long>(seconds * 1000) : 0);
}

Fetched fetch(pid_t pid, std::chrono::milliseconds wait)
{
	if (::kill(pid, 0) < 0 && errno == ESRCH)
		return {std::nullopt, kExitFailure, fmt::format("no process {}", pid)};
	auto reply = ask_any(pid, wait);
	if (auto *text = std::get_if<std::string>(&reply)) {
		auto j = nlohmann::json::parse(*text, nullptr, false);
		try {
			if (!j.is_discarded() && !j.contains("error"))
				return {shim::snapshot_from_json(j), kExitOk, {}};
		} catch (const nlohmann::json::exception &) {
		}
		return {std::nullopt, kExitFailure, fmt::format("process {} sent an answer that does not parse", pid)};
	}
	int e = std::get<int>(reply);
	if (e == ESRCH)
		return {std::nullopt, kExitFailure, fmt::format("no process {}", pid)};
	if (e == EACCES || e == EPERM)
		return {std::nullopt, kExitFailure, fmt::format("process {}: {}", pid, std::strerror(e))};
	if (e == ETIMEDOUT)
		return {std::nullopt, kExitNotServed,
			fmt::format("process {} made no ioctl or mmap call in {} ms, which is when a program answers; "
				    "start it with `softvfio run --maps` to be answered at any time",
				    pid, wait.count())};
	return {std::nullopt, kExitNotServed,
		fmt::format("process {} does not answer: it is not a program on software devices, or has not "
			    "touched one yet",
			    pid)};
}

/* Processes that can be asked: socket files, then mailboxes in /proc. */
std::set<pid_t> askable_processes()
{
	std::set<pid_t> pids;
	for (const auto &dir : candidate_dirs(std::nullopt)) {
		DIR *d = ::opendir(dir.c_str());
		if (!d)
			continue;
		while (dirent *e = ::readdir(d)) {
			std::string name = e->d_name;
			pid_t pid = static_cast<pid_t>(std::atoi(name.c_str()));
			if (name.size() > 5 && name.substr(name.size() - 5) == ".sock" && pid > 0 && ::kill(pid, 0) == 0)
				pids.insert(pid);
		}
		::closedir(d);
	}
	if (DIR *d = ::opendir("/proc")) {
		while (dirent *e = ::readdir(d)) {
			pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
			if (pid > 0 && pid != ::getpid() && has_mailbox(pid))
				pids.insert(pid);
		}
		::closedir(d);
	}
	return pids;
}

std::string program_of(pid_t pid)
{
	char buf[PATH_MAX];
	ssize_t n = ::readlink(fmt::format("/proc/{}/exe", pid).c_str(), buf, sizeof(buf) - 1);
	return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("?");
}

int list_processes(const MapsOptions &opts)
{
	nlohmann::json list = nlohmann::json::array();
	/* A short wait each: an idle program is listed without its figures. */
	auto wait = std::min(to_ms(opts.wait), std::chrono::milliseconds(500));
	for (pid_t pid : askable_processes()) {
		Fetched f = fetch(pid, wait);
		if (f.snapshot)
			list.push_back({{"pid", pid}, {"program", f.snapshot->program}, {"answered", true},
					{"mappings", f.snapshot->mappings.size()}, {"buffers", f.snapshot->buffers.size()}});
		else if (f.exit_code == kExitNotServed)
			list.push_back({{"pid", pid}, {"program", program_of(pid)}, {"answered", false},
					{"mappings", nullptr}, {"buffers", nullptr}});
	}
	if (opts.json) {
		fmt::print("{}\n", list.dump(2));
	} else if (list.empty()) {
		fmt::print("no process on software devices can be asked (start one with softvfio run)\n");
	} else {
		for (const auto &p : list) {
			std::string figures = p["answered"].get<bool>()
						      ? fmt::format("({} mappings, {} buffers)", p["mappings"].get<size_t>(),
								    p["buffers"].get<size_t>())
						      : std::string("(no ioctl or mmap call yet to answer at)");
			fmt::print("{:>8}  {}  {}\n", p["pid"].get<int>(), p["program"].get<std::string>(), figures);
		}
	}
	return kExitOk;
}

} /* namespace */

int run_maps(const MapsOptions &opts)
{
	if (!opts.pid)
		return list_processes(opts);
	Fetched f = fetch(*opts.pid, to_ms(opts.wait));
	if (!f.snapshot) {
		fmt::print(stderr, "softvfio maps: {}\n", f.message);
		return f.exit_code;
	}
	if (opts.json)
		fmt::print("{}\n", render_json(*f.snapshot).dump(2));
	else
		fmt::print("{}", render_text(*f.snapshot, use_colour(opts.colour)));
	return kExitOk;
}

} /* namespace softvfio::cli */

namespace softvfio::cli {

bool use_colour(bool allowed)
{
	const char *no_color = std::getenv("NO_COLOR");
	return allowed && ::isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

} /* namespace softvfio::cli */
