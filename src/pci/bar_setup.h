/* SPDX-License-Identifier: MIT */
/*
 * What firmware does for a function before any driver runs: give each BAR
 * (and the ROM) a bus address, and what the model needs around it: the size
 * of the BAR memfd, and the ROM image.
 */
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <softvfio/base/result.h>
#include <softvfio/device_description.h>

#include "pci/pci_function.h"

namespace softvfio::pci {

/* I/O BARs without an address are placed from this port upwards. */
constexpr uint64_t kIoAssignBase = 0xc000;
/* 32-bit BARs and the ROM, when `base` is not below 4 GiB: the 32-bit
 * MMIO hole firmware uses. */
constexpr uint64_t kMem32AssignBase = 0x8000'0000;

/* The BARs and ROM with bus addresses: explicit ones kept, the others
 * assigned naturally aligned from `base` (I/O from kIoAssignBase, 32-bit
 * memory from kMem32AssignBase when `base` is above 4 GiB), largest first,
 * around the explicit ones. ENOMEM when something does not fit. */
Result<void> assign_bus_addresses(const DeviceDescription &desc, uint64_t base,
				  std::array<Bar, 6> &bars, Bar &rom);

/* Bytes the memfd needs so every BAR's pages exist: the end of the last
 * BAR's window, rounded up to a page. */
uint64_t bar_memfd_size(const std::array<Bar, 6> &bars);

/* A minimal valid option ROM of `size` bytes: 0x55AA signature, a PCI data
 * structure naming the function, last-image flag, zero checksum. */
std::vector<uint8_t> build_rom_image(const DeviceDescription &desc);

} /* namespace softvfio::pci */
