/* SPDX-License-Identifier: MIT */
/*
 * The fault path of the model (Mm::touch) and introspection.
 *
 * touch walks like __handle_mm_fault: a PUD fault is tried only while the
 * pud is none, otherwise (or on fallback) a PMD table exists from then on;
 * a PMD fault only while the pmd is none, otherwise a PTE table exists and
 * the order-0 fault runs. Mappable::fault() runs with no AddressSpace lock
 * (it takes the object's resv and memory_lock); the entry is recorded
 * afterwards under the AddressSpace lock unless a zap bumped the VMA's
 * generation in between, in which case the walk restarts and sees the VMA
 * revoked, as a real access would refault after the zap.
 */
#include <algorithm>
#include <cstring>
#include <sys/mman.h>

#include "base/register_pieces.h"
#include "base/tracked_mutex.h"
#include "mm/fault_model.h"
#include "mm/mm.h"
#include "mm/vma.h"

namespace softvfio::mm {

namespace {

constexpr int kMaxFaultRetries = 16;

FaultOutcome sigbus() { return {FaultResult::SigBus, 0, 0}; }

FaultOutcome existing(const PageTableEntry &e) { return {FaultResult::Inserted, e.pfn, e.order}; }

} /* namespace */

std::optional<FaultOutcome> Mm::record(Vma &v, uint64_t generation, uintptr_t addr, unsigned order, uint64_t pfn)
{
	const uintptr_t base = addr & ~(block_size(order) - 1);
	std::lock_guard guard(v.as->i_mmap());
	if (v.generation != generation || !v.live)
		return std::nullopt;
	if (auto e = v.leaves.covering(addr))
		return existing(*e);   /* a concurrent touch got there first */
	/* A concurrent smaller insertion may have created a table meanwhile. */
	if (v.leaves.intersects(base, base + block_size(order)) ||
	    (order && order == orders_.pud && tables_.has_pmd_table(addr)) ||
	    (order && order == orders_.pmd && tables_.has_pte_table(addr)))
		return std::nullopt;
	const PageTableEntry entry{base, order, pfn, v.attr};
	v.leaves.insert(entry);
	tables_.note_leaf(entry);
	return FaultOutcome{FaultResult::Inserted, pfn, order};
}

std::optional<FaultOutcome> Mm::fault_walk(Vma &v, uintptr_t addr, uint64_t generation)
{
	const VmaGeometry g = v.geometry();
	for (unsigned order : {orders_.pud, orders_.pmd}) {
		if (!order)
			continue;
		const bool none = order == orders_.pud ? !tables_.has_pmd_table(addr) : !tables_.has_pte_table(addr);
		if (none) {
			const FaultOutcome o = v.mappable->fault(g, addr, order);
			if (o.result == FaultResult::SigBus)
				return sigbus();
			if (o.result == FaultResult::Inserted)
				return record(v, generation, addr, order, o.pfn);
		}
		/* Fallback: pmd_alloc / pte_alloc of the walk. */
		if (order == orders_.pud)
			tables_.alloc_pmd_table(addr);
		else
			tables_.alloc_pte_table(addr);
	}
	tables_.alloc_pte_table(addr);
	const FaultOutcome o = v.mappable->fault(g, addr, 0);
	if (o.result != FaultResult::Inserted)
		return sigbus();
	return record(v, generation, addr, 0, o.pfn);
}

FaultOutcome Mm::touch_locked(uintptr_t addr)
{
	Vma *v = find_locked(addr);
	if (!v)
		return sigbus();
	for (int attempt = 0; attempt < kMaxFaultRetries; attempt++) {
		uint64_t generation;
		{
			std::lock_guard guard(v->as->i_mmap());
			if (!v->live)
				return sigbus();
			if (auto e = v->leaves.covering(addr))
				return existing(*e);
			generation = v->generation;
		}
		if (auto outcome = fault_walk(*v, addr, generation))
			return *outcome;
	}
	/* Revoked and restored under our feet every time: the access would
	 * still be retrying; report it as failed. */
	return sigbus();
}

FaultOutcome Mm::touch(uintptr_t addr)
{
	std::shared_lock lock(mmap_lock_);
	return touch_locked(addr);
}

Result<uint64_t> Mm::register_access(uintptr_t addr, unsigned width, uint64_t value, bool write)
{
	return register_access_as(addr, width, value, write, false);
}

/* `as_user`: a system call's copy makes the access, so the VMA's
 * protection is checked here (a trapped instruction's was checked by the
 * process's trap, which knows the program's protection). */
Result<uint64_t> Mm::register_access_as(uintptr_t addr, unsigned width, uint64_t value, bool write, bool as_user)
{
	if (width != 1 && width != 2 && width != 4 && width != 8)
		return err(EINVAL);
	std::shared_lock lock(mmap_lock_);
	Vma *v = find_locked(addr);
	if (!v || !v->registers || addr + width > v->end)
		return err(EFAULT);
	if (as_user && (!(v->prot & PROT_READ) || (write && !(v->prot & PROT_WRITE))))
		return err(EFAULT);
	{
		/* The VMA's own state first, as the CPU would find the page
		 * table entry gone; the object checks its state again under
		 * its own locks. */
		std::lock_guard guard(v->as->i_mmap());
		if (!v->live)
			return err(EFAULT);
	}
	return v->mappable->register_access(v->geometry(), addr, width, value, write);
}

Result<void> Mm::register_copy(uintptr_t addr, void *buf, size_t n, bool store)
{
	/* A register access takes mmap_lock, the buffer's resv and the
	 * device's memory_lock (and what is ordered after them): a copy made
	 * under one of those (an ioctl handler's, under memory_lock, say)
	 * would deadlock or invert the order. It fails as a copy the fault
	 * handler refuses, before any access is made (docs/trap.md). */
	if (tracked_locks_held())
		return err(EFAULT);
	auto *bytes = static_cast<unsigned char *>(buf);
	while (n) {
		const unsigned width = register_piece_width(addr, n);
		/* Little-endian, as the CPU's access of these bytes would be. */
		uint64_t value = 0;
		if (store)
			std::memcpy(&value, bytes, width);
		auto r = register_access_as(addr, width, value, store, true);
		if (!r)
			return err(r.error());
		if (!store) {
			const uint64_t got = *r;
			std::memcpy(bytes, &got, width);
		}
		addr += width;
		bytes += width;
		n -= width;
	}
	return {};
}

Result<void> Mm::copy_through_registers(uintptr_t user, unsigned char *local, size_t n, bool store,
				       const PlainCopy &plain)
{
	for (;;) {
		const size_t done = plain(local, user, n);
		local += done;
		user += done;
		n -= done;
		if (!n)
			return {};
		const size_t piece = std::min<size_t>(n, kPageSize - (user & (kPageSize - 1)));
		SVFIO_TRY(register_copy(user, local, piece, store));
		local += piece;
		user += piece;
		n -= piece;
		if (!n)
			return {};
	}
}

/* Touch every page the real page tables hold that the model lacks. */
void Mm::sync_vma_locked(Vma &v)
{
	std::vector<PageTableEntry> known;
	{
		std::lock_guard guard(v.as->i_mmap());
		if (!v.live)
			return;
		known = v.leaves.list();
	}
	auto present = host_->present_pages(v.start, v.end);
	if (!present)
		return;
	auto next_known = known.begin();
	for (uintptr_t addr = v.start; addr < v.end;) {
		while (next_known != known.end() && next_known->addr + block_size(next_known->order) <= addr)
			++next_known;
		if (next_known != known.end() && next_known->addr <= addr) {
			addr = next_known->addr + block_size(next_known->order);
			continue;
		}
		if (!(*present)[(addr - v.start) / kPageSize]) {
			addr += kPageSize;
			continue;
		}
		const FaultOutcome o = touch_locked(addr);
		if (o.result != FaultResult::Inserted)
			return;   /* revoked meanwhile */
		addr = std::max(addr + kPageSize, (addr & ~(block_size(o.order) - 1)) + block_size(o.order));
	}
}

VmaSnapshot Mm::snapshot_of(Vma &v)
{
	VmaSnapshot s{v.start, v.end, v.pgoff, v.prot, v.attr, false, v.pieces, {},
		      v.mappable->maps_name(), v.file->kind(), v.file.get(), v.as};
	std::lock_guard guard(v.as->i_mmap());
	s.live = v.live;
	s.entries = v.leaves.list();
	return s;
}

std::vector<VmaSnapshot> Mm::snapshot(bool sync_page_tables)
{
	std::shared_lock lock(mmap_lock_);
	if (sync_page_tables)
		for (auto &[start, v] : vmas_)
			sync_vma_locked(*v);
	std::vector<VmaSnapshot> out;
	out.reserve(vmas_.size());
	for (auto &[start, v] : vmas_)
		out.push_back(snapshot_of(*v));
	return out;
}

std::optional<VmaSnapshot> Mm::find(uintptr_t addr)
{
	std::shared_lock lock(mmap_lock_);
	if (Vma *v = find_locked(addr))
		return snapshot_of(*v);
	return std::nullopt;
}

} /* namespace softvfio::mm */
