/* SPDX-License-Identifier: MIT */
/*
 * Revocation across processes under load: N processes with M threads
 * each read and write a BAR mapping in a tight loop while another process
 * toggles PCI_COMMAND.MEMORY. Once the "off" call has returned in
 * the toggling process (and the round is published in shared memory),
 * every access in every reader faults; once the "on" call has returned,
 * every access succeeds and reads what the BAR holds.
 *
 * Threads meet through atomics in shared memory; loops are bounded by a
 * number of rounds and a deadline, never by sleeping.
 */
#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <thread>
#include <vector>

#include <softvfio/uapi/vfio.h>

#include "session/session_fixture.h"
#include "session/session_helper.h"

namespace softvfio::test {
namespace {

using session::Connection;
using session::wire::Op;
using namespace helper;

constexpr int kProcesses = 3;
constexpr int kThreads = 2;
constexpr uint32_t kReaders = kProcesses * kThreads;
constexpr uint32_t kRounds = 200;
constexpr size_t kLen = kStressPages * 4096;
constexpr auto kBudget = std::chrono::seconds(60);

/* Spin until `n` acks came in, or the deadline passed. */
bool await_acks(StressShared &s, uint32_t n, std::chrono::steady_clock::time_point end)
{
	while (s.acks.load() < n) {
		if (std::chrono::steady_clock::now() >= end)
			return false;
		sched_yield();
	}
	return true;
}

/* Rounds of memory off and on, published to the readers (session_helper
 * reader) through `s`: each phase is out only once its call returned, and
 * the next begins once every reader acknowledged it. `before_off` runs
 * before each "off" call, `off_out` once its phase is published. False on
 * a failed call or when the deadline passed. */
bool toggle_rounds(Connection &c, int device, StressShared &s, uint32_t readers, uint32_t rounds,
		   const std::function<bool()> &before_off, const std::function<bool()> &off_out)
{
	const auto end = std::chrono::steady_clock::now() + kBudget;
	while (s.started.load() < readers && std::chrono::steady_clock::now() < end)
		sched_yield();
	if (s.started.load() != readers)
		return false;
	for (uint32_t r = 0; r < rounds; r++) {
		if (!before_off() || !child::set_memory(c, device, false))
			return false;
		s.acks = 0;
		s.phase = 3 * r + 1;
		if (!off_out() || !await_acks(s, readers, end))
			return false;
		s.phase = 3 * r + 2;
		if (!child::set_memory(c, device, true))
			return false;
		s.acks = 0;
		s.phase = 3 * r + 3;
		if (!await_acks(s, readers, end))
			return false;
		s.rounds = r + 1;
	}
	return true;
}

/* Every round ran, none timed out, and no reader saw anything it must
 * not (StressShared's counters). */
void expect_every_round_clean(const StressShared &s, uint32_t rounds)
{
	EXPECT_EQ(s.timed_out.load(), 0u);
	EXPECT_EQ(s.rounds.load(), rounds);
	EXPECT_EQ(s.violations.load(), 0u);
	EXPECT_EQ(s.missed_fault.load(), 0u);
	EXPECT_EQ(s.missed_access.load(), 0u);
	EXPECT_EQ(s.wrong_data.load(), 0u);
}

/* The readers are processes of their own (session_helper reader, started
 * by the toggling process with the device fd), each with kThreads threads
 * hammering its BAR mapping. */
TEST_F(SessionTest, UnderThreadsAndProcessesEveryAccessAfterMemoryOffReturnedFaults)
{
	Shared<StressShared> s;
	ASSERT_TRUE(s);

	int status = in_child([&](Connection &c) {
		child::Device d;
		CHILD_CHECK(child::open_device(c, bdf_, d));
		for (uint64_t p = 0; p < kStressPages; p++) {
			uint32_t v = stress_pattern(p);
			CHILD_CHECK(c.call(Op::Pwrite, {d.device, reinterpret_cast<int64_t>(&v), 4,
							static_cast<int64_t>(kStressBar2 + p * 4096)}) == 4);
		}
		/* The toggling process maps the BAR too. */
		long bar = child::mmap(c, kLen, PROT_READ | PROT_WRITE, d.device, kStressBar2);
		CHILD_CHECK(bar > 0);

		std::vector<pid_t> readers;
		for (int p = 0; p < kProcesses; p++) {
			pid_t pid = exec_helper({"reader", dir_, std::to_string(s.fd), std::to_string(d.device),
						 std::to_string(p * kThreads), std::to_string(kThreads)},
						{s.fd, d.device});
			CHILD_CHECK(pid > 0);
			readers.push_back(pid);
		}

		/* Our own mapping faults as every other does. */
		bool ok = toggle_rounds(c, d.device, *s.p, kReaders, kRounds, [] { return true; },
					[&] { return child::faults(reinterpret_cast<void *>(bar)); });
		if (!ok)
			s->timed_out = 1;
		s->stop.store(1, std::memory_order_release);
		for (pid_t pid : readers)
			CHILD_CHECK(child::wait(pid) == 0);
		CHILD_CHECK(ok);
		return 0;
	});
	EXPECT_EQ(status, 0);
	expect_every_round_clean(*s.p, kRounds);
	/* The loop did hammer the mapping, both ways. */
	EXPECT_GT(s->accesses.load(), s->faults.load());
	EXPECT_GT(s->faults.load(), 0u);
	std::printf("%u rounds, %llu accesses, %llu faulted\n", s->rounds.load(),
		    static_cast<unsigned long long>(s->accesses.load()), static_cast<unsigned long long>(s->faults.load()));
}

/* A process stopped (SIGSTOP) cannot acknowledge a revocation; the call
 * does not wait for it, and once it is continued, none of its threads
 * touches the mapping before the revocation is in place: each runs the
 * session's handler first. */
TEST_F(SessionTest, AStoppedProcessesThreadsFaultOnceItIsContinued)
{
	Shared<StressShared> s;
	ASSERT_TRUE(s);
	constexpr uint32_t kStopRounds = 12;
	constexpr int kStoppedThreads = 3;

	int status = in_child([&](Connection &c) {
		child::Device d;
		CHILD_CHECK(child::open_device(c, bdf_, d));
		for (uint64_t p = 0; p < kStressPages; p++) {
			uint32_t v = stress_pattern(p);
			CHILD_CHECK(c.call(Op::Pwrite, {d.device, reinterpret_cast<int64_t>(&v), 4,
							static_cast<int64_t>(kStressBar2 + p * 4096)}) == 4);
		}
		pid_t reader = exec_helper({"reader", dir_, std::to_string(s.fd), std::to_string(d.device), "0",
					    std::to_string(kStoppedThreads)},
					   {s.fd, d.device});
		CHILD_CHECK(reader > 0);
		/* The "off" call returns although the reader cannot acknowledge;
		 * it is continued once the call returned and its phase is out. */
		bool ok = toggle_rounds(
			c, d.device, *s.p, kStoppedThreads, kStopRounds,
			[&] {
				int st = 0;
				return ::kill(reader, SIGSTOP) == 0 && ::waitpid(reader, &st, WUNTRACED) == reader &&
				       WIFSTOPPED(st);
			},
			[&] { return ::kill(reader, SIGCONT) == 0; });
		if (!ok)
			s->timed_out = 1;
		::kill(reader, SIGCONT);
		s->stop.store(1, std::memory_order_release);
		CHILD_CHECK(child::wait(reader) == 0);
		CHILD_CHECK(ok);
		return 0;
	});
	EXPECT_EQ(status, 0);
	expect_every_round_clean(*s.p, kStopRounds);
}

/* Threads of one process open and close files as fast as they can: the
 * kernel's ends of their stand-ins come and go, their numbers are reused
 * at once, and hang-ups race the closing calls. Every file works until
 * its own close, and none is left. */
TEST_F(SessionTest, OpensAndClosesRacingInThreadsNeverLoseALiveFile)
{
	Shared<OpenerShared> s;
	ASSERT_TRUE(s);
	pid_t pid = exec_helper({"opener", dir_, std::to_string(s.fd), "4", "400"}, {s.fd});
	ASSERT_GT(pid, 0);
	children_.push_back(pid);
	EXPECT_EQ(reap(pid), 0);
	EXPECT_EQ(s->opens.load(), 1600u);
	EXPECT_EQ(s->failures.load(), 0u);
	EXPECT_EQ(standins(), 0u);
}

} /* namespace */
} /* namespace softvfio::test */
