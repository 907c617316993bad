/* SPDX-License-Identifier: MIT */
/*
 * `softvfio maps [PID]`: ask the shim of a running program for its
 * software mappings (shim/introspect_wire.h) and draw them; without a PID,
 * list the processes that can be asked.
 */
#include <algorithm>
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

Fetched fetch(pid_t pid)
{
	if (::kill(pid, 0) < 0 && errno == ESRCH)
		return {std::nullopt, kExitFailure, fmt::format("no process {}", pid)};
	int last = ENOENT;
	for (const auto &dir : candidate_dirs(pid)) {
		auto reply = ask(shim::introspect_socket_path(dir, pid));
		if (auto *e = std::get_if<int>(&reply)) {
			last = *e;
			continue;
		}
		auto j = nlohmann::json::parse(std::get<std::string>(reply), nullptr, false);
		try {
			if (!j.is_discarded() && !j.contains("error"))
				return {shim::snapshot_from_json(j), kExitOk, {}};
		} catch (const nlohmann::json::exception &) {
		}
		return {std::nullopt, kExitFailure, fmt::format("process {} sent an answer that does not parse", pid)};
	}
	if (last == EACCES || last == EPERM)
		return {std::nullopt, kExitFailure, fmt::format("process {}: {}", pid, std::strerror(last))};
	return {std::nullopt, kExitNotServed,
		fmt::format("process {} does not answer: start it with `softvfio run --maps`, and it answers once it "
			    "has opened a software device",
			    pid)};
}

int list_processes(const MapsOptions &opts)
{
	nlohmann::json list = nlohmann::json::array();
	std::set<pid_t> seen;
	for (const auto &dir : candidate_dirs(std::nullopt)) {
		DIR *d = ::opendir(dir.c_str());
		if (!d)
			continue;
		while (dirent *e = ::readdir(d)) {
			std::string name = e->d_name;
			if (name.size() < 6 || name.substr(name.size() - 5) != ".sock")
				continue;
			pid_t pid = static_cast<pid_t>(std::atoi(name.c_str()));
			if (pid <= 0 || seen.count(pid) || ::kill(pid, 0) < 0)
				continue;
			Fetched f = fetch(pid);
			if (!f.snapshot)
				continue;
			seen.insert(pid);
			list.push_back({{"pid", pid}, {"program", f.snapshot->program}, {"mappings", f.snapshot->mappings.size()},
					{"buffers", f.snapshot->buffers.size()}});
		}
		::closedir(d);
	}
	if (opts.json) {
		fmt::print("{}\n", list.dump(2));
	} else if (list.empty()) {
		fmt::print("no process on software devices can be asked (start one with softvfio run)\n");
	} else {
		for (const auto &p : list)
			fmt::print("{:>8}  {}  ({} mappings, {} buffers)\n", p["pid"].get<int>(), p["program"].get<std::string>(),
				   p["mappings"].get<size_t>(), p["buffers"].get<size_t>());
	}
	return kExitOk;
}

} /* namespace */

int run_maps(const MapsOptions &opts)
{
	if (!opts.pid)
		return list_processes(opts);
	Fetched f = fetch(*opts.pid);
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
