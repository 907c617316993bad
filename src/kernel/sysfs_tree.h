/* SPDX-License-Identifier: MIT */
/*
 * SysfsTree: a real directory laid out like /sys for the software devices,
 * so the LD_PRELOAD shim can redirect /sys paths into it and every read,
 * readdir, readlink and realpath behaves natively.
 *
 * It holds exactly what docs/semantics-client.md §2.1/§2.2 lists that
 * programs read: the PCI device directories (with their driver, iommu_group and
 * vfio-dev entries while bound to vfio-pci), /sys/bus/pci (devices,
 * drivers/vfio-pci, drivers_probe, rescan), /sys/kernel/iommu_groups, the
 * vfio class devices and their /sys/dev/char links, and the vfio modules'
 * parameters. Symlinks are relative, as in sysfs, so they resolve inside
 * the tree.
 *
 * The tree is rendered from a SysfsState snapshot (sync()); files are
 * replaced atomically, so a reader sees the old or the new contents. It
 * lives under $XDG_RUNTIME_DIR (or /tmp), one per Kernel, and is removed
 * with it. Contents are snapshots: `config`, `enable` and `power_state`
 * are current as of the last sync (each sysfs_root() call syncs).
 */
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include <softvfio/base/result.h>

#include "pci/pci_function.h"
#include "vfio/core.h"

namespace softvfio {

struct SysfsDevice {
	std::string bdf;           /* "0000:00:01.0" */
	std::string bus_dir;       /* "pci0000:00" */
	unsigned vfio_index = 0;
	unsigned iommu_group = 0;
	bool bound = false;        /* to vfio-pci */
	std::optional<std::string> driver_override;
	std::vector<uint8_t> config;   /* the function's own config space */
	pci::Bar bars[6];
	pci::Bar rom;
	bool rom_enabled = false;
	unsigned irq = 0;
	unsigned enable_count = 0;
	std::string power_state;   /* "D0" */
	bool runtime_pm_allowed = false;   /* power/control: "auto" or "on" */
	bool runtime_suspended = false;    /* power/runtime_status */
	std::vector<std::string> reset_methods;
	/* SR-IOV (sysfs_sriov.cc): a physical function's sriov_* files and
	 * virtfn<i> links; a virtual function's physfn link and the IDs the
	 * PCI core gives it (its ID registers read all ones). */
	struct Sriov {
		unsigned total_vfs = 0;
		unsigned offset = 0;
		unsigned stride = 0;
		uint16_t vf_device = 0;
		bool drivers_autoprobe = true;
		std::vector<std::string> virtfns;
		pci::Bar vf_bars[6];   /* the VF BAR apertures: resource lines 7..12 */
	};
	std::optional<Sriov> sriov;
	std::string physfn;
	uint16_t virtfn_vendor = 0;
	uint16_t virtfn_device = 0;
};

struct SysfsGroup {
	unsigned number;
	unsigned minor;
	std::string name;          /* "1", "noiommu-1" */
};

struct SysfsState {
	vfio::AccessConfig access;
	unsigned dma_entry_limit = 0;
	bool allow_unsafe_interrupts = false;
	bool disable_hugepages = false;
	std::vector<SysfsDevice> devices;
	std::vector<SysfsGroup> groups;   /* live vfio groups */
};

class SysfsTree
{
public:
	/* Make the root directory: EACCES/ENOSPC... from the system. */
	/* At `dir` (made if missing), or in a new directory under
	 * $XDG_RUNTIME_DIR or /tmp when empty. */
	static Result<std::unique_ptr<SysfsTree>> create(const std::string &dir = {});
	~SysfsTree();
	SysfsTree(const SysfsTree &) = delete;
	SysfsTree &operator=(const SysfsTree &) = delete;

	const std::string &root() const { return root_; }
	void sync(const SysfsState &state);

	/* A /sys path to the tree's canonical relative path ("bus/pci/..."),
	 * symlinks resolved; ENOENT when nothing is there. */
	Result<std::string> resolve(std::string_view sys_path) const;
	bool is_directory(const std::string &rel) const;
	/* Permission bits of a file in the tree (0 when missing). */
	mode_t file_mode(const std::string &rel) const;
	/* Rewrite one attribute (after a control write). */
	void write_file(const std::string &rel, const std::string &content, mode_t mode);

private:
	explicit SysfsTree(std::string root) : root_(std::move(root)) {}

	void mkdirs(const std::string &rel);
	void sized_file(const std::string &rel, uint64_t size, mode_t mode);
	/* A file whose value only writes change (module parameters the
	 * model keeps no state for). */
	void initial_file(const std::string &rel, const std::string &content, mode_t mode);
	void link(const std::string &rel, const std::string &target);
	void remove(const std::string &rel);

	void sync_global(const SysfsState &state);
	void sync_modules(const SysfsState &state);
	void sync_virtual(const SysfsState &state);
	void sync_device(const SysfsState &state, const SysfsDevice &dev);
	void sync_device_attrs(const SysfsDevice &dev, const std::string &dir);
	void sync_device_links(const SysfsState &state, const SysfsDevice &dev, const std::string &dir);
	void sync_iommu_group(const SysfsState &state, const SysfsDevice &dev);
	void sync_sriov(const SysfsDevice &dev, const std::string &dir);
	/* The directories and links of devices that are gone (removed VFs). */
	void prune_devices(const SysfsState &state);
	void prune_groups(const SysfsState &state);

	const std::string root_;
};

} /* namespace softvfio */
