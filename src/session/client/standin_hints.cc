/* SPDX-License-Identifier: MIT */
#include "session/client/standin_hints.h"

#include "session/wire/protocol.h"

namespace softvfio::session {

StandinHints::Entry *StandinHints::find(unsigned long cmd, uint64_t head) noexcept
{
	for (Entry &e : entries_)
		if (e.used && e.cmd == cmd && e.head == head)
			return &e;
	return nullptr;
}

bool StandinHints::expects(unsigned long cmd, uint64_t head, bool &cloexec) noexcept
{
	std::unique_lock guard(lock_, std::try_to_lock);
	if (!guard.owns_lock())
		return false;
	const Entry *e = find(cmd, head);
	if (!e)
		return false;
	cloexec = e->cloexec;
	return true;
}

void StandinHints::learn(unsigned long cmd, uint64_t head, uint32_t reply_flags, bool offered) noexcept
{
	const bool asked = reply_flags & wire::kReplyStandinAsked;
	const bool taken = reply_flags & wire::kReplySpareTaken;
	/* Nothing new: a spare taken, or no stand-in and none expected. */
	if (!asked && (taken || !offered))
		return;
	std::unique_lock guard(lock_, std::try_to_lock);
	if (!guard.owns_lock())
		return;
	Entry *e = find(cmd, head);
	if (!asked) {
		/* Offered and left: the question makes no stand-in (any more). */
		if (e)
			e->used = false;
		return;
	}
	if (!e) {
		e = &entries_[next_victim_];
		next_victim_ = (next_victim_ + 1) % kEntries;
	}
	*e = Entry{cmd, head, (reply_flags & wire::kReplyStandinCloexec) != 0, true};
}

} /* namespace softvfio::session */
