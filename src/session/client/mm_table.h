/* SPDX-License-Identifier: MIT */
/*
 * MmTable: this process's emulated mappings as the session kernel decided
 * them, and the real mappings that make them so.
 *
 * The kernel keeps the VMAs (their ids, geometry and state); the process
 * makes its real memory agree. It applies the mm ops of its own calls'
 * replies, and the work entries other processes' calls post to its mailbox
 * (a revoke, a memory disable, a device close), in the handler of the
 * session signal. Neither path may need an fd or malloc: the handler can
 * interrupt anything, and a revoke must work whatever the fd table holds.
 *
 * So every object (a device's BAR memfd) is mapped once per extent, PROT_NONE,
 * twice: the object itself and the kernel's empty memfd at the same file
 * offsets (templates). A run is installed with mremap(template, 0, len,
 * MREMAP_FIXED, where): a further mapping of the same file at the same
 * offset, laid over the old one atomically. Live runs come from the
 * object's template, revoked ones from the empty one, whose every page
 * lies beyond the end of its file: SIGBUS BUS_ADRERR at the exact address,
 * and /proc/<pid>/maps keeps the offset column.
 *
 * Ordering: every op about a VMA carries its state sequence number, and a
 * state is applied only if newer than what is installed, so a reply and a
 * work entry about the same VMA may arrive in either order. A change
 * naming a VMA the table does not have is kept while a running call may
 * yet make it (early_states.h) and dropped after: the program unmapped it
 * meanwhile, and it must never touch memory the program has reused.
 *
 * Locking: the table has one lock. A thread takes it only through Guard,
 * which first blocks the session signal in that thread, so the handler
 * never waits for a lock its own thread holds; the handler on another
 * thread waits for it.
 */
#pragma once

#include <atomic>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <sys/mman.h>
#include <sys/types.h>

#include <softvfio/base/result.h>

#include "mm/placement.h"
#include "session/client/early_states.h"
#include "session/wire/futex.h"
#include "session/wire/mirror_directory.h"
#include "session/wire/protocol.h"

namespace softvfio::session {

/* [addr, addr + length) as [addr, end), clamped at the top of the address
 * space. */
constexpr uintptr_t range_end(uintptr_t addr, size_t length) noexcept
{
	return length > UINTPTR_MAX - addr ? UINTPTR_MAX : addr + length;
}

class MmTable
{
public:
	struct Vma {
		uint64_t id;
		uintptr_t start;
		uintptr_t end;
		int prot;
		bool live;          /* installed state */
		bool dontfork;
		uint64_t seq;       /* state seq of the installed state */
		/* Device registers: laid PROT_NONE while live, so every access
		 * traps (register_trap.h); revoked, laid as any other. */
		bool registers;
		uint32_t run_first;
		uint32_t run_count;
		/* Its reads the mirror may serve: the mirror directory's
		 * entry + 1, 0 for none (registers only). */
		uint32_t mirror;
	};
	struct Template {
		uint64_t ino;
		uint64_t extent_offset;
		uint64_t extent_length;
		uintptr_t live_base;
		uintptr_t revoked_base;
		/* Copies of the two with a protection and MADV_DONTDUMP set,
		 * [live][prot & 7], made the first time a run needs one (0
		 * until then): a run laid from one has its protection from the
		 * start, so no thread ever sees it PROT_NONE in between (a
		 * SIGSEGV where Linux gives the data or SIGBUS). */
		uintptr_t with_prot[2][8];
	};

	/* `server`: the kernel's pid; `empty_fd`: its empty memfd, reached as
	 * /proc/<server>/fd/<empty_fd>; `signal`: the session signal. -errno. */
	int init(pid_t server, int empty_fd, int signal) noexcept;
	/* Map the session's register mirror directory, /proc/<server>/fd/<fd>
	 * (wire/mirror_directory.h), read-only. Without it every register
	 * read is a call. -errno. */
	int map_mirrors(int mirror_fd) noexcept;
	bool ready() const noexcept { return base_empty_ != 0; }
	uintptr_t base_empty() const noexcept { return base_empty_; }
	int signal() const noexcept { return signal_; }

	/* The session signal blocked in this thread, and the table locked. */
	class Guard
	{
	public:
		explicit Guard(MmTable &table) noexcept;
		~Guard();
		Guard(const Guard &) = delete;
		Guard &operator=(const Guard &) = delete;

	private:
		MmTable &table_;
		sigset_t saved_;
	};

	/* Apply a reply's ops (Guard held). -errno if a Create could not be
	 * installed (EMFILE reaching a template, ENOMEM); the ops before it
	 * are applied, that VMA is not in the table. */
	int apply(const wire::MmOp *ops, size_t n) noexcept;
	/* The mailbox's pending work entries; takes the lock itself (the
	 * handler, or a thread that wants to catch up). Acknowledges them. */
	void apply_work(wire::Header &header) noexcept;
	/* The same with the lock held (Guard); the caller wakes `done`. */
	void apply_work_locked(wire::Header &header) noexcept;
	/* Work posted and not acknowledged yet. */
	static bool work_pending(const wire::Header &header) noexcept
	{
		return static_cast<uint32_t>(header.posted.load(std::memory_order_acquire)) !=
		       header.done.load(std::memory_order_acquire);
	}
	/* Every VMA revoked (the session is gone). Guard held. */
	void revoke_all() noexcept;

