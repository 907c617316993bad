/* SPDX-License-Identifier: MIT */
#include "vfio/group_access.h"

#include <cerrno>
#include <cstddef>

#include <softvfio/uapi/vfio.h>

#include "base/user_copy.h"
#include "vfio/group.h"
#include "vfio/struct_copy.h"
#include "vfs/file.h"

namespace softvfio::vfio {

long parse_bind_iommufd(uintptr_t arg, vfio_device_bind_iommufd_args &out)
{
	constexpr size_t minsz = offsetof(vfio_device_bind_iommufd, out_devid) + sizeof(__u32);
	uint32_t user_size;
	if (!copy_from_user(&user_size, user_ptr(arg), sizeof(user_size)))
		return -EFAULT;
	if (user_size < minsz)
		return -EINVAL;
	vfio_device_bind_iommufd bind{};
	if (auto r = copy_struct_from_user(&bind, sizeof(bind), user_ptr(arg), user_size); !r)
		return -r.error();
	if (bind.iommufd < 0 || (bind.flags & ~VFIO_DEVICE_BIND_FLAG_TOKEN))
		return -EINVAL;
	out = {bind.flags, bind.iommufd, bind.token_uuid_ptr};
	return 0;
}

GroupDeviceAccess::GroupDeviceAccess(std::shared_ptr<VfioGroup> group, std::shared_ptr<vfs::File> group_file,
				     std::shared_ptr<VfioPciDevice> dev)
	: group_(std::move(group)), group_file_(std::move(group_file)), dev_(std::move(dev))
{
}

/* The group file reference goes last: it may be the final one. */
GroupDeviceAccess::~GroupDeviceAccess()
{
	group_->device_close(dev_);
}

std::optional<long> GroupDeviceAccess::ioctl(DeviceFile &, unsigned int cmd, uintptr_t arg)
{
	if (cmd != VFIO_DEVICE_BIND_IOMMUFD)
		return std::nullopt;
	vfio_device_bind_iommufd_args args{};
	if (long r = parse_bind_iommufd(arg, args); r)
		return r;
	return -EINVAL;
}

} /* namespace softvfio::vfio */
