/* SPDX-License-Identifier: MIT */
/*
 * Loading a plugin in its device host: dlopen, the entry point, and every
 * check of the table it returns (ABI version, size, the callbacks a model
 * cannot do without). The host runs this, never the kernel: a plugin whose
 * constructors or entry point crash take only the host down.
 */
#pragma once

#include <string>
#include <variant>

#include <softvfio/device_plugin.h>

namespace softvfio::plugin {

/* "field: problem" in the terms of the ABI header, for the file's error. */
struct LoadProblem {
	std::string field;     /* "" for the file as a whole */
	std::string problem;
};

/* The plugin's table, copied: fields the plugin's `size` does not cover
 * are NULL / 0. */
std::variant<softvfio_plugin, LoadProblem> load_plugin(const std::string &path);

} /* namespace softvfio::plugin */
