/* SPDX-License-Identifier: MIT */
/*
 * Resv: a buffer's reservation object (dma_resv): its lock and its fences.
 *
 * The lock is a tracked mutex (base/tracked_mutex.h: a copy through
 * registers is refused while it is held, since a register access through a
 * DMABUF takes it) that remembers which thread holds it, so the
 * importer entry points can tell whether they are called from inside an
 * invalidate() notification (which runs with the lock held, as move_notify
 * does) and must not take it again.
 */
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <softvfio/importer.h>

#include "base/tracked_mutex.h"

namespace softvfio::dmabuf {

class Resv
{
public:
	void lock();
	void unlock();
	bool held_by_me() const { return owner_.load() == std::this_thread::get_id(); }

	/* dma_resv_add_fence (lock held). Signalled fences are pruned. */
	void add_fence_locked(std::shared_ptr<Fence> fence, FenceUsage usage);
	/* The unsignalled fences of classes up to `usage` (lock held). */
	std::vector<std::shared_ptr<Fence>> fences_locked(FenceUsage usage);
	/* dma_resv_wait_timeout(usage, MAX_SCHEDULE_TIMEOUT), lock held:
	 * the lock stays held while waiting, as in the kernel's revoke path. */
	void wait_locked(FenceUsage usage);
	/* The same without holding the lock (DMA_BUF_IOCTL_SYNC). */
	void wait_unlocked(FenceUsage usage);

private:
	struct Entry {
		std::shared_ptr<Fence> fence;
		FenceUsage usage;
	};

	/* Tracked: a copy through registers refuses to run under it
	 * (base/tracked_mutex.h). */
	TrackedMutex lock_;
	std::atomic<std::thread::id> owner_{};
	std::vector<Entry> fences_;
};

/* Lock the reservation unless this thread already holds it. */
class ResvGuard
{
public:
	explicit ResvGuard(Resv &resv) : resv_(resv), taken_(!resv.held_by_me())
	{
		if (taken_)
			resv_.lock();
	}
	~ResvGuard()
	{
		if (taken_)
			resv_.unlock();
	}
	ResvGuard(const ResvGuard &) = delete;
	ResvGuard &operator=(const ResvGuard &) = delete;

private:
	Resv &resv_;
	bool taken_;
};

} /* namespace softvfio::dmabuf */
