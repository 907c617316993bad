/* SPDX-License-Identifier: MIT */
/*
 * A model thread started from a thread kept on one CPU (a session worker
 * following its client) runs where the process's first thread may, and so
 * does a process spawned inside a LeaderAffinityScope.
 */
#include <sched.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/cpu_affinity.h"
#include "base/model_thread.h"

namespace softvfio {
namespace {

cpu_set_t own_affinity()
{
	cpu_set_t set;
	CPU_ZERO(&set);
	EXPECT_EQ(::sched_getaffinity(0, sizeof(set), &set), 0);
	return set;
}

/* The test runs on the first thread; it needs two CPUs to tell one from
 * all. */
class CpuAffinity : public ::testing::Test
{
protected:
	void SetUp() override
	{
		leader_ = own_affinity();
		if (CPU_COUNT(&leader_) < 2)
			GTEST_SKIP() << "one CPU: nothing to tell apart";
		CPU_ZERO(&one_);
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
			if (CPU_ISSET(cpu, &leader_)) {
				CPU_SET(cpu, &one_);
				break;
			}
	}
	void pin_to_one() { ASSERT_EQ(::sched_setaffinity(0, sizeof(one_), &one_), 0); }

	cpu_set_t leader_;
	cpu_set_t one_;
};

TEST_F(CpuAffinity, AModelThreadStartedFromAPinnedThreadTakesTheFirstThreadsCpus)
{
	cpu_set_t seen;
	CPU_ZERO(&seen);
	std::thread pinned([&] {
		pin_to_one();
		ModelThread t;
		t.start([&] { seen = own_affinity(); });
		t.join();
	});
	pinned.join();
	EXPECT_TRUE(CPU_EQUAL(&seen, &leader_)) << CPU_COUNT(&seen) << " CPUs";
}

TEST_F(CpuAffinity, AScopeLendsTheFirstThreadsCpusAndGivesTheOwnBack)
{
	cpu_set_t inside, after;
	std::thread pinned([&] {
		pin_to_one();
		{
			LeaderAffinityScope scope;
			inside = own_affinity();
		}
		after = own_affinity();
	});
	pinned.join();
	EXPECT_TRUE(CPU_EQUAL(&inside, &leader_));
	EXPECT_TRUE(CPU_EQUAL(&after, &one_));
}

TEST_F(CpuAffinity, AScopeOnTheFirstThreadChangesNothing)
{
	{
		LeaderAffinityScope scope;
		cpu_set_t inside = own_affinity();
		EXPECT_TRUE(CPU_EQUAL(&inside, &leader_));
	}
	cpu_set_t after = own_affinity();
	EXPECT_TRUE(CPU_EQUAL(&after, &leader_));
}

} /* namespace */
} /* namespace softvfio */
