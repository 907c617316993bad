/* SPDX-License-Identifier: MIT */
#include "cli/run_env.h"

#include <algorithm>

#include <softvfio/device_description.h>

namespace softvfio::cli {

namespace {

/* LD_PRELOAD and the sanitizer options are separated by spaces or colons
 * (sanitizers accept ',' too). */
std::vector<std::string> split_any(const std::string &s, const char *seps)
{
	std::vector<std::string> out;
	size_t at = 0;
	while (at < s.size()) {
		size_t next = s.find_first_of(seps, at);
		if (next == std::string::npos)
			next = s.size();
		if (next > at)
			out.push_back(s.substr(at, next - at));
		at = next + 1;
	}
	return out;
}

} /* namespace */

std::string merge_preload(const std::vector<std::string> &first, const char *existing)
{
	std::vector<std::string> all;
	for (const auto &f : first)
		if (!f.empty())
			all.push_back(f);
	for (const auto &e : split_any(existing ? existing : "", ": "))
		if (std::find(all.begin(), all.end(), e) == all.end())
			all.push_back(e);
	std::string out;
	for (const auto &e : all) {
		if (!out.empty())
			out += ':';
		out += e;
	}
	return out;
}

std::string merge_sanitizer_options(const char *existing, const std::vector<std::pair<std::string, std::string>> &defaults)
{
	std::string out = existing ? existing : "";
	auto keys = split_any(out, ":, ");
	for (const auto &[key, value] : defaults) {
		bool set = false;
		for (const auto &kv : keys)
			set |= kv.substr(0, kv.find('=')) == key;
		if (set)
			continue;
		if (!out.empty())
			out += ':';
		out += key + "=" + value;
	}
	return out;
}

std::vector<shim::DeviceSpec> session_devices(const RunSettings &settings)
{
	if (!settings.devices.empty())
		return settings.devices;
	return {{std::string(default_preset_name()), {}}};
}

std::vector<std::pair<std::string, std::string>> run_environment(const RunSettings &settings,
								 const char *(*existing)(const char *))
{
	std::vector<std::pair<std::string, std::string>> env;
	env.emplace_back("LD_PRELOAD", merge_preload({settings.runtime_first, settings.shim_path}, existing("LD_PRELOAD")));
	if (!settings.join) {
		env.emplace_back(shim::kEnvDevices, shim::format_device_specs(session_devices(settings)));
		env.emplace_back(shim::kEnvProfile, settings.profile);
		env.emplace_back(shim::kEnvAccess, shim::format_access(settings.access.value_or(AccessPaths{})));
		if (!settings.session.empty())
			env.emplace_back(kEnvSession, settings.session);
	}
	if (settings.asan)
		/* Leaks of the program under test are not ours to report; the
		 * model's fault-safe copies and the program's own SIGBUS handler
		 * must be installable next to ASan's (docs/semantics-client.md §6). */
		env.emplace_back("ASAN_OPTIONS", merge_sanitizer_options(existing("ASAN_OPTIONS"),
									 {{"detect_leaks", "0"}, {"allow_user_segv_handler", "1"}}));
	return env;
}

std::vector<std::string> split_subcommand(std::vector<std::string> &args, std::string_view name,
					  std::initializer_list<std::string_view> valued)
{
	/* Global options may come before the subcommand. */
	size_t i = 0;
	while (i < args.size() && args[i] != name && args[i].rfind('-', 0) == 0)
		i++;
	if (i == args.size() || args[i] != name)
		return {};
	for (i++; i < args.size(); i++) {
		const std::string &a = args[i];
		if (a == "--") {
			std::vector<std::string> command(args.begin() + static_cast<long>(i) + 1, args.end());
			args.erase(args.begin() + static_cast<long>(i), args.end());
			return command;
		}
		if (a.rfind('-', 0) != 0)
			break;
		/* An option taking a value in the next argument. */
		if (std::find(valued.begin(), valued.end(), a) != valued.end() && i + 1 < args.size())
			i++;
	}
	std::vector<std::string> command(args.begin() + static_cast<long>(i), args.end());
	args.erase(args.begin() + static_cast<long>(i), args.end());
	return command;
}

std::vector<std::string> split_run_command(std::vector<std::string> &args)
{
	return split_subcommand(args, "run", {"-d", "--device", "-p", "--profile", "--access"});
}

} /* namespace softvfio::cli */
