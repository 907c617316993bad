/* SPDX-License-Identifier: MIT */
/*
 * ConfigBackend: what config virtualisation uses of the PCI function, i.e.
 * what vfio_pci_config.c uses of its pci_dev: the config accessors, the
 * config-space size, and the host's view of the BAR and ROM resources
 * (start, length, flags), which vfio uses to answer BAR sizing.
 *
 * The production backend (function_backend.h) sits on pci::PciFunction.
 * The seam exists so the virtualisation can be checked against config
 * spaces no device description can express (hidden capabilities, AER,
 * malformed chains) exactly as it is checked against the real function.
 */
#pragma once

#include <cerrno>
#include <cstdint>
#include <optional>

#include <softvfio/base/result.h>

namespace softvfio::vfio {

/* A BAR or ROM resource as the host PCI core assigned it. */
struct ResourceInfo {
	bool assigned = false;  /* pci_resource_start() != 0 */
	uint64_t len = 0;       /* power of two */
	bool io = false;
	bool prefetch = false;
	bool mem64 = false;
};

class ConfigBackend
{
public:
	virtual ~ConfigBackend() = default;

	/* pdev->cfg_size: 256, or 4096 for PCIe with extended config. */
	virtual uint32_t cfg_size() const = 0;
	/* Hardware config registers; width 1, 2 or 4, naturally aligned and
	 * within cfg_size() (the caller checks). */
	virtual uint32_t read(uint32_t offset, unsigned width) = 0;
	virtual void write(uint32_t offset, unsigned width, uint32_t value) = 0;

	/* Resource of BAR `index` (0..5) and of the expansion ROM. */
	virtual ResourceInfo bar(unsigned index) const = 0;
	virtual ResourceInfo rom() const = 0;

	/* A virtual function's IDs as the PCI core knows them (pdev->vendor,
	 * pdev->device: the PF's vendor, the VF device ID), which vfio puts in
	 * place of the all-ones its ID registers read; nullopt for any other
	 * function. */
	struct VirtfnIds {
		uint16_t vendor;
		uint16_t device;
	};
	virtual std::optional<VirtfnIds> virtfn_ids() const { return std::nullopt; }

	/* pci_read_vpd()/pci_write_vpd() of 4 bytes at `addr`. The model's
	 * functions have no VPD, so by default the transaction fails, which
	 * vfio answers by never flagging completion. */
	virtual Result<uint32_t> read_vpd(uint32_t addr)
	{
		(void)addr;
		return err(ENODEV);
	}
	virtual Result<void> write_vpd(uint32_t addr, uint32_t data)
	{
		(void)addr;
		(void)data;
		return err(ENODEV);
	}
};

} /* namespace softvfio::vfio */
