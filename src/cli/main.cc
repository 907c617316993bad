/* SPDX-License-Identifier: MIT */
/* softvfio: the command line. */
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <softvfio/device_description.h>

#include "cli/commands.h"

using namespace softvfio::cli;

int main(int argc, char **argv)
{
	CLI::App app{"softvfio: a software vfio-pci device with the DMABUF BAR-mapping series"};
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

	try {
		app.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		int code = app.exit(e);
		return code == 0 ? kExitOk : kExitUsage;
	}

	if (*info_cmd)
		return run_info(info);
	if (*demo_cmd)
		return run_demo(demo);
	if (*presets_cmd) {
		for (const auto &name : softvfio::preset_names())
			fmt::print("{}{}\n", name, name == softvfio::default_preset_name() ? " (default)" : "");
		return kExitOk;
	}
	return kExitUsage;
}
