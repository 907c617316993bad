/* SPDX-License-Identifier: MIT */
/*
 * Mm::remap: mremap(2) of an emulated VMA (VM_PFNMAP | VM_DONTEXPAND).
 *
 * The checks follow the kernel's order (6.16+ mremap, which validates before
 * unmapping anything; 6.12 unmapped the MREMAP_FIXED target first):
 * flags, old address, lengths, the new range, the VMA lookup, then the
 * VMA checks (DONTUNMAP on a PFNMAP VMA → EINVAL; the kept range crossing
 * the VMA end → EFAULT; growth: pgoff wrap → EINVAL, else EFAULT). An
 * old_len of 0 asks to duplicate a shared mapping, which is growth from 0,
 * hence EFAULT here. Only MREMAP_FIXED can move an emulated VMA, since a
 * move without it happens only when growing.
 */
#include <algorithm>
#include <cerrno>
#include <sys/mman.h>

#include "mm/mm.h"
#include "mm/vma.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

namespace softvfio::mm {

namespace {

Result<void> check_flags(uintptr_t old_addr, uint64_t old_len, uint64_t new_len, int flags)
{
	if (flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP))
		return err(EINVAL);
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return err(EINVAL);
	if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return err(EINVAL);
	if (!page_aligned(old_addr))
		return err(EINVAL);
	return {};
}

Result<void> check_new_range(uintptr_t old_addr, uint64_t old_len, uintptr_t new_addr, uint64_t new_len)
{
	if (!page_aligned(new_addr))
		return err(EINVAL);
	if (new_len > kTaskSize || new_addr > kTaskSize - new_len)
		return err(EINVAL);
	if (old_addr + old_len > new_addr && new_addr + new_len > old_addr)
		return err(EINVAL);
	return {};
}

} /* namespace */

Result<void> Mm::remap_checks_locked(const Vma &v, uintptr_t old_addr, uint64_t old_len, uint64_t new_len,
				     int flags)
{
	if (flags & MREMAP_DONTUNMAP)
		return err(EINVAL);
	/* A shrink may cross VMA boundaries: only the kept part must fit. */
	if (std::min(old_len, new_len) > v.end - old_addr)
		return err(EFAULT);
	if (new_len <= old_len)
		return {};
	const uint64_t pgoff = (old_addr - v.start) / kPageSize + v.pgoff;
	if (pgoff + new_len / kPageSize < pgoff)
		return err(EINVAL);
	return err(EFAULT);
}

/* Move [lo, lo + len) of `v` to `to` (already free of emulated VMAs): the
 * Host moves the real runs, the VMA keeps its vm_pgoff, state and leaves.
 * Under the VMA's AddressSpace lock. */
Result<void> Mm::move_locked(Vma *v, uintptr_t lo, uint64_t len, uintptr_t to)
{
	std::vector<PageTableEntry> moved;
	{
		std::lock_guard guard(v->as->i_mmap());
		Vma *m = isolate_locked(v, lo, lo + len);
		auto node = vmas_.extract(m->start);
		const uintptr_t from = m->start;
		const int64_t delta = static_cast<int64_t>(to - m->start);
		m->start = to;
		m->end = to + len;
		node.key() = to;
		vmas_.insert(std::move(node));
		auto tables_moved = host_->move(*m, from);
		if (!tables_moved)
			return err(tables_moved.error());
		/* Memory mapped afresh starts with empty page tables. */
		if (!*tables_moved)
			m->leaves.clear();
		m->leaves.shift(delta);
		moved = m->leaves.list();
	}
	for (const PageTableEntry &e : moved)
		tables_.note_leaf(e);
	free_tables_locked(lo, lo + len);
	return {};
}

Result<uintptr_t> Mm::remap(uintptr_t old_addr, uint64_t old_len_in, uint64_t new_len_in, int flags,
			    uintptr_t new_addr)
{
	SVFIO_TRY(check_flags(old_addr, old_len_in, new_len_in, flags));
	const uint64_t old_len = page_align_up(old_len_in);
	const uint64_t new_len = page_align_up(new_len_in);
	if (new_len == 0)
		return err(EINVAL);
	const bool move = flags & (MREMAP_FIXED | MREMAP_DONTUNMAP);
	if (move)
		SVFIO_TRY(check_new_range(old_addr, old_len, new_addr, new_len));

	Dropped dropped;
	std::unique_lock lock(mmap_lock_);
	Vma *v = find_locked(old_addr);
	if (!v)
		return err(EFAULT);
	if (move || new_len > old_len)
		SVFIO_TRY(remap_checks_locked(*v, old_addr, old_len, new_len, flags));
	if (old_len > new_len)
		SVFIO_TRY(carve_locked(old_addr + new_len, old_addr + old_len, Carve::Unmap, dropped));
	if (!move)
		return old_addr;
	SVFIO_TRY(carve_locked(new_addr, new_addr + new_len, Carve::Unmap, dropped));
	/* The source survives both carves: they lie outside it. */
	SVFIO_TRY(move_locked(find_locked(old_addr), old_addr, new_len, new_addr));
	return new_addr;
}

} /* namespace softvfio::mm */
