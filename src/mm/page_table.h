/* SPDX-License-Identifier: MIT */
/*
 * The modelled page tables of one process.
 *
 * What the kernel would have in its page tables for emulated VMAs is not
 * visible from userspace, so mm keeps it as model state:
 *
 *  - leaves (PTE, PMD or PUD entries) live in their VMA (LeafMap), under the
 *    VMA's AddressSpace lock, because a zap clears them with only that lock;
 *  - which lower-level tables exist is per process (TableDirectory), under
 *    its own innermost mutex: a PMD table under a PUD slot, a PTE table
 *    under a PMD slot. Tables outlive zaps (unmap_mapping_range leaves page
 *    tables) and block huge insertion there: the kernel only tries a PUD
 *    (PMD) fault while the pud (pmd) is none.
 */
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <vector>

#include "mm/types.h"

namespace softvfio::mm {

/* A VMA's leaf entries by block base. */
class LeafMap
{
public:
	/* The entry whose block contains `addr`, if any. */
	std::optional<PageTableEntry> covering(uintptr_t addr) const;
	/* Whether any entry intersects [start, end). */
	bool intersects(uintptr_t start, uintptr_t end) const;
	void insert(const PageTableEntry &e) { entries_[e.addr] = e; }
	void clear() { entries_.clear(); }
	bool empty() const { return entries_.empty(); }
	size_t size() const { return entries_.size(); }

	/* Keep only entries wholly inside [start, end). Entries straddling a
	 * boundary go, as splitting a VMA splits (clears) a huge special pmd. */
	void clip(uintptr_t start, uintptr_t end);
	/* Move every entry by `delta` (mremap). Huge entries whose new base
	 * would be misaligned are dropped and refault later. */
	void shift(int64_t delta);
	/* Entries wholly inside [start, end) move to the returned map. */
	LeafMap take(uintptr_t start, uintptr_t end);

	std::vector<PageTableEntry> list() const;

private:
	std::map<uintptr_t, PageTableEntry> entries_;
};

/* Which PMD and PTE tables exist in the process. */
class TableDirectory
{
public:
	explicit TableDirectory(const HugeOrders &orders);

	/* A PMD table exists under the PUD slot of `addr` (pud not none). */
	bool has_pmd_table(uintptr_t addr);
	/* A PTE table exists under the PMD slot of `addr` (pmd not none). */
	bool has_pte_table(uintptr_t addr);
	/* pmd_alloc / pte_alloc of the fault walk. */
	void alloc_pmd_table(uintptr_t addr);
	void alloc_pte_table(uintptr_t addr);
	/* Tables an inserted leaf hangs from. */
	void note_leaf(const PageTableEntry &e);
	/* free_pgtables: drop the tables of [start, end) whose slot no
	 * remaining VMA intersects; `in_use(lo, hi)` answers that and must take
	 * no lock (it reads the VMA tree under the caller's mmap_lock). */
	template<typename InUse>
	void free_unused(uintptr_t start, uintptr_t end, InUse &&in_use);

	uint64_t pmd_slot_size() const { return 1ull << pmd_shift_; }
	uint64_t pud_slot_size() const { return 1ull << pud_shift_; }

private:
	template<typename InUse>
	void free_level(std::unordered_set<uint64_t> &set, unsigned shift, uintptr_t start, uintptr_t end,
			InUse &in_use);

	const unsigned pmd_shift_;
	const unsigned pud_shift_;
	std::mutex lock_;
	std::unordered_set<uint64_t> pmd_tables_;   /* by PUD slot index */
	std::unordered_set<uint64_t> pte_tables_;   /* by PMD slot index */
};

template<typename InUse>
void TableDirectory::free_unused(uintptr_t start, uintptr_t end, InUse &&in_use)
{
	std::lock_guard guard(lock_);
	free_level(pte_tables_, pmd_shift_, start, end, in_use);
	free_level(pmd_tables_, pud_shift_, start, end, in_use);
}

template<typename InUse>
void TableDirectory::free_level(std::unordered_set<uint64_t> &set, unsigned shift, uintptr_t start,
				uintptr_t end, InUse &in_use)
{
	/* Visit whichever is smaller: the slots of the range or the tables. */
	const uint64_t first = start >> shift, last = (end - 1) >> shift;
	std::vector<uint64_t> candidates;
	if (last - first < set.size()) {
		for (uint64_t slot = first; slot <= last; slot++)
			if (set.count(slot))
				candidates.push_back(slot);
	} else {
		for (uint64_t slot : set)
			if (slot >= first && slot <= last)
				candidates.push_back(slot);
	}
	for (uint64_t slot : candidates)
		if (!in_use(slot << shift, (slot + 1) << shift))
			set.erase(slot);
}

} /* namespace softvfio::mm */
