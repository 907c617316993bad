/* SPDX-License-Identifier: MIT */
/*
 * VfioPciDevice: a software PCI function driven by vfio-pci.
 *
 * The vfio_pci_core_device of the model: it owns the function, the
 * virtualised config space, interrupt state, the memory_lock that decides
 * whether MMIO is accessible, the address space of classic device-file
 * mappings and the list of DMABUFs. Every revocation trigger of
 * docs/semantics.md §4.5 goes through revoke_mmio_locked() and
 * unrevoke_mmio_locked() here.
 */
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include <softvfio/profile.h>

#include "dmabuf/buffer_list.h"
#include "dmabuf/exporter.h"
#include "iommu/dma_translation.h"
#include "mm/address_space.h"
#include "mm/types.h"
#include "pci/pci_function.h"
#include "vfio/call_context.h"
#include "vfio/device_set.h"
#include "vfio/pci/config/config_device.h"
#include "vfio/pci/config/virtual_config.h"
#include "vfio/pci/event_watcher.h"
#include "vfio/pci/eventfd.h"
#include "vfio/pci/irqs.h"
#include "vfio/pci/vf_token.h"

namespace softvfio::mm {
class Mm;
}
namespace softvfio::vfs {
class File;
struct MmapArgs;
}

namespace softvfio::vfio {

/* How the device is set up; fixed for its lifetime. */
struct DeviceSetup {
	std::string bdf;             /* "dddd:bb:dd.f" */
	unsigned vfio_index = 0;     /* the N of vfioN */
	unsigned iommu_group = 0;
	const Profile *profile = nullptr;
	bool no_command_memory = false;
	bool dmabuf_config = true;   /* CONFIG_VFIO_PCI_DMABUF */
	bool dmabuf_support = true;  /* the driver provides get_dmabuf_phys */
	bool zap_bars_on_revoke = false;
	bool map_and_fault_on_temp = false;  /* §7 item 2 experiment, never default */
	/* The devices a bus reset of this one affects (itself included). */
	std::shared_ptr<DeviceSet> dev_set;
	/* The kernel the device belongs to: its buffers are listed there. */
	const void *domain = nullptr;
	/* An SR-IOV virtual function's physical function (pci_physfn()). */
	std::weak_ptr<class VfioPciDevice> physfn;
};

class VfioPciDevice final : public ConfigDevice, public pci::InterruptSink, public dmabuf::Exporter
{
public:
	static Result<std::shared_ptr<VfioPciDevice>> create(std::unique_ptr<pci::PciFunction> function,
							      DeviceSetup setup);
	~VfioPciDevice() override;

	const DeviceSetup &setup() const { return setup_; }
	const std::string &bdf() const { return setup_.bdf; }
	std::string vfio_name() const { return "vfio" + std::to_string(setup_.vfio_index); }

	/* --- open file descriptions (open_count) --- */
	Result<void> open_file();
	void close_file();
	unsigned open_count();

	/* --- file operations of the device fd --- */
	long ioctl(CallContext &ctx, unsigned int cmd, uintptr_t arg);
	/* pread/pwrite of a region (vfio_pci_rw); `user_buf` is a caller
	 * pointer. Returns bytes done or -errno. */
	long rw(void *user_buf, size_t count, uint64_t pos, bool is_write);
	/* `file` is the device file being mapped (it becomes the VMA's file,
	 * or the hidden buffer's vfile). */
	long mmap(CallContext &ctx, const std::shared_ptr<vfs::File> &file, const vfs::MmapArgs &args);

	/* --- memory_lock and the memory-enabled predicate --- */
	TrackedSharedMutex &memory_lock() override { return memory_lock_; }
	bool memory_enabled_locked();
	bool mmio_accessible_locked() override;
	bool mmio_accessible_now() override;
	/* Revoke / restore every CPU mapping and buffer of the device, as the
	 * profile says (§4.5). Caller holds memory_lock for writing. */
	void revoke_mmio_locked();
	void unrevoke_mmio_locked();
	/* Run `operation` with memory_lock held for writing, revoking before
	 * it and un-revoking after it if memory is then enabled: the shape of
	 * every §4.5 trigger. */
	void with_mmio_revoked(const std::function<void()> &operation);

