/* SPDX-License-Identifier: MIT */
/*
 * EarlyStates: state changes that reached this process before the VMA they
 * name.
 *
 * The kernel makes a VMA during one of this process's calls, and the
 * process lays it when it applies that call's reply. In between, another
 * process's call (a memory disable, a reset) may zap the new VMA and post
 * the change to this process's mailbox, and the session signal's handler
 * may run it before the reply is applied: the table has no such VMA yet.
 * Dropping the change then would lay the VMA live from its Create op and
 * leave it so after the kernel revoked it (a later REVOKE of the buffer
 * changes nothing in the kernel, the VMA being revoked already, so the
 * mapping would read after the REVOKE returned).
 *
 * So a change naming an unknown VMA is kept here while a call that began
 * before it arrived is still running: only such a call can have made the
 * VMA. Every call takes a ticket when it begins (before its request is
 * written, so before the kernel can make anything in it); a change kept at
 * ticket T is dropped once no call holding a ticket ≤ T is running. The
 * VMA it named was unmapped meanwhile, then, or is laid already.
 *
 * Memory is the table's: no malloc (the handler runs this). Locking: the
 * table's lock for the entries; begin()/end() are lock-free.
 */
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "session/wire/protocol.h"

namespace softvfio::session {

class EarlyStates
{
public:
	struct Change {
		uint64_t vma;
		uint64_t seq;
		bool live;
	};

	/* A call in `slot` begins / has applied its reply and ends. */
	void begin(unsigned slot) noexcept;
	void end(unsigned slot) noexcept;

	/* Keep `c` (table lock held) if a running call may yet make its VMA.
	 * -errno if there is no room (the change is lost: ENOMEM). */
	int keep(const Change &c) noexcept;
	/* The newest kept change for `vma`, taken out (table lock held);
	 * false if none. */
	bool take(uint64_t vma, Change &out) noexcept;
	/* Drop what no running call can claim any more (table lock held). */
	void prune() noexcept;
	/* In a forked child: the parent's calls are not its own. */
	void forget() noexcept;

	size_t size() const noexcept { return n_; }

private:
	struct Kept {
		Change change;
		uint64_t ticket;
	};

	bool claimable(uint64_t ticket) const noexcept;

	std::atomic<uint64_t> tickets_{0};
	std::atomic<uint64_t> running_[wire::kSlots] = {};
	Kept *kept_ = nullptr;
	size_t n_ = 0, cap_ = 0;
};

} /* namespace softvfio::session */
