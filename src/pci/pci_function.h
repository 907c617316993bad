/* SPDX-License-Identifier: MIT */
/*
 * PciFunction: the software PCI function, i.e. the hardware.
 *
 * It knows nothing of VFIO. It holds the function's own ("physical")
 * configuration space with the behaviour of real hardware (BAR sizing, the
 * command register, PM_CTRL power states, MSI/MSI-X capability registers,
 * PCIe DEVCTL with FLR), its BAR memory, register models for register BARs,
 * and what the Linux PCI core does around it (save/restore state, power
 * transitions, function and bus resets). vfio/pci/ builds its virtualised view
 * on top, exactly as vfio-pci does on a real pci_dev.
 *
 * BAR memory is real: one sparse memfd per function holds BAR i at file
 * offset i << 40, so mapping that memfd at a VFIO region offset makes the
 * offset column of /proc/self/maps equal the region offset, and a 1 GiB BAR
 * costs only the pages touched.
 *
 * Thread safety: config accesses, BAR accesses and resets may come from any
 * thread; the function serialises them internally (the vfio layer's
 * memory_lock is a separate, higher-level lock).
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <softvfio/base/result.h>
#include <softvfio/base/unique_fd.h>
#include <softvfio/device_description.h>

namespace softvfio::pci {

/* File offset of BAR/region i in the function's memory memfd. */
constexpr unsigned kRegionShift = 40;
constexpr uint64_t region_offset(unsigned index) { return uint64_t(index) << kRegionShift; }

enum class PowerState : uint8_t { D0 = 0, D1 = 1, D2 = 2, D3hot = 3, D3cold = 4 };

struct Bar {
	BarKind kind = BarKind::None;
	bool prefetchable = false;
	uint64_t size = 0;
	uint64_t address = 0;      /* bus ("physical") address */
	bool mmap_capable = false; /* memory BAR whose contents may be mapped */
	bool is_memory() const { return kind == BarKind::Mem32 || kind == BarKind::Mem64; }
};

/* A capability in the function's config space. */
struct CapabilityInfo {
	uint16_t id;        /* PCI_CAP_ID_* or PCI_EXT_CAP_ID_* */
	uint16_t offset;
	uint16_t length;    /* bytes the capability structure occupies */
	bool extended;      /* in extended config space (>= 0x100) */
};

enum class IrqKind : uint8_t { Intx, Msi, Msix };

/* Where the function's interrupts go: the vfio layer, which signals the
 * user's eventfds. Called from whatever thread caused the interrupt, never
 * with the function's lock held.
 *  - Msi/Msix: one call per message the function sends (needs bus
 *    mastering; masked vectors stay pending and are sent on unmask).
 *  - Intx: INTx is a level; raise(Intx, 0) is called each time the line
 *    becomes asserted, i.e. the pin is driven and COMMAND.INTX_DISABLE is
 *    clear. STATUS.INTERRUPT shows the pin's level regardless, so a
 *    handler can mask with INTX_DISABLE and gets another call when it
 *    unmasks while the pin is still driven. */
class InterruptSink
{
public:
	virtual ~InterruptSink() = default;
	virtual void raise(IrqKind kind, unsigned vector) = 0;
};

/* The function's view of memory for bus-master DMA: bus addresses (IOVAs)
 * translated by the IOMMU. Without one attached, DMA fails. */
class DmaPort
{
public:
	virtual ~DmaPort() = default;
	virtual Result<void> dma_read(uint64_t iova, void *dst, size_t len) = 0;
	virtual Result<void> dma_write(uint64_t iova, const void *src, size_t len) = 0;
};

/* What pci_save_state() captured: the config space and, for MSI-X, the
 * vector table (which Linux restores from its own MSI descriptors; the
 * table's last contents stand in for them). Opaque to callers. */
struct PciSavedState {
	std::vector<uint8_t> config;
	std::vector<uint8_t> msix_table;
};

class PciFunction
{
public:
	/* Build the function; BAR addresses of 0 in the description are
	 * assigned from `bus_address_base` upwards, naturally aligned (I/O
	 * BARs from port 0xc000; 32-bit BARs and the ROM must end below
	 * 4 GiB, and come from 0x80000000 up when `bus_address_base` is not
	 * below 4 GiB). Fails on resource exhaustion (ENOMEM when the BARs do not
	 * fit, EMFILE), and with EINVAL for a description that does not pass
	 * validate_device_description(). The config space starts as firmware
	 * left it: BARs programmed, COMMAND = description.command. */
	static Result<std::unique_ptr<PciFunction>> create(const DeviceDescription &desc,
							    uint64_t bus_address_base);
	virtual ~PciFunction();

	const DeviceDescription &description() const;

	/* --- configuration space (the hardware's own registers) --- */
	uint32_t config_size() const;                 /* 256, or 4096 for PCIe */
	/* width 1, 2 or 4, naturally aligned, within config_size(); any
	 * other access reads all ones and writes nothing, as an access the
	 * bus does not complete. Writes have hardware side effects: PM_CTRL
	 * changes the power state (D3hot -> D0 with NoSoftRst- resets the
	 * function), DEVCTL.BCR_FLR performs an FLR, MSI/MSI-X unmasking
	 * delivers pending messages. */
	uint32_t config_read(uint32_t offset, unsigned width);
	void config_write(uint32_t offset, unsigned width, uint32_t value);
	std::vector<CapabilityInfo> capabilities() const;
	/* Offset of a standard (or extended) capability, 0 when absent. */
	uint16_t find_capability(uint8_t id) const;
	uint16_t find_ext_capability(uint16_t id) const;

