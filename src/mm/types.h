/* SPDX-License-Identifier: MIT */
/*
 * Plain types of the mm layer: page geometry, memory attributes, the host
 * memory behind a VMA, fault outcomes and the introspection snapshot.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vfs/file.h"

namespace softvfio::mm {

constexpr unsigned kPageShift = 12;
constexpr uint64_t kPageSize = 1ull << kPageShift;

/* x86-64 user address space top (47-bit VA, one guard page less). */
constexpr uint64_t kTaskSize = (1ull << 47) - kPageSize;

constexpr uint64_t page_align_up(uint64_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }
constexpr bool page_aligned(uint64_t v) { return (v & (kPageSize - 1)) == 0; }

/* The pgprot a VMA was created with: pgprot_noncached or pgprot_writecombine. */
enum class MemAttr : uint8_t { Uncached = 0, WriteCombine = 1 };

/* One physical range of a DMABUF (bytes). */
struct PhysRange {
	uint64_t paddr;
	uint64_t len;
};

/* What the fault handler sees of a VMA. pgoff is vm_pgoff, in pages. */
struct VmaGeometry {
	uintptr_t start;
	uintptr_t end;
	uint64_t pgoff;
};

/* One run of host memory behind part of a VMA: `length` bytes at
 * `vma_offset` from the VMA start are `fd` at `file_offset`. The fd must
 * stay open while the VMA exists (the VMA's File keeps its owner alive).
 * The run lies within [extent_offset, extent_offset + extent_length) of
 * the file (a BAR's range of its device's memfd): a process the session
 * kernel serves maps the extent once and the runs it needs from it
 * (0 length: the run itself is the extent). */
struct Backing {
	uint64_t vma_offset;
	uint64_t length;
	int fd;
	uint64_t file_offset;
	uint64_t extent_offset = 0;
	uint64_t extent_length = 0;
	bool operator==(const Backing &) const = default;
};

enum class FaultResult : uint8_t { Inserted, Fallback, SigBus };

/* A fault handler's answer. `order` is filled in by Mm::touch (the level the
 * entry covering the address sits at); Mappable::fault may leave it 0. */
struct FaultOutcome {
	FaultResult result;
	uint64_t pfn = 0;
	unsigned order = 0;
};

/* Huge-page orders the architecture can insert (x86-64: PMD 9, PUD 18 with
 * 4 KiB pages). 0 disables huge insertion at that level. */
struct HugeOrders {
	unsigned pmd = 9;
	unsigned pud = 18;
};

/* One leaf of the modelled page tables (PTE, PMD or PUD). */
struct PageTableEntry {
	uintptr_t addr;   /* block base */
	unsigned order;
	uint64_t pfn;     /* of the block base */
	MemAttr attr;
	bool operator==(const PageTableEntry &) const = default;
};

/* Per-map placement options. */
struct MapOptions {
	/* Best-effort huge alignment of a kernel-chosen address (no MAP_FIXED,
	 * no address hint), as proposed by Peter Xu's "mm/vfio: huge pfnmaps
	 * with !MAP_FIXED mappings" (v1 2025-06, v2 2025-12; not merged in any
	 * profile's kernel). The address is chosen so that
	 * (addr - align_offset) is a multiple of the largest huge size (PUD,
	 * else PMD) not exceeding the length. */
	bool align_for_huge = false;
	/* Bytes. Default: the file offset (vm_pgoff << PAGE_SHIFT), as v2 does;
	 * v1 used the BAR's physical address instead. */
	std::optional<uint64_t> align_offset;
};

/* Introspection of one VMA. */
struct VmaSnapshot {
	uintptr_t start;
	uintptr_t end;
	uint64_t pgoff;
	int prot;
	MemAttr attr;
	bool live;
	std::vector<Backing> pieces;
	std::vector<PageTableEntry> entries;   /* sorted by address */
	std::string maps_name;
	vfs::FileKind file_kind;
	const vfs::File *file;                 /* identity only */
	const void *address_space;             /* identity only */
};

} /* namespace softvfio::mm */
