/* SPDX-License-Identifier: MIT */
#include "plugin/plugin_probe.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

#include "plugin/device_host.h"

namespace softvfio::plugin {

namespace {

std::string hex(uint64_t value)
{
	char buf[24];
	std::snprintf(buf, sizeof(buf), "%#llx", static_cast<unsigned long long>(value));
	return buf;
}

} /* namespace */

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
	/* The host's word for the count and the entries: untrusted. */
	if (a.result < 0 || a.result > SOFTVFIO_MAX_MIRRORED_READS ||
	    a.payload.size() < static_cast<size_t>(a.result) * sizeof(softvfio_mirrored_read))
		return PluginProblem{"", "loading it: protocol error: a ProbeOk with " + std::to_string(a.result) +
						 " mirrored reads in " + std::to_string(a.payload.size()) + " bytes"};
	PluginFacts facts;
	facts.min_bar_size = a.a;
	facts.mirrored_reads.resize(static_cast<size_t>(a.result));
	const size_t table_bytes = facts.mirrored_reads.size() * sizeof(softvfio_mirrored_read);
	if (table_bytes)
		std::memcpy(facts.mirrored_reads.data(), a.payload.data(), table_bytes);
	facts.description = a.payload.substr(table_bytes);
	for (size_t i = 0; i < facts.mirrored_reads.size(); ++i) {
		const softvfio_mirrored_read &r = facts.mirrored_reads[i];
		const std::string field = "mirrored_reads[" + std::to_string(i) + "]";
		if (r.width != 1 && r.width != 2 && r.width != 4 && r.width != 8)
			return PluginProblem{field, "width " + std::to_string(r.width) + " is not 1, 2, 4 or 8"};
		if (r.offset % r.width)
			return PluginProblem{field, "offset " + hex(r.offset) + " is not a multiple of its width " +
							    std::to_string(r.width)};
		if (r.bar > 5)
			return PluginProblem{field, "bar " + std::to_string(r.bar) + ": a function has BARs 0 to 5"};
	}
	return facts;
}

} /* namespace softvfio::plugin */