	/* --- BARs --- */
	const Bar &bar(unsigned index) const;        /* index 0..5 */
	/* The memfd holding every BAR at region_offset(i). */
	int memory_fd() const;
	/* Whether memory decoding is on: COMMAND.MEMORY set and power D0. */
	bool memory_decode_enabled();
	/* Access BAR contents as a bus transaction (RAM or register model);
	 * EIO-free by design: the caller checks decode state. EINVAL for an
	 * unused BAR or a range outside it. A register model sees one access
	 * when len is 1, 2, 4 or 8 and naturally aligned; other lengths are
	 * split into naturally aligned accesses of at most 4 bytes, as
	 * vfio-pci does. Writes to the MSI-X PBA are ignored (it is read
	 * only); writes to the MSI-X table are seen at once (unmasking an
	 * entry delivers its pending message). */
	/* Whether BAR `index` is registers (a register model), not memory. */
	bool bar_has_registers(unsigned index) const;
	Result<void> bar_read(unsigned index, uint64_t offset, void *dst, size_t len);
	Result<void> bar_write(unsigned index, uint64_t offset, const void *src, size_t len);

	/* --- expansion ROM --- */
	std::span<const uint8_t> rom() const;        /* empty when there is none */
	/* The ROM BAR: kind Mem32, size and bus address; kind None without one. */
	const Bar &rom_bar() const;

	/* --- power and reset (what the Linux PCI core does) --- */
	PowerState power_state();
	/* pci_set_power_state(): D0 <-> D3hot (D1/D2 when supported; D3cold
	 * has no platform support and ends in D3hot, as on a machine without
	 * ACPI power resources). Without a PM capability only D0 succeeds
	 * (EIO otherwise); going to a shallower low-power state is EINVAL;
	 * unsupported D1/D2 is EIO. Leaving D3hot with NoSoftRst- resets the
	 * function and the core then restores its BARs (pci_restore_bars());
	 * the rest of the config state is restored by whoever saved it
	 * (vfio-pci does save_state() before D3hot, restore_state() after). */
	Result<void> set_power_state(PowerState state);
	bool has_flr() const;
	bool has_pm_reset() const;                   /* PM cap with NoSoftRst- */
	bool has_bus_reset() const;
	/* pci_reset_function(): wake to D0, save config, disable (COMMAND =
	 * INTX_DISABLE), reset with the first method available (PCIe FLR,
	 * else PM reset if NoSoftRst-, else secondary bus reset if
	 * bus_reset), restore config. ENOTTY when no method exists (QEMU's
	 * ivshmem and edu: hence no VFIO_DEVICE_FLAGS_RESET). Like Linux, it
	 * overwrites and then consumes the saved state. */
	Result<void> reset_function();
	/* Secondary bus reset of this function (hot reset), with the same
	 * save/disable/restore; ENOTTY without bus_reset. */
	Result<void> reset_bus();
	/* pci_save_state()/pci_restore_state() for the vfio layer's open/close.
	 * restore_state() does nothing without a saved state and consumes it,
	 * as in Linux. */
	void save_state();
	void restore_state();
	/* pci_store_saved_state(): a copy of the saved state (nullopt when
	 * none); pci_load_saved_state(): make `state` the saved state, or
	 * forget it with nullopt. */
	std::optional<PciSavedState> store_saved_state();
	void load_saved_state(std::optional<PciSavedState> state);
	/* Back to the state create() left: a function reset, every RAM BAR
	 * zeroed (clear_on_reset or not), BARs and COMMAND as firmware left
	 * them, no saved state. For Kernel::reset_for_reuse() (tests reuse a
	 * device between cases); no driver path does this. */
	void power_on_reset();

	/* --- the function's own activity: what a device without a register
	 * model that raises interrupts (nic) does, for drivers' tests --- */
	/* Send interrupt `vector` as the function would: MSI-X when enabled,
	 * else MSI when enabled, else assert INTx (the vector is ignored). */
	void signal_interrupt(unsigned vector);
	/* Drive the INTx pin; no effect without an interrupt pin. */
	void set_intx(bool asserted);

	/* --- the register models' deferred steps (DeviceContext::schedule()) --- */
	/* Wait until the device thread has nothing to do within `timeout`: no
	 * step running and none due before the timeout ends (one due later, a
	 * model's far-off timer, is not waited for). True once so, at once
	 * when nothing is scheduled; false at the timeout, as for a model that
	 * keeps rescheduling itself. What lets a test see a step's work done
	 * without polling a register with sleeps. Takes no lock of the
	 * function: never call it from a model, a DmaPort or an InterruptSink
	 * called with the lock held, since a step needs that lock to run. */
	bool wait_device_idle(std::chrono::nanoseconds timeout);

	/* --- the host's MSI-X interrupt controller --- */
	/* What the kernel's irq chip does to MSI-X table entry `vector` when
	 * a driver requests its interrupt (`requested`: write a message, to
	 * the local APIC's address with the vector number as data, and
	 * unmask, which sends a message pending on the entry) or frees it
	 * (mask). Vectors beyond the table are ignored. */
	void msix_program_vector(unsigned vector, bool requested);

	/* --- connections to the vfio layer --- */
	/* Interrupts are delivered after the function's lock is dropped, so a
	 * sink may call back into the function. Replacing the sink waits for
	 * deliveries in flight on other threads; do not call it from raise(). */
	void set_interrupt_sink(InterruptSink *sink);
	/* DMA needs COMMAND.MASTER and a port; without either it does not
	 * happen. The port is called with the function's lock held: it must
	 * not call back into this function. */
	void set_dma_port(DmaPort *port);

private:
	struct Impl;
	explicit PciFunction(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

} /* namespace softvfio::pci */