	/* --- ConfigDevice --- */
	pci::PciFunction &function() override { return *function_; }
	void locked_command_write(bool new_memory, const std::function<void()> &apply) override;
	void set_power_state_from_config(pci::PowerState state) override;
	void reset_from_config() override;
	void intx_disable_changed(bool disabled) override;

	/* --- InterruptSink --- */
	void raise(pci::IrqKind kind, unsigned vector) override;

	/* --- dmabuf::Exporter --- */
	const Profile &profile() const override { return *setup_.profile; }
	std::string exporter_name() const override;
	bool get_registration() override;
	void put_registration() override;
	Result<dmabuf::HostLocation> host_location(uint64_t paddr, uint64_t len) override;
	bool registers_at(uint64_t paddr) override;
	std::string register_model_at(uint64_t paddr) override;
	Result<uint64_t> register_access_locked(uint64_t paddr, unsigned width, uint64_t value, bool write) override;
	int bar_at(uint64_t paddr) const;

	/* --- parts --- */
	/* The function's bus-master DMA, through whatever IOMMU domain the
	 * device is attached to. */
	IommuDmaPort &dma_port() { return dma_port_; }
	Irqs &irqs() { return irqs_; }
	VirtualConfig &config() { return config_; }
	dmabuf::BufferList &buffers() { return buffers_; }
	mm::AddressSpace &file_address_space() { return file_mapping_; }
	/* Classic device-file mappings may be accessed (not revoked). Read
	 * under the address-space lock, so it is an atomic. */
	bool file_mapping_accessible() const { return !file_mapping_revoked_.load(); }
	/* Placement for a mapping of BAR `index` (huge-page alignment when the
	 * profile's kernel aligns vfio mappings). */
	mm::MapOptions map_options(unsigned index) const;

	/* --- state for handlers and introspection --- */
	bool reset_works() const { return reset_works_; }
	bool bar_mmap_supported(unsigned bar) const { return bar < 6 && bar_mmap_supported_[bar]; }
	unsigned msix_bar() const { return msix_bar_; }
	uint64_t msix_offset() const { return msix_offset_; }
	uint64_t msix_size() const { return msix_size_; }
	bool pm_runtime_engaged();
	/* Runtime PM allowed (power/control "auto"): vfio-pci allows it when
	 * it binds, forbids it when it unbinds, and the user may write the
	 * attribute. A low-power entry only suspends a device that may. */
	void set_runtime_pm_allowed(bool allowed);
	/* What power/runtime_status shows: engaged in low power, allowed. */
	bool runtime_suspended();
	bool runtime_pm_allowed() const { return runtime_pm_allowed_.load(); }
	uint64_t register_accesses() const { return register_accesses_.load(std::memory_order_relaxed); }
	/* The host's wish to have the device back: signal the REQ eventfd. */
	bool request_release() { return irqs_.request(); }
	/* Start refusing new registrations and wait for none to remain. */
	void unregister();
	/* A closed device back to the state create() left (device_reuse.cc):
	 * Kernel::reset_for_reuse(). EBUSY while a file is open. */
	Result<void> reset_for_reuse();

	/* --- SR-IOV and the VF token (vf_token.cc) --- */
	/* vfio_pci_vf_init()/uninit(), when vfio-pci binds and unbinds: a PF
	 * gets a new token; a VF takes its PF's, if the PF enabled it through
	 * vfio-pci. */
	void vf_init();
	void vf_uninit();
	/* The PF's VFs were enabled through vfio-pci's sriov_configure (it is
	 * on vfio_pci_sriov_pfs), so VFs bound later find its token. */
	void set_sriov_configured(bool configured);
	std::shared_ptr<VfToken> sriov_token_for_vfs();
	/* vfio_pci_core_match_token_uuid(): 0, or EACCES for a missing or
	 * wrong token where one is needed, EINVAL for one given where none is;
	 * a PF without open VFs takes a given token as its new one. */
	int match_token_uuid(const Uuid *uuid);
	/* An open VF counts as a user of its PF's token. */
	void count_vf_user(int delta);
	long vf_token_feature(uint32_t flags, void *payload, size_t argsz);
	/* pci_num_vf() != 0: the function's SR-IOV VF Enable is set. */
	bool sriov_vfs_enabled();

