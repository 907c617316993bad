/* SPDX-License-Identifier: MIT */
/*
 * GroupFile: the one open of a group node. Its ioctls are GET_STATUS,
 * SET_CONTAINER (a container or an iommufd fd), UNSET_CONTAINER and
 * GET_DEVICE_FD, which hands out an anon_inode:[vfio-device] file with
 * close-on-exec whatever the group was opened with.
 */
#pragma once

#include <memory>
#include <string>

#include <softvfio/base/result.h>

#include "vfio/call_context.h"
#include "vfs/file.h"

namespace softvfio::vfio {

class VfioPciDevice;

class VfioCore;
class VfioGroup;

class GroupFile final : public vfs::File
{
public:
	/* open(2) of the node: ENODEV, EPERM or EBUSY per the group's rules. */
	static Result<std::shared_ptr<GroupFile>> open(std::shared_ptr<VfioGroup> group, std::shared_ptr<VfioCore> core,
						       int access_mode);
	~GroupFile() override;

	const std::shared_ptr<VfioGroup> &group() const { return group_; }
	long ioctl(unsigned int cmd, uintptr_t arg) override;

private:
	GroupFile(std::shared_ptr<VfioGroup> group, std::shared_ptr<VfioCore> core, int access_mode);
	long get_status(uintptr_t arg);
	long set_container(uintptr_t arg);
	long get_device_fd(uintptr_t arg);

	std::shared_ptr<VfioGroup> group_;
	std::shared_ptr<VfioCore> core_;
};

/* VFIO_GROUP_GET_DEVICE_FD's name match (vfio-pci's match op): 1 for
 * "<bdf>" or "<bdf> <options>", 0 for another name, -EINVAL for an unknown
 * or malformed option, and the device's VF token verdict otherwise
 * (VfioPciDevice::match_token_uuid: EACCES, EINVAL). */
int match_device_name(VfioPciDevice &dev, const std::string &buf);

} /* namespace softvfio::vfio */
