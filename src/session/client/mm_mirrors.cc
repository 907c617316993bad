/* SPDX-License-Identifier: MIT */
/*
 * The client's mm table, its register mirrors: reads of a register
 * mapping that the session's mirror directory promises are served from a
 * read-only view of the BAR, without a call (docs/trap.md, "Reads from
 * the mirror"). Built without ThreadSanitizer instrumentation, like
 * mm_table.cc: it runs inside the register trap's SIGSEGV handler.
 */
#include "session/client/mm_table.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/mman.h>

#include "session/client/sys.h"

namespace softvfio::session {

int MmTable::map_mirrors(int mirror_fd) noexcept
{
	char path[64];
	std::snprintf(path, sizeof(path), "/proc/%d/fd/%d", static_cast<int>(server_), mirror_fd);
	int fd = sys::open_momentary(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fd;
	long p = sys::mmap(0, wire::kMirrorDirectorySize, PROT_READ, MAP_SHARED, fd, 0);
	sys::close(fd);
	if (p < 0)
		return static_cast<int>(p);
	const auto *dir = reinterpret_cast<const wire::MirrorDirectory *>(p);
	if (dir->magic != wire::kMirrorMagic) {
		sys::munmap(static_cast<uintptr_t>(p), wire::kMirrorDirectorySize);
		return -EPROTO;
	}
	mirrors_ = dir;
	return 0;
}

bool MmTable::mirror_read(uintptr_t addr, unsigned width, uint64_t &value) noexcept
{
	const Vma *v = vma_holding(addr, width);
	if (!mirrors_ || !v || !v->registers || !v->live || !v->mirror || (addr & (width - 1)))
		return false;
	if (v->mirror > mirrors_->count.load(std::memory_order_acquire))
		return false;
	const wire::MirrorEntry &entry = mirrors_->entries[v->mirror - 1];
	const uintptr_t in_vma = addr - v->start;
	for (uint32_t i = 0; i < v->run_count; i++) {
		const Run &r = runs_[v->run_first + i];
		if (in_vma < r.vma_offset || in_vma + width > r.vma_offset + r.length)
			continue;
		const uint64_t file_offset = r.file_offset + (in_vma - r.vma_offset);
		const uint64_t bar_offset = file_offset & ((uint64_t(1) << wire::kBarShift) - 1);
		if ((file_offset >> wire::kBarShift) != entry.bar || !(wire::mirrored_widths(entry, bar_offset) & width))
			return false;
		Template &t = templates_[r.tmpl];
		const uintptr_t base = template_with(t, true, PROT_READ);
		if (!base)
			return false;
		/* One aligned load, as the CPU's would be: the model stores a
		 * register's mirror whole. */
		const uintptr_t at = base + (file_offset - t.extent_offset);
		switch (width) {
		case 1: value = *reinterpret_cast<const volatile uint8_t *>(at); break;
		case 2: value = *reinterpret_cast<const volatile uint16_t *>(at); break;
		case 4: value = *reinterpret_cast<const volatile uint32_t *>(at); break;
		default: value = *reinterpret_cast<const volatile uint64_t *>(at); break;
		}
		return true;
	}
	return false;
}

} /* namespace softvfio::session */
