/* SPDX-License-Identifier: MIT */
/*
 * HandlerSlot: the connection a signal handler works through (the session
 * signal's, the register trap's), which the connection's destructor takes
 * back. A handler may run on any thread at any instruction; the destructor
 * clears the slot and then waits for the handlers that looked at it
 * before, so no handler uses a destroyed connection. Inline, for the
 * handlers' files built without ThreadSanitizer.
 */
#pragma once

#include <atomic>
#include <sched.h>

namespace softvfio::session {

class Connection;

class HandlerSlot
{
public:
	void set(Connection *c) noexcept { connection_.store(c); }

	/* Nothing looks at `c` once this returns (a no-op if the slot holds
	 * another). */
	void clear(Connection *c) noexcept
	{
		Connection *expected = c;
		if (!connection_.compare_exchange_strong(expected, nullptr))
			return;
		while (users_.load() != 0)
			sched_yield();
	}

	/* A handler's look: `connection` (null if none) stays valid while the
	 * Use lives. */
	class Use
	{
	public:
		explicit Use(HandlerSlot &slot) noexcept : slot_(slot)
		{
			slot_.users_.fetch_add(1);
			connection = slot_.connection_.load();
		}
		~Use() { slot_.users_.fetch_sub(1); }
		Use(const Use &) = delete;
		Use &operator=(const Use &) = delete;
		Connection *connection;

	private:
		HandlerSlot &slot_;
	};

private:
	std::atomic<Connection *> connection_{nullptr};
	std::atomic<int> users_{0};
};

} /* namespace softvfio::session */
