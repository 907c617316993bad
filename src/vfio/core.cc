/* SPDX-License-Identifier: MIT */
#include "vfio/core.h"

#include "vfio/group.h"
#include "vfio/pci/device.h"

namespace softvfio::vfio {

VfioCore::VfioCore(AccessConfig config, CallContext ctx) : config_(config), ctx_(ctx) {}

unsigned VfioCore::allocate_minor_locked()
{
	unsigned minor = 0;
	while (minors_.count(minor))
		minor++;
	minors_.insert(minor);
	return minor;
}

void VfioCore::bind_locked(const std::shared_ptr<VfioPciDevice> &dev)
{
	unsigned index = dev->setup().vfio_index;
	if (bound_.count(index))
		return;
	bound_[index] = dev;
	/* vfio_pci_core_register_device(): pm_runtime_allow(). */
	dev->set_runtime_pm_allowed(true);
	/* vfio_pci_core_register_device(): vfio_pci_vf_init(). */
	dev->vf_init();
	unsigned number = dev->setup().iommu_group;
	auto &group = groups_[number];
	if (!group)
		group = std::make_shared<VfioGroup>(number, allocate_minor_locked(), config_.noiommu);
	group->add_device(dev);
}

void VfioCore::add_device(const std::shared_ptr<VfioPciDevice> &dev)
{
	std::lock_guard guard(lock_);
	if (!profile_fixed_) {
		kernel_profile_ = dev->profile().id;
		profile_fixed_ = true;
	}
	bind_locked(dev);
}

void VfioCore::bind(const std::shared_ptr<VfioPciDevice> &dev)
{
	std::lock_guard guard(lock_);
	bind_locked(dev);
}

/* The group goes with its last device; open files of it see it dead. */
void VfioCore::unbind(const std::shared_ptr<VfioPciDevice> &dev)
{
	std::shared_ptr<VfioGroup> gone;
	{
		std::lock_guard guard(lock_);
		if (!bound_.erase(dev->setup().vfio_index))
			return;
		/* ...and its unregister forbids it again. */
		dev->set_runtime_pm_allowed(false);
		dev->vf_uninit();
		auto it = groups_.find(dev->setup().iommu_group);
		if (it == groups_.end())
			return;
		it->second->remove_device(*dev);
		if (!it->second->devices().empty())
			return;
		gone = std::move(it->second);
		minors_.erase(gone->minor());
		groups_.erase(it);
	}
	gone->kill();
}

bool VfioCore::bound(const VfioPciDevice &dev) const
{
	std::lock_guard guard(lock_);
	auto it = bound_.find(dev.setup().vfio_index);
	return it != bound_.end() && it->second.get() == &dev;
}

std::vector<std::shared_ptr<VfioPciDevice>> VfioCore::bound_devices() const
{
	std::lock_guard guard(lock_);
	std::vector<std::shared_ptr<VfioPciDevice>> out;
	for (auto &[index, dev] : bound_)
		out.push_back(dev);
	return out;
}

std::shared_ptr<VfioPciDevice> VfioCore::cdev_device(unsigned index) const
{
	std::lock_guard guard(lock_);
	auto it = bound_.find(index);
	return it == bound_.end() ? nullptr : it->second;
}

std::shared_ptr<VfioGroup> VfioCore::group(unsigned number) const
{
	std::lock_guard guard(lock_);
	auto it = groups_.find(number);
	return it == groups_.end() ? nullptr : it->second;
}

std::shared_ptr<VfioGroup> VfioCore::group_of(const VfioPciDevice &dev) const
{
	return bound(dev) ? group(dev.setup().iommu_group) : nullptr;
}

std::vector<std::shared_ptr<VfioGroup>> VfioCore::groups() const
{
	std::lock_guard guard(lock_);
	std::vector<std::shared_ptr<VfioGroup>> out;
	for (auto &[number, group] : groups_)
		out.push_back(group);
	return out;
}

} /* namespace softvfio::vfio */
