/* SPDX-License-Identifier: MIT */
/*
 * Mm: a process's emulated mappings (the kernel's mm_struct), over real
 * memory.
 *
 * Every emulated VMA is real MAP_SHARED memory of its Mappable's host
 * memory while live, and raises SIGBUS on every access while revoked; it
 * is linked into its object's AddressSpace so a zap reaches it. The Host
 * (host.h) makes the real mappings: this process's, or those of a process
 * the session kernel serves.
 *
 * Locks, outermost first: mmap_lock (here) → the object's memory_lock →
 * resv → the AddressSpace lock (i_mmap) → the page-table directory lock.
 *  - map/unmap/remap/protect take mmap_lock for writing, then each affected
 *    AddressSpace lock while they change real memory and the VMA together,
 *    so a zap never misses a VMA nor touches an address already unmapped;
 *  - touch/snapshot/contains take mmap_lock for reading; touch calls
 *    Mappable::fault() with no AddressSpace lock held;
 *  - zap/restore take only the AddressSpace lock.
 * Callers must not hold memory_lock or resv when calling into Mm (the kernel
 * calls ->mmap under mmap_lock). mmap_lock, resv and memory_lock are
 * tracked mutexes (base/tracked_mutex.h): a copy through registers made
 * while the thread holds one is refused (register_copy). File references
 * (VMA destruction) are dropped only after every lock is released.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <vector>

#include <softvfio/base/result.h>
#include <softvfio/base/unique_fd.h>

#include "base/tracked_mutex.h"
#include "mm/address_space.h"
#include "mm/host.h"
#include "mm/mappable.h"
#include "mm/page_table.h"
#include "mm/types.h"
#include "vfs/file.h"

namespace softvfio::mm {

struct Vma;

class Mm
{
public:
	/* `host`: the real address space (this process's when null). */
	explicit Mm(HugeOrders orders = {}, std::unique_ptr<Host> host = nullptr);
	~Mm();
	Mm(const Mm &) = delete;
	Mm &operator=(const Mm &) = delete;

	/* Map `file` (== `mappable`) after the generic and the file's own mmap
	 * checks passed. vm_pgoff is in pages, exactly what the kernel keeps
	 * (region index bits included). Honours args.addr hints, MAP_FIXED and
	 * MAP_FIXED_NOREPLACE (EEXIST), and args.prot. The VMA is installed
	 * live, or revoked when the Mappable is not accessible right now.
	 * Returns the address. */
	Result<uintptr_t> map(std::shared_ptr<vfs::File> file, Mappable &mappable, const vfs::MmapArgs &args,
			      uint64_t vm_pgoff, MemAttr attr, const MapOptions &opts = {});

	/* munmap(2) of the emulated part of [addr, addr + length): splits VMAs
	 * (a tail keeps vm_pgoff + delta). EINVAL for an unaligned address or
	 * zero length; success when nothing emulated is there. The caller
	 * unmaps the rest, never the emulated parts itself. */
	Result<void> unmap(uintptr_t addr, uint64_t length);

	/* mremap(2) of an emulated VMA: growing fails with EFAULT (VM_PFNMAP |
	 * VM_DONTEXPAND), old_len 0 too; shrinking unmaps the emulated part of
	 * the tail (the caller unmaps the rest); a MREMAP_FIXED move keeps
	 * geometry, state and page tables and replaces what was at the target
	 * (emulated VMAs there are unmapped first); MREMAP_DONTUNMAP is EINVAL.
	 * EFAULT when old_addr is not emulated. */
	Result<uintptr_t> remap(uintptr_t old_addr, uint64_t old_len, uint64_t new_len, int flags,
				uintptr_t new_addr);

	/* mprotect(2) of the emulated part of the range; splits at its edges.
	 * EACCES for PROT_WRITE on a file not open for writing. */
	Result<void> protect(uintptr_t addr, uint64_t len, int prot);

	/* madvise(2) on the emulated part of the range (the hints the kernel
	 * accepts for a VM_IO | VM_PFNMAP mapping, checked by the caller):
	 * MADV_DONTFORK / MADV_DOFORK mark the VMAs; the Host applies the
	 * hints that matter to the real memory. */
	Result<void> advise(uintptr_t addr, uint64_t len, int advice);

	/* Does [addr, addr + len) touch an emulated VMA? */
	bool contains(uintptr_t addr, uint64_t len = 1);

	/* fork(): this Mm (a new process's) gets a copy of every VMA of
	 * `parent` not marked MADV_DONTFORK, same ids, same state, linked to
	 * the same objects. The real memory is the child's own already. */
	void fork_from(Mm &parent);
	/* exec() or exit of a process the session kernel serves: every VMA
	 * goes, the real address space being gone already. */
	void clear();

	/* A VMA's state as a process that applies mapping changes itself
	 * needs it to catch up. */
	struct VmaState {
		uint64_t id;
		bool live;
		uint64_t state_seq;
	};
	std::vector<VmaState> states();
	Host &host() { return *host_; }

	/* Simulate a CPU access fault at `addr` on the modelled page tables:
	 * SigBus unless the VMA is live; an address already mapped answers
	 * Inserted with the covering entry; else tries PUD, PMD, then PTE via
	 * Mappable::fault(). pfn and order are those of the covering block. */
	FaultOutcome touch(uintptr_t addr);

	/* A trapped load or store of `width` bytes at `addr` in a VMA of
	 * device registers, made on the model: the value read (0 for a
	 * write). EFAULT where the CPU access would raise SIGBUS: no such
	 * VMA, not registers, across its end, revoked. */
	Result<uint64_t> register_access(uintptr_t addr, unsigned width, uint64_t value, bool write);

	/* A system call's copy from (`store` false) or to (`store` true) user
	 * memory at [addr, addr + n) that lies in a register VMA: what the
	 * kernel's copy_from_user/copy_to_user does when it faults there and
	 * the VMA's fault handler lets it through. The bytes go as trapped
	 * accesses, low to high, in naturally aligned pieces of up to 8
	 * bytes (the widest the address and the bytes left allow, as vfio's
	 * region reads and writes split an access; docs/trap.md), each allowed by
	 * the VMA's protection as the CPU's access would be (PROT_READ, and
	 * PROT_WRITE for a store). EFAULT at the first piece that fails (the
	 * pieces before it were made, as a copy that faults part way leaves
	 * what it copied). Each piece looks the VMA up afresh: the process may
	 * change its mappings meanwhile. EFAULT before any access when the
	 * calling thread holds a tracked lock (base/tracked_mutex.h: mmap_lock,
	 * resv, memory_lock), since an access takes them: a handler's copy
	 * made under one of them fails as on a refused fault instead of
	 * deadlocking. */
	Result<void> register_copy(uintptr_t addr, void *buf, size_t n, bool store);

	/* Copies plain memory, from the start of what it is given up to the
	 * first page it cannot reach: the bytes it copied (all of them when it
	 * reached every page). */
	using PlainCopy = std::function<size_t(unsigned char *local, uintptr_t user, size_t n)>;
	/* A read or write system call's whole copy between `local` and user
	 * memory at `user`: plain memory through `plain`, the page it stops
	 * at, to that page's end, through register_copy (a register VMA is
	 * whole pages), then plain memory again; low to high throughout, as
	 * the kernel's copy goes. EFAULT at a page neither reaches, and at a
	 * register page while the thread holds a tracked lock (register_copy).
	 * The caller makes any copy the model does inside a register access a
	 * plain one (no access nests in another). */
	Result<void> copy_through_registers(uintptr_t user, unsigned char *local, size_t n, bool store,
					    const PlainCopy &plain);

	/* Every VMA, by address. With sync_page_tables, first touch() each page
	 * /proc/self/pagemap shows present in a live VMA and the model does not
	 * cover yet, so the model reflects what the program really accessed. */
	std::vector<VmaSnapshot> snapshot(bool sync_page_tables);

	/* --- introspection --- */
	size_t vma_count();
	std::optional<VmaSnapshot> find(uintptr_t addr);
	const HugeOrders &huge_orders() const { return orders_; }
	/* Page-table directory state (pud / pmd "not none" because of a table). */
	bool has_pmd_table(uintptr_t addr) { return tables_.has_pmd_table(addr); }
	bool has_pte_table(uintptr_t addr) { return tables_.has_pte_table(addr); }

