/* SPDX-License-Identifier: MIT */
#include "pci/device_thread.h"

#include <algorithm>
#include <cerrno>

namespace softvfio::pci {

DeviceThread::~DeviceThread()
{
	{
		std::lock_guard lock(mu_);
		stopping_ = true;
	}
	wake_.notify_all();
	idle_.notify_all();
	thread_.join();
}

int DeviceThread::schedule(std::chrono::nanoseconds delay, unsigned bar, uint64_t cookie)
{
	if (delay.count() < 0)
		delay = std::chrono::nanoseconds(0);
	/* A deadline past what the clock holds would wrap: a day is "never"
	 * for a device. */
	delay = std::min<std::chrono::nanoseconds>(delay, std::chrono::hours(24));
	{
		std::lock_guard lock(mu_);
		if (pending_.size() >= kMaxPending)
			return -ENOMEM;
		pending_.emplace(std::make_pair(Clock::now() + delay, next_sequence_++),
				 Step{bar, cookie, generation()});
		start_locked();
	}
	wake_.notify_all();
	return 0;
}

void DeviceThread::cancel_all()
{
	{
		std::lock_guard lock(mu_);
		generation_.fetch_add(1, std::memory_order_acq_rel);
		pending_.clear();
	}
	/* A waiter for steps that will now never run is done waiting. */
	idle_.notify_all();
}

void DeviceThread::start_locked()
{
	/* Not running in this process: never started, or a forked child,
	 * which has no copy of the parent's thread (nor of the step it may
	 * have been running: that one is not ours to wait for). */
	if (thread_.running())
		return;
	running_ = false;
	if (!pending_.empty())
		thread_.start([this] { loop(); });
}

bool DeviceThread::idle_by(Clock::time_point end) const
{
	return !running_ && (pending_.empty() || pending_.begin()->first.first > end);
}

bool DeviceThread::wait_idle(std::chrono::nanoseconds timeout)
{
	/* Bounded as schedule()'s delay is: the deadline must not wrap. */
	timeout = std::clamp<std::chrono::nanoseconds>(timeout, std::chrono::nanoseconds(0), std::chrono::hours(24));
	const Clock::time_point end = Clock::now() + timeout;
	std::unique_lock lock(mu_);
	/* A forked child's copy of the steps runs on a thread of its own,
	 * as it would at its next schedule(). */
	if (!stopping_)
		start_locked();
	idle_.wait_until(lock, end, [&] { return stopping_ || idle_by(end); });
	return idle_by(end);
}

void DeviceThread::loop()
{
	std::unique_lock lock(mu_);
	while (!stopping_) {
		if (pending_.empty()) {
			wake_.wait(lock);
			continue;
		}
		auto first = pending_.begin();
		/* A copy: the wait reads the deadline again after it wakes, when
		 * cancel_all() may have freed the step's node. */
		const Clock::time_point deadline = first->first.first;
		if (deadline > Clock::now()) {
			wake_.wait_until(lock, deadline);
			continue;
		}
		const Step step = first->second;
		pending_.erase(first);
		running_ = true;
		lock.unlock();
		run_(step.bar, step.cookie, step.generation);
		lock.lock();
		running_ = false;
		/* What the step scheduled is in pending_ already: a waiter
		 * woken here weighs it before it returns. */
		idle_.notify_all();
	}
}

} /* namespace softvfio::pci */
