/* SPDX-License-Identifier: MIT */
#include "vfio/device_set.h"

#include <cerrno>
#include <shared_mutex>

#include "vfio/pci/device.h"

namespace softvfio::vfio {

void DeviceSet::add(const std::shared_ptr<VfioPciDevice> &dev)
{
	std::lock_guard guard(lock_);
	devices_.push_back(dev);
}

std::vector<std::shared_ptr<VfioPciDevice>> DeviceSet::members()
{
	std::lock_guard guard(lock_);
	std::vector<std::shared_ptr<VfioPciDevice>> out;
	for (auto &weak : devices_)
		if (auto dev = weak.lock())
			out.push_back(std::move(dev));
	return out;
}

Result<void> DeviceSet::hot_reset()
{
	auto devs = members();
	std::vector<std::unique_lock<TrackedSharedMutex>> held;
	Result<void> result;
	/* Try-lock to avoid deadlocking against a member's own lock holders;
	 * contention unwinds with EBUSY (§6 item 8). */
	for (auto &dev : devs) {
		std::unique_lock lock(dev->memory_lock(), std::try_to_lock);
		if (!lock.owns_lock()) {
			result = err(EBUSY);
			break;
		}
		dev->revoke_mmio_locked();
		held.push_back(std::move(lock));
	}
	if (result) {
		for (auto &dev : devs)
			(void)dev->function().set_power_state(pci::PowerState::D0);
		for (auto &dev : devs)
			if (auto r = dev->function().reset_bus(); !r && result)
				result = r;
	}
	/* Success and unwind alike un-revoke what memory-enabled devices had. */
	for (size_t i = held.size(); i-- > 0;)
		devs[i]->unrevoke_mmio_locked();
	return result;
}

} /* namespace softvfio::vfio */
