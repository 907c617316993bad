/* SPDX-License-Identifier: MIT */
/*
 * StandinHints: which questions made a stand-in the last time they were
 * asked, so that the next time the process makes the socket pair before
 * the call (a spare, wire::kRequestSpare) and the kernel need not ask for
 * it in the middle of the call (a NewStandin round trip).
 *
 * A question is an ioctl's command and the first eight bytes at its
 * argument (a DMABUF export's argsz and flags, a group's device name): the
 * kernel's reply says whether the call asked for a stand-in and how it was
 * made; nothing here knows what the commands mean. A wrong guess costs a
 * socket pair and two closes, never a wrong answer: the kernel takes a
 * spare only where it would have asked for one.
 *
 * Called from any thread, and from signal handlers: the table is taken
 * with try_lock, and a busy table is a miss.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>

namespace softvfio::session {

class StandinHints
{
public:
	/* The question made a stand-in last time: true, with whether it
	 * was close-on-exec. */
	bool expects(unsigned long cmd, uint64_t head, bool &cloexec) noexcept;
	/* What a reply's flags (wire::kReply*) said of the question; `offered`:
	 * the call carried a spare. */
	void learn(unsigned long cmd, uint64_t head, uint32_t reply_flags, bool offered) noexcept;

private:
	struct Entry {
		unsigned long cmd = 0;
		uint64_t head = 0;
		bool cloexec = false;
		bool used = false;
	};
	static constexpr size_t kEntries = 16;

	Entry *find(unsigned long cmd, uint64_t head) noexcept;

	std::mutex lock_;
	Entry entries_[kEntries];
	unsigned next_victim_ = 0;
};

} /* namespace softvfio::session */
