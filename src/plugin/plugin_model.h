/* SPDX-License-Identifier: MIT */
/*
 * The kernel's side of a plugin: a DeviceModel that forwards every
 * callback to the plugin's device host (device_host.h) and serves the
 * host's requests on the BAR's DeviceContext.
 *
 * A host that crashes, answers garbage or takes longer than the call
 * timeout fails its device for good: the host is killed, one line says
 * why on stderr, reads answer all ones (as a surprise-removed device's
 * do), writes, resets and steps are dropped. The kernel and every other
 * device go on.
 */
#pragma once

#include <memory>
#include <string>

#include <softvfio/device_model.h>

#include "plugin/call_gate.h"

namespace softvfio::plugin {

/* The model of `plugin` (an absolute path) for the context's BAR, or
 * nullptr when its host could not be started or refused to create it (the
 * reason is on stderr). Not reset yet. With a gate, every callback but the
 * creation waits for the host with the caller's lock released
 * (call_gate.h). */
std::unique_ptr<DeviceModel> make_plugin_model(const std::string &plugin, DeviceContext &context,
					       CallGate *gate = nullptr);

} /* namespace softvfio::plugin */
