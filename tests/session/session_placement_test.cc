/* SPDX-License-Identifier: MIT */
/*
 * Where the session kernel serves a call: the worker of a client's slot
 * runs on the CPU the client's thread called from, so the hand-off
 * between them never waits for another CPU to wake up
 * (ClientProcess::follow_client_cpu).
 */
#include <dirent.h>
#include <sched.h>
#include <cstdlib>
#include <vector>

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
	child::Pipe called_a, go_on, called_b;
	pid_t client = spawn([&](Connection &c) {
		CHILD_CHECK(confine_to(a));
		CHILD_CHECK(child::open(c, "/dev/vfio/vfio") >= 0);
		called_a.post();
		CHILD_CHECK(go_on.take());
		CHILD_CHECK(confine_to(b));
		CHILD_CHECK(child::open(c, "/dev/vfio/vfio") >= 0);
		called_b.post();
		return 0;
	});
	ASSERT_TRUE(await(called_a, client));
	EXPECT_TRUE(eventually([&] { return threads_confined_to(a) == 1; }));
	go_on.post();
	ASSERT_TRUE(await(called_b, client));
	EXPECT_TRUE(eventually([&] { return threads_confined_to(b) == 1 && threads_confined_to(a) == 0; }));
	EXPECT_EQ(reap(client), 0);
}

} /* namespace */
} /* namespace softvfio::test */
