/* SPDX-License-Identifier: MIT */
/*
 * The register models a description may name: the built-in ones (edu,
 * ivshmem), those a program registered (register_device_model()) and
 * "plugin", a model in a shared object run by a device host
 * (src/plugin/). All of them are DeviceModels
 * (<softvfio/device_model.h>); the function calls them with its own lock
 * held (pci_function_impl.h).
 */
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <softvfio/device_description.h>
#include <softvfio/device_model.h>

#include "plugin/call_gate.h"

namespace softvfio::pci {

/* The name a BAR gives to have its model in a plugin. */
inline constexpr std::string_view kPluginModelName = "plugin";

struct RegisterModelInfo {
	std::string name;
	uint64_t min_bar_size;   /* bytes the registers need */
};

/* nullopt when the name is unknown ("plugin" is not looked up here: its
 * minimum size is the plugin's). */
std::optional<RegisterModelInfo> find_register_model(std::string_view name);

/* The model of register BAR `bar`, in its power-on state (reset() called,
 * so already mirrored); nullptr when it cannot be made (an unknown name, a
 * plugin whose host did not start: the reason is logged). A plugin model
 * waits for its host through `gate` (plugin/call_gate.h). */
std::unique_ptr<DeviceModel> make_register_model(const BarDescription &bar, DeviceContext &context,
						 plugin::CallGate *gate = nullptr);

} /* namespace softvfio::pci */
