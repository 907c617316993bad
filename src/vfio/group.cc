/* SPDX-License-Identifier: MIT */
#include "vfio/group.h"

#include <algorithm>
#include <cerrno>
#include <linux/capability.h>

#include <softvfio/uapi/vfio.h>

#include "iommu/iommufd/iommufd.h"
#include "vfio/capability.h"
#include "vfio/container.h"
#include "vfio/pci/device.h"

namespace softvfio::vfio {

VfioGroup::VfioGroup(unsigned number, unsigned minor, bool noiommu)
	: number_(number), minor_(minor), noiommu_(noiommu)
{
}

VfioGroup::~VfioGroup() = default;

std::string VfioGroup::name() const
{
	return (noiommu_ ? "noiommu-" : "") + std::to_string(number_);
}

/* --- membership --- */

void VfioGroup::add_device(const std::shared_ptr<VfioPciDevice> &dev)
{
	std::lock_guard guard(lock_);
	{
		std::lock_guard devices(device_lock_);
		devices_.push_back(dev);
	}
	if (container_)
		container_->device_added(*dev);
}

void VfioGroup::remove_device(const VfioPciDevice &dev)
{
	std::lock_guard guard(lock_);
	std::lock_guard devices(device_lock_);
	auto it = std::find_if(devices_.begin(), devices_.end(), [&](auto &d) { return d.get() == &dev; });
	if (it == devices_.end())
		return;
	(*it)->dma_port().detach();
	devices_.erase(it);
}

std::vector<std::shared_ptr<VfioPciDevice>> VfioGroup::devices() const
{
	std::lock_guard guard(device_lock_);
	return devices_;
}

std::shared_ptr<VfioContainer> VfioGroup::detach_container_locked()
{
	if (!container_)
		return nullptr;
	container_->detach_group(*this);
	container_users_ = 0;
	return std::move(container_);
}

/* References are dropped after the lock: the last one may be the
 * container's or the iommufd's. */
void VfioGroup::kill()
{
	std::shared_ptr<VfioContainer> container;
	std::shared_ptr<IommufdCtx> ictx;
	std::lock_guard guard(lock_);
	dead_ = true;
	container = detach_container_locked();
	ictx = std::move(iommufd_);
}

bool VfioGroup::dead() const
{
	std::lock_guard guard(lock_);
	return dead_;
}

/* --- the group file --- */

Result<void> VfioGroup::open_file()
{
	std::lock_guard guard(lock_);
	if (dead_)
		return err(ENODEV);
	if (noiommu_ && !capable(CAP_SYS_RAWIO))
		return err(EPERM);
	if (opened_ || cdev_opens_)
		return err(EBUSY);
	opened_ = true;
	return {};
}

/* Device files hold the group file, so none is open any more: the
 * container (or iommufd) is let go of. */
void VfioGroup::release_file()
{
	std::shared_ptr<VfioContainer> container;
	std::shared_ptr<IommufdCtx> ictx;
	std::lock_guard guard(lock_);
	container = detach_container_locked();
	ictx = std::move(iommufd_);
	opened_ = false;
}

Result<void> VfioGroup::block_for_cdev()
{
	std::lock_guard guard(lock_);
	if (opened_)
		return err(EBUSY);
	cdev_opens_++;
	return {};
}

void VfioGroup::unblock_for_cdev()
{
	std::lock_guard guard(lock_);
	if (cdev_opens_)
		cdev_opens_--;
}

/* --- container ioctls --- */

bool VfioGroup::has_iommu_locked() const
{
	return container_ || iommufd_;
}

/* CONTAINER_SET implies VIABLE; a group whose devices are all bound to
 * vfio-pci is viable. */
Result<uint32_t> VfioGroup::status_flags() const
{
	std::lock_guard guard(lock_);
	if (dead_)
		return err(ENODEV);
	if (has_iommu_locked())
		return uint32_t(VFIO_GROUP_FLAGS_CONTAINER_SET | VFIO_GROUP_FLAGS_VIABLE);
	return uint32_t(VFIO_GROUP_FLAGS_VIABLE);
}

Result<void> VfioGroup::set_container(const std::shared_ptr<VfioContainer> &container)
{
	std::lock_guard guard(lock_);
	if (has_iommu_locked())
		return err(EINVAL);
	if (dead_)
		return err(ENODEV);
	SVFIO_TRY(container->attach_group(*this));
	container_ = container;
	container_users_ = 1;
	return {};
}

/* A group set to an iommufd uses its compatibility IOAS (created now if
 * there is none); a no-IOMMU group needs none. */
Result<void> VfioGroup::set_iommufd(const std::shared_ptr<IommufdCtx> &ictx)
{
	std::lock_guard guard(lock_);
	if (has_iommu_locked())
		return err(EINVAL);
	if (dead_)
		return err(ENODEV);
	if (!noiommu_)
		SVFIO_TRY(ictx->compat_ioas_create());
	iommufd_ = ictx;
	return {};
}

/* Only the 1 -> 0 transition: a device in use keeps the container. */
Result<void> VfioGroup::unset_container()
{
	std::shared_ptr<VfioContainer> container;
	std::shared_ptr<IommufdCtx> ictx;
	std::lock_guard guard(lock_);
	if (!has_iommu_locked())
		return err(EINVAL);
	if (container_) {
		if (container_users_ != 1)
			return err(EBUSY);
		container = detach_container_locked();
	}
	ictx = std::move(iommufd_);
	return {};
}

std::shared_ptr<IommufdCtx> VfioGroup::iommufd() const
{
	std::lock_guard guard(lock_);
	return iommufd_;
}

/* --- device files --- */

Result<void> VfioGroup::first_open_locked(const std::shared_ptr<VfioPciDevice> &dev)
{
	if (container_) {
		if (!container_->has_driver())
			return err(EINVAL);
		if (noiommu_ && !capable(CAP_SYS_RAWIO))
			return err(EPERM);
		container_users_++;
		return {};
	}
	if (noiommu_)
		return {};
	auto id = iommufd_->bind_device(dev);
	if (!id)
		return err(id.error());
	auto ioas = iommufd_->compat_ioas_id();
	auto attached = ioas ? iommufd_->attach_device(*id, *ioas) : Result<uint32_t>(err(ioas.error()));
	if (!attached) {
		iommufd_->unbind_device(*id);
		return err(attached.error());
	}
	bindings_[dev.get()] = {iommufd_, *id};
	return {};
}

Result<void> VfioGroup::device_open(const std::shared_ptr<VfioPciDevice> &dev)
{
	std::lock_guard guard(lock_);
	if (!has_iommu_locked())
		return err(EINVAL);
	unsigned &opens = opens_[dev.get()];
	if (!opens)
		if (auto r = first_open_locked(dev); !r) {
			opens_.erase(dev.get());
			return r;
		}
	opens++;
	return {};
}

void VfioGroup::last_close_locked(const std::shared_ptr<VfioPciDevice> &dev, std::shared_ptr<IommufdCtx> &doomed)
{
	auto it = bindings_.find(dev.get());
	if (it != bindings_.end()) {
		it->second.first->unbind_device(it->second.second);
		doomed = std::move(it->second.first);
		bindings_.erase(it);
	} else if (container_ && container_users_ > 1) {
		container_users_--;
	}
}

void VfioGroup::device_close(const std::shared_ptr<VfioPciDevice> &dev)
{
	std::shared_ptr<IommufdCtx> doomed;
	std::lock_guard guard(lock_);
	auto it = opens_.find(dev.get());
	if (it == opens_.end())
		return;
	if (--it->second == 0) {
		opens_.erase(it);
		last_close_locked(dev, doomed);
	}
}

} /* namespace softvfio::vfio */
