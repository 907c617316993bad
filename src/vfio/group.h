/* SPDX-License-Identifier: MIT */
/*
 * VfioGroup: a vfio group (/dev/vfio/<n> or /dev/vfio/noiommu-<n>).
 *
 * The state behind the group node: whether its one file is open, the
 * container or iommufd it is set to, the devices in it (one per group in
 * the model), and the cdev opens that shut the group path out. The group
 * ioctls act on it (group_file.cc); device files obtained through it keep
 * it in use (group_access.cc).
 *
 * Locks: lock_ (the kernel's group_lock) is taken before a container's
 * lock; device_lock_ only guards the device list and nests inside both.
 */
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <softvfio/base/result.h>

namespace softvfio::vfio {

class IommufdCtx;
class VfioContainer;
class VfioPciDevice;

class VfioGroup : public std::enable_shared_from_this<VfioGroup>
{
public:
	VfioGroup(unsigned number, unsigned minor, bool noiommu);
	~VfioGroup();

	unsigned number() const { return number_; }
	unsigned minor() const { return minor_; }
	bool noiommu() const { return noiommu_; }
	/* The node's name under /dev/vfio: "1", or "noiommu-1". */
	std::string name() const;

	/* --- membership --- */
	void add_device(const std::shared_ptr<VfioPciDevice> &dev);
	void remove_device(const VfioPciDevice &dev);
	std::vector<std::shared_ptr<VfioPciDevice>> devices() const;
	/* Its last device was unbound: the group is gone; open files of it
	 * answer ENODEV and its container lets go of it. */
	void kill();
	bool dead() const;

	/* --- the group file: one open at a time --- */
	/* ENODEV when gone, EBUSY when open or a device is open by cdev. */
	Result<void> open_file();
	void release_file();

	/* --- the cdev path's exclusion (vfio_device_block_group) --- */
	Result<void> block_for_cdev();
	void unblock_for_cdev();

	/* --- VFIO_GROUP_GET_STATUS / SET_CONTAINER / UNSET_CONTAINER --- */
	Result<uint32_t> status_flags() const;
	Result<void> set_container(const std::shared_ptr<VfioContainer> &container);
	Result<void> set_iommufd(const std::shared_ptr<IommufdCtx> &ictx);
	Result<void> unset_container();
	/* The iommufd the group is set to, if any. */
	std::shared_ptr<IommufdCtx> iommufd() const;

	/* --- device files obtained through the group --- */
	/* Before a device file is opened: EINVAL without a container with an
	 * IOMMU set (or an iommufd); the first open of a device uses the
	 * container or binds the device to the iommufd. */
	Result<void> device_open(const std::shared_ptr<VfioPciDevice> &dev);
	/* After such a file is released. */
	void device_close(const std::shared_ptr<VfioPciDevice> &dev);

private:
	bool has_iommu_locked() const;
	Result<void> first_open_locked(const std::shared_ptr<VfioPciDevice> &dev);
	void last_close_locked(const std::shared_ptr<VfioPciDevice> &dev, std::shared_ptr<IommufdCtx> &doomed);
	std::shared_ptr<VfioContainer> detach_container_locked();

	const unsigned number_;
	const unsigned minor_;
	const bool noiommu_;

	mutable std::mutex lock_;
	bool dead_ = false;
	bool opened_ = false;
	unsigned cdev_opens_ = 0;
	std::shared_ptr<VfioContainer> container_;
	unsigned container_users_ = 0;
	std::shared_ptr<IommufdCtx> iommufd_;
	/* Group-path opens per device, and the iommufd device id of those
	 * bound through the group's iommufd. */
	std::map<const VfioPciDevice *, unsigned> opens_;
	std::map<const VfioPciDevice *, std::pair<std::shared_ptr<IommufdCtx>, uint32_t>> bindings_;

	mutable std::mutex device_lock_;
	std::vector<std::shared_ptr<VfioPciDevice>> devices_;
};

} /* namespace softvfio::vfio */
