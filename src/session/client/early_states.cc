/* SPDX-License-Identifier: MIT */
/*
 * Built like mm_table.cc (no ThreadSanitizer instrumentation, raw system
 * calls): the session signal's handler runs it.
 */
#include "session/client/early_states.h"

#include <cerrno>
#include <sys/mman.h>

#include "session/client/sys.h"

namespace softvfio::session {

namespace {

constexpr size_t kPage = 4096;

} /* namespace */

void EarlyStates::begin(unsigned slot) noexcept
{
	/* Sequentially consistent, both: the ticket is in running_ before
	 * the request is written, so before anything the call makes can be
	 * zapped and posted. */
	running_[slot].store(tickets_.fetch_add(1) + 1);
}

void EarlyStates::end(unsigned slot) noexcept
{
	running_[slot].store(0, std::memory_order_release);
}

bool EarlyStates::claimable(uint64_t ticket) const noexcept
{
	for (const std::atomic<uint64_t> &r : running_) {
		const uint64_t t = r.load();
		if (t != 0 && t <= ticket)
			return true;
	}
	return false;
}

int EarlyStates::keep(const Change &c) noexcept
{
	/* Every call that began before now has its ticket at or below this
	 * one; a call that begins later cannot have made the VMA. */
	const uint64_t ticket = tickets_.load();
	if (!claimable(ticket))
		return 0;
	for (size_t i = 0; i < n_; i++) {
		if (kept_[i].change.vma == c.vma) {
			if (c.seq > kept_[i].change.seq)
				kept_[i] = Kept{c, ticket};
			return 0;
		}
	}
	if (n_ == cap_) {
		prune();
		if (n_ == cap_) {
			const size_t old_bytes = (cap_ * sizeof(Kept) + kPage - 1) & ~(kPage - 1);
			const size_t new_bytes = old_bytes ? old_bytes * 2 : kPage;
			long p = kept_ ? sys::mremap(reinterpret_cast<uintptr_t>(kept_), old_bytes, new_bytes,
						     MREMAP_MAYMOVE, 0)
				       : sys::mmap(0, new_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p < 0)
				return static_cast<int>(p);
			kept_ = reinterpret_cast<Kept *>(p);
			cap_ = new_bytes / sizeof(Kept);
		}
	}
	kept_[n_++] = Kept{c, ticket};
	return 0;
}

bool EarlyStates::take(uint64_t vma, Change &out) noexcept
{
	for (size_t i = 0; i < n_; i++) {
		if (kept_[i].change.vma == vma) {
			out = kept_[i].change;
			kept_[i] = kept_[--n_];
			return true;
		}
	}
	return false;
}

void EarlyStates::prune() noexcept
{
	for (size_t i = 0; i < n_;) {
		if (!claimable(kept_[i].ticket)) {
			kept_[i] = kept_[--n_];
			continue;
		}
		i++;
	}
}

void EarlyStates::forget() noexcept
{
	for (std::atomic<uint64_t> &r : running_)
		r.store(0, std::memory_order_relaxed);
	n_ = 0;
}

} /* namespace softvfio::session */