	/* Handlers need these (device_*.cc) */
	long runtime_pm_entry(EventfdPtr wake);
	void runtime_pm_exit();
	/* Every ioctl and region access resumes a runtime-suspended device;
	 * with a wake eventfd that also leaves low power (§ runtime PM). */
	void runtime_resume();
	long reset_ioctl();
	long feature_ioctl(CallContext &ctx, uintptr_t arg);
	long hot_reset_info_ioctl(CallContext &ctx, uintptr_t arg);
	long hot_reset_ioctl(CallContext &ctx, uintptr_t arg);
	long ioeventfd_ioctl(uintptr_t arg);

private:
	VfioPciDevice(std::unique_ptr<pci::PciFunction> function, DeviceSetup setup);

	Result<void> enable();
	void disable();
	void compute_bar_mmap_support();
	void set_power_state_locked(pci::PowerState state);

	/* Declared before the function, so it outlives every DMA the
	 * function makes. */
	IommuDmaPort dma_port_;
	std::unique_ptr<pci::PciFunction> function_;
	DeviceSetup setup_;
	VirtualConfig config_;
	Irqs irqs_;

	/* Tracked: a copy through registers refuses to run under it
	 * (base/tracked_mutex.h). */
	TrackedSharedMutex memory_lock_;
	mm::AddressSpace file_mapping_;
	dmabuf::BufferList buffers_;

	std::mutex open_lock_;
	unsigned open_count_ = 0;
	bool reset_works_ = false;
	/* The clean state saved at open, restored at close. */
	std::optional<pci::PciSavedState> pci_saved_state_;
	/* Functions that lose state in D3hot (NoSoftRst-): vfio saves it on
	 * the way down and restores it on the way up. */
	bool needs_pm_restore_ = false;
	std::optional<pci::PciSavedState> pm_save_;

	bool bar_mmap_supported_[6] = {};
	unsigned msix_bar_ = 0xff;
	uint64_t msix_offset_ = 0;
	uint64_t msix_size_ = 0;

	/* Written under memory_lock_; atomic for mmio_accessible_now(). */
	std::atomic<bool> pm_runtime_engaged_{false};
	std::atomic<bool> runtime_pm_allowed_{false};
	/* Bus transactions made on register BARs through mappings. */
	std::atomic<uint64_t> register_accesses_{0};
	EventfdPtr pm_wake_;
	/* Device-file mappings revoked (the legacy zap), until un-revoked. */
	std::atomic<bool> file_mapping_revoked_{false};

	struct IoEventfd {
		unsigned bar;
		uint64_t pos;
		uint64_t data;
		unsigned count;
		uint64_t watch;
	};
	std::mutex ioeventfds_lock_;
	std::vector<IoEventfd> ioeventfds_;
	void clear_ioeventfds();
	void drop_idle_watcher_locked();
	/* Declared after everything its callbacks touch, so it stops first. */
	std::unique_ptr<EventWatcher> watcher_;

	std::mutex sriov_lock_;
	std::shared_ptr<VfToken> vf_token_;     /* a PF bound to vfio-pci */
	std::shared_ptr<VfToken> pf_vf_token_;  /* a VF: its PF's */
	bool sriov_configured_ = false;

	std::mutex registration_lock_;
	std::condition_variable registration_cv_;
	unsigned registrations_ = 0;
	bool unregistering_ = false;
};

} /* namespace softvfio::vfio */
