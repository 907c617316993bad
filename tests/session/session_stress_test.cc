/* SPDX-License-Identifier: MIT */
/*
 * Revocation across processes under load: N forked processes with M
 * threads each read and write a BAR mapping in a tight loop while another
 * process toggles PCI_COMMAND.MEMORY. Once the "off" call has returned in
 * the toggling process (and the round is published in shared memory),
 * every access in every reader faults; once the "on" call has returned,
 * every access succeeds and reads what the BAR holds.
 *
 * Threads meet through atomics in shared memory; loops are bounded by a
 * number of rounds and a deadline, never by sleeping.
 */
#include <atomic>
#include <chrono>
#include <sched.h>
#include <sys/mman.h>
#include <thread>
#include <vector>

#include <softvfio/uapi/vfio.h>

#include "session/session_fixture.h"
#include "support/guarded_access.h"

namespace softvfio::test {
namespace {

using session::Connection;
using session::wire::Op;

constexpr uint64_t kBar2 = uint64_t(VFIO_PCI_BAR2_REGION_INDEX) << 40;
constexpr int kProcesses = 3;
constexpr int kThreads = 2;
constexpr int kReaders = kProcesses * kThreads;
constexpr uint32_t kRounds = 200;
constexpr uint64_t kPages = 16;
constexpr size_t kLen = kPages * 4096;
constexpr auto kBudget = std::chrono::seconds(60);

constexpr uint32_t pattern(uint64_t page) { return 0x5e550000u | static_cast<uint32_t>(page); }

/* Round r goes through three phases, published in `phase`:
 *   3r + 1: the "off" call returned: every access must fault;
 *   3r + 2: the "on" call is about to be made: anything goes;
 *   3r + 3: the "on" call returned: every access must succeed. */
enum Phase : uint32_t { kOff = 1, kTurningOn = 2, kOn = 0 };

struct Shared {
	std::atomic<uint32_t> phase{0};
	std::atomic<uint32_t> acks{0};
	std::atomic<uint32_t> started{0};
	std::atomic<uint32_t> stop{0};
	std::atomic<uint32_t> rounds{0};
	std::atomic<uint32_t> timed_out{0};
	std::atomic<uint64_t> accesses{0};
	std::atomic<uint64_t> faults{0};
	/* An access that succeeded although "off" had returned for its round
	 * before it and "on" had not started after it. */
	std::atomic<uint64_t> violations{0};
	/* The first access after a phase was seen. */
	std::atomic<uint64_t> missed_fault{0};
	std::atomic<uint64_t> missed_access{0};
	std::atomic<uint64_t> wrong_data{0};
};
static_assert(std::atomic<uint64_t>::is_always_lock_free);

void reader(Shared &s, uintptr_t bar, unsigned index)
{
	const uint64_t page = index % kPages;
	auto *addr = reinterpret_cast<void *>(bar + page * 4096);
	const uint32_t expect = pattern(page);
	uint32_t seen = s.phase.load();
	uint64_t accesses = 0, faults = 0;
	s.started++;
	for (uint64_t i = 0; !s.stop.load(std::memory_order_acquire); i++) {
		const uint32_t before = s.phase.load();
		if (before != seen) {
			/* The first access of this thread once the phase is out. */
			Access a = guarded_read(addr);
			if (before % 3 == kOff && !a.faulted)
				s.missed_fault++;
			if (before % 3 == kOn && before != 0) {
				if (a.faulted)
					s.missed_access++;
				else if (a.value != expect)
					s.wrong_data++;
			}
			seen = before;
			if (before % 3 != kTurningOn)
				s.acks++;
			continue;
		}
		const bool write = i & 1;
		Access a = write ? guarded_write(addr, expect) : guarded_read(addr);
		const uint32_t after = s.phase.load();
		accesses++;
		if (a.faulted) {
			faults++;
		} else {
			if (before % 3 == kOff && after == before)
				s.violations++;
			if (!write && a.value != expect)
				s.wrong_data++;
		}
		if ((i & 63) == 63)
			sched_yield();
	}
	s.accesses += accesses;
	s.faults += faults;
}

/* Spin until `n` acks came in, or the deadline passed. */
bool await_acks(Shared &s, uint32_t n, std::chrono::steady_clock::time_point end)
{
	while (s.acks.load() < n) {
		if (std::chrono::steady_clock::now() >= end)
			return false;
		sched_yield();
	}
	return true;
}

TEST_F(SessionTest, UnderThreadsAndProcessesEveryAccessAfterMemoryOffReturnedFaults)
{
	auto *s = static_cast<Shared *>(::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE,
					       MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	ASSERT_NE(s, MAP_FAILED);
	new (s) Shared();

	int status = in_child([&](Connection &c) {
		child::Device d;
		CHILD_CHECK(child::open_device(c, bdf_, d));
		for (uint64_t p = 0; p < kPages; p++) {
			uint32_t v = pattern(p);
			CHILD_CHECK(c.call(Op::Pwrite, {d.device, reinterpret_cast<int64_t>(&v), 4,
							static_cast<int64_t>(kBar2 + p * 4096)}) == 4);
		}
		long bar = child::mmap(c, kLen, PROT_READ | PROT_WRITE, d.device, kBar2);
		CHILD_CHECK(bar > 0);

		std::vector<pid_t> readers;
		for (int p = 0; p < kProcesses; p++) {
			pid_t pid = child::fork(c);
			if (pid == 0) {
				std::vector<std::thread> threads;
				for (int t = 0; t < kThreads; t++)
					threads.emplace_back(reader, std::ref(*s), static_cast<uintptr_t>(bar),
							     static_cast<unsigned>(p * kThreads + t));
				for (auto &t : threads)
					t.join();
				::_exit(0);
			}
			CHILD_CHECK(pid > 0);
			readers.push_back(pid);
		}

		const auto end = std::chrono::steady_clock::now() + kBudget;
		while (s->started.load() < kReaders && std::chrono::steady_clock::now() < end)
			sched_yield();
		bool ok = s->started.load() == kReaders;
		for (uint32_t r = 0; ok && r < kRounds; r++) {
			ok = child::set_memory(c, d.device, false);
			if (!ok)
				break;
			s->acks = 0;
			s->phase = 3 * r + 1;
			ok = await_acks(*s, kReaders, end);
			if (!ok)
				break;
			s->phase = 3 * r + 2;
			ok = child::set_memory(c, d.device, true);
			if (!ok)
				break;
			s->acks = 0;
			s->phase = 3 * r + 3;
			ok = await_acks(*s, kReaders, end);
			s->rounds = r + 1;
		}
		if (!ok)
			s->timed_out = 1;
		s->stop.store(1, std::memory_order_release);
		for (pid_t pid : readers)
			CHILD_CHECK(child::wait(pid) == 0);
		CHILD_CHECK(ok);
		return 0;
	});
	EXPECT_EQ(status, 0);
	EXPECT_EQ(s->timed_out.load(), 0u);
	EXPECT_EQ(s->rounds.load(), kRounds);
	EXPECT_EQ(s->violations.load(), 0u);
	EXPECT_EQ(s->missed_fault.load(), 0u);
	EXPECT_EQ(s->missed_access.load(), 0u);
	EXPECT_EQ(s->wrong_data.load(), 0u);
	/* The loop did hammer the mapping, both ways. */
	EXPECT_GT(s->accesses.load(), s->faults.load());
	EXPECT_GT(s->faults.load(), 0u);
	RecordProperty("accesses", std::to_string(s->accesses.load()));
	RecordProperty("faults", std::to_string(s->faults.load()));
	std::printf("%u rounds, %llu accesses, %llu faulted\n", s->rounds.load(),
		    static_cast<unsigned long long>(s->accesses.load()), static_cast<unsigned long long>(s->faults.load()));
	s->~Shared();
	::munmap(s, sizeof(Shared));
}

} /* namespace */
} /* namespace softvfio::test */
