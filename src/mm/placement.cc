/* SPDX-License-Identifier: MIT */
#include "mm/placement.h"

#include <cerrno>
#include <sys/mman.h>

#include "mm/fault_model.h"

namespace softvfio::mm {

namespace {

/* Kernels before 4.17 take MAP_FIXED_NOREPLACE as a mere hint. */
Result<uintptr_t> reserve_noreplace(Reserver &r, uintptr_t addr, uint64_t length)
{
	auto res = r.map(addr, length, MAP_FIXED_NOREPLACE);
	if (res && *res != addr) {
		r.unmap(*res, length);
		return err(EEXIST);
	}
	return res;
}

/* Padded reservation, then give back what lies outside the aligned window.
 * 0 when the padded request does not fit: the caller retries unaligned. */
uintptr_t reserve_aligned(Reserver &r, uint64_t length, uint64_t align_offset, uint64_t size)
{
	auto res = r.map(0, length + size, 0);
	if (!res)
		return 0;
	const uintptr_t start = aligned_start(*res, align_offset, size);
	if (start > *res)
		r.unmap(*res, start - *res);
	const uintptr_t pad_end = *res + length + size;
	if (start + length < pad_end)
		r.unmap(start + length, pad_end - (start + length));
	return start;
}

} /* namespace */
uint64_t huge_alignment(uint64_t length, uint64_t align_offset, const HugeOrders &orders)
{
	uint64_t size = 0;
	if (orders.pud && length >= block_size(orders.pud))
		size = block_size(orders.pud);
	else if (orders.pmd && length >= block_size(orders.pmd))
		size = block_size(orders.pmd);
	if (!size)
		return 0;
	/* The file range must hold one whole aligned block. */
	const uint64_t off_end = align_offset + length;
	const uint64_t off_align = (align_offset + size - 1) & ~(size - 1);
	if (off_end <= off_align || off_end - off_align < size)
		return 0;
	if (length + size < length)
		return 0;
	return size;
}

uintptr_t aligned_start(uintptr_t reservation, uint64_t align_offset, uint64_t size)
{
	const uint64_t off_sub = (align_offset - reservation) & (size - 1);
	/* Top-down layout: keep the mapping at the top of the padding. */
	if (off_sub == 0)
		return reservation + size;
	return reservation + off_sub;
}

Result<uintptr_t> reserve_range(Reserver &reserver, const PlacementRequest &req, const HugeOrders &orders)
{
	if (req.flags & MAP_FIXED_NOREPLACE)
		return reserve_noreplace(reserver, req.hint, req.length);
	if (req.flags & MAP_FIXED)
		return reserver.map(req.hint, req.length, MAP_FIXED);
	if (req.align_for_huge && req.hint == 0) {
		if (uint64_t size = huge_alignment(req.length, req.align_offset, orders))
			if (uintptr_t start = reserve_aligned(reserver, req.length, req.align_offset, size))
				return start;
	}
	return reserver.map(req.hint, req.length, 0);
}

} /* namespace softvfio::mm */
