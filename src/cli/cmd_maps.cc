/* SPDX-License-Identifier: MIT */
/*
 * `softvfio maps [PID]`: ask the session kernel of a running program for
 * the program's software mappings and draw them; without a PID, list the
 * processes of the session (session/introspect.h). The kernel holds every
 * process's mappings, so the program itself is never asked and answers
 * whatever it is doing.
 *
 * A process's session is the SOFTVFIO_SESSION it was started with
 * (/proc/PID/environ, readable for our own processes).
 */
#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <unistd.h>

#include <fmt/format.h>

#include "cli/cmd_maps_render.h"
#include "cli/commands.h"
#include "cli/process_session.h"
#include "cli/run_env.h"
#include "session/introspect.h"
#include "session/session_dir.h"

namespace softvfio::cli {

namespace {

struct Fetched {
	std::optional<session::Snapshot> snapshot;
	int exit_code = kExitOk;
	std::string message;
};

Fetched not_served(pid_t pid, const std::string &why)
{
	return {std::nullopt, kExitNotServed, fmt::format("process {} does not answer: {}", pid, why)};
}

Fetched fetch(pid_t pid)
{
	if (::kill(pid, 0) < 0 && errno == ESRCH)
		return {std::nullopt, kExitFailure, fmt::format("no process {}", pid)};
	auto dir = session_of(pid);
	if (!dir)
		return {std::nullopt, kExitFailure, fmt::format("process {}: {}", pid, std::strerror(dir.error()))};
	if (dir->empty())
		return not_served(pid, "it is in no softvfio session (start it with softvfio run)");
	if (!session::session_alive(*dir))
		return not_served(pid, fmt::format("its session {} has ended", *dir));
	auto text = session::query_session(*dir, static_cast<uint64_t>(pid));
	if (!text && text.error() == ESRCH)
		return not_served(pid, fmt::format("it has not joined its session {} (a program without the shim, or "
						   "one that has not started yet)",
						   *dir));
	if (!text)
		return not_served(pid, fmt::format("its session {}: {}", *dir, std::strerror(text.error())));
	auto j = nlohmann::json::parse(*text, nullptr, false);
	try {
		if (!j.is_discarded())
			return {session::snapshot_from_json(j), kExitOk, {}};
	} catch (const nlohmann::json::exception &) {
	}
	return {std::nullopt, kExitFailure, "the session kernel sent an answer that does not parse"};
}

/* The session to list: ours if we are in one, else every live one. */
std::vector<std::string> sessions_to_list()
{
	const char *own = std::getenv(kEnvSession);
	if (own && *own && session::session_alive(own))
		return {own};
	return session::live_sessions();
}

int list_processes(const MapsOptions &opts)
{
	nlohmann::json list = nlohmann::json::array();
	for (const SessionProcess &p : session_processes())
		list.push_back({{"pid", p.pid},
				{"program", p.program},
				{"answered", true},
				{"mappings", p.mappings},
				{"buffers", p.buffers},
				{"session", p.session}});
	if (opts.json) {
		fmt::print("{}\n", list.dump(2));
	} else if (list.empty()) {
		fmt::print("no process on software devices can be asked (start one with softvfio run)\n");
	} else {
		for (const auto &p : list)
			fmt::print("{}", process_line(p["pid"].get<int>(), p["program"].get<std::string>(),
						     p["mappings"].get<size_t>(), p["buffers"].get<size_t>()));
	}
	return kExitOk;
}

} /* namespace */

std::vector<SessionProcess> session_processes()
{
	std::vector<SessionProcess> out;
	for (const std::string &dir : sessions_to_list()) {
		/* Short: one session that is ending must not hold up the list. */
		auto text = session::query_session(dir, session::kQueryProcesses, std::chrono::seconds(1));
		if (!text)
			continue;
		auto j = nlohmann::json::parse(*text, nullptr, false);
		if (j.is_discarded() || !j.contains("processes"))
			continue;
		for (const auto &p : j["processes"])
			out.push_back({p.value("pid", 0), p.value("program", ""), p.value("mappings", size_t{0}),
				       p.value("buffers", size_t{0}), dir});
	}
	return out;
}

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

bool use_colour(bool allowed)
{
	const char *no_color = std::getenv("NO_COLOR");
	return allowed && ::isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

} /* namespace softvfio::cli */
