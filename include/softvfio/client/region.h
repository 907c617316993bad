/* SPDX-License-Identifier: MIT */
/*
 * client::Region: VFIO_DEVICE_GET_REGION_INFO with its capability chain
 * decoded (the argsz growth protocol is handled: the library asks again
 * with the size the kernel wants).
 */
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <softvfio/client/uapi_values.h>

namespace softvfio::client {

/* vfio-pci's fixed region indexes (docs/semantics.md §2.3). */
inline constexpr unsigned kBar0 = 0;
inline constexpr unsigned kNumBars = 6;
inline constexpr unsigned kRomRegion = 6;
inline constexpr unsigned kConfigRegion = 7;
inline constexpr unsigned kVgaRegion = 8;

struct SparseArea {
	uint64_t offset = 0;    /* within the region */
	uint64_t size = 0;
};

struct Region {
	unsigned index = 0;
	uint32_t flags = 0;     /* VFIO_REGION_INFO_FLAG_* (kRegionFlag*) */
	uint64_t size = 0;
	uint64_t offset = 0;    /* device-fd offset of the region's byte 0 */

	bool readable() const { return (flags & kRegionFlagRead) != 0; }
	bool writable() const { return (flags & kRegionFlagWrite) != 0; }
	bool mappable() const { return (flags & kRegionFlagMmap) != 0; }

	/* VFIO_REGION_INFO_CAP_SPARSE_MMAP: only these parts may be mapped
	 * (empty: no such capability). */
	std::vector<SparseArea> sparse_areas;
	/* VFIO_REGION_INFO_CAP_MSIX_MAPPABLE: the BAR holds the MSI-X table
	 * and may still be mapped whole. */
	bool msix_mappable = false;
	/* VFIO_REGION_INFO_CAP_TYPE, for device-specific regions (>= 9). */
	std::optional<std::pair<uint32_t, uint32_t>> type;
};

} /* namespace softvfio::client */
