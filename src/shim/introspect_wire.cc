/* SPDX-License-Identifier: MIT */
#include "shim/introspect_wire.h"

#include <string_view>
#include <unistd.h>

namespace softvfio::shim {

using nlohmann::json;

std::string introspect_dir(const char *xdg_runtime_dir)
{
	if (xdg_runtime_dir && *xdg_runtime_dir == '/')
		return std::string(xdg_runtime_dir) + "/softvfio";
	return "/tmp/softvfio-" + std::to_string(::getuid());
}

std::string introspect_socket_path(const std::string &dir, pid_t pid)
{
	return dir + "/" + std::to_string(pid) + ".sock";
}

namespace {

BufferStatus status_from(std::string_view s)
{
	if (s == "TEMP_REVOKED")
		return BufferStatus::TempRevoked;
	if (s == "PERM_REVOKED")
		return BufferStatus::PermRevoked;
	return BufferStatus::Ok;
}

MemoryAttribute attr_from(std::string_view s)
{
	return s == "WC" ? MemoryAttribute::WriteCombine : MemoryAttribute::Uncached;
}

json device_json(const DeviceSnapshot &d)
{
	const DeviceState &s = d.state;
	json bars = json::array();
	for (const BarSnapshot &b : d.bars)
		bars.push_back({{"index", b.index}, {"size", b.size}, {"address", b.address}});
	return {{"bdf", s.bdf},
		{"description", s.description},
		{"vfio_name", s.vfio_name},
		{"profile", s.profile},
		{"iommu_group", s.iommu_group},
		{"open_count", s.open_count},
		{"memory_enabled", s.memory_enabled},
		{"power_state", s.power_state},
		{"buffers", s.buffers},
		{"bars", bars}};
}

DeviceSnapshot device_from(const json &j)
{
	DeviceSnapshot d;
	DeviceState &s = d.state;
	s.bdf = j.at("bdf").get<std::string>();
	s.description = j.value("description", "");
	s.vfio_name = j.value("vfio_name", "");
	s.profile = j.value("profile", "");
	s.iommu_group = j.value("iommu_group", 0u);
	s.open_count = j.value("open_count", 0u);
	s.memory_enabled = j.value("memory_enabled", false);
	s.power_state = j.value("power_state", "");
	s.buffers = j.value("buffers", size_t{0});
	for (const json &b : j.value("bars", json::array()))
		d.bars.push_back({b.at("index").get<unsigned>(), b.at("size").get<uint64_t>(), b.value("address", uint64_t{0})});
	return d;
}

json mapping_json(const MappingInfo &m)
{
	json pt = json::array();
	for (const PageTableEntryInfo &e : m.page_table)
		pt.push_back({{"address", e.address}, {"order", e.order}, {"pfn", e.pfn}, {"attr", to_string(e.attr)}});
	json j = {{"start", m.start},       {"end", m.end},   {"offset", m.offset},
		  {"prot", m.prot},         {"accessible", m.accessible},
		  {"attr", to_string(m.attr)}, {"path", m.path}, {"kind", m.kind},
		  {"page_table", pt}};
	j["buffer_id"] = m.buffer_id ? json(*m.buffer_id) : json(nullptr);
	return j;
}

MappingInfo mapping_from(const json &j)
{
	MappingInfo m;
	m.start = j.at("start").get<uintptr_t>();
	m.end = j.at("end").get<uintptr_t>();
	m.offset = j.value("offset", uint64_t{0});
	m.prot = j.value("prot", 0);
	m.accessible = j.value("accessible", false);
	m.attr = attr_from(j.value("attr", "NC"));
	m.path = j.value("path", "");
	m.kind = j.value("kind", "");
	if (j.contains("buffer_id") && !j["buffer_id"].is_null())
		m.buffer_id = j["buffer_id"].get<uint64_t>();
	for (const json &e : j.value("page_table", json::array()))
		m.page_table.push_back({e.at("address").get<uintptr_t>(), e.at("order").get<unsigned>(),
					e.value("pfn", uint64_t{0}), attr_from(e.value("attr", "NC"))});
	return m;
}

json buffer_json(const BufferInfo &b)
{
	json ranges = json::array();
	for (const BufferRange &r : b.ranges)
		ranges.push_back({{"bar_offset", r.bar_offset}, {"length", r.length}, {"paddr", r.paddr}});
	return {{"id", b.id},
		{"device", b.device},
		{"hidden", b.hidden},
		{"bar", b.bar},
		{"ranges", ranges},
		{"size", b.size},
		{"status", to_string(b.status)},
		{"memattr", to_string(b.memattr)},
		{"name", b.name},
		{"mappings", b.mappings},
		{"attachments", b.attachments},
		{"attached", b.attached}};
}

BufferInfo buffer_from(const json &j)
{
	BufferInfo b;
	b.id = j.at("id").get<uint64_t>();
	b.device = j.value("device", "");
	b.hidden = j.value("hidden", false);
	b.bar = j.value("bar", 0u);
	for (const json &r : j.value("ranges", json::array()))
		b.ranges.push_back({r.at("bar_offset").get<uint64_t>(), r.at("length").get<uint64_t>(),
				    r.value("paddr", uint64_t{0})});
	b.size = j.value("size", uint64_t{0});
	b.status = status_from(j.value("status", "OK"));
	b.memattr = attr_from(j.value("memattr", "NC"));
	b.name = j.value("name", "");
	b.mappings = j.value("mappings", size_t{0});
	b.attachments = j.value("attachments", size_t{0});
	b.attached = j.value("attached", true);
	return b;
}

} /* namespace */

json to_json(const Snapshot &s)
{
	json devices = json::array(), mappings = json::array(), buffers = json::array();
	for (const auto &d : s.devices)
		devices.push_back(device_json(d));
	for (const auto &m : s.mappings)
		mappings.push_back(mapping_json(m));
	for (const auto &b : s.buffers)
		buffers.push_back(buffer_json(b));
	return {{"version", s.version}, {"pid", s.pid},           {"program", s.program},
		{"pmd_order", s.pmd_order}, {"pud_order", s.pud_order}, {"devices", devices},
		{"mappings", mappings}, {"buffers", buffers}};
}

Snapshot snapshot_from_json(const json &j)
{
	Snapshot s;
	s.version = j.at("version").get<int>();
	s.pid = j.value("pid", 0);
	s.program = j.value("program", "");
	s.pmd_order = j.value("pmd_order", 9u);
	s.pud_order = j.value("pud_order", 18u);
	for (const json &d : j.at("devices"))
		s.devices.push_back(device_from(d));
	for (const json &m : j.at("mappings"))
		s.mappings.push_back(mapping_from(m));
	for (const json &b : j.at("buffers"))
		s.buffers.push_back(buffer_from(b));
	return s;
}

} /* namespace softvfio::shim */
