/* SPDX-License-Identifier: MIT */
/*
 * Vma: one emulated mapping (vm_area_struct) and its real memory.
 *
 * A live VMA is one MAP_SHARED mapping per Backing run, laid contiguously.
 * A zapped VMA maps, over each run, the Mm's empty memfd at the SAME file
 * offset: every access raises SIGBUS (BUS_ADRERR, si_addr exact) and
 * /proc/self/maps keeps the offset column. Both forms are installed with
 * MAP_FIXED replacement, which other threads see atomically.
 *
 * Locking: geometry (start, end, pgoff, prot, pieces) is written only with
 * Mm's mmap_lock (write) and the AddressSpace lock both held, so it may be
 * read under either. live, generation, leaves and the list links belong to
 * the AddressSpace lock.
 */
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <softvfio/base/result.h>

#include "mm/mappable.h"
#include "mm/page_table.h"
#include "mm/types.h"
#include "vfs/file.h"

namespace softvfio::mm {

class AddressSpace;

struct Vma {
	/* Geometry. */
	uintptr_t start = 0;
	uintptr_t end = 0;
	uint64_t pgoff = 0;
	int prot = 0;
	MemAttr attr = MemAttr::Uncached;
	std::vector<Backing> pieces;      /* vma_offset relative to start */

	/* Identity, fixed for the VMA's life. */
	std::shared_ptr<vfs::File> file;
	Mappable *mappable = nullptr;
	AddressSpace *as = nullptr;
	int empty_fd = -1;                /* the Mm's empty memfd */

	/* Under the AddressSpace lock. */
	bool live = false;
	uint64_t generation = 0;          /* bumped by every zap */
	LeafMap leaves;
	Vma *prev = nullptr;
	Vma *next = nullptr;

	uint64_t length() const { return end - start; }
	VmaGeometry geometry() const { return {start, end, pgoff}; }
};

/* Map the runs of `v` intersecting [lo, hi) over that range with MAP_FIXED:
 * the Backing fds when `live`, else the empty memfd at the same offsets. */
Result<void> install(const Vma &v, uintptr_t lo, uintptr_t hi, bool live);

/* Revoke / give back access (AddressSpace lock held). zap also bumps the
 * generation and clears the leaves; both are no-ops in the target state. */
void zap_vma(Vma &v);
bool restore_vma(Vma &v);

/* Split `v` at `at` (start < at < end): `v` keeps [start, at) and the
 * returned tail gets [at, end), vm_pgoff + delta, its runs and leaves, and
 * v's state. The caller links the tail. */
std::unique_ptr<Vma> split_vma(Vma &v, uintptr_t at);

/* Check a Mappable's runs: page-aligned, in order, covering `length`. */
bool valid_pieces(const std::vector<Backing> &pieces, uint64_t length);

} /* namespace softvfio::mm */
