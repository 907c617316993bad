/* SPDX-License-Identifier: MIT */
/*
 * Kernel::Impl: the state behind softvfio::Kernel, shared by the files that
 * implement its entry points.
 */
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <softvfio/kernel.h>

#include "mm/mm.h"
#include "vfio/device.h"
#include "vfio/device_set.h"
#include "vfs/fd_table.h"

namespace softvfio {

struct DeviceEntry {
	std::shared_ptr<vfio::VfioPciDevice> device;
	std::string description;
};

struct Kernel::Impl {
	explicit Impl(const KernelOptions &opts);

	vfio::CallContext context() { return vfio::CallContext{fds, mm}; }
	std::shared_ptr<vfio::VfioPciDevice> find_device(std::string_view bdf);

	/* Resolve an fd to an emulated File: EBADF if closed; null if it is
	 * a real fd the model does not own. */
	Result<std::shared_ptr<vfs::File>> file(int fd) { return fds.get(fd); }

	const KernelOptions options;

	/* Declared before the fd table and the mappings so the devices are
	 * destroyed after every File and VMA that refers to them. */
	mutable std::mutex devices_lock;
	std::map<std::string, DeviceEntry, std::less<>> devices;
	std::map<std::string, std::shared_ptr<vfio::DeviceSet>, std::less<>> dev_sets;
	unsigned next_vfio_index = 0;
	unsigned next_group = 1;
	unsigned next_slot = 1;

	vfs::FdTable fds;
	mm::Mm mm;
};

} /* namespace softvfio */
