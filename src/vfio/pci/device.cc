/* SPDX-License-Identifier: MIT */
#include "vfio/pci/device.h"

#include <cerrno>

#include "mm/zap_fence.h"
#include "pci/register_mirror.h"
#include "pci/regs.h"

namespace softvfio::vfio {

namespace r = pci::regs;

Result<std::shared_ptr<VfioPciDevice>> VfioPciDevice::create(std::unique_ptr<pci::PciFunction> function,
							      DeviceSetup setup)
{
	if (!function || !setup.profile)
		return err(EINVAL);
	std::shared_ptr<VfioPciDevice> dev(new VfioPciDevice(std::move(function), std::move(setup)));
	dev->function_->set_interrupt_sink(dev.get());
	dev->function_->set_dma_port(&dev->dma_port_);
	VfioPciDevice *raw = dev.get();
	dev->irqs_.set_msi_listener([raw](unsigned nvec) {
		if (nvec)
			raw->config_.msi_enabled(nvec);
		raw->config_.set_msi_active(nvec != 0);
	});
	return dev;
}

VfioPciDevice::VfioPciDevice(std::unique_ptr<pci::PciFunction> function, DeviceSetup setup)
	: function_(std::move(function)), setup_(std::move(setup)), config_(*this), irqs_(*function_),
	  buffers_(*this)
{
}

VfioPciDevice::~VfioPciDevice()
{
	function_->set_dma_port(nullptr);
	function_->set_interrupt_sink(nullptr);
}

/* --- open and close --- */

Result<void> VfioPciDevice::open_file()
{
	std::lock_guard guard(open_lock_);
	if (open_count_ == 0) {
		SVFIO_TRY(enable());
		/* vfio_pci_core_finish_enable(): an open VF uses its PF's token. */
		count_vf_user(+1);
	}
	open_count_++;
	return {};
}

void VfioPciDevice::close_file()
{
	std::lock_guard guard(open_lock_);
	if (open_count_ == 0)
		return;
	if (--open_count_ == 0) {
		count_vf_user(-1);
		disable();
	}
}

unsigned VfioPciDevice::open_count()
{
	std::lock_guard guard(open_lock_);
	return open_count_;
}

/* vfio_pci_core_enable(): D0, try a reset (which tells whether resets
 * work), save the clean state, build the virtual config space. */
Result<void> VfioPciDevice::enable()
{
	uint16_t pm = function_->find_capability(r::kCapIdPm);
	needs_pm_restore_ = pm && !(function_->config_read(pm + r::kPmCtrl, 2) & r::kPmCtrlNoSoftReset);
	set_power_state_locked(pci::PowerState::D0);
	reset_works_ = function_->reset_function().ok();
	function_->save_state();
	pci_saved_state_ = function_->store_saved_state();
	SVFIO_TRY(config_.init());

	msix_bar_ = 0xff;
	if (uint16_t msix = function_->find_capability(r::kCapIdMsix)) {
		uint32_t flags = function_->config_read(msix + r::kMsixFlags, 2);
		uint32_t table = function_->config_read(msix + r::kMsixTable, 4);
		msix_bar_ = table & r::kMsixBirMask;
		msix_offset_ = table & r::kMsixOffsetMask;
		msix_size_ = uint64_t((flags & r::kMsixFlagsQsize) + 1) * r::kMsixEntrySize;
	}
	compute_bar_mmap_support();
	return {};
}

/* vfio_pci_core_close_device(): buffers are cleaned up before the function
 * is disabled (that order was itself a fix, §4.9). */
void VfioPciDevice::disable()
{
	if (profile().has_dmabufs())
		buffers_.cleanup();
	runtime_pm_exit();
	irqs_.disable_all();
	clear_ioeventfds();
	/* Back to the state saved at open, through a reset if one works
	 * (the reset itself saves and consumes the state, so load it again
	 * for the final restore). */
	auto saved = std::move(pci_saved_state_);
	pci_saved_state_.reset();
	function_->load_saved_state(saved);
	function_->config_write(r::kCommand, 2, r::kCommandIntxDisable);
	if (reset_works_) {
		(void)function_->reset_function();
		function_->load_saved_state(saved);
	}
	function_->restore_state();
	pm_save_.reset();
	config_.release();
}

/* A memory BAR is mmap-capable if it is at least a page, or page-aligned
 * (the rest of its page is reserved for it). */
void VfioPciDevice::compute_bar_mmap_support()
{
	constexpr uint64_t kPage = 4096;
	for (unsigned i = 0; i < 6; i++) {
		const pci::Bar &bar = function_->bar(i);
		bool ok = bar.is_memory() && bar.size && bar.mmap_capable;
		if (ok && bar.size < kPage)
			ok = (bar.address % kPage) == 0;
		bar_mmap_supported_[i] = ok;
	}
}

/* --- memory_lock and revocation --- */

bool VfioPciDevice::memory_enabled_locked()
{
	if (function_->power_state() >= pci::PowerState::D3hot)
		return false;
	return setup_.no_command_memory || (config_.virtual_command() & r::kCommandMemory);
}

bool VfioPciDevice::mmio_accessible_locked()
{
	return memory_enabled_locked() && !pm_runtime_engaged_;
}

bool VfioPciDevice::mmio_accessible_now()
{
	return memory_enabled_locked() && !pm_runtime_engaged_.load();
}

void VfioPciDevice::revoke_mmio_locked()
{
	const Profile &p = profile();
	bool zap_file = p.always_zap_device_file || setup_.zap_bars_on_revoke;
	if (zap_file && !file_mapping_revoked_) {
		file_mapping_revoked_ = true;
		file_mapping_.zap();
	}
	if (p.has_dmabufs())
		buffers_.move_locked(true);
	/* Revoked in every process before the caller changes what can be
	 * seen (the command register, the power state, the reset). */
	mm::zap_fence();
}

void VfioPciDevice::unrevoke_mmio_locked()
{
	if (!memory_enabled_locked())
		return;
	if (profile().has_dmabufs())
		buffers_.move_locked(false);
	if (file_mapping_revoked_ && mmio_accessible_locked()) {
		file_mapping_revoked_ = false;
		file_mapping_.restore();
	}
}

void VfioPciDevice::with_mmio_revoked(const std::function<void()> &operation)
{
	std::unique_lock guard(memory_lock_);
	revoke_mmio_locked();
	operation();
	unrevoke_mmio_locked();
}

/* --- config hooks --- */

void VfioPciDevice::locked_command_write(bool new_memory, const std::function<void()> &apply)
{
	std::unique_lock guard(memory_lock_);
	/* Revoke even when memory was already off: a no-op, as in vfio. */
	if (!new_memory)
		revoke_mmio_locked();
	apply();
	unrevoke_mmio_locked();
}

/* vfio_pci_set_power_state(): around D3hot, a function without NoSoftRst
 * loses its state, so vfio saves it on the way down and restores it when
 * coming back to D0. */
void VfioPciDevice::set_power_state_locked(pci::PowerState state)
{
	/* vfio_pci_set_power_state(): a PF with VFs enabled stays in D0. */
	if (state > pci::PowerState::D0 && sriov_vfs_enabled())
		return;
	pci::PowerState current = function_->power_state();
	bool needs_save = false, needs_restore = false;
	if (needs_pm_restore_) {
		if (current < pci::PowerState::D3hot && state >= pci::PowerState::D3hot) {
			function_->save_state();
			needs_save = true;
		}
		if (current >= pci::PowerState::D3hot && state == pci::PowerState::D0)
			needs_restore = true;
	}
	if (!function_->set_power_state(state))
		return;
	if (needs_save && function_->power_state() >= pci::PowerState::D3hot) {
		pm_save_ = function_->store_saved_state();
	} else if (needs_restore) {
		function_->load_saved_state(std::move(pm_save_));
		pm_save_.reset();
		function_->restore_state();
	}
}

void VfioPciDevice::set_power_state_from_config(pci::PowerState state)
{
	std::unique_lock guard(memory_lock_);
	if (state >= pci::PowerState::D3hot)
		revoke_mmio_locked();
	set_power_state_locked(state);
	unrevoke_mmio_locked();
}

void VfioPciDevice::reset_from_config()
{
	with_mmio_revoked([this] { (void)function_->reset_function(); });
}

void VfioPciDevice::intx_disable_changed(bool disabled)
{
	irqs_.set_virq_disabled(disabled);
}

void VfioPciDevice::raise(pci::IrqKind kind, unsigned vector)
{
	irqs_.raise(kind, vector);
}

/* --- VFIO_DEVICE_RESET --- */

long VfioPciDevice::reset_ioctl()
{
	if (!reset_works_)
		return -EINVAL;
	std::unique_lock guard(memory_lock_);
	const Profile &p = profile();
	/* 6.12 and 6.19 zapped before the D0 transition, the series revokes
	 * after it (§1.1, §4.5); the model's zap covers both. */
	if (p.reset_order != ResetOrder::D0RevokeReset)
		revoke_mmio_locked();
	set_power_state_locked(pci::PowerState::D0);
	if (p.reset_order == ResetOrder::D0RevokeReset)
		revoke_mmio_locked();
	auto result = function_->reset_function();
	unrevoke_mmio_locked();
	return result ? 0 : -result.error();
}

/* --- runtime power management (LOW_POWER features) --- */

long VfioPciDevice::runtime_pm_entry(EventfdPtr wake)
{
	std::unique_lock guard(memory_lock_);
	/* The revoke comes first, even when the entry then fails (§4.5). */
	revoke_mmio_locked();
	if (pm_runtime_engaged_.load())
		return -EINVAL;
	pm_runtime_engaged_ = true;
	pm_wake_ = std::move(wake);
	return 0;
}

void VfioPciDevice::runtime_pm_exit()
{
	std::unique_lock guard(memory_lock_);
	if (pm_runtime_engaged_.load()) {
		pm_runtime_engaged_ = false;
		pm_wake_.reset();
	}
	unrevoke_mmio_locked();
}

void VfioPciDevice::runtime_resume()
{
	/* A device that is not runtime-suspended needs no resume, and the
	 * kernel takes no lock for it: ioctls must not serialise on
	 * memory_lock (v4's MEMATTR is lock-free, §4.8). With runtime PM
	 * forbidden an engaged device never suspended, so nothing resumes
	 * and the wake eventfd stays quiet. */
	if (!pm_runtime_engaged_.load() || !runtime_pm_allowed_.load())
		return;
	std::unique_lock guard(memory_lock_);
	if (!pm_runtime_engaged_.load() || !pm_wake_ || !runtime_pm_allowed_.load())
		return;
	pm_wake_->signal();
	pm_runtime_engaged_ = false;
	pm_wake_.reset();
	unrevoke_mmio_locked();
}

/* Forbidding resumes a suspended device first (pm_runtime_forbid), which
 * signals the wake eventfd as any resume does. */
void VfioPciDevice::set_runtime_pm_allowed(bool allowed)
{
	if (!allowed)
		runtime_resume();
	runtime_pm_allowed_ = allowed;
}

/* Lock-free: sysfs asks with the kernel's device table locked. */
bool VfioPciDevice::runtime_suspended()
{
	return pm_runtime_engaged_.load() && runtime_pm_allowed_.load();
}

bool VfioPciDevice::pm_runtime_engaged()
{
	std::shared_lock guard(memory_lock_);
	return pm_runtime_engaged_;
}

/* No profile's kernel aligns vfio mappings for huge pages (Peter Xu's
 * proposal was not merged), so the address is wherever mmap puts it. */
mm::MapOptions VfioPciDevice::map_options(unsigned) const
{
	return {};
}

/* --- dmabuf::Exporter --- */

std::string VfioPciDevice::exporter_name() const
{
	return vfio_name() + ":" + setup_.bdf;
}

bool VfioPciDevice::get_registration()
{
	std::lock_guard guard(registration_lock_);
	if (unregistering_)
		return false;
	registrations_++;
	return true;
}

void VfioPciDevice::put_registration()
{
	std::lock_guard guard(registration_lock_);
	if (registrations_ && --registrations_ == 0)
		registration_cv_.notify_all();
}

void VfioPciDevice::unregister()
{
	std::unique_lock guard(registration_lock_);
	unregistering_ = true;
	registration_cv_.wait(guard, [this] { return registrations_ == 0; });
}

Result<dmabuf::HostLocation> VfioPciDevice::host_location(uint64_t paddr, uint64_t len)
{
	for (unsigned i = 0; i < 6; i++) {
		const pci::Bar &bar = function_->bar(i);
		if (!bar.is_memory() || !bar.size)
			continue;
		if (paddr >= bar.address && paddr - bar.address <= bar.size &&
		    len <= bar.size - (paddr - bar.address))
			return dmabuf::HostLocation{function_->memory_fd(),
						    pci::region_offset(i) + (paddr - bar.address), pci::region_offset(i),
						    bar.size};
	}
	return err(EINVAL);
}

/* The memory BAR holding bus address `paddr`, or -1. */
int VfioPciDevice::bar_at(uint64_t paddr) const
{
	for (unsigned i = 0; i < 6; i++) {
		const pci::Bar &bar = function_->bar(i);
		if (bar.is_memory() && bar.size && paddr >= bar.address && paddr - bar.address < bar.size)
			return static_cast<int>(i);
	}
	return -1;
}

bool VfioPciDevice::registers_at(uint64_t paddr)
{
	const int i = bar_at(paddr);
	return i >= 0 && function_->bar_has_registers(static_cast<unsigned>(i));
}

std::string VfioPciDevice::register_model_at(uint64_t paddr)
{
	const int i = bar_at(paddr);
	if (i < 0 || !function_->bar_has_registers(static_cast<unsigned>(i)))
		return {};
	return pci::mirror_model(function_->description().bars[static_cast<unsigned>(i)], static_cast<unsigned>(i));
}

/* A CPU access through a mapping reaches the device as a bus transaction
 * of its width, as a pread/pwrite of the region does, but with the CPU's
 * outcome when memory is not decoded: SIGBUS (EFAULT here), not EIO. */
Result<uint64_t> VfioPciDevice::register_access_locked(uint64_t paddr, unsigned width, uint64_t value, bool write)
{
	const int i = bar_at(paddr);
	if (i < 0 || !function_->bar_has_registers(static_cast<unsigned>(i)) || !mmio_accessible_locked())
		return err(EFAULT);
	const uint64_t offset = paddr - function_->bar(static_cast<unsigned>(i)).address;
	register_accesses_.fetch_add(1, std::memory_order_relaxed);
	uint64_t data = write ? value : 0;
	auto r = write ? function_->bar_write(static_cast<unsigned>(i), offset, &data, width)
		       : function_->bar_read(static_cast<unsigned>(i), offset, &data, width);
	if (!r)
		return err(EFAULT);
	return write ? 0 : data;
}

} /* namespace softvfio::vfio */
