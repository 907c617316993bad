/* SPDX-License-Identifier: MIT */
/*
 * Where the session kernel serves a call: the worker of a client's slot
 * runs on the CPU the client's thread called from, so the hand-off
 * between them never waits for another CPU to wake up
 * (ClientProcess::follow_client_cpu).
 */
#include <algorithm>
#include <cerrno>
#include <sched.h>
#include <set>
#include <vector>

#include "session/raw_slot.h"
#include "session/session_fixture.h"

namespace softvfio::test {
namespace {

using session::Connection;

std::vector<int> allowed_cpus()
{
	cpu_set_t set;
	std::vector<int> cpus;
	if (::sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
			if (CPU_ISSET(cpu, &set))
				cpus.push_back(cpu);
	return cpus;
}

/* The threads of this process (which hosts the session kernel) that may
 * run on `cpu` alone, but those in `old` (taken when the test began): a
 * worker's thread from an earlier test may still be on its way out, and
 * a thread a worker started keeps the CPU the worker had then. */
std::set<pid_t> confined_to(int cpu, const std::set<pid_t> &old)
{
	std::set<pid_t> confined;
	for (pid_t tid : thread_ids()) {
		cpu_set_t set;
		if (!old.count(tid) && ::sched_getaffinity(tid, sizeof(set), &set) == 0 && CPU_COUNT(&set) == 1 &&
		    CPU_ISSET(cpu, &set))
			confined.insert(tid);
	}
	return confined;
}

bool confine_to(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return ::sched_setaffinity(0, sizeof(set), &set) == 0;
}

/* Calls from `cpu` alone, until its slot's worker followed there: the
 * worker moves after it posted an answer, so the answer to a second call
 * in the same slot (a thread calls in the same slot each time it finds
 * it free) comes from the worker moved. */
bool call_from(Connection &c, int cpu)
{
	return confine_to(cpu) && child::open(c, "/dev/vfio/vfio") >= 0 && child::open(c, "/dev/vfio/vfio") >= 0;
}

TEST_F(SessionTest, TheWorkerRunsOnTheCpuItsClientCalledFrom)
{
	const std::vector<int> cpus = allowed_cpus();
	if (cpus.size() < 2)
		GTEST_SKIP() << "needs two CPUs to tell them apart";
	const int a = cpus[0], b = cpus[1];
	const std::set<pid_t> old = thread_ids();
	child::Pipe called_a, go_on, called_b, checked;
	pid_t client = spawn([&](Connection &c) {
		CHILD_CHECK(call_from(c, a));
		called_a.post();
		CHILD_CHECK(go_on.take());
		CHILD_CHECK(call_from(c, b));
		called_b.post();
		/* Alive until looked at: the worker leaves with its process. */
		CHILD_CHECK(checked.take());
		return 0;
	});
	ASSERT_TRUE(await(called_a, client));
	EXPECT_EQ(confined_to(a, old).size(), 1u);
	go_on.post();
	ASSERT_TRUE(await(called_b, client));
	EXPECT_EQ(confined_to(b, old).size(), 1u);
	EXPECT_EQ(confined_to(a, old).size(), 0u);
	checked.post();
	EXPECT_EQ(reap(client), 0);
	/* The worker leaves with its process (and no test after sees it). */
	EXPECT_EQ(processes(), 0u);
	EXPECT_TRUE(threads_exited(confined_to(b, old)));
}

/* The CPU is the client's word: one out of range, or one the session may
 * not run on, confines no worker, and the calls are answered as ever. */
TEST_F(SessionTest, AWorkerIgnoresACpuItCannotFollow)
{
	const std::vector<int> cpus = allowed_cpus();
	ASSERT_FALSE(cpus.empty());
	int outside = -1;
	for (int cpu = CPU_SETSIZE - 1; cpu >= 0 && outside < 0; --cpu)
		if (std::find(cpus.begin(), cpus.end(), cpu) == cpus.end())
			outside = cpu;
	ASSERT_GE(outside, 0);
	const std::set<pid_t> old = thread_ids();
	child::Pipe answered, go_on;
	pid_t client = spawn([&](Connection &) {
		session::wire::Mailbox *mb = child::own_mailbox();
		CHILD_CHECK(mb != nullptr);
		RawSlot slot(*mb, 7);
		CHILD_CHECK(slot.claimed());
		uint32_t seq = 0;
		/* The last, "unknown", is answered after the worker followed
		 * (or not) every report before it. */
		for (uint32_t reported : {uint32_t(CPU_SETSIZE) + 1, 0xffffffffu, uint32_t(outside) + 1, 0u}) {
			slot.slot().c.client_cpu.store(reported, std::memory_order_relaxed);
			slot.request(0, ++seq, {0, 0, 0, 0, 0, 0});   /* an op the kernel does not know */
			CHILD_CHECK(slot.wait(10'000'000'000ull) == RawSlot::Wait::Message);
			CHILD_CHECK(slot.reply().result == -ENOSYS);
		}
		answered.post();
		CHILD_CHECK(go_on.take());
		return 0;
	});
	ASSERT_TRUE(await(answered, client));
	for (int cpu : cpus)
		EXPECT_EQ(confined_to(cpu, old).size(), 0u) << "cpu " << cpu;
	go_on.post();
	EXPECT_EQ(reap(client), 0);
}

} /* namespace */
} /* namespace softvfio::test */
