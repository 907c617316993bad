/* SPDX-License-Identifier: MIT */
/* Mm: VMA bookkeeping, map, unmap and protect. remap is in mm_remap.cc,
 * the fault model's touch and snapshot in mm_fault.cc. */
#include "mm/mm.h"

#include <algorithm>
#include <cerrno>
#include <sys/mman.h>

#include "base/fault_injection.h"
#include "mm/placement.h"
#include "mm/vma.h"

#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif

namespace softvfio::mm {

Mm::Mm(HugeOrders orders, std::unique_ptr<Host> host)
	: orders_(orders), host_(host ? std::move(host) : make_local_host()), tables_(orders)
{
}

Mm::~Mm()
{
	clear();
}

void Mm::clear()
{
	Dropped dropped;
	std::unique_lock lock(mmap_lock_);
	for (auto &[start, v] : vmas_) {
		std::lock_guard guard(v->as->i_mmap());
		host_->teardown(*v);
		v->as->unlink_locked(v.get());
		dropped.push_back(std::move(v->file));
	}
	vmas_.clear();
	free_tables_locked(0, UINTPTR_MAX);
	lock.unlock();
}

Vma *Mm::find_locked(uintptr_t addr)
{
	auto it = vmas_.upper_bound(addr);
	if (it == vmas_.begin())
		return nullptr;
	--it;
	return addr < it->second->end ? it->second.get() : nullptr;
}

Mm::VmaMap::iterator Mm::first_overlap(uintptr_t start, uintptr_t end)
{
	auto it = vmas_.upper_bound(start);
	if (it != vmas_.begin() && std::prev(it)->second->end > start)
		return std::prev(it);
	return (it != vmas_.end() && it->first < end) ? it : vmas_.end();
}

bool Mm::overlaps_locked(uintptr_t start, uintptr_t end)
{
	return start < end && first_overlap(start, end) != vmas_.end();
}

/* Split `v` (its AddressSpace lock held) so that [lo, hi) is a VMA of its
 * own; the outer pieces stay linked and mapped. */
Vma *Mm::isolate_locked(Vma *v, uintptr_t lo, uintptr_t hi)
{
	if (v->start < lo) {
		auto tail = split_vma(*v, lo, new_id());
		host_->split(*v, *tail);
		v->as->link_locked(tail.get());
		v = tail.get();
		vmas_.emplace(lo, std::move(tail));
	}
	if (v->end > hi) {
		auto tail = split_vma(*v, hi, new_id());
		host_->split(*v, *tail);
		v->as->link_locked(tail.get());
		vmas_.emplace(hi, std::move(tail));
	}
	return v;
}

/* Unlink and destroy `v` (its AddressSpace lock held); its File goes to
 * `dropped`, released by the caller after unlocking. */
void Mm::remove_locked(Vma *v, Dropped &dropped)
{
	v->as->unlink_locked(v);
	dropped.push_back(std::move(v->file));
	vmas_.erase(v->start);
}

void Mm::free_tables_locked(uintptr_t start, uintptr_t end)
{
	tables_.free_unused(start, end, [this](uintptr_t lo, uintptr_t hi) { return overlaps_locked(lo, hi); });
}

/* Take [start, end) away from every emulated VMA. The real memory there is
 * unmapped, or replaced by a reservation (Carve::Reserve, for MAP_FIXED),
 * under the VMA's AddressSpace lock. */
Result<void> Mm::carve_locked(uintptr_t start, uintptr_t end, Carve how, Dropped &dropped)
{
	bool carved = false;
	for (uintptr_t cursor = start; cursor < end;) {
		auto it = first_overlap(cursor, end);
		if (it == vmas_.end())
			break;
		Vma *v = it->second.get();
		const uintptr_t lo = std::max(cursor, v->start);
		const uintptr_t hi = std::min(end, v->end);
		std::lock_guard guard(v->as->i_mmap());
		Vma *m = isolate_locked(v, lo, hi);
		SVFIO_TRY(host_->remove(*m, how == Carve::Reserve));
		remove_locked(m, dropped);
		carved = true;
		cursor = hi;
	}
	if (carved)
		free_tables_locked(start, end);
	return {};
}

/* Lay the VMA's runs over its reservation, live or revoked as the Mappable
 * says at this instant, and link it, all under its AddressSpace lock: a
 * revoker either changes the state before (we install revoked) or zaps
 * after (it finds the VMA linked). */
Result<void> Mm::install_new_locked(std::unique_ptr<Vma> v, Dropped &dropped)
{
	std::lock_guard guard(v->as->i_mmap());
	v->live = v->mappable->accessible();
	if (auto r = host_->create(*v); !r) {
		host_->unreserve(v->start, v->length());
		dropped.push_back(std::move(v->file));
		return r;
	}
	v->as->link_locked(v.get());
	vmas_.emplace(v->start, std::move(v));
	return {};
}

Result<uintptr_t> Mm::map(std::shared_ptr<vfs::File> file, Mappable &mappable, const vfs::MmapArgs &args,
			  uint64_t vm_pgoff, MemAttr attr, const MapOptions &opts)
{
	if (args.length == 0)
		return err(EINVAL);
	const uint64_t len = page_align_up(args.length);
	if (len == 0 || len > kTaskSize)
		return err(ENOMEM);
	if ((args.flags & MAP_TYPE) != MAP_SHARED && (args.flags & MAP_TYPE) != MAP_SHARED_VALIDATE)
		return err(EINVAL);
	if (vm_pgoff + len / kPageSize < vm_pgoff)
		return err(EOVERFLOW);
	const bool fixed = args.flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	if (fixed && args.addr > kTaskSize - len)
		return err(ENOMEM);
	if (fixed && !page_aligned(args.addr))
		return err(EINVAL);

	/* An injected failure comes before MAP_FIXED takes anything away, as
	 * the kernel's mmap_region undoes its unmap when it fails early. */
	if (int e = fault_check(FaultPoint::MmReserve))
		return err(e);
	Dropped dropped;   /* destroyed after the lock below is released */
	std::unique_lock lock(mmap_lock_);
	if ((args.flags & MAP_FIXED) && !(args.flags & MAP_FIXED_NOREPLACE))
		SVFIO_TRY(carve_locked(args.addr, args.addr + len, Carve::Reserve, dropped));
	const PlacementRequest req{args.addr, len, args.flags, opts.align_offset.value_or(vm_pgoff << kPageShift),
				   opts.align_for_huge};
	auto addr = host_->reserve(req, orders_);
	if (!addr)
		return err(addr.error());

	auto v = std::make_unique<Vma>();
	v->start = *addr;
	v->end = *addr + len;
	v->pgoff = vm_pgoff;
	v->prot = args.prot;
	v->attr = attr;
	v->id = new_id();
	v->file = std::move(file);
	v->mappable = &mappable;
	v->as = &mappable.address_space();
	v->host = host_.get();
	auto pieces = mappable.backing(v->geometry());
	if (!pieces || !valid_pieces(*pieces, len)) {
		host_->unreserve(*addr, len);
		dropped.push_back(std::move(v->file));
		return err(pieces ? EINVAL : pieces.error());
	}
	v->pieces = std::move(*pieces);
	v->registers = mappable.registers(v->geometry());
	if (auto r = install_new_locked(std::move(v), dropped); !r)
		return err(r.error());
	return *addr;
}

Result<void> Mm::unmap(uintptr_t addr, uint64_t length)
{
	if (!page_aligned(addr) || addr > kTaskSize || length > kTaskSize - addr)
		return err(EINVAL);
	const uint64_t len = page_align_up(length);
	if (len == 0)
		return err(EINVAL);
	Dropped dropped;
	std::unique_lock lock(mmap_lock_);
	return carve_locked(addr, addr + len, Carve::Unmap, dropped);
}

Result<void> Mm::protect(uintptr_t addr, uint64_t length, int prot)
{
	if (!page_aligned(addr))
		return err(EINVAL);
	if (length == 0)
		return {};
	const uint64_t len = page_align_up(length);
	if (len == 0 || addr + len <= addr)
		return err(ENOMEM);
	/* Emulated VMAs never grow, and only these bits are valid on x86. */
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return err(EINVAL);
	const uintptr_t end = addr + len;

	std::unique_lock lock(mmap_lock_);
	for (auto it = first_overlap(addr, end); it != vmas_.end() && it->first < end; ++it)
		if ((prot & PROT_WRITE) && !it->second->file->writable())
			return err(EACCES);
	for (uintptr_t cursor = addr; cursor < end;) {
		auto it = first_overlap(cursor, end);
		if (it == vmas_.end())
			break;
		Vma *v = it->second.get();
		const uintptr_t lo = std::max(cursor, v->start);
		const uintptr_t hi = std::min(end, v->end);
		std::lock_guard guard(v->as->i_mmap());
		Vma *m = isolate_locked(v, lo, hi);
		const int old = m->prot;
		m->prot = prot;
		if (auto r = host_->protect(*m); !r) {
			m->prot = old;
			return r;
		}
		cursor = hi;
	}
	return {};
}

Result<void> Mm::advise(uintptr_t addr, uint64_t length, int advice)
{
	if (length == 0)
		return {};
	const uint64_t len = page_align_up(length);
	if (len == 0 || addr + len <= addr)
		return err(ENOMEM);
	const uintptr_t end = addr + len;
	std::unique_lock lock(mmap_lock_);
	for (uintptr_t cursor = addr; cursor < end;) {
		auto it = first_overlap(cursor, end);
		if (it == vmas_.end())
			break;
		Vma *v = it->second.get();
		const uintptr_t lo = std::max(cursor, v->start);
		const uintptr_t hi = std::min(end, v->end);
		std::lock_guard guard(v->as->i_mmap());
		Vma *m = v;
		if (advice == MADV_DONTFORK || advice == MADV_DOFORK) {
			/* A flag of the VMA: it splits at the range's edges. */
			m = isolate_locked(v, lo, hi);
			m->dontfork = advice == MADV_DONTFORK;
		}
		SVFIO_TRY(host_->advise(*m, lo, hi, advice));
		cursor = hi;
	}
	return {};
}

void Mm::fork_from(Mm &parent)
{
	std::shared_lock plock(parent.mmap_lock_);
	std::unique_lock lock(mmap_lock_);
	next_id_ = parent.next_id_;
	for (auto &[start, v] : parent.vmas_) {
		if (v->dontfork)
			continue;
		std::lock_guard guard(v->as->i_mmap());
		auto copy = copy_vma(*v, host_.get());
		copy->leaves.clear();
		v->as->link_locked(copy.get());
		vmas_.emplace(copy->start, std::move(copy));
	}
}

std::vector<Mm::VmaState> Mm::states()
{
	std::vector<VmaState> out;
	std::shared_lock lock(mmap_lock_);
	out.reserve(vmas_.size());
	for (auto &[start, v] : vmas_) {
		std::lock_guard guard(v->as->i_mmap());
		out.push_back({v->id, v->live, v->state_seq});
	}
	return out;
}

bool Mm::contains(uintptr_t addr, uint64_t len)
{
	if (len == 0)
		return false;
	const uintptr_t end = addr + len < addr ? UINTPTR_MAX : addr + len;
	std::shared_lock lock(mmap_lock_);
	return overlaps_locked(addr, end);
}

size_t Mm::vma_count()
{
	std::shared_lock lock(mmap_lock_);
	return vmas_.size();
}

} /* namespace softvfio::mm */
