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
		/* Not running in this process: never started, or a forked
		 * child, which has no copy of the parent's thread. */
		if (!thread_.running())
			thread_.start([this] { loop(); });
	}
	wake_.notify_all();
	return 0;
}

void DeviceThread::cancel_all()
{
	std::lock_guard lock(mu_);
	generation_.fetch_add(1, std::memory_order_acq_rel);
	pending_.clear();
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
		lock.unlock();
		run_(step.bar, step.cookie, step.generation);
		lock.lock();
	}
}

} /* namespace softvfio::pci */
