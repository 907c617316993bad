/* SPDX-License-Identifier: MIT */
#include "mm/placement.h"

#include <cerrno>
#include <sys/mman.h>

#include "mm/fault_model.h"

namespace softvfio::mm {

namespace {

Result<uintptr_t> map_reservation(int fd, uintptr_t addr, uint64_t length, int extra)
{
	void *p = ::mmap(reinterpret_cast<void *>(addr), length, PROT_NONE, MAP_SHARED | extra, fd, 0);
	if (p == MAP_FAILED)
		return err(errno);
	return reinterpret_cast<uintptr_t>(p);
}

/* Kernels before 4.17 take MAP_FIXED_NOREPLACE as a mere hint. */
Result<uintptr_t> reserve_noreplace(int fd, uintptr_t addr, uint64_t length)
{
	auto r = map_reservation(fd, addr, length, MAP_FIXED_NOREPLACE);
	if (r && *r != addr) {
		::munmap(reinterpret_cast<void *>(*r), length);
		return err(EEXIST);
	}
	return r;
}

/* Padded reservation, then give back what lies outside the aligned window.
 * 0 when the padded request does not fit: the caller retries unaligned. */
uintptr_t reserve_aligned(int fd, uint64_t length, uint64_t align_offset, uint64_t size)
{
	auto res = map_reservation(fd, 0, length + size, 0);
	if (!res)
		return 0;
	const uintptr_t start = aligned_start(*res, align_offset, size);
	if (start > *res)
		::munmap(reinterpret_cast<void *>(*res), start - *res);
	const uintptr_t pad_end = *res + length + size;
	if (start + length < pad_end)
		::munmap(reinterpret_cast<void *>(start + length), pad_end - (start + length));
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

Result<uintptr_t> reserve_range(int empty_fd, const PlacementRequest &req, const HugeOrders &orders)
{
	if (req.flags & MAP_FIXED_NOREPLACE)
		return reserve_noreplace(empty_fd, req.hint, req.length);
	if (req.flags & MAP_FIXED)
		return map_reservation(empty_fd, req.hint, req.length, MAP_FIXED);
	if (req.align_for_huge && req.hint == 0) {
		if (uint64_t size = huge_alignment(req.length, req.align_offset, orders))
			if (uintptr_t start = reserve_aligned(empty_fd, req.length, req.align_offset, size))
				return start;
	}
	return map_reservation(empty_fd, req.hint, req.length, 0);
}

} /* namespace softvfio::mm */
