/* SPDX-License-Identifier: MIT */
/*
 * DeviceAccess: how a device file was obtained, and what that way adds.
 *
 * A device fd from VFIO_GROUP_GET_DEVICE_FD keeps its group (and the
 * group's container or iommufd) in use while it lives; a device cdev fd
 * grants nothing until VFIO_DEVICE_BIND_IOMMUFD, and then owns the iommufd
 * binding and the IOAS attachment. The DeviceFile asks its access first on
 * every ioctl and before read, write and mmap; destroying the access is
 * the second half of the file's release, after the device is closed.
 */
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

namespace softvfio::vfio {

class DeviceFile;
class IommufdCtx;

class DeviceAccess
{
public:
	virtual ~DeviceAccess() = default;

	/* An ioctl this way in handles itself (BIND_IOMMUFD, ATTACH/DETACH
	 * _IOMMUFD_PT); nullopt passes it on. */
	virtual std::optional<long> ioctl(DeviceFile &file, unsigned int cmd, uintptr_t arg) = 0;
	/* Device ioctls, read, write and mmap are allowed (a cdev after a
	 * successful bind; the group path always). */
	virtual bool granted() const = 0;
	/* Opened through /dev/vfio/devices/vfioN and bound. */
	virtual bool cdev_opened() const { return false; }
	/* The iommufd context the device is bound to through this file. */
	virtual std::shared_ptr<IommufdCtx> iommufd() const { return nullptr; }
};

} /* namespace softvfio::vfio */
