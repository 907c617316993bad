/* SPDX-License-Identifier: MIT */
/*
 * What the Linux PCI core does around the hardware: power state changes
 * through PM_CTRL (pci_set_power_state), function and bus resets
 * (pci_reset_function, pci_reset_bus), and config save/restore
 * (pci_save_state, pci_restore_state). Plus the hardware's own reset.
 *
 * What a reset does to contents (function_reset):
 *  - config space returns to its power-on values: BARs unprogrammed,
 *    COMMAND 0, MSI and MSI-X disabled, DEVCTL defaults, D0;
 *  - MSI pending bits and the INTx level clear; the MSI-X table returns to
 *    all-masked zeros and the PBA to zero;
 *  - register models return to their power-on state;
 *  - RAM BARs keep their bytes (like ivshmem's host memory), unless the
 *    description sets clear_on_reset, which zeroes them.
 */
#include "pci/pci_function_impl.h"

#include <cerrno>
#include <fcntl.h>

#include "pci/regs.h"
#include "pci/sriov.h"

namespace softvfio::pci {

using namespace regs;

PowerState PciFunction::Impl::power_state() const
{
	if (!caps.pm)
		return PowerState::D0;
	return static_cast<PowerState>(cfg.word(caps.pm + kPmCtrl) & kPmCtrlStateMask);
}

void PciFunction::Impl::function_reset()
{
	/* A model call in flight ends (or times out) before the reset: the
	 * model never sees an access from before it afterwards. */
	wait_model_idle();
	cfg.reset_to_defaults();
	intx_level = false;
	intx_line = false;
	msix_init_table();
	/* Steps the models scheduled before the reset are forgotten with
	 * the state they were for. */
	device_thread.cancel_all();
	for (auto &model : models)
		if (model)
			model->reset();
	for (unsigned i = 0; i < 6; ++i) {
		const BarDescription &bar = desc.bars[i];
		if (bar.kind == BarKind::None || bar.contents != BarContents::Ram ||
		    !bar.clear_on_reset)
			continue;
		/* Punching a hole zeroes the bytes (also in every mapping of
		 * the memfd) and gives the memory back. */
		(void)::fallocate(mem.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  static_cast<off_t>(region_offset(i)),
				  static_cast<off_t>(bar.size));
	}
}

/* pci_restore_bars(): the resources the core assigned, written back. */
void PciFunction::Impl::restore_bars()
{
	write_bar_registers(cfg, bars, rom_bar);
}

Result<void> PciFunction::Impl::set_power_state(PowerState state)
{
	/* No platform (ACPI) power control: D3cold is reached natively as
	 * D3hot and the platform step fails silently. */
	if (state == PowerState::D3cold)
		state = PowerState::D3hot;
	const PowerState current = power_state();
	if (state == current)
		return {};
	if (state == PowerState::D0) {
		if (!caps.pm)
			return {};
		const bool soft_reset = current == PowerState::D3hot && !desc.pm->no_soft_reset;
		/* pci_power_up() writes the whole word as 0: D0, PME_En off,
		 * PME_Status untouched (writing 0 to a RW1C bit keeps it). */
		config_write(caps.pm + kPmCtrl, 2, 0);
		if (soft_reset)
			restore_bars();
		return {};
	}
	if (!caps.pm)
		return err(EIO);
	if (current != PowerState::D0 && current > state)
		return err(EINVAL);
	if ((state == PowerState::D1 && !desc.pm->d1) || (state == PowerState::D2 && !desc.pm->d2))
		return err(EIO);
	uint16_t ctrl = cfg.word(caps.pm + kPmCtrl);
	ctrl = static_cast<uint16_t>((ctrl & ~kPmCtrlStateMask) | static_cast<uint16_t>(state));
	config_write(caps.pm + kPmCtrl, 2, ctrl);
	return {};
}

/* --- save / restore --- */

void PciFunction::Impl::save_state()
{
	PciSavedState state;
	state.config.assign(cfg.bytes().begin(), cfg.bytes().begin() + cfg.size());
	if (desc.msix) {
		state.msix_table.resize(size_t(desc.msix->vectors) * kMsixEntrySize);
		(void)mem_read(msix_table_offset(0), state.msix_table.data(),
			       state.msix_table.size());
	}
	saved = std::move(state);
}

void PciFunction::Impl::restore_state()
{
	if (!saved)
		return;
	const PciSavedState state = std::move(*saved);
	saved.reset();
	restore_saved(state);
}

namespace {

uint32_t saved_dword(const PciSavedState &s, uint32_t offset)
{
	return uint32_t(s.config[offset]) | uint32_t(s.config[offset + 1]) << 8 |
	       uint32_t(s.config[offset + 2]) << 16 | uint32_t(s.config[offset + 3]) << 24;
}

uint16_t saved_word(const PciSavedState &s, uint32_t offset)
{
	return static_cast<uint16_t>(s.config[offset] | s.config[offset + 1] << 8);
}

} /* namespace */

/* In pci_restore_state()'s order: PCIe control registers, the header
 * (dwords 15..0, each only when it differs), then MSI and MSI-X if they
 * were enabled. All through the hardware's write semantics. */
void PciFunction::Impl::restore_saved(const PciSavedState &s)
{
	if (s.config.size() < cfg.size())
		return;
	if (caps.express) {
		for (uint16_t reg : {kExpDevCtl, kExpLnkCtl, kExpDevCtl2, kExpLnkCtl2})
			config_write(caps.express + reg, 2,
				     saved_word(s, caps.express + reg) & ~kExpDevCtlBcrFlr);
	}
	for (int i = 15; i >= 0; --i) {
		const uint32_t offset = static_cast<uint32_t>(i) * 4;
		if (cfg.dword(offset) != saved_dword(s, offset))
			config_write(offset, 4, saved_dword(s, offset));
	}
	if (caps.msi && (saved_word(s, caps.msi + kMsiFlags) & kMsiFlagsEnable)) {
		const uint16_t at = caps.msi;
		const MsiLayout l = msi_layout(desc.msi->address64, desc.msi->per_vector_mask);
		config_write(at + kMsiAddressLo, 4, saved_dword(s, at + kMsiAddressLo));
		if (desc.msi->address64)
			config_write(at + kMsiAddressHi, 4, saved_dword(s, at + kMsiAddressHi));
		config_write(at + l.data, 2, saved_word(s, at + l.data));
		if (l.mask)
			config_write(at + l.mask, 4, saved_dword(s, at + l.mask));
		config_write(at + kMsiFlags, 2, saved_word(s, at + kMsiFlags));
	}
	if (caps.msix && (saved_word(s, caps.msix + kMsixFlags) & kMsixFlagsEnable)) {
		const uint16_t flags = caps.msix + kMsixFlags;
		config_write(flags, 2, kMsixFlagsEnable | kMsixFlagsMaskAll);
		if (s.msix_table.size() == size_t(desc.msix->vectors) * kMsixEntrySize)
			(void)mem_write(msix_table_offset(0), s.msix_table.data(),
					s.msix_table.size());
		config_write(flags, 2, saved_word(s, flags));
	}
	/* pci_restore_iov_state(), last: unless VFs are still enabled, the
	 * VF BARs, System Page Size, NumVFs, then the control register. */
	for (const CapabilityInfo &cap : cap_list) {
		if (!cap.extended || cap.id != kExtCapIdSriov ||
		    (cfg.word(cap.offset + sriov_regs::kCtrl) & sriov_regs::kCtrlVfEnable))
			continue;
		for (uint16_t reg = sriov_regs::kBar0; reg < sriov_regs::kBar0 + 24; reg += 4)
			config_write(cap.offset + reg, 4, saved_dword(s, cap.offset + reg));
		config_write(cap.offset + sriov_regs::kSysPgsize, 4, saved_dword(s, cap.offset + sriov_regs::kSysPgsize));
		config_write(cap.offset + sriov_regs::kNumVf, 2, saved_word(s, cap.offset + sriov_regs::kNumVf));
		config_write(cap.offset + sriov_regs::kCtrl, 2, saved_word(s, cap.offset + sriov_regs::kCtrl));
	}
}

/* pci_dev_save_and_disable(): wake, save, and stop the function decoding
 * and mastering (INTx disabled too) while it resets. */
void PciFunction::Impl::save_and_disable()
{
	(void)set_power_state(PowerState::D0);
	save_state();
	config_write(kCommand, 2, kCommandIntxDisable);
}

/* pci_pm_reset(): D0 -> D3hot -> D0; the function resets on the way up
 * because it has NoSoftRst-. */
Result<void> PciFunction::Impl::pm_reset()
{
	if (power_state() != PowerState::D0)
		return err(EINVAL);
	const uint16_t reg = caps.pm + kPmCtrl;
	uint16_t ctrl = cfg.word(reg) & ~kPmCtrlStateMask;
	config_write(reg, 2, static_cast<uint16_t>(ctrl | static_cast<uint16_t>(PowerState::D3hot)));
	ctrl = cfg.word(reg) & ~kPmCtrlStateMask;
	config_write(reg, 2, ctrl);
	return {};
}

/* --- public entry points --- */

PowerState PciFunction::power_state()
{
	Impl::Locked lock(*impl_);
	return impl_->power_state();
}

Result<void> PciFunction::set_power_state(PowerState state)
{
	Impl::Locked lock(*impl_);
	return impl_->set_power_state(state);
}

bool PciFunction::has_flr() const
{
	return impl_->desc.express && impl_->desc.express->flr;
}

bool PciFunction::has_pm_reset() const
{
	return impl_->desc.pm && !impl_->desc.pm->no_soft_reset;
}

bool PciFunction::has_bus_reset() const
{
	return impl_->desc.bus_reset;
}

Result<void> PciFunction::reset_function()
{
	if (!has_flr() && !has_pm_reset() && !has_bus_reset())
		return err(ENOTTY);
	Impl::Locked lock(*impl_);
	impl_->save_and_disable();
	Result<void> result;
	if (has_flr()) {
		const uint16_t devctl = impl_->caps.express + regs::kExpDevCtl;
		impl_->config_write(devctl, 2, impl_->cfg.word(devctl) | regs::kExpDevCtlBcrFlr);
	} else if (has_pm_reset()) {
		result = impl_->pm_reset();
	} else {
		impl_->function_reset();
	}
	impl_->restore_state();
	return result;
}

Result<void> PciFunction::reset_bus()
{
	if (!has_bus_reset())
		return err(ENOTTY);
	Impl::Locked lock(*impl_);
	impl_->save_and_disable();
	impl_->function_reset();
	impl_->restore_state();
	return {};
}

void PciFunction::save_state()
{
	Impl::Locked lock(*impl_);
	impl_->save_state();
}

void PciFunction::restore_state()
{
	Impl::Locked lock(*impl_);
	impl_->restore_state();
}

std::optional<PciSavedState> PciFunction::store_saved_state()
{
	Impl::Locked lock(*impl_);
	return impl_->saved;
}

void PciFunction::load_saved_state(std::optional<PciSavedState> state)
{
	Impl::Locked lock(*impl_);
	impl_->saved = std::move(state);
}

} /* namespace softvfio::pci */

namespace softvfio::pci {

void PciFunction::power_on_reset()
{
	Impl::Locked lock(*impl_);
	Impl &f = *impl_;
	f.function_reset();
	for (unsigned i = 0; i < 6; ++i) {
		const BarDescription &bar = f.desc.bars[i];
		if (bar.kind == BarKind::None || bar.contents != BarContents::Ram)
			continue;
		(void)::fallocate(f.mem.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  static_cast<off_t>(region_offset(i)), static_cast<off_t>(bar.size));
	}
	/* What Impl::init() leaves after building the config space. */
	write_bar_registers(f.cfg, f.bars, f.rom_bar);
	f.cfg.set_word(regs::kCommand, f.desc.command);
	f.cfg.set_byte(regs::kInterruptLine, f.desc.interrupt_line);
	f.saved.reset();
	f.deferred.clear();
}

} /* namespace softvfio::pci */
