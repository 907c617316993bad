/* SPDX-License-Identifier: MIT */
/*
 * The kernel's fault arithmetic for vfio-pci VMAs, as pure functions:
 *
 *  - base_pfn: the pre-series vfio_pci_mmap_huge_fault (docs/semantics.md
 *    §4.4 "Base"), PFN from the BAR start and the in-BAR page offset;
 *  - find_pfn: the series (v4) lookup over a DMABUF's ranges (§4.4
 *    pseudo-code), including its 40-bit mask and its -EAGAIN/-EFAULT rules.
 *
 * Neither touches memory or takes a lock; the Mappable implementations call
 * them from their fault() and add the status and memory_lock checks.
 */
#pragma once

#include <cstdint>
#include <span>

#include "mm/types.h"

namespace softvfio::mm {

/* VFIO_PCI_OFFSET_SHIFT: region index bits start at file offset bit 40. */
constexpr unsigned kVfioOffsetShift = 40;

/* A PFN lookup in the kernel's convention: error 0 with `pfn` (of the block
 * base), -EAGAIN (VM_FAULT_FALLBACK: retry at a smaller order) or -EFAULT
 * (VM_FAULT_SIGBUS). */
struct PfnLookup {
	int error = 0;
	uint64_t pfn = 0;
	bool operator==(const PfnLookup &) const = default;
};

constexpr uint64_t block_size(unsigned order) { return kPageSize << order; }

/* The in-BAR page offset of a device-fd VMA: vm_pgoff without the index. */
constexpr uint64_t vfio_in_bar_pgoff(uint64_t vm_pgoff)
{
	return vm_pgoff & ((1ull << (kVfioOffsetShift - kPageShift)) - 1);
}

/* Pre-series: pfn = (bar_start >> PAGE_SHIFT) + in_bar_pgoff + block offset
 * in the VMA. Order > 0 falls back (-EAGAIN) when the block leaves the VMA or
 * the pfn is not aligned to 2^order; order 0 always succeeds. */
PfnLookup base_pfn(uint64_t bar_start, uint64_t in_bar_pgoff, const VmaGeometry &vma,
		   uintptr_t addr, unsigned order);

/* Series v4 find_pfn over `ranges` (the buffer's concatenated ranges) with
 * the buffer's vma_pgoff_adjust. Order-0 failures issue the kernel's
 * ratelimited warnings (counted by log::warning_count()). */
PfnLookup find_pfn(std::span<const PhysRange> ranges, uint64_t vma_pgoff_adjust,
		   const VmaGeometry &vma, uintptr_t addr, unsigned order);

/* The vm_fault_t a lookup turns into: 0 → Inserted, -EAGAIN → Fallback,
 * anything else → SigBus. */
FaultResult to_fault_result(int error);

/* Whether vfio_pci_vmf_insert_pfn can insert at `order` (0, PMD or PUD of
 * the architecture); other orders fall back. */
bool insertable_order(unsigned order, const HugeOrders &orders);

} /* namespace softvfio::mm */
