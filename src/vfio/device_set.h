/* SPDX-License-Identifier: MIT */
/*
 * DeviceSet: the devices one bus or slot reset affects together (the
 * kernel's vfio_device_set), for hot-reset info and hot reset.
 */
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include <softvfio/base/result.h>

namespace softvfio::vfio {

class VfioPciDevice;

class DeviceSet
{
public:
	void add(const std::shared_ptr<VfioPciDevice> &dev);
	std::vector<std::shared_ptr<VfioPciDevice>> members();

	/* vfio_pci_dev_set_hot_reset(): try-lock every member's memory_lock
	 * (EBUSY on contention, unwinding), revoke their MMIO, bring them to
	 * D0, reset the bus, un-revoke those that are open with memory
	 * enabled. */
	Result<void> hot_reset();

	std::mutex &lock() { return lock_; }

private:
	std::mutex lock_;
	std::vector<std::weak_ptr<VfioPciDevice>> devices_;
};

} /* namespace softvfio::vfio */
