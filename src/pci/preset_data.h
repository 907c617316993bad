/* SPDX-License-Identifier: MIT */
/*
 * The preset descriptions compiled in: name (the file's stem in devices/)
 * and the TOML text, generated at build time by gen_presets.cmake.
 */
#pragma once

#include <cstddef>

namespace softvfio::pci {

struct PresetText {
	const char *name;
	const char *toml;
};

extern const PresetText kPresetTexts[];
extern const size_t kPresetCount;

} /* namespace softvfio::pci */
