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
 *
 * wait_idle() lets a caller (a test, a tool) wait for the steps a model
 * scheduled instead of polling a register with sleeps: the thread tells
 * `idle_` when a step ends, and cancel_all() and the destructor do too.
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
	/* Wait until the device has nothing to do within `timeout`: no step
	 * running, and none pending that falls due before the timeout ends.
	 * True once so (at once when nothing is scheduled); false when the
	 * timeout passed first, as it does for a model that keeps scheduling
	 * itself, so a caller never hangs on one.
	 *
	 * Why steps due after the timeout are not waited for: a model may keep
	 * a step far off (a watchdog an hour away) that no caller wants to
	 * wait out, while a step due within the caller's patience is one it
	 * means to see done. Steps a step schedules count as soon as they are
	 * scheduled, which is before the step that scheduled them ends.
	 *
	 * Never call it with the function's lock held: a step takes that lock
	 * to run, so the wait could not end before its timeout (and it would
	 * invert the lock order above for nothing: wait_idle() itself takes
	 * only this thread's lock). Nor from a step. */
	bool wait_idle(std::chrono::nanoseconds timeout);
	uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

private:
	struct Step {
		unsigned bar;
		uint64_t cookie;
		uint64_t generation;
	};
	using Clock = std::chrono::steady_clock;

	void loop();
	/* `mu_` held: start the thread if it does not run in this process. */
	void start_locked();
	/* `mu_` held: nothing running and no step due by `end`. */
	bool idle_by(Clock::time_point end) const;

	Run run_;
	std::mutex mu_;
	std::condition_variable wake_;
	std::condition_variable idle_;   /* a step ended, steps were cancelled, or stopping */
	/* By deadline, then by the order of scheduling. */
	std::map<std::pair<Clock::time_point, uint64_t>, Step> pending_;
	uint64_t next_sequence_ = 0;
	bool stopping_ = false;
	bool running_ = false;   /* a step popped from pending_ is being run */
	std::atomic<uint64_t> generation_{0};
	ModelThread thread_;
};

} /* namespace softvfio::pci */
