/* SPDX-License-Identifier: MIT */
/*
 * VfioCore: the vfio core of one Kernel, as the access paths see it.
 *
 * It knows which ways in exist (the kernel configuration: containers and
 * groups, no-IOMMU mode, device cdevs, iommufd), the module parameters,
 * which devices are bound to vfio-pci, and the vfio groups they form. A
 * device bound to vfio-pci has a group (and its node, when groups exist)
 * and a cdev (when cdevs exist); unbinding takes both away.
 *
 * Groups are numbered by DeviceSetup::iommu_group; their minors come from
 * an allocator, lowest free first, in creation order (244:0 for the first
 * group, as observed).
 */
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include <softvfio/profile.h>

#include "iommu/type1/type1.h"
#include "vfio/call_context.h"
#include "vfio/platform.h"

namespace softvfio::vfio {

class VfioGroup;
class VfioPciDevice;

/* Which ways in exist (docs/semantics.md §1.1: configuration, not
 * profile). `noiommu`: the machine has no IOMMU and
 * enable_unsafe_noiommu_mode is set, so every group and cdev is a no-IOMMU
 * one. */
struct AccessConfig {
	bool group = true;
	bool noiommu = false;
	bool cdev = true;
	bool iommufd = true;
};

/* The vfio modules' parameters that change behaviour. */
struct ModuleParams {
	std::atomic<unsigned> dma_entry_limit{platform::kDmaEntryLimit};
	std::atomic<bool> allow_unsafe_interrupts{false};
	std::atomic<bool> disable_hugepages{false};
	/* vfio_pci's enable_sriov: without it, sriov_numvfs of a PF bound to
	 * vfio-pci is ENOENT. */
	std::atomic<bool> enable_sriov{false};
};

class VfioCore
{
public:
	VfioCore(AccessConfig config, CallContext ctx);

	const AccessConfig &config() const { return config_; }
	ModuleParams &params() { return params_; }
	/* The calling process's tables. */
	CallContext context() const { return caller_context(ctx_); }

	/* The kernel the system-wide paths (type1) behave like: the first
	 * device's profile, series-v4 before any device exists. */
	ProfileId kernel_profile() const { return kernel_profile_.load(); }
	Type1Rules type1_rules() const { return vfio::type1_rules(kernel_profile()); }

	/* --- vfio-pci binding --- */
	/* A device is added bound (the first call also fixes the kernel
	 * profile). */
	void add_device(const std::shared_ptr<VfioPciDevice> &dev);
	/* Bind to / unbind from vfio-pci: the group and cdev appear and go. */
	void bind(const std::shared_ptr<VfioPciDevice> &dev);
	void unbind(const std::shared_ptr<VfioPciDevice> &dev);
	bool bound(const VfioPciDevice &dev) const;
	std::vector<std::shared_ptr<VfioPciDevice>> bound_devices() const;
	/* The bound device behind /dev/vfio/devices/vfio<index>. */
	std::shared_ptr<VfioPciDevice> cdev_device(unsigned index) const;

	/* --- groups --- */
	std::shared_ptr<VfioGroup> group(unsigned number) const;
	std::shared_ptr<VfioGroup> group_of(const VfioPciDevice &dev) const;
	std::vector<std::shared_ptr<VfioGroup>> groups() const;

private:
	void bind_locked(const std::shared_ptr<VfioPciDevice> &dev);
	unsigned allocate_minor_locked();

	const AccessConfig config_;
	const CallContext ctx_;
	ModuleParams params_;
	std::atomic<ProfileId> kernel_profile_{ProfileId::SeriesV4};
	bool profile_fixed_ = false;

	mutable std::mutex lock_;
	std::map<unsigned, std::shared_ptr<VfioPciDevice>> bound_;  /* by vfio index */
	std::map<unsigned, std::shared_ptr<VfioGroup>> groups_;     /* by number */
	std::set<unsigned> minors_;
};

} /* namespace softvfio::vfio */
