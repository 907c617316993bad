/* SPDX-License-Identifier: MIT */
/*
 * PciFunction: the software PCI function, i.e. the hardware.
 *
 * It knows nothing of VFIO. It holds the function's own ("physical")
 * configuration space with the behaviour of real hardware (BAR sizing, the
 * command register, PM_CTRL power states, MSI/MSI-X capability registers,
 * PCIe DEVCTL with FLR), its BAR memory, register models for register BARs,
 * and what the Linux PCI core does around it (save/restore state, power
 * transitions, function and bus resets). vfio/ builds its virtualised view on
 * top, exactly as vfio-pci does on a real pci_dev.
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

#include <cstdint>
#include <functional>
#include <memory>
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
 * user's eventfds. Called from whatever thread caused the interrupt. */
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

class PciFunction
{
public:
	/* Build the function; BAR addresses of 0 in the description are
	 * assigned from `bus_address_base` upwards, naturally aligned. Fails
	 * only on resource exhaustion (ENOMEM, EMFILE). */
	static Result<std::unique_ptr<PciFunction>> create(const DeviceDescription &desc,
							    uint64_t bus_address_base);
	virtual ~PciFunction();

	const DeviceDescription &description() const;

	/* --- configuration space (the hardware's own registers) --- */
	uint32_t config_size() const;                 /* 256, or 4096 for PCIe */
	/* width 1, 2 or 4, naturally aligned, within config_size() */
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
	 * EIO-free by design: the caller checks decode state. */
	Result<void> bar_read(unsigned index, uint64_t offset, void *dst, size_t len);
	Result<void> bar_write(unsigned index, uint64_t offset, const void *src, size_t len);

	/* --- expansion ROM --- */
	std::span<const uint8_t> rom() const;        /* empty when there is none */

	/* --- power and reset (what the Linux PCI core does) --- */
	PowerState power_state();
	/* pci_set_power_state(): D0 <-> D3hot; leaving D3hot without
	 * NoSoftRst resets internal state, and the core restores the saved
	 * config state. */
	Result<void> set_power_state(PowerState state);
	bool has_flr() const;
	bool has_pm_reset() const;                   /* PM cap with NoSoftRst- */
	bool has_bus_reset() const;
	/* pci_reset_function(): save config, FLR (else PM reset, else bus
	 * reset), restore config. ENOTTY when no method exists. */
	Result<void> reset_function();
	/* Secondary bus reset of this function (hot reset), with save/restore. */
	Result<void> reset_bus();
	/* pci_save_state()/pci_restore_state() for the vfio layer's open/close. */
	void save_state();
	void restore_state();

	/* --- connections to the vfio layer --- */
	void set_interrupt_sink(InterruptSink *sink);
	void set_dma_port(DmaPort *port);

private:
	struct Impl;
	explicit PciFunction(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

} /* namespace softvfio::pci */
