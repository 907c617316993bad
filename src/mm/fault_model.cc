/* SPDX-License-Identifier: MIT */
#include "mm/fault_model.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>

#include "base/log.h"

namespace softvfio::mm {

namespace {

constexpr uint64_t kVfioOffsetMask = (1ull << kVfioOffsetShift) - 1;

bool pfn_aligned(uint64_t pfn, unsigned order) { return (pfn & ((1ull << order) - 1)) == 0; }

/* The kernel prints these with a ratelimit; the model counts every one. */
void warn_outside_vma(uintptr_t addr, const VmaGeometry &vma)
{
	char text[160];
	std::snprintf(text, sizeof(text),
		      "vfio-pci dmabuf: fault address 0x%" PRIxPTR " outside VMA [0x%" PRIxPTR ", 0x%" PRIxPTR ")",
		      addr, vma.start, vma.end);
	log::message(log::Level::Warning, text);
}

void warn_no_range(uintptr_t addr, uint64_t offset)
{
	char text[160];
	std::snprintf(text, sizeof(text), "vfio-pci dmabuf: No range for addr 0x%" PRIxPTR " (offset 0x%" PRIx64 ")",
		      addr, offset);
	log::message(log::Level::Warning, text);
}

} /* namespace */

PfnLookup base_pfn(uint64_t bar_start, uint64_t in_bar_pgoff, const VmaGeometry &vma,
		   uintptr_t addr, unsigned order)
{
	const uint64_t size = block_size(order);
	const uint64_t base = addr & ~(size - 1);
	/* Unsigned wrap below vm_start is harmless: that case falls back. */
	const uint64_t pfn = (bar_start >> kPageShift) + in_bar_pgoff + (base - vma.start) / kPageSize;
	if (order > 0 && (base < vma.start || base + size > vma.end || !pfn_aligned(pfn, order)))
		return {-EAGAIN, pfn};
	return {0, pfn};
}

PfnLookup find_pfn(std::span<const PhysRange> ranges, uint64_t vma_pgoff_adjust,
		   const VmaGeometry &vma, uintptr_t addr, unsigned order)
{
	const uint64_t pagesize = block_size(order);
	/* The mask strips a BAR-mmap VMA's region index; for exported buffers it
	 * wraps offsets of 1 TiB and more, exactly as v4 does (spec §7 item 5). */
	const uint64_t vma_off = ((vma.pgoff - vma_pgoff_adjust) << kPageShift) & kVfioOffsetMask;
	const uint64_t block = addr & ~(pagesize - 1);
	const uint64_t block_end = block + pagesize;

	if (block < vma.start || block_end > vma.end) {
		if (order > 0)
			return {-EAGAIN, 0};
		warn_outside_vma(addr, vma);
		return {-EFAULT, 0};
	}

	uint64_t fault_offset, fault_end;
	if (__builtin_add_overflow(block - vma.start, vma_off, &fault_offset) ||
	    __builtin_add_overflow(fault_offset, pagesize, &fault_end))
		return {-EFAULT, 0};

	PfnLookup result{order == 0 ? -EFAULT : -EAGAIN, 0};
	uint64_t range_start = 0;
	for (const PhysRange &range : ranges) {
		if (fault_end <= range_start)
			break;
		if (range_start <= fault_offset && fault_end <= range_start + range.len) {
			const uint64_t pfn = (range.paddr + (fault_offset - range_start)) >> kPageShift;
			if (pfn_aligned(pfn, order))
				result = {0, pfn};
			/* The covering range was found: a misaligned pfn
			 * leaves the default (fall back, or SIGBUS at order 0). */
			break;
		}
		range_start += range.len;
	}
	if (order == 0 && result.error != 0)
		warn_no_range(addr, fault_offset);
	return result;
}

FaultResult to_fault_result(int error)
{
	if (error == 0)
		return FaultResult::Inserted;
	return error == -EAGAIN ? FaultResult::Fallback : FaultResult::SigBus;
}

bool insertable_order(unsigned order, const HugeOrders &orders)
{
	return order == 0 || (orders.pmd && order == orders.pmd) || (orders.pud && order == orders.pud);
}

} /* namespace softvfio::mm */
