/* SPDX-License-Identifier: MIT */
/*
 * GroupDeviceAccess: a device file from VFIO_GROUP_GET_DEVICE_FD. It holds
 * the group file (so the group stays in use while the device is open) and
 * tells the group when the device file is released. BIND_IOMMUFD is for
 * cdev files only: EINVAL here, after the argument checks.
 */
#pragma once

#include <memory>

#include "vfio/device_access.h"

namespace softvfio::vfs {
class File;
}

namespace softvfio::vfio {

class VfioGroup;
class VfioPciDevice;

class GroupDeviceAccess final : public DeviceAccess
{
public:
	/* The group already counts the open (VfioGroup::device_open). */
	GroupDeviceAccess(std::shared_ptr<VfioGroup> group, std::shared_ptr<vfs::File> group_file,
			  std::shared_ptr<VfioPciDevice> dev);
	~GroupDeviceAccess() override;

	std::optional<long> ioctl(DeviceFile &file, unsigned int cmd, uintptr_t arg) override;
	bool granted() const override { return true; }

private:
	std::shared_ptr<VfioGroup> group_;
	std::shared_ptr<vfs::File> group_file_;
	std::shared_ptr<VfioPciDevice> dev_;
};

/* The checks every VFIO_DEVICE_BIND_IOMMUFD makes before looking at the
 * file: EFAULT, EINVAL (argsz, flags, negative fd), E2BIG. */
struct vfio_device_bind_iommufd_args {
	uint32_t flags;
	int32_t iommufd;
	uint64_t token_uuid_ptr;
};
long parse_bind_iommufd(uintptr_t arg, vfio_device_bind_iommufd_args &out);

} /* namespace softvfio::vfio */
