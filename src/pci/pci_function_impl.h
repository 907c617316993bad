/* SPDX-License-Identifier: MIT */
/*
 * PciFunction::Impl: the state behind a PciFunction, shared by the files
 * that implement it:
 *   pci_function.cc   construction, config and BAR accesses
 *   interrupts.cc     INTx, MSI and MSI-X delivery
 *   power_reset.cc    power states, resets, save/restore (the PCI core)
 *
 * Locking: every public entry point takes `mu` through a Locked guard and
 * calls the members below, which assume it is held. Register models are
 * called with `mu` held too, but a plugin model lets it go while it waits
 * for its device host (plugin/call_gate.h, ModelGate): meanwhile
 * `model_busy` is set, and everything that calls a model (a BAR access, a
 * deferred step, a reset, a power change) first waits in
 * wait_model_idle() for the call in flight to end (or to time out), so a
 * hung plugin holds up only what must be ordered after its call, never a
 * config read, the sysfs view or another function. Interrupts raised while
 * the lock is held are queued and delivered to the InterruptSink by the
 * guard after it unlocks, so a sink may call back into the function (as
 * vfio-pci's INTx handler reads STATUS and sets INTX_DISABLE). DmaPort calls
 * are made with the lock held: a DmaPort must not call into the same
 * function.
 */
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "pci/config_layout.h"
#include "pci/config_space.h"
#include "pci/pci_function.h"
#include "pci/bar_mirror.h"
#include "pci/device_thread.h"
#include "pci/register_model.h"
#include "pci/regs.h"

namespace softvfio::pci {

struct PciFunction::Impl {
	explicit Impl(const DeviceDescription &d);
	~Impl();

	class Locked;
	class BarContext;

	/* --- construction (pci_function.cc) --- */
	Result<void> init(uint64_t bus_address_base);

	/* --- config space (pci_function.cc) --- */
	uint32_t config_read(uint32_t offset, unsigned width) const;
	void config_write(uint32_t offset, unsigned width, uint32_t value);
	void after_msi_write(uint32_t offset, unsigned width, uint16_t old_flags);
	void after_msix_write(uint32_t offset, unsigned width, uint16_t old_flags);
	void after_pm_ctrl_write(uint16_t old_ctrl);
	uint16_t command() const { return cfg.word(regs::kCommand); }
	bool bus_master() const;

	/* --- BAR memory (pci_function.cc) --- */
	Result<void> mem_read(uint64_t file_offset, void *dst, size_t len) const;
	Result<void> mem_write(uint64_t file_offset, const void *src, size_t len) const;
	void model_access(unsigned index, uint64_t offset, size_t len, void *dst,
			  const void *src);
	Result<void> ram_write(unsigned index, uint64_t offset, const void *src, size_t len);
	/* 0 or -errno (DeviceContext's: EPERM, ENODEV, the IOMMU's). */
	int dma_read(uint64_t address, void *dst, size_t len);
	int dma_write(uint64_t address, const void *src, size_t len);

	/* --- a register BAR's mirror (bar_mirror.cc) --- */
	Result<void> mirror_write(unsigned index, uint64_t offset, const void *src, size_t len);

	/* --- register models' contexts and deferred steps (bar_context.cc) --- */
	class ModelGate;
	std::unique_ptr<DeviceContext> make_bar_context(unsigned index);
	std::unique_ptr<plugin::CallGate> make_model_gate();
	/* `mu` held: wait (unlocked) until no model call is in flight. */
	void wait_model_idle();
	void run_deferred(unsigned index, uint64_t cookie, uint64_t generation);
	void notify_power_state(PowerState state);

	/* --- interrupts (interrupts.cc) --- */
	void queue_irq(IrqKind kind, unsigned vector);
	bool msi_enabled() const;
	bool msix_enabled() const;
	void msi_notify(unsigned vector);
	void msi_deliver_pending();
	void msix_notify(unsigned vector);
	void msix_deliver_pending();
	void msix_init_table();
	void set_intx(bool asserted);
	void update_intx();
	uint64_t msix_table_offset(unsigned vector) const;
	uint64_t msix_pba_offset() const;
	bool msix_entry_masked(unsigned vector) const;
	void msix_program_vector(unsigned vector, bool requested);

	/* --- power and reset (power_reset.cc) --- */
	PowerState power_state() const;
	Result<void> set_power_state(PowerState state);
	void function_reset();
	void restore_bars();
	void save_and_disable();
	void save_state();
	void restore_state();
	void restore_saved(const PciSavedState &state);
	Result<void> pm_reset();

	DeviceDescription desc;
	std::mutex mu;
	std::condition_variable idle;   /* signalled when no delivery is in flight */

	ConfigSpace cfg;
	CapOffsets caps;
	std::vector<CapabilityInfo> cap_list;

	std::array<Bar, 6> bars{};
	Bar rom_bar;
	std::vector<uint8_t> rom;
	UniqueFD mem;
	std::array<MirrorWindow, 6> mirror_windows;
	std::array<std::unique_ptr<DeviceContext>, 6> hosts;
	/* One per register BAR. The models of BARs served by one plugin
	 * instance (ABI 1.2) forward to it, and only the first of them passes
	 * on reset() and power_state_changed(), so calling every model at a
	 * function event stays right (plugin/plugin_model.h). */
	std::array<std::unique_ptr<DeviceModel>, 6> models;
	std::unique_ptr<plugin::CallGate> model_gate;
	bool model_busy = false;   /* a model call waits for its host, `mu` let go */
	std::condition_variable_any model_idle;
	/* Declared after the models: destroyed (joined) before them. */
	DeviceThread device_thread{[this](unsigned index, uint64_t cookie, uint64_t generation) {
		run_deferred(index, cookie, generation);
	}};

	bool intx_level = false;   /* what the function drives on its pin */
	bool intx_line = false;    /* ... as seen past INTX_DISABLE */

	InterruptSink *sink = nullptr;
	DmaPort *dma = nullptr;
	std::vector<std::pair<IrqKind, unsigned>> deferred;
	unsigned delivering = 0;

	std::optional<PciSavedState> saved;
};

/* Holds the function's lock; delivers queued interrupts after unlocking. */
class PciFunction::Impl::Locked
{
public:
	explicit Locked(Impl &impl) : impl_(impl), lock_(impl.mu) {}
	~Locked();
	Locked(const Locked &) = delete;
	Locked &operator=(const Locked &) = delete;

private:
	Impl &impl_;
	std::unique_lock<std::mutex> lock_;
};

} /* namespace softvfio::pci */
