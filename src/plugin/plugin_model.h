/* SPDX-License-Identifier: MIT */
/*
 * The kernel's side of a plugin: DeviceModels that forward every callback
 * to the plugin's device host (device_host.h), and serve the host's
 * requests on the BARs' DeviceContexts.
 *
 * One connection to a host is one plugin instance. An instance of a
 * plugin with read_bar/write_bar (ABI 1.2) serves every register BAR of
 * the function that names the plugin's file; an older one serves one BAR,
 * and each further BAR gets an instance (and a host) of its own. Either
 * way each BAR has a small model of its own that forwards to its
 * instance, so the function keeps one model per register BAR. Of the
 * models sharing an instance, only the one of its first BAR passes reset()
 * and power_state_changed() on: the function calls every model at a
 * function event, the instance must see it once.
 *
 * A host that crashes, answers garbage or takes longer than the call
 * timeout fails its instance for good, so every BAR it serves: the host is
 * killed, one line says why on stderr, reads answer all ones (as a
 * surprise-removed device's do), writes, resets and steps are dropped. The
 * kernel and every other device go on.
 */
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include <softvfio/device_model.h>

#include "plugin/call_gate.h"

namespace softvfio::plugin {

/* The models of the register BARs that name `plugin` (an absolute path)
 * in one function: `contexts` are those BARs' contexts, in BAR order, and
 * the result has one model for each, in the same order. Empty when a host
 * could not be started or refused to create its instance (the reason is on
 * stderr). Not reset yet: the caller resets each model (only the first of
 * an instance calls the plugin). With a gate, every callback but the
 * creation waits for the host with the caller's lock released
 * (call_gate.h). */
std::vector<std::unique_ptr<DeviceModel>> make_plugin_models(const std::string &plugin,
							      std::span<DeviceContext *const> contexts,
							      CallGate *gate = nullptr);

} /* namespace softvfio::plugin */
