/* SPDX-License-Identifier: MIT */
/*
 * Descriptions and plugins (docs/device-models.md): a plugin file given
 * as the device (`--device ./mydev.so`: its own TOML description), and
 * the plugin files a TOML description names (`plugin = "mydev.so"` on a
 * register BAR, relative to the TOML file). Each plugin is checked when a
 * description is loaded from a file, in a device host of its own, so that
 * a broken one is a description error (file, field, problem; exit 3 from
 * the command) instead of a device that fails later. Parsing TOML text
 * alone never starts a process (the fuzzers parse text).
 */
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <softvfio/device_description.h>

#include "pci/register_model.h"

namespace softvfio::pci {

/* A path the device argument or load_device_description() takes as a
 * plugin: one ending in ".so". */
bool names_plugin_file(std::string_view path);

/* `path` as a TOML file at `origin` names it: relative to the file's
 * directory, made absolute (the session kernel resolves it after a chdir). */
std::string plugin_path_for(std::string_view origin, std::string_view path);

/* The device of a plugin file: its own description, with its register
 * BARs that say model = "plugin" served by it. */
std::variant<DeviceDescription, DescriptionError> load_plugin_device(const std::string &path);

/* Check every plugin `desc` names (it came from desc.source). */
std::optional<DescriptionError> check_plugins(const DeviceDescription &desc);

/* parse_device_description(), with `plugin` for the register BARs that
 * say model = "plugin" and name no file (description_parse.cc). */
std::variant<DeviceDescription, DescriptionError> parse_plugin_description(std::string_view toml,
									    std::string_view origin,
									    const std::string &plugin);

} /* namespace softvfio::pci */
