/* SPDX-License-Identifier: MIT */
/*
 * Building a function's configuration space from its description: the
 * power-on header, BAR type bits and sizing masks, the expansion ROM BAR and
 * the capability list.
 *
 * Capabilities are laid out deterministically from 0x40, in the order PM,
 * MSI, PCI Express, MSI-X, each at the next dword after the previous one.
 * So a device with only MSI (QEMU's edu) has it at 0x40, as QEMU places it.
 * The one extended capability is SR-IOV (pci/sriov.h), at 0x100, for a
 * physical function with [sriov]; otherwise a PCIe function's header at
 * 0x100 reads 0, which Linux takes as "no extended capabilities".
 */
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <softvfio/device_description.h>

#include "pci/config_space.h"
#include "pci/pci_function.h"

namespace softvfio::pci {

/* Offsets of the capabilities the function models; 0 when absent. */
struct CapOffsets {
	uint16_t pm = 0;
	uint16_t msi = 0;
	uint16_t express = 0;
	uint16_t msix = 0;
};

struct ConfigLayout {
	CapOffsets caps;
	std::vector<CapabilityInfo> list;   /* in chain order */
};

/* Fill `cfg` with the power-on state and its masks. */
ConfigLayout build_config_space(const DeviceDescription &desc, ConfigSpace &cfg);

/* Write the BAR and ROM BAR registers with the given addresses (the ROM
 * stays disabled): what firmware and pci_restore_bars() leave there. BARs
 * take the write as the bus gives it, so a VF's read-only zero BAR
 * registers stay zero. */
void write_bar_registers(ConfigSpace &cfg, const std::array<Bar, 6> &bars, const Bar &rom);

/* MSI register offsets within the capability, which depend on its flags. */
struct MsiLayout {
	uint16_t data;
	uint16_t mask;      /* 0 without per-vector masking */
	uint16_t pending;   /* 0 without per-vector masking */
	uint16_t length;
};
MsiLayout msi_layout(bool address64, bool per_vector_mask);

} /* namespace softvfio::pci */
