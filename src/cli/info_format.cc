/* SPDX-License-Identifier: MIT */
/* InfoReport as JSON and as text. */
#include <fmt/format.h>

#include <softvfio/uapi/vfio.h>

#include "base/errno_name.h"
#include "cli/info_report.h"

namespace softvfio::cli {

namespace {

std::string flag_names(uint32_t flags, std::initializer_list<std::pair<uint32_t, const char *>> names)
{
	std::string out;
	for (auto [bit, name] : names)
		if (flags & bit)
			out += out.empty() ? name : std::string("|") + name;
	return out.empty() ? "-" : out;
}

std::string region_flags(uint32_t f)
{
	return flag_names(f, {{VFIO_REGION_INFO_FLAG_READ, "READ"},
			      {VFIO_REGION_INFO_FLAG_WRITE, "WRITE"},
			      {VFIO_REGION_INFO_FLAG_MMAP, "MMAP"},
			      {VFIO_REGION_INFO_FLAG_CAPS, "CAPS"}});
}

std::string irq_flags(uint32_t f)
{
	return flag_names(f, {{VFIO_IRQ_INFO_EVENTFD, "EVENTFD"},
			      {VFIO_IRQ_INFO_MASKABLE, "MASKABLE"},
			      {VFIO_IRQ_INFO_AUTOMASKED, "AUTOMASKED"},
			      {VFIO_IRQ_INFO_NORESIZE, "NORESIZE"}});
}

std::string device_flags(uint32_t f)
{
	return flag_names(f, {{VFIO_DEVICE_FLAGS_RESET, "RESET"},
			      {VFIO_DEVICE_FLAGS_PCI, "PCI"},
			      {VFIO_DEVICE_FLAGS_CAPS, "CAPS"}});
}

std::string probe_text(int e) { return e ? errno_name(e) : "supported"; }

struct Style {
	bool colour;
	std::string head(const std::string &s) const { return colour ? "\033[1m" + s + "\033[0m" : s; }
	std::string dim(const std::string &s) const { return colour ? "\033[2m" + s + "\033[0m" : s; }
};

} /* namespace */

nlohmann::json to_json(const InfoReport &rep)
{
	nlohmann::json j;
	j["device"] = {{"flags", rep.device_flags},      {"flag_names", device_flags(rep.device_flags)},
		       {"num_regions", rep.num_regions}, {"num_irqs", rep.num_irqs},
		       {"vendor", rep.vendor},           {"device", rep.device},
		       {"subsystem_vendor", rep.subsystem_vendor}, {"subsystem", rep.subsystem},
		       {"class", rep.class_code},        {"revision", rep.revision},
		       {"command", rep.command}};
	for (const auto &r : rep.regions) {
		nlohmann::json rj{{"index", r.index}, {"name", r.name}};
		if (r.error) {
			rj["errno"] = errno_name(r.error);
		} else {
			rj["flags"] = r.flags;
			rj["flag_names"] = region_flags(r.flags);
			rj["size"] = r.size;
			rj["offset"] = r.offset;
			for (const auto &c : r.caps)
				rj["caps"].push_back({{"id", c.id}, {"version", c.version}, {"summary", c.summary}});
		}
		j["regions"].push_back(rj);
	}
	for (const auto &i : rep.irqs) {
		nlohmann::json ij{{"index", i.index}, {"name", i.name}};
		if (i.error)
			ij["errno"] = errno_name(i.error);
		else
			ij.update({{"flags", i.flags}, {"flag_names", irq_flags(i.flags)}, {"count", i.count}});
		j["irqs"].push_back(ij);
	}
	for (const auto &c : rep.config_caps) {
		nlohmann::json cj{{"offset", c.offset}, {"id", c.id}, {"extended", c.extended}, {"name", c.name}};
		if (c.msix)
			cj["msix"] = {{"count", c.msix->count},           {"enabled", c.msix->enabled},
				      {"masked", c.msix->masked},         {"table_bar", c.msix->table_bar},
				      {"table_offset", c.msix->table_offset}, {"pba_bar", c.msix->pba_bar},
				      {"pba_offset", c.msix->pba_offset}};
		j["config_capabilities"].push_back(cj);
	}
	for (const auto &f : rep.features)
		j["feature_probes"].push_back({{"index", f.index},
					       {"name", feature_name(f.index, rep.series_v2)},
					       {"get", probe_text(f.get_errno)},
					       {"set", probe_text(f.set_errno)}});
	return j;
}

std::string to_text(const InfoReport &rep, bool colour)
{
	Style s{colour};
	std::string out;
	out += s.head("device") + fmt::format("  {:04x}:{:04x} (subsystem {:04x}:{:04x}) class {:06x} rev {:02x}\n",
					       rep.vendor, rep.device, rep.subsystem_vendor, rep.subsystem,
					       rep.class_code, rep.revision);
	out += fmt::format("  flags {} ({}), {} regions, {} irq indexes, PCI_COMMAND 0x{:04x}\n",
			   device_flags(rep.device_flags), fmt::format("0x{:x}", rep.device_flags), rep.num_regions,
			   rep.num_irqs, rep.command);
	out += s.head("regions") + "\n";
	for (const auto &r : rep.regions) {
		if (r.error) {
			out += fmt::format("  {:<2} {:<6} {}\n", r.index, r.name, s.dim(errno_name(r.error)));
			continue;
		}
		out += fmt::format("  {:<2} {:<6} size 0x{:<10x} offset 0x{:<14x} flags 0x{:x} {}\n", r.index,
				   r.name, r.size, r.offset, r.flags, region_flags(r.flags));
		for (const auto &c : r.caps)
			out += fmt::format("            cap {} v{}: {}\n", c.id, c.version, c.summary);
	}
	out += s.head("irqs") + "\n";
	for (const auto &i : rep.irqs) {
		if (i.error)
			out += fmt::format("  {} {:<5} {}\n", i.index, i.name, s.dim(errno_name(i.error)));
		else
			out += fmt::format("  {} {:<5} count {:<4} flags 0x{:x} {}\n", i.index, i.name, i.count,
					   i.flags, irq_flags(i.flags));
	}
	out += s.head("config capabilities") + "\n";
	if (rep.config_caps.empty())
		out += "  " + s.dim("none") + "\n";
	for (const auto &c : rep.config_caps) {
		out += fmt::format("  0x{:03x} {}\n", c.offset, c.name);
		/* lspci -vv's "Vector table: BAR=0 offset=00002000" lines. */
		if (const auto &m = c.msix)
			out += fmt::format("        count {}, {}{}; vector table BAR{} offset 0x{:08x}, PBA BAR{} "
					   "offset 0x{:08x}\n",
					   m->count, m->enabled ? "enabled" : "disabled", m->masked ? ", masked" : "",
					   m->table_bar, m->table_offset, m->pba_bar, m->pba_offset);
	}
	out += s.head("feature probes") + " (PROBE|GET / PROBE|SET)\n";
	for (const auto &f : rep.features) {
		std::string name = feature_name(f.index, rep.series_v2);
		out += fmt::format("  {:>2} {:<28} {:<10} {}\n", f.index, name.empty() ? "(unassigned)" : name,
				   probe_text(f.get_errno), probe_text(f.set_errno));
	}
	return out;
}

} /* namespace softvfio::cli */
