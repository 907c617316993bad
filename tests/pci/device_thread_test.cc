/* SPDX-License-Identifier: MIT */
/*
 * DeviceThread::wait_idle(), which PciFunction::wait_device_idle() passes
 * on: it returns once the steps due within its timeout have run (at once
 * when there are none), gives up at the timeout on a model that never stops
 * scheduling, and a cancel_all() ends it.
 *
 * The timeouts here are failure bounds, not waits: a passing test never
 * reaches one, except the one that is about reaching it.
 */
#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "pci/device_thread.h"

namespace softvfio::pci::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/* A thread whose steps count themselves; a step with cookie 1 schedules
 * itself again at once, forever. */
class Stepper
{
public:
	/* Before the thread: it outlives the thread's last step. */
	std::atomic<unsigned> ran{0};
	DeviceThread thread{[this](unsigned, uint64_t cookie, uint64_t) {
		ran.fetch_add(1);
		if (cookie == 1)
			(void)thread.schedule(0ns, 0, 1);
	}};
};

TEST(DeviceThreadWaitIdle, ReturnsAtOnceWhenNothingIsScheduled)
{
	Stepper s;
	const auto start = Clock::now();
	EXPECT_TRUE(s.thread.wait_idle(30s));
	EXPECT_LT(Clock::now() - start, 10s);
	EXPECT_TRUE(s.thread.wait_idle(0ns)) << "a zero timeout only looks";
}

TEST(DeviceThreadWaitIdle, ReturnsAfterTheScheduledStepsRan)
{
	Stepper s;
	ASSERT_EQ(s.thread.schedule(0ns, 0, 7), 0);
	ASSERT_EQ(s.thread.schedule(20ms, 0, 8), 0);
	EXPECT_TRUE(s.thread.wait_idle(30s));
	EXPECT_EQ(s.ran.load(), 2u) << "the delayed step too: it fell due within the timeout";
}

TEST(DeviceThreadWaitIdle, AStepDueAfterTheTimeoutIsNotWaitedFor)
{
	Stepper s;
	ASSERT_EQ(s.thread.schedule(1h, 0, 7), 0);
	const auto start = Clock::now();
	EXPECT_TRUE(s.thread.wait_idle(30s));
	EXPECT_LT(Clock::now() - start, 10s);
	EXPECT_EQ(s.ran.load(), 0u);
}

TEST(DeviceThreadWaitIdle, GivesUpOnAModelThatKeepsRescheduling)
{
	Stepper s;
	ASSERT_EQ(s.thread.schedule(0ns, 0, 1), 0);
	const auto start = Clock::now();
	EXPECT_FALSE(s.thread.wait_idle(50ms));
	EXPECT_GE(Clock::now() - start, 50ms);
	EXPECT_GT(s.ran.load(), 0u);
}

/* A waiter for a step an hour away, within its timeout, is let go by the
 * cancel_all() of a function reset, which forgets that step. The waiter
 * may start waiting before or after the cancel: both must end at once. */
TEST(DeviceThreadWaitIdle, CancelAllEndsTheWait)
{
	Stepper s;
	ASSERT_EQ(s.thread.schedule(1h, 0, 7), 0);
	std::promise<bool> result;
	std::future<bool> waited = result.get_future();
	std::thread waiter([&] { result.set_value(s.thread.wait_idle(2h)); });
	s.thread.cancel_all();
	if (waited.wait_for(30s) != std::future_status::ready) {
		ADD_FAILURE() << "cancel_all() did not end wait_idle()";
		/* The end of any step wakes the waiter, which then finds nothing
		 * due: the test fails instead of hanging for two hours. */
		(void)s.thread.schedule(0ns, 0, 9);
	}
	waiter.join();
	EXPECT_TRUE(waited.get());
	EXPECT_EQ(s.ran.load(), 0u);
}

} /* namespace */
} /* namespace softvfio::pci::test */
