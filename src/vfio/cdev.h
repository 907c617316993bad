/* SPDX-License-Identifier: MIT */
/*
 * CdevAccess: a device file opened through /dev/vfio/devices/vfio<N>.
 *
 * Until VFIO_DEVICE_BIND_IOMMUFD succeeds the file grants nothing: every
 * other ioctl, read, write and mmap is EINVAL. Binding opens the device
 * (it must not be open any other way), shuts the group path out for as
 * long as the binding lasts, and makes the device an object of the
 * iommufd; ATTACH/DETACH_IOMMUFD_PT then move its DMA between IOASes and
 * HWPTs. Releasing the file closes the device and undoes the binding.
 */
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include <softvfio/base/result.h>

#include "vfio/device_access.h"

namespace softvfio::vfs {
class File;
}

namespace softvfio::vfio {

class VfioCore;
class VfioGroup;
class VfioPciDevice;

class CdevAccess final : public DeviceAccess
{
public:
	CdevAccess(std::shared_ptr<VfioCore> core, std::shared_ptr<VfioPciDevice> dev, bool noiommu);
	~CdevAccess() override;

	std::optional<long> ioctl(DeviceFile &file, unsigned int cmd, uintptr_t arg) override;
	bool granted() const override { return bound_.load(); }
	bool cdev_opened() const override { return bound_.load(); }
	std::shared_ptr<IommufdCtx> iommufd() const override;

private:
	long bind(DeviceFile &file, uintptr_t arg);
	long bind_locked(DeviceFile &file, uintptr_t arg, uint32_t flags,
			 const Result<std::shared_ptr<vfs::File>> &file_ref, uint64_t token);
	Result<uint32_t> bind_iommufd_locked(const std::shared_ptr<IommufdCtx> &ictx);
	long attach(uintptr_t arg);
	long detach(uintptr_t arg);

	const std::shared_ptr<VfioCore> core_;
	const std::shared_ptr<VfioPciDevice> dev_;
	const bool noiommu_;

	mutable std::mutex lock_;   /* the device set's lock, for this file */
	std::atomic<bool> bound_{false};
	std::shared_ptr<IommufdCtx> ictx_;
	uint32_t devid_ = 0;
	std::shared_ptr<VfioGroup> group_;
};

} /* namespace softvfio::vfio */
