/* SPDX-License-Identifier: MIT */
/*
 * Kernel::Impl: the state behind softvfio::Kernel, shared by the files that
 * implement its entry points.
 */
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <softvfio/kernel.h>

#include "kernel/process.h"
#include "kernel/sysfs_tree.h"
#include "mm/mm.h"
#include "vfio/core.h"
#include "vfio/device_set.h"
#include "vfio/pci/device.h"
#include "vfs/fd_table.h"

namespace softvfio {

struct DeviceEntry {
	std::shared_ptr<vfio::VfioPciDevice> device;
	std::string description;
	/* sysfs driver_override; unset is "(null)". */
	std::optional<std::string> driver_override;
	/* How it was added: a PF's VFs are made with the same options. */
	DeviceOptions options{};
	/* SR-IOV (kernel_sriov.cc): a PF's enabled VFs in order and its
	 * sriov_drivers_autoprobe; a VF's PF. */
	std::vector<std::string> virtfns{};
	bool sriov_drivers_autoprobe = true;
	std::string physfn{};
};

/* A vfio-pci new_id entry (PCI_ANY_ID fields match anything). */
struct DynamicId {
	uint32_t vendor, device, subvendor, subdevice, class_code, class_mask;
	bool operator==(const DynamicId &) const = default;
};


struct Kernel::Impl {
	explicit Impl(const KernelOptions &opts);

	/* The process the calling thread acts for: the session kernel's
	 * caller (kernel/process.h), else this Kernel's own. */
	Process &current() { Process *p = current_process(); return p ? *p : main; }
	vfio::CallContext context() { return current().context(); }
	/* Is the caller this very process (real calls may be made for it)? */
	bool in_process() { return current().host().is_self(); }
	std::shared_ptr<vfio::VfioPciDevice> find_device(std::string_view bdf);

	/* Resolve an fd to an emulated File: EBADF if closed; null if it is
	 * a real fd the model does not own. */
	Result<std::shared_ptr<vfs::File>> file(int fd) { return current().fds.get(fd); }

	/* A new process for the session kernel: `space` is its real fd
	 * table, `host` its address space. */
	std::unique_ptr<Process> make_process(std::shared_ptr<HostProcess> process,
					      std::shared_ptr<vfs::FdSpace> space, std::unique_ptr<mm::Host> host);

	const KernelOptions options;

	/* Declared before the fd table and the mappings so the devices are
	 * destroyed after every File and VMA that refers to them. */
	mutable std::mutex devices_lock;
	std::map<std::string, DeviceEntry, std::less<>> devices;
	std::map<std::string, std::shared_ptr<vfio::DeviceSet>, std::less<>> dev_sets;
	unsigned next_vfio_index = 0;
	unsigned next_group = 1;
	unsigned next_slot = 1;

	/* Which stand-in is which File, for every process. */
	std::shared_ptr<vfs::OpenFiles> open_files;
	/* This Kernel's own process (the in-process model's). */
	Process main;
	/* The access paths: after the tables it refers to, so destroyed
	 * first; files and groups keep what they use alive. */
	std::shared_ptr<vfio::VfioCore> vfio;

	/* Held across a sriov_numvfs change, as the PF's device_lock is. */
	std::mutex sriov_lock;

	/* vfio-pci's dynamic ids (new_id), under devices_lock. */
	std::vector<DynamicId> dynamic_ids;

	/* The materialised sysfs view, made on first use. */
	std::mutex sysfs_lock;
	std::unique_ptr<SysfsTree> sysfs;
	/* Bring the sysfs view up to date if it exists (kernel_sysfs.cc). */
	void refresh_sysfs();
	/* The view, made if needed and brought up to date; sysfs_lock held. */
	Result<SysfsTree *> sysfs_locked();
	/* vfio-pci binding with its side effects (kernel_sysfs.cc). */
	void bind_vfio(const std::shared_ptr<vfio::VfioPciDevice> &dev);
	void unbind_vfio(const std::shared_ptr<vfio::VfioPciDevice> &dev);
	~Impl();
};

/* Add a function to the registry, bound to vfio-pci; devices_lock held
 * (kernel.cc). A virtual function names its PF, and comes with vfio-pci's
 * driver_override, which is what binds it. */
struct VirtfnOf {
	std::shared_ptr<vfio::VfioPciDevice> device;
	std::string bdf;
};
Result<std::string> add_device_locked(Kernel::Impl &impl, const DeviceDescription &desc,
				      const DeviceOptions &options, const VirtfnOf *physfn = nullptr);

} /* namespace softvfio */
