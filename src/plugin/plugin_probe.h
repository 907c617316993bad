/* SPDX-License-Identifier: MIT */
/*
 * Checking a plugin file before a device is built from it: the file is
 * there, loads, exports the entry point, speaks this ABI and has every
 * callback it must. The check runs in a device host of its own, like the
 * model later, so a plugin that crashes or hangs while loading fails the
 * check instead of the caller (`softvfio run`, the session kernel).
 */
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <softvfio/device_plugin.h>

namespace softvfio::plugin {

struct PluginFacts {
	std::string description;   /* the plugin's own TOML; empty: none */
	uint64_t min_bar_size = 0;
	/* Checked here: a width of 1, 2, 4 or 8, an offset that is a multiple
	 * of it, a BAR index below 6; whether the BAR is the plugin's and the
	 * register inside it is the description's to check. */
	std::vector<softvfio_mirrored_read> mirrored_reads;
};

/* What is wrong, in the terms of the C ABI header: `field` is "" (the file
 * itself), "softvfio_device_plugin", "abi_version", "size", "create", ... */
struct PluginProblem {
	std::string field;
	std::string problem;
};

std::variant<PluginFacts, PluginProblem> probe_plugin(const std::string &path);

} /* namespace softvfio::plugin */
