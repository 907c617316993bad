/* SPDX-License-Identifier: MIT */
/*
 * ClosedNumbers: fd numbers a process closed without a call, in its
 * mailbox (Header::closed).
 *
 * A DMABUF's release has no effect a program can observe through the uAPI:
 * it takes the buffer off its device's list and drops a registration that
 * only a driver unbind waits for; the mappings that still use the buffer
 * hold it. So the close of a DMABUF's stand-in does not wait for the
 * kernel: the process sets the number's bit here, then closes the fd, and
 * returns. The release follows from the stand-in's hang-up (StandinTable),
 * on the event loop's time or in the next settle() (every call whose
 * outcome could tell the difference settles first).
 *
 * The bit only keeps the kernel's table of the process's numbers true:
 * before a call of the process is served, the kernel takes every bit set
 * and forgets what it had at those numbers, so a number reused since (by
 * an fd received in an SCM_RIGHTS message, say) is found again by the
 * identity of what it now refers to. The bit is set before the close, so
 * the number can only be reused once the bit is visible; a call that
 * starts after the close returned sees it.
 *
 * Untrusted like the rest of the mailbox: a bit names a number, any
 * number, and forgetting a number the process still has costs only the
 * lookup by identity at its next use. The kernel reads each word once
 * (an exchange), never twice.
 *
 * Two levels: a summary bit per word of numbers, so that the kernel finds
 * the few bits set without reading 8 KiB; and a generation the process
 * raises after each change, so that a call with nothing new costs one
 * load. Numbers from kNumbers up are closed with a call, as before.
 */
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace softvfio::session::wire {

/* The end of the name of a stand-in's kernel end ("\0softvfio/<session>/
 * <n>", session/standins.h) whose file may be closed this way. */
inline constexpr char kLazyReleaseMark[] = "~";

struct alignas(64) ClosedNumbers {
	static constexpr unsigned kNumbers = 1u << 16;
	static constexpr unsigned kWords = kNumbers / 64;
	static constexpr unsigned kSummaryWords = kWords / 64;

	/* Raised by the process after it set a bit. */
	std::atomic<uint64_t> generation;
	uint64_t reserved[7];
	/* Bit i of summary[j]: words[64 * j + i] may have bits set. */
	std::atomic<uint64_t> summary[kSummaryWords];
	/* Bit b of words[w]: number 64 * w + b was closed. */
	std::atomic<uint64_t> words[kWords];
};
static_assert(ClosedNumbers::kSummaryWords == 16 && ClosedNumbers::kWords == 1024);
static_assert(offsetof(ClosedNumbers, summary) == 64 && offsetof(ClosedNumbers, words) == 64 + 8 * 16);
static_assert(sizeof(ClosedNumbers) == 64 + 8 * 16 + 8 * 1024);

/* The process: `fd` is about to be closed without a call. False if it
 * cannot be told this way (a call must tell it). Async-signal-safe. */
inline bool mark_closed(ClosedNumbers &c, int fd) noexcept
{
	if (fd < 0 || static_cast<unsigned>(fd) >= ClosedNumbers::kNumbers)
		return false;
	const unsigned word = static_cast<unsigned>(fd) / 64;
	c.words[word].fetch_or(uint64_t{1} << (fd % 64), std::memory_order_seq_cst);
	c.summary[word / 64].fetch_or(uint64_t{1} << (word % 64), std::memory_order_seq_cst);
	c.generation.fetch_add(1, std::memory_order_seq_cst);
	return true;
}

/* The kernel: where the process has got to (read before a take; a take
 * that saw it covers every mark made before it was raised). */
inline uint64_t closed_generation(const ClosedNumbers &c) noexcept
{
	return c.generation.load(std::memory_order_seq_cst);
}

/* The kernel: `fn(fd)` for every number marked and not taken yet. Each
 * word is taken whole (an exchange), so a number is handed out once; bits
 * set while this runs are taken now or by the next take. */
template<typename Fn>
void take_closed(ClosedNumbers &c, Fn &&fn)
{
	for (unsigned j = 0; j < ClosedNumbers::kSummaryWords; j++) {
		uint64_t words = c.summary[j].exchange(0, std::memory_order_seq_cst);
		while (words) {
			const unsigned i = static_cast<unsigned>(__builtin_ctzll(words));
			words &= words - 1;
			const unsigned word = 64 * j + i;
			uint64_t bits = c.words[word].exchange(0, std::memory_order_seq_cst);
			while (bits) {
				const unsigned b = static_cast<unsigned>(__builtin_ctzll(bits));
				bits &= bits - 1;
				fn(static_cast<int>(64 * word + b));
			}
		}
	}
}

} /* namespace softvfio::session::wire */
