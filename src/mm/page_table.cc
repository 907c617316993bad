/* SPDX-License-Identifier: MIT */
#include "mm/page_table.h"

#include "mm/fault_model.h"

namespace softvfio::mm {

std::optional<PageTableEntry> LeafMap::covering(uintptr_t addr) const
{
	auto it = entries_.upper_bound(addr);
	if (it == entries_.begin())
		return std::nullopt;
	--it;
	if (addr < it->first + block_size(it->second.order))
		return it->second;
	return std::nullopt;
}

bool LeafMap::intersects(uintptr_t start, uintptr_t end) const
{
	auto it = entries_.lower_bound(start);
	if (it != entries_.end() && it->first < end)
		return true;
	return covering(start).has_value();
}

void LeafMap::clip(uintptr_t start, uintptr_t end)
{
	for (auto it = entries_.begin(); it != entries_.end();) {
		const uintptr_t e_end = it->first + block_size(it->second.order);
		if (it->first < start || e_end > end)
			it = entries_.erase(it);
		else
			++it;
	}
}

void LeafMap::shift(int64_t delta)
{
	std::map<uintptr_t, PageTableEntry> moved;
	for (auto &[addr, e] : entries_) {
		const uintptr_t to = addr + static_cast<uintptr_t>(delta);
		if (to & (block_size(e.order) - 1))
			continue;
		PageTableEntry copy = e;
		copy.addr = to;
		moved.emplace(to, copy);
	}
	entries_ = std::move(moved);
}

LeafMap LeafMap::take(uintptr_t start, uintptr_t end)
{
	LeafMap out;
	auto it = entries_.lower_bound(start);
	while (it != entries_.end() && it->first < end) {
		if (it->first + block_size(it->second.order) <= end) {
			out.entries_.insert(*it);
			it = entries_.erase(it);
		} else {
			++it;
		}
	}
	return out;
}

std::vector<PageTableEntry> LeafMap::list() const
{
	std::vector<PageTableEntry> out;
	out.reserve(entries_.size());
	for (const auto &[addr, e] : entries_)
		out.push_back(e);
	return out;
}

/* The table levels are the architecture's even when huge insertion at a
 * level is disabled (order 0 in HugeOrders): x86-64 defaults then. */
TableDirectory::TableDirectory(const HugeOrders &orders)
	: pmd_shift_(kPageShift + (orders.pmd ? orders.pmd : 9)),
	  pud_shift_(kPageShift + (orders.pud ? orders.pud : 18))
{
}

bool TableDirectory::has_pmd_table(uintptr_t addr)
{
	std::lock_guard guard(lock_);
	return pmd_tables_.count(addr >> pud_shift_) != 0;
}

bool TableDirectory::has_pte_table(uintptr_t addr)
{
	std::lock_guard guard(lock_);
	return pte_tables_.count(addr >> pmd_shift_) != 0;
}

void TableDirectory::alloc_pmd_table(uintptr_t addr)
{
	std::lock_guard guard(lock_);
	pmd_tables_.insert(addr >> pud_shift_);
}

void TableDirectory::alloc_pte_table(uintptr_t addr)
{
	std::lock_guard guard(lock_);
	pmd_tables_.insert(addr >> pud_shift_);
	pte_tables_.insert(addr >> pmd_shift_);
}

void TableDirectory::note_leaf(const PageTableEntry &e)
{
	const uint64_t size = block_size(e.order);
	std::lock_guard guard(lock_);
	if (size < (1ull << pud_shift_))
		pmd_tables_.insert(e.addr >> pud_shift_);
	if (size < (1ull << pmd_shift_))
		pte_tables_.insert(e.addr >> pmd_shift_);
}

} /* namespace softvfio::mm */
