/* SPDX-License-Identifier: MIT */
/*
 * Memo: the answers to the device's constant queries (device, region and
 * irq info) this process already got, so that it answers the same question
 * again without a round trip to the session kernel.
 *
 * The kernel decides what may be kept and says exactly what the call read
 * (the question) and wrote (the answer) in the caller's memory
 * (wire::MemoHeader); the memo only replays: if the bytes at the argument
 * are the question's, it writes the answer's bytes and returns the same
 * result. Nothing about the queries' meaning is here. An entry is keyed by
 * the fd number and the fd cache's word for it (which changes whenever the
 * number means something new) and holds while the mailbox's
 * cache_generation is unchanged.
 *
 * The caller's memory is read and written through the fault-safe copies:
 * a bad pointer makes the memo miss, and the kernel answers EFAULT.
 */
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "base/user_copy.h"
#include "session/wire/protocol.h"

namespace softvfio::session {

class Memo
{
public:
	/* Answer from memory: true with the caller's memory written and
	 * `result` set. */
	bool answer(int fd, uint32_t key, unsigned long cmd, uintptr_t arg, uint32_t generation, long &result) noexcept;
	/* Remember a reply's memo data. */
	void remember(int fd, uint32_t key, unsigned long cmd, uint32_t generation, long result,
		      const unsigned char *data, size_t length) noexcept;

private:
	/* Records of one memo (question and answer) beyond this many are not
	 * kept: the call is asked again each time. */
	static constexpr size_t kMaxSpans = 8;
	struct Entry {
		std::atomic<uint32_t> seq{0};   /* odd while written */
		int fd = -1;
		uint32_t key = 0;
		unsigned long cmd = 0;
		uint32_t generation = 0;
		long result = 0;
		uint32_t length = 0;
		/* The question's records, then the answer's, pointing into
		 * `data`: what the replay compares and writes. */
		uint8_t questions = 0;
		uint8_t answers = 0;
		UserBytes spans[kMaxSpans];
		alignas(8) unsigned char data[wire::kMemoMax];
	};
	static constexpr size_t kEntries = 64;
	static constexpr size_t kWays = 8;

	static size_t bucket(int fd, unsigned long cmd) noexcept;

	std::mutex writers_;
	std::atomic<Entry *> entries_{nullptr};
	unsigned next_victim_ = 0;
};

} /* namespace softvfio::session */