	/* The lock alone, for fork(), which holds it across the fork with the
	 * signal already blocked (the child inherits it held, and releases
	 * it). */
	void lock() noexcept { lock_.lock(); }
	void unlock() noexcept { lock_.unlock(); }

	/* Changes that came before their VMA (early_states.h). */
	EarlyStates &early() noexcept { return early_; }

	/* Room for a new VMA, for the kernel's Reserve sub-request (Guard
	 * held). */
	mm::Reserver &reserver() noexcept { return reserver_; }

	/* A register read of `width` bytes at `addr` served from the BAR's
	 * mirror, when its live register VMA's model promises it (the mirror
	 * directory); false when it must be asked of the model. Guard held:
	 * a revocation waits for this read, so none succeeds after one
	 * returned. Async-signal-safe. */
	bool mirror_read(uintptr_t addr, unsigned width, uint64_t &value) noexcept;

	/* Guard held. */
	bool contains(uintptr_t addr, size_t length) const noexcept;
	/* The VMA holding [addr, addr + length), or null (none, or the range
	 * leaves it). Guard held. */
	const Vma *vma_holding(uintptr_t addr, size_t length) const noexcept;
	size_t vma_count() const noexcept { return nvma_; }
	const Vma &vma(size_t i) const noexcept { return vmas_[i]; }
	size_t template_count() const noexcept { return ntemplate_; }
	const Template &template_at(size_t i) const noexcept { return templates_[i]; }
	/* [lo, hi) covers every emulated mapping there has been; read
	 * without the lock (it only grows). */
	bool may_contain(uintptr_t addr, size_t length) const noexcept;

	/* Whether this process has a register VMA at all (in any table):
	 * one relaxed load, without the lock, for the fast paths that ask
	 * whether a buffer may be registers (false: none can be). */
	static bool any_registers() noexcept { return register_vmas_.load(std::memory_order_relaxed) != 0; }
	/* Does [addr, addr + length) overlap a live register VMA? Guard
	 * held. */
	bool touches_live_registers(uintptr_t addr, size_t length) const noexcept;
	/* The first address of [addr, addr + length) in a register VMA that
	 * cannot take an access needing protection `prot` (revoked, or its
	 * protection lacks a bit of `prot`); addr + length if none. Guard
	 * held. */
	uintptr_t register_barrier(uintptr_t addr, size_t length, int prot) const noexcept;
	/* The start of the first register VMA in [addr, end), or `end`.
	 * Guard held. */
	uintptr_t next_registers(uintptr_t addr, uintptr_t end) const noexcept;

private:
	struct Run {
		uint64_t vma_offset;
		uint64_t length;
		uint64_t file_offset;
		uint32_t tmpl;
	};

	class EmptyReserver final : public mm::Reserver
	{
	public:
		explicit EmptyReserver(MmTable &t) : table_(t) {}
		Result<uintptr_t> map(uintptr_t addr, uint64_t length, int extra_flags) override;
		void unmap(uintptr_t addr, uint64_t length) override;

	private:
		MmTable &table_;
	};

	Vma *find(uint64_t id) noexcept;
	int create(const wire::MmOp *ops, size_t n, size_t &used) noexcept;
	int install(const Vma &v, bool live) noexcept;
	/* The protection the real memory of `v` has in state `live`. */
	static int real_prot(const Vma &v, bool live) noexcept { return live && v.registers ? PROT_NONE : v.prot; }
	uintptr_t template_with(Template &t, bool live, int prot) noexcept;
	void assert_state(Vma &v, bool live, uint64_t seq) noexcept;
	/* A change for VMA `id`: applied, or kept if the VMA may yet come. */
	void change_state(uint64_t id, bool live, uint64_t seq) noexcept;
	void split(uint64_t id, uintptr_t at, uint64_t tail_id) noexcept;
	void remove_range(uintptr_t lo, uintptr_t hi) noexcept;
	int move(Vma &v, uintptr_t to) noexcept;
	void advise(uintptr_t lo, uintptr_t hi, int advice) noexcept;
	int find_template(const wire::MmOp &run) noexcept;
	int reserve_runs(uint32_t count, uint32_t &first) noexcept;
	int grow(void *&array, size_t &capacity, size_t elem) noexcept;
	void widen(uintptr_t lo, uintptr_t hi) noexcept;

	pid_t server_ = 0;
	int empty_fd_ = -1;
	int signal_ = 0;
	uintptr_t base_empty_ = 0;   /* one page of the empty memfd, PROT_NONE */
	const wire::MirrorDirectory *mirrors_ = nullptr;
	EmptyReserver reserver_{*this};
	EarlyStates early_;
	wire::FutexLock lock_;

	Vma *vmas_ = nullptr;
	size_t nvma_ = 0, cap_vma_ = 0;
	Run *runs_ = nullptr;
	size_t nrun_ = 0, cap_run_ = 0;
	Template *templates_ = nullptr;
	size_t ntemplate_ = 0, cap_template_ = 0;

	std::atomic<uintptr_t> lo_{UINTPTR_MAX};
	std::atomic<uintptr_t> hi_{0};
	/* Register VMAs in every table of the process. */
	static inline std::atomic<uint32_t> register_vmas_{0};
};

} /* namespace softvfio::session */
