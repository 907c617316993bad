/* SPDX-License-Identifier: MIT */
/*
 * What an open Device is, shared by the objects that need it alive (the
 * Device itself, device-fd Mappings, Irqs, DmaMappings) and watched weakly
 * by those that must not keep it (DmaBufs and their mappings, as in the
 * kernel). Closing it closes the device fd first, then the way in.
 */
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <softvfio/client/backend.h>
#include <softvfio/client/device.h>

namespace softvfio::client::detail {

/* A file descriptor closed through its backend when the last owner goes. */
struct FdBox {
	FdBox(std::shared_ptr<Backend> b, int f) : backend(std::move(b)), fd(f) {}
	~FdBox()
	{
		if (fd >= 0)
			backend->close(fd);
	}
	FdBox(const FdBox &) = delete;
	FdBox &operator=(const FdBox &) = delete;

	std::shared_ptr<Backend> backend;
	int fd;
};

struct DeviceHandle {
	explicit DeviceHandle(std::shared_ptr<Backend> b) : backend(std::move(b)) {}
	~DeviceHandle();
	DeviceHandle(const DeviceHandle &) = delete;
	DeviceHandle &operator=(const DeviceHandle &) = delete;

	/* ioctl on the device fd as a Result named `what`. */
	Result<long> ioctl(unsigned long cmd, void *arg, const std::string &what) const;
	/* VFIO_DEVICE_FEATURE with `payload` after the header (copied back). */
	Result<long> feature(uint32_t flags, void *payload, size_t size, const std::string &what) const;
	/* pread of config space. */
	Result<void> read_config(uint32_t offset, void *buf, size_t n) const;
	Result<uint8_t> find_capability(uint8_t id) const;
	/* Mapping::accessible()'s device rule: not in a low-power state we
	 * entered, COMMAND.MEMORY set, PM state D0. */
	bool memory_accessible() const;

	std::shared_ptr<Backend> backend;
	std::string bdf;
	AccessPath path = AccessPath::Group;
	bool noiommu = false;
	int device_fd = -1;
	int group_fd = -1;
	int container_fd = -1;
	int iommufd = -1;
	uint32_t ioas_id = 0;
	Features features;
	/* Set while this library holds the device in LOW_POWER_ENTRY. */
	std::atomic<bool> low_power{false};
};

/* Files of the real file system (the kernel backend's sysfs, and the
 * model's sysfs view). */
Result<std::string> read_text_file(const std::string &path);
Result<std::string> read_link(const std::string &path);
Result<std::vector<std::string>> list_directory(const std::string &path);

} /* namespace softvfio::client::detail */
