/* SPDX-License-Identifier: MIT */
/*
 * The legacy container, /dev/vfio/vfio: VfioContainer (the kernel's
 * vfio_container) and ContainerFile (one open of the node).
 *
 * Each open is a new, empty container. Groups are attached to it with
 * VFIO_GROUP_SET_CONTAINER; with at least one group, VFIO_SET_IOMMU picks
 * an IOMMU driver among those the kernel has (type1; no-IOMMU when that
 * mode exists) and every later ioctl goes to that driver. A container
 * lives while its file or any group refers to it; detaching its last
 * group releases the driver and every mapping with it.
 *
 * Devices of groups in a type1 container translate their DMA through its
 * table from the moment the group joins the domain until it leaves.
 */
#pragma once

#include <memory>
#include <shared_mutex>
#include <vector>

#include <softvfio/base/result.h>

#include "iommu/type1/type1.h"
#include "vfs/file.h"

namespace softvfio::vfio {

class VfioCore;
class VfioGroup;
class VfioPciDevice;

class VfioContainer
{
public:
	explicit VfioContainer(std::shared_ptr<VfioCore> core);
	~VfioContainer();

	long check_extension(unsigned long arg);
	long set_iommu(unsigned long arg);
	/* Any other ioctl: the driver's, or EINVAL without one. */
	long driver_ioctl(unsigned int cmd, uintptr_t arg);

	/* VFIO_GROUP_SET_CONTAINER / detaching a group (group lock held). */
	Result<void> attach_group(VfioGroup &group);
	void detach_group(VfioGroup &group);
	bool has_driver() const;
	/* A group's device joined or left after the group did. */
	void device_added(VfioPciDevice &dev);

private:
	enum class Driver { None, Type1, NoIommu };

	bool type1_allowed_locked() const;
	bool noiommu_allowed_locked() const;
	long noiommu_check(unsigned long arg) const;
	long set_type1_locked(unsigned long arg);
	void attach_ports_locked(VfioGroup &group);

	const std::shared_ptr<VfioCore> core_;
	mutable std::shared_mutex lock_;
	std::vector<VfioGroup *> groups_;
	bool noiommu_ = false;
	Driver driver_ = Driver::None;
	std::unique_ptr<Type1Iommu> type1_;
};

class ContainerFile final : public vfs::File
{
public:
	ContainerFile(std::shared_ptr<VfioContainer> container, int access_mode);
	const std::shared_ptr<VfioContainer> &container() const { return container_; }
	long ioctl(unsigned int cmd, uintptr_t arg) override;

private:
	std::shared_ptr<VfioContainer> container_;
};

} /* namespace softvfio::vfio */
