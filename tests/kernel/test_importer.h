/* SPDX-License-Identifier: MIT */
/* A test importer: counts invalidations and, like a well-behaved driver,
 * unmaps everything from inside the callback unless told not to. */
#pragma once

#include <atomic>
#include <functional>
#include <thread>

#include <softvfio/importer.h>

namespace softvfio::test {

struct TestImporter : Importer {
	bool peer2peer() const override { return p2p; }
	bool revocable() const override { return can_revoke; }
	void invalidate(Attachment &a) override
	{
		invalidations++;
		if (hook)
			hook(a);
		if (unmap_on_invalidate)
			while (a.mapped())
				(void)a.unmap();
	}

	bool p2p = true;
	bool can_revoke = true;
	bool unmap_on_invalidate = true;
	std::function<void(Attachment &)> hook;
	std::atomic<int> invalidations{0};
};

/* Spin until another thread sets `flag` (a handshake, not a timeout). */
inline void wait_for(const std::atomic<bool> &flag)
{
	while (!flag.load())
		std::this_thread::yield();
}

} /* namespace softvfio::test */
