/* SPDX-License-Identifier: MIT */
#include "plugin/plugin_probe.h"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

#include "plugin/device_host.h"

namespace softvfio::plugin {

std::variant<PluginFacts, PluginProblem> probe_plugin(const std::string &path)
{
	struct stat st;
	if (::stat(path.c_str(), &st) < 0)
		return PluginProblem{"", std::strerror(errno)};
	if (!S_ISREG(st.st_mode))
		return PluginProblem{"", "not a regular file"};
	auto host = DeviceHost::start(path);
	if (!host)
		return PluginProblem{"", "cannot start the device host " + device_host_path() + ": " +
						 std::strerror(host.error())};
	auto answer = (*host)->call({wire::Op::Probe, 0, 0, 0, 0}, nullptr);
	if (auto *why = std::get_if<std::string>(&answer))
		return PluginProblem{"", "loading it: " + *why};
	const HostAnswer &a = std::get<HostAnswer>(answer);
	if (a.op == wire::Op::Failed) {
		const size_t nl = a.payload.find('\n');
		if (nl == std::string::npos)
			return PluginProblem{"", a.payload};
		return PluginProblem{a.payload.substr(0, nl), a.payload.substr(nl + 1)};
	}
	if (a.op != wire::Op::ProbeOk)
		return PluginProblem{"", "loading it: protocol error: an answer that is not ProbeOk"};
	return PluginFacts{a.payload, a.a};
}

} /* namespace softvfio::plugin */
