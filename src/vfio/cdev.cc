/* SPDX-License-Identifier: MIT */
#include "vfio/cdev.h"

#include <cerrno>
#include <cstddef>
#include <linux/capability.h>

#include <softvfio/uapi/vfio.h>

#include "base/user_copy.h"
#include "iommu/iommufd/iommufd.h"
#include "vfio/capability.h"
#include "vfio/core.h"
#include "vfio/device_file.h"
#include "vfio/group.h"
#include "vfio/group_access.h"
#include "vfio/pci/device.h"
#include "vfio/struct_copy.h"
#include "vfs/fd_table.h"

namespace softvfio::vfio {

CdevAccess::CdevAccess(std::shared_ptr<VfioCore> core, std::shared_ptr<VfioPciDevice> dev, bool noiommu)
	: core_(std::move(core)), dev_(std::move(dev)), noiommu_(noiommu)
{
}

/* The device file closed the device already; the binding goes now. */
CdevAccess::~CdevAccess()
{
	if (!bound_)
		return;
	if (ictx_ && !noiommu_)
		ictx_->unbind_device(devid_);
	if (group_)
		group_->unblock_for_cdev();
}

std::shared_ptr<IommufdCtx> CdevAccess::iommufd() const
{
	std::lock_guard guard(lock_);
	return ictx_;
}

/* A no-IOMMU device binds without becoming an iommufd object, if the
 * caller may do raw I/O and did not ask for translation (a compatibility
 * IOAS). */
Result<uint32_t> CdevAccess::bind_iommufd_locked(const std::shared_ptr<IommufdCtx> &ictx)
{
	if (noiommu_) {
		if (!capable(CAP_SYS_RAWIO) || ictx->compat_ioas_id())
			return err(EPERM);
		return 0u;
	}
	return ictx->bind_device(dev_);
}

long CdevAccess::bind_locked(DeviceFile &file, uintptr_t arg, uint32_t flags,
			     const Result<std::shared_ptr<vfs::File>> &file_ref, uint64_t token)
{
	if (bound_)
		return -EINVAL;
	/* vfio_df_check_token(): the VF token the group path takes in the
	 * device name (a kernel without the flag asks for none). */
	if (dev_->profile().cdev_bind_token) {
		Uuid uuid;
		const Uuid *given = nullptr;
		if (flags & VFIO_DEVICE_BIND_FLAG_TOKEN) {
			if (!copy_from_user(uuid.data(), reinterpret_cast<const void *>(token), sizeof(uuid)))
				return -EFAULT;
			given = &uuid;
		}
		if (int r = dev_->match_token_uuid(given))
			return r;
	}
	if (!file_ref)
		return -file_ref.error();
	if (!*file_ref || (*file_ref)->kind() != vfs::FileKind::Iommufd)
		return -EBADFD;
	auto ictx = static_cast<IommufdFile &>(**file_ref).ctx();
	/* The cdev path opens a device only once, and never next to the
	 * group path. */
	if (dev_->open_count())
		return -EINVAL;
	auto devid = bind_iommufd_locked(ictx);
	if (!devid)
		return -devid.error();
	auto undo = [&] {
		if (!noiommu_)
			ictx->unbind_device(*devid);
	};
	if (auto r = file.open_device(); !r) {
		undo();
		return -r.error();
	}
	auto *out = static_cast<uint8_t *>(user_ptr(arg)) + offsetof(vfio_device_bind_iommufd, out_devid);
	if (!copy_to_user(out, &*devid, sizeof(uint32_t))) {
		undo();
		return -EFAULT;
	}
	ictx_ = std::move(ictx);
	devid_ = *devid;
	bound_ = true;
	return 0;
}

long CdevAccess::bind(DeviceFile &file, uintptr_t arg)
{
	vfio_device_bind_iommufd_args args{};
	if (long r = parse_bind_iommufd(arg, args); r)
		return r;
	/* Before VFIO_DEVICE_BIND_FLAG_TOKEN, flags had to be 0. */
	if (!dev_->profile().cdev_bind_token && args.flags)
		return -EINVAL;
	auto group = core_->group_of(*dev_);
	if (!group)
		return -ENODEV;
	if (auto r = group->block_for_cdev(); !r)
		return -r.error();
	/* Resolved before locking: the reference is dropped unlocked. */
	auto iommufd_file = core_->context().fds.get(args.iommufd);
	long r;
	{
		std::lock_guard guard(lock_);
		r = bind_locked(file, arg, args.flags, iommufd_file, args.token_uuid_ptr);
		if (!r)
			group_ = group;
	}
	if (r)
		group->unblock_for_cdev();
	return r;
}

long CdevAccess::attach(uintptr_t arg)
{
	constexpr size_t minsz = offsetof(vfio_device_attach_iommufd_pt, pt_id) + sizeof(__u32);
	vfio_device_attach_iommufd_pt attach{};
	if (int r = copy_argsz_head(attach, arg, minsz))
		return r;
	if ((attach.flags & ~VFIO_DEVICE_ATTACH_PASID))
		return -EINVAL;
	/* The software IOMMU has no PASID support. */
	if (attach.flags & VFIO_DEVICE_ATTACH_PASID)
		return -EOPNOTSUPP;
	std::lock_guard guard(lock_);
	if (noiommu_)
		return -EINVAL;
	auto hwpt = ictx_->attach_device(devid_, attach.pt_id);
	if (!hwpt)
		return -hwpt.error();
	auto *out = static_cast<uint8_t *>(user_ptr(arg)) + offsetof(vfio_device_attach_iommufd_pt, pt_id);
	if (!copy_to_user(out, &*hwpt, sizeof(uint32_t))) {
		ictx_->detach_device(devid_);
		return -EFAULT;
	}
	return 0;
}

long CdevAccess::detach(uintptr_t arg)
{
	constexpr size_t minsz = offsetof(vfio_device_detach_iommufd_pt, flags) + sizeof(__u32);
	vfio_device_detach_iommufd_pt detach{};
	if (int r = copy_argsz_head(detach, arg, minsz))
		return r;
	if ((detach.flags & ~VFIO_DEVICE_DETACH_PASID))
		return -EINVAL;
	if (detach.flags & VFIO_DEVICE_DETACH_PASID)
		return -EOPNOTSUPP;
	std::lock_guard guard(lock_);
	if (!noiommu_)
		ictx_->detach_device(devid_);
	return 0;
}

/* BIND comes before the access check; ATTACH/DETACH only after it, and
 * (like every device ioctl) resume a runtime-suspended device first. */
std::optional<long> CdevAccess::ioctl(DeviceFile &file, unsigned int cmd, uintptr_t arg)
{
	if (cmd == VFIO_DEVICE_BIND_IOMMUFD)
		return bind(file, arg);
	if (!bound_ || (cmd != VFIO_DEVICE_ATTACH_IOMMUFD_PT && cmd != VFIO_DEVICE_DETACH_IOMMUFD_PT))
		return std::nullopt;
	dev_->runtime_resume();
	return cmd == VFIO_DEVICE_ATTACH_IOMMUFD_PT ? attach(arg) : detach(arg);
}

} /* namespace softvfio::vfio */
