/* SPDX-License-Identifier: MIT */
/*
 * Kernel: the memory entry points (mmap, munmap, mremap, mprotect).
 * Emulated fds and mappings go through mm::Mm; the rest to the real calls.
 */
#include <softvfio/kernel.h>

#include <cerrno>
#include <sys/mman.h>

#include "kernel/kernel_impl.h"
#include "mm/mmap_checks.h"

namespace softvfio {

namespace {

long sys_result(long r) { return r < 0 ? -errno : r; }

/* The parts of [start, end) no emulated VMA covers. */
std::vector<std::pair<uintptr_t, uintptr_t>> gaps(const std::vector<mm::VmaSnapshot> &vmas, uintptr_t start,
						  uintptr_t end)
{
	std::vector<std::pair<uintptr_t, uintptr_t>> out;
	uintptr_t at = start;
	for (const auto &v : vmas) {
		if (v.end <= at || v.start >= end)
			continue;
		if (v.start > at)
			out.emplace_back(at, v.start);
		at = std::max(at, v.end);
	}
	if (at < end)
		out.emplace_back(at, end);
	return out;
}

} /* namespace */

long Kernel::mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	uintptr_t where = reinterpret_cast<uintptr_t>(addr);
	std::shared_ptr<vfs::File> file;
	if (!(flags & MAP_ANONYMOUS)) {
		auto found = impl_->file(fd);
		if (!found)
			return -found.error();
		file = *found;
	}
	if (!file) {
		/* A real mapping placed over emulated ones replaces them. */
		if ((flags & MAP_FIXED) && impl_->current().mm.contains(where, length))
			if (auto r = impl_->current().mm.unmap(where, length); !r)
				return -r.error();
		if (!impl_->in_process())
			return kForeign;
		void *p = ::mmap(addr, length, prot, flags, fd, offset);
		return p == MAP_FAILED ? -errno : reinterpret_cast<long>(p);
	}
	vfs::MmapArgs args{where, length, prot, flags, static_cast<uint64_t>(offset)};
	if (offset < 0)
		return -EINVAL;
	if (auto r = mm::generic_mmap_checks(*file, args); !r)
		return -r.error();
	return file->mmap(impl_->current().mm, args);
}

long Kernel::register_access(void *addr, unsigned width, bool write, uint64_t *value)
{
	auto r = impl_->current().mm.register_access(reinterpret_cast<uintptr_t>(addr), width, *value, write);
	if (!r)
		return -r.error();
	if (!write)
		*value = *r;
	return 0;
}

long Kernel::munmap(void *addr, size_t length)
{
	uintptr_t start = reinterpret_cast<uintptr_t>(addr);
	mm::Mm &mm = impl_->current().mm;
	const bool local = impl_->in_process();
	if (!mm.contains(start, length))
		return local ? sys_result(::munmap(addr, length)) : kForeign;
	/* Another process unmaps the rest of the range itself. */
	uint64_t len = mm::page_align_up(length);
	auto holes = local ? gaps(mm.snapshot(false), start, start + len) : decltype(gaps({}, 0, 0)){};
	if (auto r = mm.unmap(start, length); !r)
		return -r.error();
	for (auto [lo, hi] : holes)
		::munmap(reinterpret_cast<void *>(lo), hi - lo);
	return 0;
}

long Kernel::mremap(void *old_addr, size_t old_length, size_t new_length, int flags, void *new_addr)
{
	uintptr_t old = reinterpret_cast<uintptr_t>(old_addr);
	if (!impl_->current().mm.contains(old, old_length ? old_length : 1)) {
		if (!impl_->in_process())
			return kForeign;
		void *p = ::mremap(old_addr, old_length, new_length, flags, new_addr);
		return p == MAP_FAILED ? -errno : reinterpret_cast<long>(p);
	}
	auto r = impl_->current().mm.remap(old, old_length, new_length, flags, reinterpret_cast<uintptr_t>(new_addr));
	return r ? static_cast<long>(*r) : -r.error();
}

long Kernel::mprotect(void *addr, size_t length, int prot)
{
	uintptr_t start = reinterpret_cast<uintptr_t>(addr);
	mm::Mm &mm = impl_->current().mm;
	const bool local = impl_->in_process();
	if (!mm.contains(start, length))
		return local ? sys_result(::mprotect(addr, length, prot)) : kForeign;
	/* Another process protects the rest of the range itself. */
	uint64_t len = mm::page_align_up(length);
	auto holes = local ? gaps(mm.snapshot(false), start, start + len) : decltype(gaps({}, 0, 0)){};
	if (auto r = mm.protect(start, length, prot); !r)
		return -r.error();
	for (auto [lo, hi] : holes)
		if (::mprotect(reinterpret_cast<void *>(lo), hi - lo, prot) < 0)
			return -errno;
	return 0;
}

long Kernel::madvise(void *addr, size_t length, int advice)
{
	uintptr_t start = reinterpret_cast<uintptr_t>(addr);
	mm::Mm &mm = impl_->current().mm;
	if (!mm.contains(start, length))
		return impl_->in_process() ? sys_result(::madvise(addr, length, advice)) : kForeign;
	/* What the kernel answers for a VM_IO | VM_PFNMAP | VM_DONTEXPAND
	 * mapping (mm/madvise.c): no dumping it back in, no dropping, aging,
	 * paging out or prefaulting its pages (no LRU pages, no faultin), no
	 * fork-time wiping of a shared file mapping, no punching holes (the
	 * file is not a regular one: ENODEV); every other hint is accepted,
	 * as observed on 6.12 (docs/conformance.md). The real memory takes the
	 * hints that matter to it (DONTDUMP, DONTFORK, DOFORK). */
	switch (advice) {
	case MADV_DODUMP:
	case MADV_FREE:
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
	case MADV_COLD:
	case MADV_PAGEOUT:
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
		return -EINVAL;
	case MADV_REMOVE:
		return -ENODEV;
	case MADV_DONTDUMP:
	case MADV_DONTFORK:
	case MADV_DOFORK:
		if (auto r = mm.advise(start, length, advice); !r)
			return -r.error();
		return 0;
	default:
		return 0;
	}
}

} /* namespace softvfio */
