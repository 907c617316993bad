/* SPDX-License-Identifier: MIT */
/*
 * `softvfio complete WHAT`: the values the shell completions offer, one a
 * line and nothing else, so a completion script needs no parsing. Hidden
 * from --help; softvfio(1) documents it, because the completion scripts of
 * other versions and other shells may call it too.
 *
 *   presets   the built-in presets (--device)
 *   profiles  the uAPI profiles (--profile)
 *   access    the ways in (--access, comma-separated)
 *   pids      the processes of the session SOFTVFIO_SESSION names, or of
 *             every live session of the user (`softvfio maps PID`)
 *   bdfs      the addresses a device may be placed at with --device X@BDF
 *             that the session would give devices in order: slots 1..31 of
 *             bus 0 in the session's PCI domain (SOFTVFIO_DOMAIN, 5f00)
 */
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>

#include <softvfio/device_description.h>
#include <softvfio/kernel.h>

#include "base/profile_names.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "shim/config.h"

namespace softvfio::cli {

namespace {

/* The last slot of a PCI bus (5 bits of device number). */
constexpr unsigned kLastSlot = 31;

/* The domain devices without a BDF get: as the shim reads it, the model's
 * default when the variable is unset or not a domain. */
unsigned session_domain()
{
	auto config = shim::parse_config(nullptr, nullptr, nullptr, std::getenv(shim::kEnvDomain));
	if (auto *c = std::get_if<shim::ShimConfig>(&config); c && c->domain)
		return *c->domain;
	return KernelOptions{}.domain;
}

} /* namespace */

int run_complete(const CompleteOptions &opts)
{
	std::string_view what = opts.what;
	if (what == "presets") {
		for (const auto &name : preset_names())
			fmt::print("{}\n", name);
	} else if (what == "profiles") {
		for (std::string_view name : profile_names())
			fmt::print("{}\n", name);
	} else if (what == "access") {
		for (std::string_view name : kAccessPathNames)
			fmt::print("{}\n", name);
	} else if (what == "pids") {
		for (const SessionProcess &p : session_processes())
			fmt::print("{}\n", p.pid);
	} else if (what == "bdfs") {
		unsigned domain = session_domain();
		for (unsigned slot = 1; slot <= kLastSlot; slot++)
			fmt::print("{:04x}:00:{:02x}.0\n", domain, slot);
	} else {
		return kExitUsage;
	}
	return kExitOk;
}

} /* namespace softvfio::cli */
