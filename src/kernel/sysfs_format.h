/* SPDX-License-Identifier: MIT */
/*
 * The text formats of the sysfs attributes programs read
 * (docs/semantics-client.md §2.1, §2.2), byte for byte as the kernel prints
 * them.
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pci/pci_function.h"

namespace softvfio::sysfs {

/* "0x%0<width>x\n", lowercase (vendor, device, class, revision...). */
std::string hex_attr(uint32_t value, int width);

/* One line of `resource`: start, end (inclusive) and flags, each
 * "0x%016llx"; an unused resource is three zeros. */
std::string resource_line(uint64_t start, uint64_t end, uint64_t flags);
/* One line of an IOMMU group's reserved_regions: "0x%016llx 0x%016llx
 * <type>" (end inclusive). */
std::string reserved_region_line(uint64_t start, uint64_t end, const char *type);
/* The IORESOURCE_* flags Linux gives a BAR, with the BAR register's low
 * bits (64-bit prefetchable memory: 0x14220c). */
uint64_t bar_flags(const pci::Bar &bar);
/* An expansion ROM: memory, prefetchable, read-only, size-aligned, and
 * IORESOURCE_ROM_ENABLE while decoding is on. */
uint64_t rom_flags(bool enabled);

/* "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X" (no newline). */
std::string modalias(uint16_t vendor, uint16_t device, uint16_t subvendor, uint16_t subdevice, uint32_t class_code);
/* The device's uevent: DRIVER= when bound, then the PCI_* lines. */
std::string pci_uevent(const std::string &driver, uint32_t class_code, uint16_t vendor, uint16_t device,
		       uint16_t subvendor, uint16_t subdevice, const std::string &bdf);

/* cpumask_print: "%*pb" over `nbits` bits (comma-separated 32-bit
 * chunks), and "%*pbl" (ranges). Both end with a newline. */
std::string cpu_mask(const std::vector<unsigned> &cpus, unsigned nbits);
std::string cpu_list(const std::vector<unsigned> &cpus);
/* A CPU list as the kernel prints it ("0-3,6"), parsed. */
std::vector<unsigned> parse_cpu_list(const std::string &text);

} /* namespace softvfio::sysfs */
