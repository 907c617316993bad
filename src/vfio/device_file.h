/* SPDX-License-Identifier: MIT */
/*
 * DeviceFile: an open file description of a vfio-pci device.
 *
 * Each GROUP_GET_DEVICE_FD (or cdev open) makes one; dups share it. Its
 * lifetime is the device's open count: the last release closes the device.
 * For the classic profiles it is also what a device-fd BAR mapping maps (the
 * VMA's vm_file), so it answers mm's questions about such mappings.
 */
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "mm/mappable.h"
#include "vfio/call_context.h"
#include "vfio/device_access.h"
#include "vfs/file.h"

namespace softvfio::vfio {

class VfioPciDevice;

class DeviceFile final : public vfs::File, public mm::Mappable
{
public:
	/* Opens the device (first open enables it). `maps_name` is what
	 * /proc/<pid>/maps shows for classic mappings of this file:
	 * "anon_inode:[vfio-device]" or "/dev/vfio/devices/vfioN". */
	static Result<std::shared_ptr<DeviceFile>> open(std::shared_ptr<VfioPciDevice> device, CallContext ctx,
							 std::string maps_name,
							 std::unique_ptr<DeviceAccess> access = nullptr);
	/* A device cdev file: the device stays closed (and every operation
	 * but the access's own ioctls fails) until the access opens it. */
	static std::shared_ptr<DeviceFile> create_unopened(std::shared_ptr<VfioPciDevice> device, CallContext ctx,
							   std::string maps_name, int access_mode,
							   std::unique_ptr<DeviceAccess> access);
	~DeviceFile() override;

	/* Open the device for this file (cdev bind; once). */
	Result<void> open_device();
	DeviceAccess *access() const { return access_.get(); }

	VfioPciDevice &device() { return *device_; }
	const std::shared_ptr<VfioPciDevice> &device_ptr() const { return device_; }

	/* vfs::File */
	long ioctl(unsigned int cmd, uintptr_t arg) override;
	long read(void *buf, size_t count, uint64_t offset) override;
	long write(const void *buf, size_t count, uint64_t offset) override;
	long mmap(mm::Mm &mm, const vfs::MmapArgs &args) override;

	/* mm::Mappable, for classic (non-DMABUF) BAR mappings */
	mm::AddressSpace &address_space() override;
	Result<std::vector<mm::Backing>> backing(const mm::VmaGeometry &g) override;
	bool accessible() override;
	mm::FaultOutcome fault(const mm::VmaGeometry &g, uintptr_t address, unsigned order) override;
	std::string maps_name() const override { return maps_name_; }
	std::string link_name() const override { return maps_name_; }
	bool registers(const mm::VmaGeometry &g) override;
	Result<uint64_t> register_access(const mm::VmaGeometry &g, uintptr_t address, unsigned width, uint64_t value,
					 bool write) override;

private:
	DeviceFile(std::shared_ptr<VfioPciDevice> device, CallContext ctx, std::string maps_name, int access_mode,
		   std::unique_ptr<DeviceAccess> access);
	bool granted() const;

	std::shared_ptr<VfioPciDevice> device_;
	CallContext ctx_;
	std::string maps_name_;
	std::unique_ptr<DeviceAccess> access_;
	std::atomic<bool> opened_{false};
};

} /* namespace softvfio::vfio */
