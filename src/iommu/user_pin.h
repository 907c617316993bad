/* SPDX-License-Identifier: MIT */
/*
 * Pinning the caller's memory for DMA, as pin_user_pages(FOLL_LONGTERM)
 * decides it: the answer the kernel gives when MAP_DMA or IOAS_MAP pins the
 * range. The model does not pin (the process keeps using the same pages;
 * DMA copies through the address at transfer time), it only checks.
 */
#pragma once

#include <cstdint>

#include <softvfio/base/result.h>

namespace softvfio::mm {
class Mm;
}

namespace softvfio::vfio {

enum class PinMode {
	/* type1: a VM_PFNMAP range (an mmapped BAR) is followed to its PFNs,
	 * so emulated mappings are accepted while they do not fault. */
	FollowPfnmap,
	/* iommufd: pin_user_pages() alone, which refuses VM_PFNMAP/VM_IO. */
	PagesOnly,
};

/* EFAULT when a byte of [addr, addr + len) is unmapped, not readable (for
 * read) or not writable (for write), or in an emulated mapping `mode`
 * refuses or that would fault now (a revoked BAR). */
Result<void> pin_user_range(mm::Mm &mm, uint64_t addr, uint64_t len, bool write, PinMode mode);

} /* namespace softvfio::vfio */
