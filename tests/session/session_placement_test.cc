/* SPDX-License-Identifier: MIT */
/*
 * Where the session kernel serves a call: the worker of a client's slot
 * runs on the CPU the client's thread called from, so the hand-off
 * between them never waits for another CPU to wake up
 * (ClientProcess::follow_client_cpu).
 */
#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <sched.h>
#include <cstdlib>
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

/* How many threads of this process (which hosts the session kernel) may
 * run on `cpu` alone. */
int threads_confined_to(int cpu)
{
	int n = 0;
	DIR *dir = ::opendir("/proc/self/task");
	if (!dir)
		return -1;
	while (struct dirent *e = ::readdir(dir)) {
		const pid_t tid = static_cast<pid_t>(std::atoi(e->d_name));
		cpu_set_t set;
		if (tid <= 0 || ::sched_getaffinity(tid, sizeof(set), &set) < 0)
			continue;
		n += CPU_COUNT(&set) == 1 && CPU_ISSET(cpu, &set);
	}
	::closedir(dir);
	return n;
}

bool confine_to(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return ::sched_setaffinity(0, sizeof(set), &set) == 0;
}

TEST_F(SessionTest, TheWorkerRunsOnTheCpuItsClientCalledFrom)
{
	const std::vector<int> cpus = allowed_cpus();
	if (cpus.size() < 2)
		GTEST_SKIP() << "needs two CPUs to tell them apart";
	const int a = cpus[0], b = cpus[1];
	ASSERT_EQ(threads_confined_to(a), 0);
	ASSERT_EQ(threads_confined_to(b), 0);
	child::Pipe called_a, go_on, called_b, checked;
	pid_t client = spawn([&](Connection &c) {
		CHILD_CHECK(confine_to(a));
		CHILD_CHECK(child::open(c, "/dev/vfio/vfio") >= 0);
		called_a.post();
		CHILD_CHECK(go_on.take());
		CHILD_CHECK(confine_to(b));
		CHILD_CHECK(child::open(c, "/dev/vfio/vfio") >= 0);
		called_b.post();
		/* Alive until looked at: the worker leaves with its process. */
		CHILD_CHECK(checked.take());
		return 0;
	});
	ASSERT_TRUE(await(called_a, client));
	EXPECT_TRUE(eventually([&] { return threads_confined_to(a) == 1; }));
	go_on.post();
	ASSERT_TRUE(await(called_b, client));
	EXPECT_TRUE(eventually([&] { return threads_confined_to(b) == 1 && threads_confined_to(a) == 0; }));
	checked.post();
	EXPECT_EQ(reap(client), 0);
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
		EXPECT_EQ(threads_confined_to(cpu), 0) << "cpu " << cpu;
	go_on.post();
	EXPECT_EQ(reap(client), 0);
}

} /* namespace */
} /* namespace softvfio::test */
