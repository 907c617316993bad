/* SPDX-License-Identifier: MIT */
/* softvfio: the command line. */
#include <algorithm>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <softvfio/device_description.h>

#include "cli/commands.h"
#include "cli/run_env.h"
#include "shim/introspect_wire.h"

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
	run_cmd->add_option("--device,-d", run.devices,
			    "Preset name or description file, with @BDF to place it (repeatable; default: the default preset)")
		->allow_extra_args(false);
	run_cmd->add_option("--profile,-p", run.profile, "uAPI profile: linux-6.12, linux-6.19, series-v2, series-v4");
	run_cmd->add_option("--access", run.access, "Ways in that exist: a list of group, noiommu, cdev, iommufd");
	bool serve_maps = false;
	run_cmd->add_flag("--maps", serve_maps,
			  "Let `softvfio maps PID` be answered at any time (a server thread; without it the program answers "
			  "at its next ioctl or mmap call)");
	bool verify_fds = false;
	run_cmd->add_flag("--verify-fds", verify_fds,
			  "Check each emulated fd's identity on every call (for programs that close fds by raw syscall)");
	run_cmd->footer("Everything from the program name on is the program's (put -- before it if it starts with '-').");

	MapsOptions maps;
	auto *maps_cmd = app.add_subcommand(
		"maps", "Show a running program's software mappings as the kernel would see them (no PID: list programs)");
	maps_cmd->add_option("pid", maps.pid, "The process (one running under softvfio run)");
	maps_cmd->add_option("--wait", maps.wait,
			     "Seconds to wait for a program started without --maps to answer (at its next ioctl or mmap "
			     "call; default 5)")
		->check(CLI::NonNegativeNumber);
	maps_cmd->add_flag("--json", maps.json, "Machine-readable output");
	maps_cmd->add_flag("!--no-colour", maps.colour, "Never colour the output");
	maps_cmd->footer("A program under `softvfio run --maps` answers at once; any other program under softvfio run "
			 "answers at its next ioctl or mmap call. Exit status: 0 shown, 1 no such process or a bad answer, "
			 "2 bad usage, 4 the process does not answer (no software device touched yet, or no ioctl or mmap "
			 "call within --wait).");

	TraceOptions trace;
	auto *trace_cmd = app.add_subcommand(
		"trace", "Run a program on software devices, printing every uAPI call it makes to them, decoded");
	trace_cmd->add_option("--output,-o", trace.output, "Write the trace to this file (default: stderr)");
	trace_cmd->add_flag("--json", trace.json, "One JSON object per call");
	trace_cmd->add_option("--device,-d", trace.run.devices, "As for run (repeatable)")->allow_extra_args(false);
	trace_cmd->add_option("--profile,-p", trace.run.profile, "As for run");
	trace_cmd->add_option("--access", trace.run.access, "As for run");
	trace_cmd->add_flag("--maps", serve_maps, "As for run");
	trace_cmd->add_flag("--verify-fds", verify_fds, "As for run");
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
	if (serve_maps)
		::setenv(softvfio::shim::kEnvIntrospect, "on", 1);
	if (verify_fds)
		::setenv(softvfio::shim::kEnvVerifyFds, "1", 1);
	if (*run_cmd) {
		return run_program(run);
	}
	if (*maps_cmd)
		return run_maps(maps);
	if (*trace_cmd) {
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
