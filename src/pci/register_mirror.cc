/* SPDX-License-Identifier: MIT */
#include "pci/register_mirror.h"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

#include "pci/register_model.h"

namespace softvfio::pci {

namespace {

/* QEMU's edu: no register has a read side effect. Below 0x80 edu answers
 * 4-byte reads only (8 bytes read all ones, narrower ones 0); the DMA
 * registers answer 4 and 8 bytes at their own offsets, a 4-byte read at
 * the upper half reading all ones. The model mirrors ID, liveness,
 * factorial, status, interrupt status and the DMA registers on every
 * change, the computing bit never being seen set. */
constexpr MirroredRead kEdu[] = {
	{0x00, 4}, {0x04, 4}, {0x08, 4}, {0x20, 4}, {0x24, 4},
	{0x80, 4 | 8}, {0x88, 4 | 8}, {0x90, 4 | 8}, {0x98, 4 | 8},
};

/* ivshmem-plain's BAR0: the interrupt mask and the IV position; the
 * interrupt status is read-to-clear, so it is never mirrored. Narrower
 * reads at the register's own offset return its low bytes; an 8-byte
 * read takes the status along. */
constexpr MirroredRead kIvshmem[] = {
	{0x00, 1 | 2 | 4},
	{0x08, 1 | 2 | 4},
};

/* Plugins' tables, by plugin_mirror_model(). Never freed: a table that
 * changes (the file was rebuilt) is a new one, the old stays. */
struct PluginTables {
	std::mutex mu;
	std::deque<std::vector<MirroredRead>> tables;
	std::map<std::string, const std::vector<MirroredRead> *, std::less<>> by_model;
};

PluginTables &plugin_tables()
{
	static auto *t = new PluginTables;
	return *t;
}

} /* namespace */

std::string plugin_mirror_model(std::string_view plugin, unsigned bar)
{
	return "plugin:" + std::to_string(bar) + ":" + std::string(plugin);
}

std::string mirror_model(const BarDescription &bar, unsigned index)
{
	return bar.model == kPluginModelName ? plugin_mirror_model(bar.plugin, index) : bar.model;
}

void set_plugin_mirrored_reads(std::string_view plugin, unsigned bar, std::span<const MirroredRead> reads)
{
	std::vector<MirroredRead> merged;
	for (const MirroredRead &r : reads) {
		auto it = std::find_if(merged.begin(), merged.end(),
				       [&](const MirroredRead &m) { return m.offset == r.offset; });
		if (it != merged.end())
			it->widths |= r.widths;
		else
			merged.push_back(r);
	}
	std::sort(merged.begin(), merged.end(),
		  [](const MirroredRead &a, const MirroredRead &b) { return a.offset < b.offset; });
	PluginTables &t = plugin_tables();
	std::lock_guard lock(t.mu);
	const std::string model = plugin_mirror_model(plugin, bar);
	auto it = t.by_model.find(model);
	if (it != t.by_model.end() &&
	    std::equal(it->second->begin(), it->second->end(), merged.begin(), merged.end(),
		       [](const MirroredRead &a, const MirroredRead &b) {
			       return a.offset == b.offset && a.widths == b.widths;
		       }))
		return;
	t.tables.push_back(std::move(merged));
	t.by_model[model] = &t.tables.back();
}

std::span<const MirroredRead> mirrored_reads(std::string_view model)
{
	if (model == "edu")
		return kEdu;
	if (model == "ivshmem")
		return kIvshmem;
	if (model.starts_with("plugin:")) {
		PluginTables &t = plugin_tables();
		std::lock_guard lock(t.mu);
		auto it = t.by_model.find(model);
		if (it != t.by_model.end())
			return *it->second;
	}
	return {};
}

} /* namespace softvfio::pci */
