/* SPDX-License-Identifier: MIT */
/*
 * Mutexes that count, per thread, how many of them the thread holds.
 *
 * A system call's copy of user memory that meets a register mapping is
 * made as register accesses (mm::Mm::register_copy), and a register
 * access takes the process's mmap_lock, the buffer's reservation lock and
 * the device's memory_lock. Made by a thread that already holds one of
 * those (or a lock ordered after them), it would deadlock or invert the
 * lock order. The model's locks of that kind are these types, so the copy
 * can ask tracked_locks_held() and answer EFAULT instead (docs/trap.md).
 *
 * Both meet the standard's Mutex / SharedMutex requirements, so
 * std::lock_guard, std::unique_lock, std::shared_lock and std::scoped_lock
 * work unchanged. A failed try_lock counts nothing; a shared and an
 * exclusive hold count alike.
 */
#pragma once

#include <mutex>
#include <shared_mutex>

namespace softvfio {

/* How many tracked locks (shared or exclusive holds) the calling thread
 * has. */
unsigned tracked_locks_held() noexcept;

namespace tracked_detail {
void acquired() noexcept;
void released() noexcept;
} /* namespace tracked_detail */

/* The exclusive half, over any standard mutex. */
template<typename Mutex>
class TrackedLockable
{
public:
	TrackedLockable() = default;
	TrackedLockable(const TrackedLockable &) = delete;
	TrackedLockable &operator=(const TrackedLockable &) = delete;

	void lock()
	{
		m_.lock();
		tracked_detail::acquired();
	}
	bool try_lock()
	{
		if (!m_.try_lock())
			return false;
		tracked_detail::acquired();
		return true;
	}
	void unlock()
	{
		tracked_detail::released();
		m_.unlock();
	}

protected:
	Mutex m_;
};

class TrackedMutex final : public TrackedLockable<std::mutex>
{
};

class TrackedSharedMutex final : public TrackedLockable<std::shared_mutex>
{
public:
	void lock_shared()
	{
		m_.lock_shared();
		tracked_detail::acquired();
	}
	bool try_lock_shared()
	{
		if (!m_.try_lock_shared())
			return false;
		tracked_detail::acquired();
		return true;
	}
	void unlock_shared()
	{
		tracked_detail::released();
		m_.unlock_shared();
	}
};

} /* namespace softvfio */
