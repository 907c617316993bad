/* SPDX-License-Identifier: MIT */
/* softvfio: the command line (its definition is app.cc). */
#include <algorithm>
#include <cstdlib>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <softvfio/device_description.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/run_env.h"
#include "shim/config.h"

using namespace softvfio::cli;

namespace {

int list_presets(bool json)
{
	if (json) {
		nlohmann::json list = nlohmann::json::array();
		for (const auto &name : softvfio::preset_names())
			list.push_back({{"name", name}, {"default", name == softvfio::default_preset_name()}});
		fmt::print("{}\n", list.dump(2));
		return kExitOk;
	}
	for (const auto &name : softvfio::preset_names())
		fmt::print("{}{}\n", name, name == softvfio::default_preset_name() ? " (default)" : "");
	return kExitOk;
}

/* Which session options were given, for run inside a session. */
std::vector<std::string> given_session_options(CLI::App *cmd)
{
	std::vector<std::string> names;
	for (const char *name : {"--device", "--profile", "--access", "--verify-fds"})
		if (cmd->count(name))
			names.push_back(name);
	return names;
}

} /* namespace */

int main(int argc, char **argv)
{
	CLI::App app;
	Invocation inv;
	build_app(app, inv);

	/* The program's arguments never reach the option parser. */
	std::vector<std::string> args(argv + 1, argv + argc);
	inv.run.command = split_run_command(args);
	if (inv.run.command.empty())
		inv.trace.run.command = split_trace_command(args);
	std::reverse(args.begin(), args.end());

	try {
		app.parse(args);
	} catch (const CLI::ParseError &e) {
		int code = app.exit(e);
		return code == 0 ? kExitOk : kExitUsage;
	}

	if (*inv.info_cmd)
		return run_info(inv.info);
	if (*inv.demo_cmd)
		return run_demo(inv.demo);
	if (*inv.complete_cmd)
		return run_complete(inv.complete);
	/* The shim read it from the environment; the session kernel has it too. */
	if (inv.run.session.verify_fds || inv.trace.run.session.verify_fds)
		::setenv(softvfio::shim::kEnvVerifyFds, "1", 1);
	if (*inv.run_cmd) {
		inv.run.given = given_session_options(inv.run_cmd);
		return run_program(inv.run);
	}
	if (*inv.serve_cmd)
		return run_serve(inv.serve);
	if (*inv.maps_cmd)
		return run_maps(inv.maps);
	if (*inv.trace_cmd) {
		inv.trace.run.given = given_session_options(inv.trace_cmd);
		if (inv.trace.attach > 0 && !inv.trace.run.command.empty()) {
			fmt::print(stderr, "softvfio trace: --attach traces a running process: no program to start as well\n");
			return kExitUsage;
		}
		if (inv.trace.run.command.empty() && inv.trace.attach <= 0) {
			fmt::print(stderr, "softvfio trace: no program given (softvfio trace [options] -- program args...)\n");
			return kExitUsage;
		}
		return run_trace(inv.trace);
	}
	if (*inv.presets_cmd)
		return list_presets(inv.presets_json);
	if (*inv.record_cmd)
		return run_record(inv.record);
	return kExitUsage;
}
