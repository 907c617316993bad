/* SPDX-License-Identifier: MIT */
/* softvfio: the command line. */
#include <algorithm>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <softvfio/device_description.h>

#include "cli/commands.h"
#include "cli/run_env.h"
#include "shim/config.h"

using namespace softvfio::cli;

int main(int argc, char **argv)
{
	CLI::App app{"softvfio: a software vfio-pci device with the DMABUF BAR-mapping series", "softvfio"};
	app.require_subcommand(1);
	app.set_version_flag("--version", "softvfio 0.1.0");

	InfoOptions info;
	auto *info_cmd = app.add_subcommand("info", "Show a device's regions, capabilities and irqs as the kernel reports them");
	info_cmd->add_option("--device,-d", info.device, "Preset name or device description file (default: the built-in default device)");
	info_cmd->add_option("--profile,-p", info.profile, "uAPI profile: linux-6.12, linux-6.19, series-v2, series-v4");
	info_cmd->add_flag("--json", info.json, "Machine-readable output");
	info_cmd->add_flag("!--no-colour", info.colour, "Never colour the output");

	DemoOptions demo;
	auto *demo_cmd = app.add_subcommand("demo", "Tell the DMABUF BAR-mapping story on the default device, step by step");
	demo_cmd->add_flag("!--no-colour", demo.colour, "Never colour the output");

	bool presets_json = false;
	auto *presets_cmd = app.add_subcommand("presets", "List the built-in device presets");
	presets_cmd->add_flag("--json", presets_json, "Machine-readable output");

	RunOptions run;
	auto *run_cmd = app.add_subcommand(
		"run", "Run an unmodified program on software devices: softvfio run [options] -- program args...");
	/* The options that make a session: run (for a new session), serve and
	 * trace take the same. */
	auto session_options = [](CLI::App *cmd, SessionArgs &args, const char *what) {
		cmd->add_option("--device,-d", args.devices,
				std::string(what) +
					"Preset name or description file, with @BDF to place it (repeatable; default: the "
					"default preset)")
			->allow_extra_args(false);
		cmd->add_option("--profile,-p", args.profile,
				std::string(what) + "uAPI profile: linux-6.12, linux-6.19, series-v2, series-v4");
		cmd->add_option("--access", args.access,
				std::string(what) + "Ways in that exist: a list of group, noiommu, cdev, iommufd");
		cmd->add_flag("--verify-fds", args.verify_fds,
			      std::string(what) +
				      "Check each emulated fd's identity on every call (for programs that close fds by "
				      "raw syscall)");
	};
	session_options(run_cmd, run.session, "For a new session: ");
	bool maps_flag = false;
	run_cmd->add_flag("--maps", maps_flag,
			  "Accepted and ignored: every program of a session answers `softvfio maps` at any time");
	run_cmd->footer("Everything from the program name on is the program's (put -- before it if it starts with '-').\n"
			"With SOFTVFIO_SESSION naming a running session (softvfio serve), the program joins it and "
			"--device, --profile, --access and --verify-fds are refused; otherwise it starts a new session, "
			"which ends when its last process does.");

	ServeOptions serve;
	auto *serve_cmd = app.add_subcommand(
		"serve", "Run a session kernel that programs join with SOFTVFIO_SESSION=DIR softvfio run -- program");
	session_options(serve_cmd, serve.session, "");
	serve_cmd->add_flag("--json", serve.json, "Print {\"session\": DIR, \"pid\": PID} instead of SOFTVFIO_SESSION=DIR");
	auto *detach_opt = serve_cmd->add_flag("--detach", serve.detach,
					       "Run the session kernel in the background and return once it serves");
	serve_cmd->add_option("--stop", serve.stop, "Stop the session in directory DIR (its kernel gets SIGTERM)")
		->excludes(detach_opt);
	serve_cmd->footer("Prints SOFTVFIO_SESSION=DIR once the session serves, then serves until SIGTERM, SIGINT or "
			  "SIGHUP (exit 0). Join it from any shell of the same user:\n"
			  "  export SOFTVFIO_SESSION=DIR; softvfio run -- program args...");

	MapsOptions maps;
	auto *maps_cmd = app.add_subcommand(
		"maps", "Show a running program's software mappings as the kernel sees them (no PID: list the session's programs)");
	maps_cmd->add_option("pid", maps.pid, "The process (one of a softvfio session)");
	maps_cmd->add_option("--wait", maps.wait, "Accepted and ignored: every program of a session answers at once")
		->check(CLI::NonNegativeNumber);
	maps_cmd->add_flag("--json", maps.json, "Machine-readable output");
	maps_cmd->add_flag("!--no-colour", maps.colour, "Never colour the output");
	maps_cmd->footer("The session kernel of the process answers (the process itself does nothing). Without a PID: "
			 "the processes of the session SOFTVFIO_SESSION names, or of every session of yours. Exit "
			 "status: 0 shown, 1 no such process or a bad answer, 2 bad usage, 4 the process is not in a "
			 "running session (not started with softvfio run, or its session has ended).");

	TraceOptions trace;
	auto *trace_cmd = app.add_subcommand(
		"trace", "Run a program on software devices, printing every uAPI call it makes to them, decoded");
	trace_cmd->add_option("--output,-o", trace.output, "Write the trace to this file (default: stderr)");
	trace_cmd->add_flag("--json", trace.json, "One JSON object per call");
	session_options(trace_cmd, trace.run.session, "As for run: ");
	trace_cmd->add_flag("--maps", maps_flag, "As for run");
	trace_cmd->footer("Everything from the program name on is the program's; the exit status is the program's.");

	/* The program's arguments never reach the option parser. */
	std::vector<std::string> args(argv + 1, argv + argc);
	run.command = split_run_command(args);
	if (run.command.empty())
		trace.run.command = split_trace_command(args);
	std::reverse(args.begin(), args.end());

	try {
		app.parse(args);
	} catch (const CLI::ParseError &e) {
		int code = app.exit(e);
		return code == 0 ? kExitOk : kExitUsage;
	}

	if (*info_cmd)
		return run_info(info);
	if (*demo_cmd)
		return run_demo(demo);
	/* Which session options were given, for run inside a session. */
	auto given = [](CLI::App *cmd) {
		std::vector<std::string> names;
		for (const char *name : {"--device", "--profile", "--access", "--verify-fds"})
			if (cmd->count(name))
				names.push_back(name);
		return names;
	};
	/* The shim read it from the environment; the session kernel has it too. */
	if (run.session.verify_fds || trace.run.session.verify_fds)
		::setenv(softvfio::shim::kEnvVerifyFds, "1", 1);
	if (*run_cmd) {
		run.given = given(run_cmd);
		return run_program(run);
	}
	if (*serve_cmd)
		return run_serve(serve);
	if (*maps_cmd)
		return run_maps(maps);
	if (*trace_cmd) {
		trace.run.given = given(trace_cmd);
		if (trace.run.command.empty()) {
			fmt::print(stderr, "softvfio trace: no program given (softvfio trace [options] -- program args...)\n");
			return kExitUsage;
		}
		return run_trace(trace);
	}
	if (*presets_cmd) {
		if (presets_json) {
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
	return kExitUsage;
}