private:
	using VmaMap = std::map<uintptr_t, std::unique_ptr<Vma>>;
	using Dropped = std::vector<std::shared_ptr<vfs::File>>;
	/* What happens to the real memory of a carved range. */
	enum class Carve { Unmap, Reserve };

	Vma *find_locked(uintptr_t addr);
	uint64_t new_id() { return next_id_++; }
	VmaMap::iterator first_overlap(uintptr_t start, uintptr_t end);
	bool overlaps_locked(uintptr_t start, uintptr_t end);
	Result<void> carve_locked(uintptr_t start, uintptr_t end, Carve how, Dropped &dropped);
	Vma *isolate_locked(Vma *v, uintptr_t lo, uintptr_t hi);
	void remove_locked(Vma *v, Dropped &dropped);
	void free_tables_locked(uintptr_t start, uintptr_t end);
	Result<void> install_new_locked(std::unique_ptr<Vma> v, Dropped &dropped);
	Result<void> move_locked(Vma *v, uintptr_t lo, uint64_t len, uintptr_t to);
	Result<void> remap_checks_locked(const Vma &v, uintptr_t old_addr, uint64_t old_len,
					 uint64_t new_len, int flags);

	Result<uint64_t> register_access_as(uintptr_t addr, unsigned width, uint64_t value, bool write, bool as_user);
	FaultOutcome touch_locked(uintptr_t addr);
	std::optional<FaultOutcome> fault_walk(Vma &v, uintptr_t addr, uint64_t generation);
	std::optional<FaultOutcome> record(Vma &v, uint64_t generation, uintptr_t addr, unsigned order,
					   uint64_t pfn);
	void sync_vma_locked(Vma &v);
	VmaSnapshot snapshot_of(Vma &v);

	const HugeOrders orders_;
	const std::unique_ptr<Host> host_;
	uint64_t next_id_ = 1;   /* under mmap_lock (write) */
	TableDirectory tables_;
	/* Tracked: a copy through registers refuses to run under it
	 * (base/tracked_mutex.h). */
	TrackedSharedMutex mmap_lock_;
	VmaMap vmas_;
};

} /* namespace softvfio::mm */
