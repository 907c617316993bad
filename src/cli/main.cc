/* SPDX-License-Identifier: MIT */
/* softvfio: the command line. */
#include <algorithm>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <softvfio/device_description.h>

#include "cli/commands.h"
#include "cli/run_env.h"

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

	auto *presets_cmd = app.add_subcommand("presets", "List the built-in device presets");

	RunOptions run;
	auto *run_cmd = app.add_subcommand(
		"run", "Run an unmodified program on software devices: softvfio run [options] -- program args...");
	run_cmd->add_option("--device,-d", run.devices,
			    "Preset name or description file, with @BDF to place it (repeatable; default: the default preset)")
		->allow_extra_args(false);
	run_cmd->add_option("--profile,-p", run.profile, "uAPI profile: linux-6.12, linux-6.19, series-v2, series-v4");
	run_cmd->add_option("--access", run.access, "Ways in that exist: a list of group, noiommu, cdev, iommufd");
	run_cmd->footer("Everything from the program name on is the program's (put -- before it if it starts with '-').");

	/* The program's arguments never reach the option parser. */
	std::vector<std::string> args(argv + 1, argv + argc);
	run.command = split_run_command(args);
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
	if (*run_cmd) {
		return run_program(run);
	}
	if (*presets_cmd) {
		for (const auto &name : softvfio::preset_names())
			fmt::print("{}{}\n", name, name == softvfio::default_preset_name() ? " (default)" : "");
		return kExitOk;
	}
	return kExitUsage;
}
