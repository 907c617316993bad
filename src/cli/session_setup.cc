/* SPDX-License-Identifier: MIT */
#include "cli/session_setup.h"

#include <cstdlib>
#include <unistd.h>
#include <variant>

#include <fmt/format.h>

#include <softvfio/device_description.h>
#include <softvfio/profile.h>

#include "cli/commands.h"

namespace softvfio::cli {

namespace {

/* The configuration as the shim read it from run_environment()'s
 * variables. */
std::variant<shim::ShimConfig, shim::ConfigError> parse(const RunSettings &settings)
{
	return shim::parse_config(shim::format_device_specs(session_devices(settings)).c_str(),
				  settings.profile.c_str(),
				  shim::format_access(settings.access.value_or(AccessPaths{})).c_str(),
				  std::getenv(shim::kEnvDomain));
}

} /* namespace */

int device_error_status(const std::string &arg)
{
	/* resolve_device() only fails for a preset name when no file of
	 * that name exists either. */
	return ::access(arg.c_str(), F_OK) == 0 ? kExitBadInput : kExitUsage;
}

int check_session_args(std::string_view command, const SessionArgs &args, RunSettings &settings)
{
	for (const auto &arg : args.devices) {
		auto spec = shim::parse_device_spec(arg);
		if (auto *e = std::get_if<shim::ConfigError>(&spec)) {
			fmt::print(stderr, "softvfio {}: --device {}\n", command, e->what);
			return kExitUsage;
		}
		const std::string &source = std::get<shim::DeviceSpec>(spec).source;
		auto desc = resolve_device(source);
		if (auto *e = std::get_if<DescriptionError>(&desc)) {
			fmt::print(stderr, "softvfio {}: --device {}\n", command, e->message());
			return device_error_status(source);
		}
		settings.devices.push_back(std::get<shim::DeviceSpec>(spec));
	}
	if (!find_profile(args.profile)) {
		fmt::print(stderr, "softvfio {}: unknown profile '{}'\n", command, args.profile);
		return kExitUsage;
	}
	settings.profile = args.profile;
	if (!args.access.empty()) {
		auto access = shim::parse_access(args.access);
		if (auto *e = std::get_if<shim::ConfigError>(&access)) {
			fmt::print(stderr, "softvfio {}: --access: {}\n", command, e->what);
			return kExitUsage;
		}
		settings.access = std::get<AccessPaths>(access);
	}
	/* Only SOFTVFIO_DOMAIN is left unchecked. */
	auto checked = parse(settings);
	if (auto *e = std::get_if<shim::ConfigError>(&checked)) {
		fmt::print(stderr, "softvfio {}: {}\n", command, e->what);
		return kExitUsage;
	}
	/* Two devices at one address, or one over a device of the machine:
	 * refused here rather than warned about by each process. */
	if (auto e = shim::check_device_addresses(std::get<shim::ShimConfig>(checked), shim::machine_has_pci_device)) {
		fmt::print(stderr, "softvfio {}: {}\n", command, e->what);
		return kExitUsage;
	}
	return kExitOk;
}

session::LaunchOptions launch_options(const RunSettings &settings, bool verify_fds)
{
	session::LaunchOptions o;
	auto parsed = parse(settings);
	if (auto *config = std::get_if<shim::ShimConfig>(&parsed))
		o.config = std::move(*config);
	o.verify_fds = verify_fds;
	return o;
}

} /* namespace softvfio::cli */
