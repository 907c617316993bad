/* SPDX-License-Identifier: MIT */
#include "cli/cmd_maps_render.h"

#include <algorithm>
#include <sys/mman.h>

#include <fmt/format.h>

#include "cli/plural.h"

namespace softvfio::cli {

using session::Snapshot;

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kRegionShift = 40;
constexpr size_t kWidth = 64;

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

std::string size_text(uint64_t n)
{
	static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	unsigned u = 0;
	while (u < 4 && n >= 1024 && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	return fmt::format("{} {}", n, units[u]);
}

std::string prot_text(int prot, bool shared = true)
{
	return fmt::format("{}{}{}{}", prot & PROT_READ ? 'r' : '-', prot & PROT_WRITE ? 'w' : '-',
			   prot & PROT_EXEC ? 'x' : '-', shared ? 's' : 'p');
}

const BufferInfo *find_buffer(const Snapshot &s, std::optional<uint64_t> id)
{
	if (!id)
		return nullptr;
	for (const BufferInfo &b : s.buffers)
		if (b.id == *id)
			return &b;
	return nullptr;
}

const session::DeviceSnapshot *find_device(const Snapshot &s, const std::string &bdf)
{
	for (const auto &d : s.devices)
		if (d.state.bdf == bdf)
			return &d;
	return nullptr;
}

/* Where in the BAR the mapping starts, and how far the BAR range goes on. */
void locate(const Snapshot &s, MappingView &v)
{
	const MappingInfo &m = *v.mapping;
	uint64_t length = m.end - m.start;
	/* An exported buffer's mapping: the offset is into the buffer. A BAR
	 * mmap (through a hidden buffer or not) keeps the device fd's offset,
	 * which names the region. */
	if (v.buffer && !v.buffer->hidden) {
		v.device = v.buffer->device;
		v.bar = v.buffer->bar;
		uint64_t at = 0;
		for (const BufferRange &r : v.buffer->ranges) {
			if (m.offset < at + r.length) {
				uint64_t into = m.offset - at;
				v.bar_offset = r.bar_offset + into;
				v.contiguous = std::min(length, r.length - into);
				v.paddr = r.paddr + into;
				return;
			}
			at += r.length;
		}
		return;
	}
	/* A mapping of the device fd: the offset names the region. */
	v.bar = static_cast<unsigned>(m.offset >> kRegionShift);
	v.bar_offset = m.offset & ((uint64_t(1) << kRegionShift) - 1);
	v.contiguous = length;
	if (v.buffer) {
		v.device = v.buffer->device;
		for (const BufferRange &r : v.buffer->ranges)
			if (r.bar_offset <= v.bar_offset && v.bar_offset < r.bar_offset + r.length)
				v.paddr = r.paddr + (v.bar_offset - r.bar_offset);
	}
	if (v.device.empty() && s.devices.size() == 1)
		v.device = s.devices.front().state.bdf;
	if (!v.paddr)
		if (const auto *d = find_device(s, v.device))
			for (const auto &b : d->bars)
				if (b.index == *v.bar && b.address)
					v.paddr = b.address + v.bar_offset;
}

/* The kernel inserts a leaf of `order` where a whole naturally aligned block
 * of the VMA maps a whole naturally aligned block of the BAR: the virtual
 * and bus addresses must agree modulo the block size. */
void orders(const Snapshot &s, MappingView &v)
{
	const MappingInfo &m = *v.mapping;
	uint64_t phys = v.paddr.value_or(v.bar_offset);
	uint64_t va_end = m.start + v.contiguous;
	for (unsigned order : {s.pud_order, s.pmd_order}) {
		uint64_t block = kPage << order;
		bool physically = align_up(phys, block) + block <= phys + v.contiguous;
		if (physically && !v.ideal_order)
			v.ideal_order = order;
		if (physically && m.start % block == phys % block && align_up(m.start, block) + block <= va_end) {
			v.best_order = order;
			break;
		}
	}
	if (v.ideal_order > v.best_order) {
		uint64_t block = kPage << v.ideal_order;
		v.advice = fmt::format("mapped at {:#x}, which is not congruent to its bus address {:#x} modulo {}: the "
				       "kernel can use {} entries at best here; an mmap at an address = {:#x} (mod {}) "
				       "would get {} entries",
				       m.start, phys, size_text(block), order_name(v.best_order, s), phys % block,
				       size_text(block), order_name(v.ideal_order, s));
	}
	for (const PageTableEntryInfo &e : m.page_table)
		v.installed[e.order]++;
}

std::string status_of(const MappingView &v)
{
	if (v.buffer)
		return to_string(v.buffer->status);
	return v.mapping->accessible ? "OK" : "NO ACCESS";
}

std::string paint(bool colour, const std::string &status, const std::string &text)
{
	if (!colour)
		return text;
	const char *code = status == "OK" ? "32" : status == "TEMP_REVOKED" ? "33" : "31";
	return fmt::format("\033[{}m{}\033[0m", code, text);
}

std::string installed_text(const MappingView &v, const Snapshot &s)
{
	if (v.installed.empty())
		return "none yet (nothing touched)";
	std::string out;
	for (auto it = v.installed.rbegin(); it != v.installed.rend(); ++it)
		out += fmt::format("{}{} {}", out.empty() ? "" : ", ", it->second, order_name(it->first, s));
	return out;
}

/* One row of the BAR picture: the mapping's window over the whole BAR. */
std::string window_row(const MappingView &v, uint64_t bar_size, bool colour)
{
	std::string row(kWidth, '.');
	uint64_t length = v.mapping->end - v.mapping->start;
	auto col = [&](uint64_t off) { return static_cast<size_t>(static_cast<long double>(off) * kWidth / bar_size); };
	size_t a = std::min(col(v.bar_offset), kWidth - 1);
	size_t b = std::clamp(col(v.bar_offset + length), a + 1, kWidth);
	std::string mark(b - a, v.label);
	return "|" + row.substr(0, a) + paint(colour, status_of(v), mark) + row.substr(b) + "|";
}

void render_device(std::string &out, const Snapshot &s, const session::DeviceSnapshot &d,
		   const std::vector<MappingView> &views, bool colour)
{
	const DeviceState &st = d.state;
	out += fmt::format("{} {} ({}, {}), memory {}, {}, {} buffer{}\n", st.bdf, st.description, st.profile, st.vfio_name,
			   st.memory_enabled ? "enabled" : "DISABLED", st.power_state, st.buffers, st.buffers == 1 ? "" : "s");
	for (const auto &bar : d.bars) {
		std::vector<const MappingView *> on;
		for (const auto &v : views)
			if (v.device == st.bdf && v.bar == bar.index)
				on.push_back(&v);
		if (on.empty())
			continue;
		out += fmt::format("  BAR{} {}{}\n", bar.index, size_text(bar.size),
				   bar.address ? fmt::format(" at {:#x}", bar.address) : std::string());
		out += fmt::format("    {:<{}}{}\n", "0", kWidth + 1, size_text(bar.size));
		for (const MappingView *v : on)
			out += fmt::format("    {}  {}\n", window_row(*v, bar.size, colour), v->label);
	}
	(void)s;
}

void render_mapping(std::string &out, const Snapshot &s, const MappingView &v, bool colour)
{
	const MappingInfo &m = *v.mapping;
	std::string via = v.buffer ? fmt::format("{} buffer #{}{}", v.buffer->hidden ? "hidden" : "exported", v.buffer->id,
						v.buffer->name.empty() ? "" : " \"" + v.buffer->name + "\"")
				   : std::string("no buffer (classic BAR mmap)");
	out += fmt::format("{}  {:#x}-{:#x} {} {:>8}  offset {:#x}  {}\n", v.label, m.start, m.end, prot_text(m.prot),
			   size_text(m.end - m.start), m.offset, m.path);
	out += fmt::format("   {}: BAR{} [{:#x}, {:#x}){}, {}\n", v.device.empty() ? "?" : v.device,
			   v.bar ? std::to_string(*v.bar) : "?", v.bar_offset, v.bar_offset + (m.end - m.start),
			   v.paddr ? fmt::format(" bus {:#x}", *v.paddr) : std::string(), via);
	if (v.buffer && v.buffer->ranges.size() > 1) {
		std::string ranges;
		for (const BufferRange &r : v.buffer->ranges)
			ranges += fmt::format("{}[{:#x}, {:#x})", ranges.empty() ? "" : " ", r.bar_offset, r.bar_offset + r.length);
		out += fmt::format("   buffer ranges in BAR{}: {}\n", v.buffer->bar, ranges);
	}
	out += fmt::format("   {} {}, status {}, kernel would use {} entries; installed: {}\n", to_string(m.attr),
			   m.attr == MemoryAttribute::WriteCombine ? "(write-combining)" : "(uncached)",
			   paint(colour, status_of(v), status_of(v)), order_name(v.best_order, s), installed_text(v, s));
	if (!v.advice.empty())
		out += fmt::format("   {} {}\n", colour ? "\033[1madvice:\033[0m" : "advice:", v.advice);
}

} /* namespace */

std::string order_name(unsigned order, const Snapshot &s)
{
	if (order == 0)
		return "PTE";
	if (order == s.pmd_order)
		return "PMD";
	if (order == s.pud_order)
		return "PUD";
	return fmt::format("order {}", order);
}

std::vector<MappingView> analyse(const Snapshot &s)
{
	std::vector<MappingView> views;
	char label = 'A';
	for (const MappingInfo &m : s.mappings) {
		MappingView v;
		v.label = label;
		label = label == 'Z' ? 'a' : label == 'z' ? '*' : label == '*' ? '*' : static_cast<char>(label + 1);
		v.mapping = &m;
		v.buffer = find_buffer(s, m.buffer_id);
		locate(s, v);
		orders(s, v);
		views.push_back(std::move(v));
	}
	return views;
}

std::string process_line(int pid, const std::string &program, size_t mappings, size_t buffers)
{
	return fmt::format("{:>8}  {}  ({}, {})\n", pid, program, counted(mappings, "mapping"), counted(buffers, "buffer"));
}

std::string render_text(const Snapshot &s, bool colour)
{
	std::string out = fmt::format("pid {} {}\n", s.pid, s.program);
	auto views = analyse(s);
	if (views.empty()) {
		out += "no software mappings\n";
		return out;
	}
	out += "\n";
	for (const auto &d : s.devices)
		render_device(out, s, d, views, colour);
	out += "\n";
	for (const auto &v : views)
		render_mapping(out, s, v, colour);
	return out;
}

nlohmann::json render_json(const Snapshot &s)
{
	nlohmann::json j = session::to_json(s);
	auto views = analyse(s);
	for (size_t i = 0; i < views.size(); i++) {
		const MappingView &v = views[i];
		nlohmann::json a = {{"label", std::string(1, v.label)},
				    {"device", v.device},
				    {"bar_offset", v.bar_offset},
				    {"status", status_of(v)},
				    {"best_order", v.best_order},
				    {"best", order_name(v.best_order, s)},
				    {"ideal_order", v.ideal_order},
				    {"advice", v.advice}};
		a["bar"] = v.bar ? nlohmann::json(*v.bar) : nlohmann::json(nullptr);
		a["paddr"] = v.paddr ? nlohmann::json(*v.paddr) : nlohmann::json(nullptr);
		nlohmann::json installed = nlohmann::json::object();
		for (auto [order, n] : v.installed)
			installed[order_name(order, s)] = n;
		a["installed"] = installed;
		j["mappings"][i]["analysis"] = a;
	}
	return j;
}

} /* namespace softvfio::cli */
