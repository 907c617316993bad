/* SPDX-License-Identifier: MIT */
/*
 * Host: the real address space an Mm's VMAs live in.
 *
 * Mm keeps the kernel's bookkeeping (VMAs, their state, the modelled page
 * tables); a Host makes the real mappings agree with it. In process
 * (LocalHost) that is a system call at once. For a process the session
 * kernel serves, the calls become mapping changes carried to that process
 * (session/remote_mm.h), which applies them itself: in its reply for its
 * own calls, through its mailbox and a signal for another process's.
 *
 * Mm calls these with its locks held as each says; a Host never waits for
 * another process while it is called: the session kernel delivers at the
 * revocation paths' zap_fence() (zap_fence.h) and at the end of the call.
 */
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <softvfio/base/result.h>

#include "mm/local_traps.h"
#include "mm/placement.h"
#include "mm/types.h"

namespace softvfio::mm {

struct Vma;

class Host
{
public:
	virtual ~Host() = default;

	/* Reserve room for a new VMA (mmap_lock held). */
	virtual Result<uintptr_t> reserve(const PlacementRequest &req, const HugeOrders &orders) = 0;
	/* Give back a reservation no VMA was made in (mmap_lock held). */
	virtual void unreserve(uintptr_t addr, uint64_t length) = 0;

	/* Lay a new VMA's runs over its reservation, live or revoked as
	 * v.live says (mmap_lock and i_mmap held). On failure the range is
	 * left reserved. */
	virtual Result<void> create(const Vma &v) = 0;
	/* v.live changed: a zap or a restore (i_mmap held). A zap must take
	 * effect whatever happens. */
	virtual Result<void> set_state(const Vma &v) = 0;
	/* `head` was split at tail.start (mmap_lock and i_mmap held). */
	virtual void split(const Vma &head, const Vma &tail) = 0;
	/* The VMA goes away (mmap_lock and i_mmap held): its memory is
	 * unmapped, or, with keep_reserved, replaced by a reservation that a
	 * MAP_FIXED mapping is about to take over. */
	virtual Result<void> remove(const Vma &v, bool keep_reserved) = 0;
	/* The VMA's protection becomes v.prot (mmap_lock and i_mmap held). */
	virtual Result<void> protect(const Vma &v) = 0;
	/* The VMA moved from `from` to v.start, a range already free (mmap_lock
	 * and i_mmap held). True when the page tables moved with the memory,
	 * false when the memory was mapped afresh there. */
	virtual Result<bool> move(const Vma &v, uintptr_t from) = 0;
	/* Host advice on the VMA's memory (MADV_DONTDUMP, MADV_DONTFORK, ...). */
	virtual Result<void> advise(const Vma &v, uintptr_t lo, uintptr_t hi, int advice) = 0;

	/* Which pages of [start, end) the real page tables hold. */
	virtual Result<std::vector<bool>> present_pages(uintptr_t start, uintptr_t end) = 0;

	/* The Mm is going away with `v` still in it (mmap_lock and i_mmap
	 * held): in process, unmap it; a served process's address space is
	 * already gone (exit or exec). */
	virtual void teardown(const Vma &v) = 0;
};

/* This process's address space. With a port, register VMAs trap: laid
 * PROT_NONE while live, each access emulated and made through the port
 * (mm/local_traps.h); without one they are plain memory. */
std::unique_ptr<Host> make_local_host(const RegisterPort &port = {});

} /* namespace softvfio::mm */
