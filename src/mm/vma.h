/* SPDX-License-Identifier: MIT */
/*
 * Vma: one emulated mapping (vm_area_struct) and its real memory.
 *
 * A live VMA is real memory of its Backing runs, laid contiguously; a
 * zapped one raises SIGBUS on every access. The Mm's Host (host.h) makes
 * the real mappings so.
 *
 * Locking: geometry (start, end, pgoff, prot, pieces) is written only with
 * Mm's mmap_lock (write) and the AddressSpace lock both held, so it may be
 * read under either. live, state_seq, generation, leaves and the list
 * links belong to the AddressSpace lock.
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
class Host;

struct Vma {
	/* Geometry. */
	uintptr_t start = 0;
	uintptr_t end = 0;
	uint64_t pgoff = 0;
	int prot = 0;
	MemAttr attr = MemAttr::Uncached;
	std::vector<Backing> pieces;      /* vma_offset relative to start */

	/* Identity, fixed for the VMA's life. */
	uint64_t id = 0;                  /* unique in its Mm; a split tail gets a new one */
	std::shared_ptr<vfs::File> file;
	Mappable *mappable = nullptr;
	AddressSpace *as = nullptr;
	Host *host = nullptr;             /* the Mm's real address space */
	/* MADV_DONTFORK: a forked child does not get it. */
	bool dontfork = false;
	/* Device registers (Mappable::registers): never plain memory. */
	bool registers = false;

	/* Under the AddressSpace lock. */
	bool live = false;
	uint64_t state_seq = 0;           /* bumped by every change of `live` */
	uint64_t generation = 0;          /* bumped by every zap */
	LeafMap leaves;
	Vma *prev = nullptr;
	Vma *next = nullptr;

	uint64_t length() const { return end - start; }
	VmaGeometry geometry() const { return {start, end, pgoff}; }
};

/* Revoke / give back access (AddressSpace lock held). zap also bumps the
 * generation and clears the leaves; both are no-ops in the target state. */
void zap_vma(Vma &v);
bool restore_vma(Vma &v);

/* Split `v` at `at` (start < at < end): `v` keeps [start, at) and the
 * returned tail gets [at, end), vm_pgoff + delta, its runs and leaves, and
 * v's state; its id is `tail_id`. The caller links the tail. */
std::unique_ptr<Vma> split_vma(Vma &v, uintptr_t at, uint64_t tail_id);

/* A forked child's copy of `v`: same geometry, file and state, no leaves
 * (the child has not touched anything yet); the caller links it. */
std::unique_ptr<Vma> copy_vma(const Vma &v, Host *host);

/* Check a Mappable's runs: page-aligned, in order, covering `length`. */
bool valid_pieces(const std::vector<Backing> &pieces, uint64_t length);

} /* namespace softvfio::mm */
