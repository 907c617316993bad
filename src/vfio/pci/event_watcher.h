/* SPDX-License-Identifier: MIT */
/*
 * EventWatcher: runs a callback whenever a watched eventfd is signalled (the
 * kernel's virqfd), on one thread started on first use. Used for ioeventfds:
 * a write to the eventfd becomes a BAR write without a syscall into vfio.
 */
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include <softvfio/base/result.h>
#include <softvfio/base/unique_fd.h>

#include "base/fork_guard.h"
#include "base/model_thread.h"

namespace softvfio::vfio {

class EventWatcher
{
public:
	EventWatcher() = default;
	~EventWatcher();
	EventWatcher(const EventWatcher &) = delete;
	EventWatcher &operator=(const EventWatcher &) = delete;

	/* Watch `eventfd` (dup'd; the caller keeps theirs). Returns an id. */
	Result<uint64_t> add(int eventfd, std::function<void()> callback);
	/* Stop watching; once it returns the callback is not running and will
	 * not run again. */
	void remove(uint64_t id);

private:
	Result<void> start_locked();
	void run();

	struct Watch {
		UniqueFD fd;
		std::function<void()> callback;
	};

	std::mutex lock_;      /* registry; held while a callback runs */
	std::map<uint64_t, Watch> watches_;
	uint64_t next_id_ = 1;
	UniqueFD epoll_;
	UniqueFD wakeup_;
	std::atomic<bool> stop_{false};
	ModelThread thread_;
	/* A forked child shares the parent's epoll instance and wakeup
	 * eventfd: drop its copies so the next add() builds its own. */
	ForkChildHook reset_in_child_{[this] {
		epoll_.reset();
		wakeup_.reset();
	}};
};

} /* namespace softvfio::vfio */
