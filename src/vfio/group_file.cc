/* SPDX-License-Identifier: MIT */
#include "vfio/group_file.h"

#include <cerrno>
#include <cstddef>

#include <softvfio/uapi/vfio.h>

#include "base/memfd.h"
#include "base/user_copy.h"
#include "iommu/iommufd/iommufd.h"
#include "vfio/container.h"
#include "vfio/core.h"
#include "vfio/device_file.h"
#include "vfio/group.h"
#include "vfio/group_access.h"
#include "vfio/pci/device.h"
#include "vfio/struct_copy.h"
#include "vfs/fd_table.h"

namespace softvfio::vfio {

namespace {

constexpr size_t kPageSize = 4096;

} /* namespace */

/* vfio_pci_core_match(): the name, then any number of spaces and at most
 * one "vf_token=<uuid>", which the device checks. */
int match_device_name(VfioPciDevice &dev, const std::string &buf)
{
	const std::string &bdf = dev.bdf();
	if (buf.compare(0, bdf.size(), bdf) != 0)
		return 0;
	bool token = false;
	Uuid uuid{};
	if (buf.size() > bdf.size()) {
		if (buf[bdf.size()] != ' ')
			return 0;
		for (size_t at = bdf.size(); at < buf.size();) {
			if (buf[at] == ' ') {
				at++;
				continue;
			}
			if (token || buf.compare(at, 9, "vf_token=") != 0)
				return -EINVAL;
			at += 9;
			if (!parse_uuid(std::string_view(buf).substr(at), uuid))
				return -EINVAL;
			token = true;
			at += kUuidStringLen;
		}
	}
	if (int r = dev.match_token_uuid(token ? &uuid : nullptr))
		return r;
	return 1;
}

Result<std::shared_ptr<GroupFile>> GroupFile::open(std::shared_ptr<VfioGroup> group, std::shared_ptr<VfioCore> core,
						   int access_mode)
{
	SVFIO_TRY(group->open_file());
	return std::shared_ptr<GroupFile>(new GroupFile(std::move(group), std::move(core), access_mode));
}

GroupFile::GroupFile(std::shared_ptr<VfioGroup> group, std::shared_ptr<VfioCore> core, int access_mode)
	: File(vfs::FileKind::Group, access_mode), group_(std::move(group)), core_(std::move(core))
{
}

GroupFile::~GroupFile()
{
	group_->release_file();
}

long GroupFile::get_status(uintptr_t arg)
{
	constexpr size_t minsz = offsetof(vfio_group_status, flags) + sizeof(__u32);
	vfio_group_status status{};
	if (int r = copy_argsz_head(status, arg, minsz))
		return r;
	auto flags = group_->status_flags();
	if (!flags)
		return -flags.error();
	status.flags = *flags;
	return copy_to_user(user_ptr(arg), &status, minsz) ? 0 : -EFAULT;
}

/* The fd is a container or an iommufd; anything else is EBADFD. */
long GroupFile::set_container(uintptr_t arg)
{
	int32_t fd;
	if (!copy_from_user(&fd, user_ptr(arg), sizeof(fd)))
		return -EFAULT;
	auto file = core_->context().fds.get(fd);
	if (!file)
		return -file.error();
	if (*file && (*file)->kind() == vfs::FileKind::Container)
		return to_syscall(group_->set_container(static_cast<ContainerFile &>(**file).container()));
	if (*file && (*file)->kind() == vfs::FileKind::Iommufd)
		return to_syscall(group_->set_iommufd(static_cast<IommufdFile &>(**file).ctx()));
	return -EBADFD;
}

long GroupFile::get_device_fd(uintptr_t arg)
{
	auto name = copy_string_from_user(static_cast<const char *>(user_ptr(arg)), kPageSize);
	if (!name)
		return -name.error();
	std::shared_ptr<VfioPciDevice> dev;
	for (auto &candidate : group_->devices()) {
		int m = match_device_name(*candidate, *name);
		if (m < 0)
			return m;
		if (m > 0) {
			dev = candidate;
			break;
		}
	}
	if (!dev)
		return -ENODEV;
	CallContext ctx = core_->context();
	auto standin = ctx.fds.reserve(vfs::StandinSpec{.name = "vfio-device"});
	if (!standin)
		return -standin.error();
	if (auto r = group_->device_open(dev); !r)
		return -r.error();
	auto access = std::make_unique<GroupDeviceAccess>(group_, shared_from_this(), dev);
	auto file = DeviceFile::open(dev, ctx, "anon_inode:[vfio-device]", std::move(access));
	if (!file)
		return -file.error();
	return to_syscall(ctx.fds.install(std::move(*file), std::move(*standin)));
}

long GroupFile::ioctl(unsigned int cmd, uintptr_t arg)
{
	switch (cmd) {
	case VFIO_GROUP_GET_DEVICE_FD: return get_device_fd(arg);
	case VFIO_GROUP_GET_STATUS: return get_status(arg);
	case VFIO_GROUP_SET_CONTAINER: return set_container(arg);
	case VFIO_GROUP_UNSET_CONTAINER: return to_syscall(group_->unset_container());
	default: return -ENOTTY;
	}
}

} /* namespace softvfio::vfio */
