/* SPDX-License-Identifier: MIT */
/*
 * Futex words shared between processes (the mailbox): waits and wakes
 * without FUTEX_PRIVATE_FLAG, through the raw system call so that no
 * interposer (the shim itself, a sanitizer) sees them. Async-signal-safe.
 */
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace softvfio::session::wire {

/* Sleep while `*word == expected`, at most `timeout_ns` (0: no limit).
 * 0 when woken or the value differed, -ETIMEDOUT, -EINTR. */
inline int futex_wait(std::atomic<uint32_t> &word, uint32_t expected, uint64_t timeout_ns = 0) noexcept
{
	struct timespec ts;
	struct timespec *tp = nullptr;
	if (timeout_ns) {
		ts.tv_sec = static_cast<time_t>(timeout_ns / 1000000000u);
		ts.tv_nsec = static_cast<long>(timeout_ns % 1000000000u);
		tp = &ts;
	}
	long r = ::syscall(SYS_futex, reinterpret_cast<uint32_t *>(&word), FUTEX_WAIT, expected, tp, nullptr, 0);
	if (r == 0 || errno == EAGAIN)
		return 0;
	return -errno;
}

inline void futex_wake(std::atomic<uint32_t> &word, int count = 1) noexcept
{
	::syscall(SYS_futex, reinterpret_cast<uint32_t *>(&word), FUTEX_WAKE, count, nullptr, nullptr, 0);
}

/* A lock on a futex word (0 free, 1 held, 2 held with waiters). No
 * owner, no recursion; async-signal-safe, and the caller must make sure
 * the thread holding it is never interrupted by something that takes it
 * (the mm table blocks the session signal first). */
class FutexLock
{
public:
	void lock() noexcept
	{
		uint32_t c = 0;
		if (word_.compare_exchange_strong(c, 1, std::memory_order_acquire))
			return;
		if (c != 2)
			c = word_.exchange(2, std::memory_order_acquire);
		while (c != 0) {
			futex_wait(word_, 2);
			c = word_.exchange(2, std::memory_order_acquire);
		}
	}

	void unlock() noexcept
	{
		if (word_.exchange(0, std::memory_order_release) == 2)
			futex_wake(word_, 1);
	}

private:
	std::atomic<uint32_t> word_{0};
};

} /* namespace softvfio::session::wire */
