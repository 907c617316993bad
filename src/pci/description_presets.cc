/* SPDX-License-Identifier: MIT */
/*
 * Built-in presets and resolve_device(). Presets are parsed from their
 * compiled-in TOML once, on first use; a preset that does not parse is a
 * build defect, caught by the tests.
 */
#include <softvfio/device_description.h>

#include <map>
#include <sys/stat.h>

#include "pci/preset_data.h"

namespace softvfio {

namespace {

const std::map<std::string, DeviceDescription, std::less<>> &preset_table()
{
	static const auto table = [] {
		std::map<std::string, DeviceDescription, std::less<>> presets;
		for (size_t i = 0; i < pci::kPresetCount; ++i) {
			const pci::PresetText &text = pci::kPresetTexts[i];
			const std::string origin = std::string("preset:") + text.name;
			auto parsed = parse_device_description(text.toml, origin);
			if (auto *desc = std::get_if<DeviceDescription>(&parsed))
				presets.emplace(text.name, std::move(*desc));
		}
		return presets;
	}();
	return table;
}

bool names_a_file(std::string_view arg)
{
	return arg.find('/') != std::string_view::npos ||
	       (arg.size() > 5 && arg.substr(arg.size() - 5) == ".toml");
}

bool file_exists(const std::string &path)
{
	struct stat st;
	return ::stat(path.c_str(), &st) == 0;
}

} /* namespace */

std::vector<std::string> preset_names()
{
	std::vector<std::string> names;
	for (const auto &entry : preset_table())
		names.push_back(entry.first);
	return names;
}

std::optional<DeviceDescription> preset(std::string_view name)
{
	const auto &table = preset_table();
	auto it = table.find(name);
	if (it == table.end())
		return std::nullopt;
	return it->second;
}

/* nic is the one preset with every feature (PCIe, FLR, PM, MSI, MSI-X, a
 * huge-page-capable BAR, a ROM), so it exercises the whole model. */
std::string_view default_preset_name()
{
	return "nic";
}

std::variant<DeviceDescription, DescriptionError> resolve_device(std::string_view preset_or_file)
{
	const std::string arg(preset_or_file);
	if (!names_a_file(arg)) {
		if (auto desc = preset(arg))
			return std::move(*desc);
		if (!file_exists(arg)) {
			std::string known;
			for (const std::string &name : preset_names())
				known += (known.empty() ? "" : ", ") + name;
			return DescriptionError{arg, "",
						"no such preset or file (presets: " + known + ")"};
		}
	}
	return load_device_description(arg);
}

} /* namespace softvfio */
