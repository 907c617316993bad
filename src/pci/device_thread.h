/* SPDX-License-Identifier: MIT */
/*
 * DeviceThread: the thread on which a function's register models run the
 * steps they schedule (DeviceContext::schedule(), <softvfio/device_model.h>).
 *
 * Why one thread per function and not threads of the models' own: every
 * model callback runs under the function's lock, so a step must too; the
 * thread pops a due step, drops its own lock and hands the step to the
 * function (`run`), which takes the function's lock and calls the model.
 * Models therefore never lock, and a plugin's device host (src/plugin/)
 * sees only calls the kernel makes, one at a time, which is what lets a
 * plugin be isolated in a process without a way to deadlock the kernel.
 *
 * Lock order: function lock -> DeviceThread's lock (schedule() and
 * cancel_all() are called with the function's lock held; the thread never
 * holds its own lock while it takes the function's).
 *
 * The thread starts at the first schedule() (most devices never need it)
 * and is joined by the destructor.
 */
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>

#include "base/model_thread.h"

namespace softvfio::pci {

class DeviceThread
{
public:
	/* Runs one due step: the BAR whose model scheduled it, its cookie
	 * and the generation it was scheduled in (see generation()). */
	using Run = std::function<void(unsigned bar, uint64_t cookie, uint64_t generation)>;

	/* Steps waiting at most; a model that schedules more gets -ENOMEM. */
	static constexpr size_t kMaxPending = 4096;

	explicit DeviceThread(Run run) : run_(std::move(run)) {}
	~DeviceThread();
	DeviceThread(const DeviceThread &) = delete;
	DeviceThread &operator=(const DeviceThread &) = delete;

	int schedule(std::chrono::nanoseconds delay, unsigned bar, uint64_t cookie);
	/* Forget every step not run yet (a function reset). A step already
	 * popped carries the old generation: the function drops it. */
	void cancel_all();
	uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

private:
	struct Step {
		unsigned bar;
		uint64_t cookie;
		uint64_t generation;
	};
	using Clock = std::chrono::steady_clock;

	void loop();

	Run run_;
	std::mutex mu_;
	std::condition_variable wake_;
	/* By deadline, then by the order of scheduling. */
	std::map<std::pair<Clock::time_point, uint64_t>, Step> pending_;
	uint64_t next_sequence_ = 0;
	bool stopping_ = false;
	std::atomic<uint64_t> generation_{0};
	ModelThread thread_;
};

} /* namespace softvfio::pci */
