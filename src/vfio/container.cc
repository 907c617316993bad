/* SPDX-License-Identifier: MIT */
#include "vfio/container.h"

#include <algorithm>
#include <cerrno>
#include <linux/capability.h>
#include <mutex>

#include <softvfio/uapi/vfio.h>

#include "vfio/capability.h"
#include "vfio/core.h"
#include "vfio/group.h"
#include "vfio/pci/device.h"

namespace softvfio::vfio {

VfioContainer::VfioContainer(std::shared_ptr<VfioCore> core) : core_(std::move(core)) {}

VfioContainer::~VfioContainer() = default;

/* With no-IOMMU mode configured, no-IOMMU containers take only the
 * no-IOMMU driver and the others only real ones; without it, any. */
bool VfioContainer::type1_allowed_locked() const
{
	return core_->config().group && (!core_->config().noiommu || groups_.empty() || !noiommu_);
}

bool VfioContainer::noiommu_allowed_locked() const
{
	return core_->config().noiommu && (groups_.empty() || noiommu_);
}

long VfioContainer::noiommu_check(unsigned long arg) const
{
	return arg == VFIO_NOIOMMU_IOMMU ? 1 : 0;
}

/* Without a driver set, every driver the container may use is asked and
 * the first positive answer wins (type1 registered last, so asked first). */
long VfioContainer::check_extension(unsigned long arg)
{
	std::shared_lock guard(lock_);
	Type1Rules rules = core_->type1_rules();
	switch (driver_) {
	case Driver::Type1: return Type1Iommu::check_extension(rules, type1_.get(), arg);
	case Driver::NoIommu: return noiommu_check(arg);
	case Driver::None: break;
	}
	if (type1_allowed_locked()) {
		if (long r = Type1Iommu::check_extension(rules, nullptr, arg); r > 0)
			return r;
	}
	if (noiommu_allowed_locked())
		return noiommu_check(arg);
	return 0;
}

void VfioContainer::attach_ports_locked(VfioGroup &group)
{
	for (auto &dev : group.devices())
		dev->dma_port().attach(type1_->table());
}

/* type1 accepts TYPE1 and TYPE1v2; 6.12 also opened TYPE1_NESTING, whose
 * group attach then fails on an IOMMU without nesting. */
long VfioContainer::set_type1_locked(unsigned long arg)
{
	if (arg == VFIO_TYPE1_NESTING_IOMMU)
		return -EINVAL;
	unsigned limit = core_->params().dma_entry_limit.load();
	type1_ = std::make_unique<Type1Iommu>(arg == VFIO_TYPE1v2_IOMMU, limit, core_->type1_rules(),
					      core_->context().mm);
	for (VfioGroup *group : groups_)
		attach_ports_locked(*group);
	driver_ = Driver::Type1;
	return 0;
}

long VfioContainer::set_iommu(unsigned long arg)
{
	std::unique_lock guard(lock_);
	if (groups_.empty() || driver_ != Driver::None)
		return -EINVAL;
	long ret = -ENODEV;
	if (type1_allowed_locked() && Type1Iommu::check_extension(core_->type1_rules(), nullptr, arg) > 0) {
		ret = set_type1_locked(arg);
		if (ret == 0)
			return 0;
	}
	if (noiommu_allowed_locked() && noiommu_check(arg) > 0) {
		if (!capable(CAP_SYS_RAWIO))
			return -EPERM;
		driver_ = Driver::NoIommu;
		return 0;
	}
	return ret;
}

long VfioContainer::driver_ioctl(unsigned int cmd, uintptr_t arg)
{
	std::shared_lock guard(lock_);
	switch (driver_) {
	case Driver::Type1: return type1_->ioctl(cmd, arg);
	case Driver::NoIommu: return -ENOTTY;
	case Driver::None: break;
	}
	return -EINVAL;
}

Result<void> VfioContainer::attach_group(VfioGroup &group)
{
	if (group.noiommu() && !capable(CAP_SYS_RAWIO))
		return err(EPERM);
	std::unique_lock guard(lock_);
	/* Real groups and no-IOMMU groups cannot mix. */
	if (!groups_.empty() && noiommu_ != group.noiommu())
		return err(EPERM);
	if (driver_ == Driver::Type1)
		attach_ports_locked(group);
	groups_.push_back(&group);
	noiommu_ = group.noiommu();
	return {};
}

/* Detaching the last group deprivileges the container: the driver and
 * every mapping go. */
void VfioContainer::detach_group(VfioGroup &group)
{
	std::unique_ptr<Type1Iommu> doomed;
	std::unique_lock guard(lock_);
	if (driver_ == Driver::Type1)
		for (auto &dev : group.devices())
			dev->dma_port().detach();
	groups_.erase(std::remove(groups_.begin(), groups_.end(), &group), groups_.end());
	if (groups_.empty() && driver_ != Driver::None) {
		if (type1_)
			type1_->unmap_all();
		doomed = std::move(type1_);
		driver_ = Driver::None;
	}
}

bool VfioContainer::has_driver() const
{
	std::shared_lock guard(lock_);
	return driver_ != Driver::None;
}

void VfioContainer::device_added(VfioPciDevice &dev)
{
	std::shared_lock guard(lock_);
	if (driver_ == Driver::Type1)
		dev.dma_port().attach(type1_->table());
}

/* --- the file --- */

ContainerFile::ContainerFile(std::shared_ptr<VfioContainer> container, int access_mode)
	: File(vfs::FileKind::Container, access_mode), container_(std::move(container))
{
}

long ContainerFile::ioctl(unsigned int cmd, uintptr_t arg)
{
	switch (cmd) {
	case VFIO_GET_API_VERSION: return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION: return container_->check_extension(arg);
	case VFIO_SET_IOMMU: return container_->set_iommu(arg);
	default: return container_->driver_ioctl(cmd, arg);
	}
}

} /* namespace softvfio::vfio */
