/* SPDX-License-Identifier: MIT */
#include "pci/description_plugin.h"

#include <array>
#include <climits>
#include <map>
#include <unistd.h>

#include "base/lexical_path.h"
#include "pci/description_util.h"
#include "pci/register_mirror.h"
#include "plugin/plugin_probe.h"

namespace softvfio::pci {

namespace {

using desc_util::format_hex;

std::string absolute(const std::string &path)
{
	std::string full = path;
	if (full.empty() || full[0] != '/') {
		char cwd[PATH_MAX];
		if (!::getcwd(cwd, sizeof(cwd)))
			return path;
		full = std::string(cwd) + "/" + path;
	}
	std::string normal;
	return lexically_normal(full, true, normal) ? normal : full;
}

/* "bar[0]" as the parser names the BAR whose index is `i`. */
std::string bar_field(unsigned i, const char *key)
{
	return "bar[" + std::to_string(i) + "]." + key;
}

std::string problem_text(const plugin::PluginProblem &p)
{
	return p.field.empty() ? p.problem : p.field + ": " + p.problem;
}

/* The plugin's mirrored reads against the BARs of `desc` that `plugin`
 * serves: each in one of them, inside it. Then the tables are supplied to
 * the mirror directory (register_mirror.h). A problem as "mirrored_reads[i]:
 * what". */
std::optional<plugin::PluginProblem> check_mirrored_reads(const DeviceDescription &desc, const std::string &plugin,
							   const plugin::PluginFacts &facts)
{
	std::array<std::vector<MirroredRead>, 6> per_bar;
	for (size_t i = 0; i < facts.mirrored_reads.size(); ++i) {
		const softvfio_mirrored_read &r = facts.mirrored_reads[i];
		const std::string field = "mirrored_reads[" + std::to_string(i) + "]";
		const BarDescription &bar = desc.bars[r.bar];
		if (bar.kind == BarKind::None || bar.model != kPluginModelName || bar.plugin != plugin)
			return plugin::PluginProblem{field, "bar " + std::to_string(r.bar) +
								    " is not a register BAR this plugin serves"};
		if (r.offset > bar.size || r.width > bar.size - r.offset)
			return plugin::PluginProblem{field, "offset " + format_hex(r.offset) + " width " +
								    std::to_string(r.width) + " is outside bar " +
								    std::to_string(r.bar) + " (" + format_hex(bar.size) + " bytes)"};
		per_bar[r.bar].push_back({static_cast<uint32_t>(r.offset), r.width});
	}
	for (unsigned i = 0; i < 6; ++i)
		if (!per_bar[i].empty())
			set_plugin_mirrored_reads(plugin, i, per_bar[i]);
	return std::nullopt;
}

} /* namespace */

bool names_plugin_file(std::string_view path)
{
	return path.size() > 3 && path.substr(path.size() - 3) == ".so";
}

std::string plugin_path_for(std::string_view origin, std::string_view path)
{
	if (path.empty() || path[0] == '/')
		return absolute(std::string(path));
	const size_t slash = origin.rfind('/');
	const std::string dir = slash == std::string_view::npos ? "" : std::string(origin.substr(0, slash + 1));
	return absolute(dir + std::string(path));
}

std::variant<DeviceDescription, DescriptionError> load_plugin_device(const std::string &path)
{
	auto probed = plugin::probe_plugin(path);
	if (auto *p = std::get_if<plugin::PluginProblem>(&probed))
		return DescriptionError{path, p->field, p->problem};
	const plugin::PluginFacts &facts = std::get<plugin::PluginFacts>(probed);
	if (facts.description.empty())
		return DescriptionError{path, "description",
					"NULL: the plugin describes no device of its own; name it from a TOML "
					"description instead (model = \"plugin\", plugin = \"" + path + "\")"};
	auto parsed = parse_plugin_description(facts.description, path, absolute(path));
	auto *desc = std::get_if<DeviceDescription>(&parsed);
	if (!desc)
		return parsed;
	/* Without a name of its own the device is named after the file, as a
	 * TOML file's is: its stem. */
	const std::string file = path.substr(path.rfind('/') + 1);
	if (desc->name == file)
		desc->name = file.substr(0, file.size() - 3);
	bool uses_plugin = false;
	for (unsigned i = 0; i < desc->bars.size(); ++i) {
		const BarDescription &bar = desc->bars[i];
		if (bar.model != kPluginModelName)
			continue;
		uses_plugin = true;
		if (bar.size < facts.min_bar_size)
			return DescriptionError{path, bar_field(i, "size"),
						format_hex(bar.size) + " is smaller than the plugin's min_bar_size " +
							format_hex(facts.min_bar_size)};
	}
	if (!uses_plugin)
		return DescriptionError{path, "description",
					"no BAR has contents = \"registers\" and model = \"plugin\": the plugin "
					"would serve nothing"};
	if (auto p = check_mirrored_reads(*desc, absolute(path), facts))
		return DescriptionError{path, p->field, p->problem};
	return parsed;
}

std::optional<DescriptionError> check_plugins(const DeviceDescription &desc)
{
	/* Each file once, however many BARs name it (a plugin serving its
	 * BARs by index names all of them). */
	std::map<std::string, plugin::PluginFacts> checked;
	for (unsigned i = 0; i < desc.bars.size(); ++i) {
		const BarDescription &bar = desc.bars[i];
		if (bar.model != kPluginModelName)
			continue;
		auto known = checked.find(bar.plugin);
		if (known == checked.end()) {
			auto probed = plugin::probe_plugin(bar.plugin);
			if (auto *p = std::get_if<plugin::PluginProblem>(&probed))
				return DescriptionError{desc.source, bar_field(i, "plugin"),
							bar.plugin + ": " + problem_text(*p)};
			known = checked.emplace(bar.plugin, std::move(std::get<plugin::PluginFacts>(probed))).first;
			/* The declaration covers every BAR the file serves. */
			if (auto p = check_mirrored_reads(desc, bar.plugin, known->second))
				return DescriptionError{desc.source, bar_field(i, "plugin"),
							bar.plugin + ": " + problem_text(*p)};
		}
		const uint64_t min = known->second.min_bar_size;
		if (bar.size < min)
			return DescriptionError{desc.source, bar_field(i, "size"),
						format_hex(bar.size) + " is smaller than the plugin's min_bar_size " +
							format_hex(min)};
	}
	return std::nullopt;
}

} /* namespace softvfio::pci */
