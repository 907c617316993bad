/* SPDX-License-Identifier: MIT */
/*
 * ConfigDevice: what config-space virtualisation asks of the vfio-pci device.
 *
 * Some user config writes have device-wide effects that belong to the device,
 * not to the config code: they take memory_lock and revoke or restore MMIO
 * access (docs/semantics.md §4.5). The config code calls these hooks at the
 * points vfio-pci does, and the device implements the locking and revocation.
 */
#pragma once

#include <functional>

#include "pci/pci_function.h"

namespace softvfio::vfio {

class ConfigDevice
{
public:
	virtual ~ConfigDevice() = default;

	virtual pci::PciFunction &function() = 0;

	/* A user write landing on PCI_COMMAND. The device takes memory_lock for
	 * writing, revokes MMIO access first when `new_memory` is false (even
	 * if memory was already disabled), runs `apply` (which updates the
	 * virtual and the hardware registers), then un-revokes if memory is
	 * enabled afterwards, and releases the lock. */
	virtual void locked_command_write(bool new_memory, const std::function<void()> &apply) = 0;

	/* A user write to PM_CTRL asking for power state `state`
	 * (vfio_lock_and_set_power_state): revoke when entering D3hot or
	 * deeper, change state, un-revoke if memory is enabled afterwards. */
	virtual void set_power_state_from_config(pci::PowerState state) = 0;

	/* A user write initiating an FLR (PCIe DEVCTL.BCR_FLR or AF CTRL.FLR)
	 * on a function that supports it: revoke, try-reset the function,
	 * un-revoke if memory is enabled afterwards. */
	virtual void reset_from_config() = 0;

	/* The user's virtual INTx-disable bit changed: mask or unmask INTx. */
	virtual void intx_disable_changed(bool disabled) = 0;
};

} /* namespace softvfio::vfio */
