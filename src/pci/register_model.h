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

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <softvfio/base/result.h>
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

/* The models of a function's register BARs: models[i] for BAR i, made on
 * contexts[i] (null for a BAR that is not registers), each in its
 * power-on state (reset() called, so already mirrored). The BARs that
 * name the same plugin file are made together, so that a plugin serving
 * BARs by index (ABI 1.2) has one instance for all of them
 * (plugin/plugin_model.h). EINVAL when one cannot be made (an unknown
 * name, a plugin whose host did not start: the reason is logged); the
 * models are then all left empty. Plugin models wait for their hosts
 * through `gate` (plugin/call_gate.h). */
Result<void> make_register_models(const DeviceDescription &desc, const std::array<DeviceContext *, 6> &contexts,
				  plugin::CallGate *gate, std::array<std::unique_ptr<DeviceModel>, 6> &models);

} /* namespace softvfio::pci */
