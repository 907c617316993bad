/* SPDX-License-Identifier: MIT */
/*
 * Deferred release of buffers (the kernel's deferred fput).
 *
 * Releasing a DmaBuf takes its device's memory_lock and may close the
 * device. The device-wide operations (revoke, un-revoke, cleanup) hold that
 * lock while they work on buffers, through references taken from the
 * device's list; if the program drops its own reference meanwhile, the
 * operation's reference is the last one, and releasing it on the spot would
 * deadlock. The kernel defers such an fput to task work; here a buffer
 * whose last reference goes inside a DeferReleaseScope is handed to a
 * release thread, which waits for the lock like any other thread.
 */
#pragma once

namespace softvfio::dmabuf {

class DmaBuf;

/* On this thread, while it lives: a buffer's last reference dropping
 * queues the release instead of running it. */
class DeferReleaseScope
{
public:
	DeferReleaseScope();
	~DeferReleaseScope();
	DeferReleaseScope(const DeferReleaseScope &) = delete;
	DeferReleaseScope &operator=(const DeferReleaseScope &) = delete;
};

/* The deleter of every DmaBuf's shared_ptr. */
struct BufferDeleter {
	void operator()(DmaBuf *buf) const;
};

/* Wait until every queued release has run. */
void flush_deferred_releases();

} /* namespace softvfio::dmabuf */
