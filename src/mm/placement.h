/* SPDX-License-Identifier: MIT */
/*
 * Placement: choosing and reserving the address range of a new VMA.
 *
 * The range is reserved with a PROT_NONE shared mapping of an empty memfd,
 * so the kernel places it as it places a shared file mapping without a
 * get_unmapped_area hook (vfio-pci's case in every profile), honouring the
 * hint, MAP_FIXED and MAP_FIXED_NOREPLACE. The VMA's runs are then laid
 * over the reservation with MAP_FIXED.
 *
 * Optional huge alignment follows Peter Xu's proposal (not merged in any
 * profile): only for kernel-chosen addresses (no hint, no MAP_FIXED); the
 * block size is the largest huge size not above the length; like
 * __thp_get_unmapped_area it needs the file range to contain one whole
 * aligned block, pads the request by the block size, and on a top-down
 * layout takes the upper block when the padded start is already aligned.
 */
#pragma once

#include <cstdint>

#include <softvfio/base/result.h>

#include "mm/types.h"

namespace softvfio::mm {

struct PlacementRequest {
	uintptr_t hint;
	uint64_t length;          /* page-aligned */
	int flags;                /* mmap flags: MAP_FIXED, MAP_FIXED_NOREPLACE */
	uint64_t align_offset;    /* bytes; (addr - align_offset) % size == 0 */
	bool align_for_huge;
};

/* The alignment a request gets: 0 (none) or a PMD/PUD block size. */
uint64_t huge_alignment(uint64_t length, uint64_t align_offset, const HugeOrders &orders);

/* Where an aligned VMA starts inside a reservation padded by `size`. */
uintptr_t aligned_start(uintptr_t reservation, uint64_t align_offset, uint64_t size);

/* How a reservation is made: a PROT_NONE shared file mapping at `addr`
 * (0: where the kernel likes), with MAP_FIXED or MAP_FIXED_NOREPLACE in
 * `extra_flags` as asked. In process, a mapping of the empty memfd; in a
 * process the session kernel serves, the same made without an fd
 * (session/client). */
class Reserver
{
public:
	virtual ~Reserver() = default;
	virtual Result<uintptr_t> map(uintptr_t addr, uint64_t length, int extra_flags) = 0;
	virtual void unmap(uintptr_t addr, uint64_t length) = 0;
};

/* Reserve the range and return its start. */
Result<uintptr_t> reserve_range(Reserver &reserver, const PlacementRequest &req, const HugeOrders &orders);

} /* namespace softvfio::mm */
