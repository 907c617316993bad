/* SPDX-License-Identifier: MIT */
/*
 * Concurrency: zap/restore against accesses, maps, unmaps and faults.
 * Synchronisation is by atomics and handshakes only; every loop is bounded.
 */
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "mm/fixture.h"

namespace softvfio::mm::test {
namespace {

using StressTest = MmTest;

bool is_adrerr(const Probe &p, uintptr_t addr)
{
	return p.faulted && p.signo == SIGBUS && p.code == BUS_ADRERR && p.addr == addr;
}

/* After every zap() returns, a probe from each worker must fault, while the
 * workers hammer the mappings in between. */
TEST_F(StressTest, EveryAccessFaultsOnceZapReturns)
{
	constexpr int kWorkers = 3;
	constexpr int kEpochs = 150;
	auto f = bar2(0, 16 * kPageSize);
	std::vector<uintptr_t> addrs;
	for (int i = 0; i < 8; i++)
		addrs.push_back(*map(f, 2 * kPageSize, bar2_pgoff(i * 2 * kPageSize)));

	std::atomic<int> zapped_epoch{0}, acks{0}, failures{0}, hammered{0};
	std::atomic<bool> stop{false};
	std::mutex m;
	std::condition_variable cv;

	auto worker = [&](int id) {
		int seen = 0;
		for (uint32_t n = 0;; n++) {
			int e = zapped_epoch.load(std::memory_order_acquire);
			if (e > seen) {
				for (uintptr_t a : addrs)
					failures += !is_adrerr(probe_read(a + kPageSize + 8 * id), a + kPageSize + 8 * id);
				seen = e;
				std::lock_guard g(m);
				acks++;
				cv.notify_all();
				continue;
			}
			if (stop.load())
				return;
			uintptr_t a = addrs[n % addrs.size()] + 8 * id;
			Probe p = (n & 1) ? probe_write(a, n) : probe_read(a);
			failures += p.faulted && !is_adrerr(p, a);
			/* Two cores: let the revoker run between bursts. */
			if (++hammered % 64 == 0)
				std::this_thread::yield();
		}
	};
	std::vector<std::thread> threads;
	for (int i = 0; i < kWorkers; i++)
		threads.emplace_back(worker, i);
	for (int e = 1; e <= kEpochs; e++) {
		f->accessible_flag = false;
		f->address_space().zap();
		std::unique_lock lock(m);
		acks = 0;
		zapped_epoch.store(e, std::memory_order_release);
		cv.wait(lock, [&] { return acks.load() == kWorkers; });
		lock.unlock();
		f->accessible_flag = true;
		f->address_space().restore();
	}
	stop = true;
	for (auto &t : threads)
		t.join();
	EXPECT_EQ(failures.load(), 0);
	EXPECT_GT(hammered.load(), 0);
	for (uintptr_t a : addrs)
		EXPECT_TRUE(readable(a));
}

/* A mapper maps and unmaps while a revoker cycles the buffer. A VMA mapped
 * at any moment is revoked by the next completed zap; an address unmapped
 * and reused for anonymous memory is never touched by a zap. */
TEST_F(StressTest, MapUnmapNeverLosesOrClobbers)
{
	constexpr int kIterations = 400;
	constexpr int kZappedChecks = 8;
	auto f = bar2(0, 4 * kPageSize);
	std::atomic<uint64_t> cycle{0};        /* 4k: live, 4k+2: zapped */
	std::atomic<uint64_t> checked{0};      /* last zapped cycle the mapper probed */
	std::atomic<bool> mapper_done{false};
	std::atomic<int> failures{0}, zapped_checks{0};
	std::vector<uintptr_t> anon, kept;

	std::thread revoker([&] {
		for (uint64_t k = 0; !mapper_done.load(); k++) {
			cycle = 4 * k + 1;
			f->accessible_flag = false;
			f->address_space().zap();
			cycle = 4 * k + 2;
			/* Hold the zapped state until the mapper has checked it. */
			while (checked.load() < 4 * k + 2 && !mapper_done.load())
				std::this_thread::yield();
			cycle = 4 * k + 3;
			f->accessible_flag = true;
			f->address_space().restore();
			cycle = 4 * k + 4;
		}
	});

	/* Go on past kIterations until some probes saw a zapped cycle: the
	 * revoker holds each zapped state until one has, so this ends. */
	for (int i = 0; i < kIterations || zapped_checks.load() < kZappedChecks; i++) {
		auto a = map(f, kPageSize, bar2_pgoff((i % 4) * kPageSize));
		ASSERT_TRUE(a);
		const uint64_t c1 = cycle.load();
		Probe p = probe_read(*a);
		const uint64_t c2 = cycle.load();
		if (c1 == c2 && c1 % 4 == 2) {
			failures += !is_adrerr(p, *a);
			zapped_checks++;
			checked = c1;
		} else if (c1 == c2 && c1 % 4 == 0) {
			failures += p.faulted;
		}
		if (i % 10 == 0) {
			kept.push_back(*a);
			continue;
		}
		ASSERT_TRUE(mm.unmap(*a, kPageSize));
		void *q = ::mmap(reinterpret_cast<void *>(*a), kPageSize, kRW,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (q == reinterpret_cast<void *>(*a)) {
			failures += probe_write(*a, 0xa000 + i).faulted;
			anon.push_back(*a);
		}
		for (size_t j = 0; j < anon.size(); j += 7)
			failures += probe_read(anon[j]).faulted;
	}
	mapper_done = true;
	revoker.join();

	EXPECT_EQ(failures.load(), 0);
	EXPECT_GE(zapped_checks.load(), kZappedChecks);
	EXPECT_EQ(f->address_space().vma_count(), kept.size());
	f->address_space().zap();
	for (uintptr_t a : kept)
		EXPECT_TRUE(sigbus(a));
	for (uintptr_t a : anon) {
		Probe p = probe_read(a);
		EXPECT_FALSE(p.faulted);
		::munmap(reinterpret_cast<void *>(a), kPageSize);
	}
}

/* The model stays consistent with faults, snapshots and splits racing
 * zaps: after the last zap no VMA has a leaf. */
TEST_F(StressTest, FaultsAndSnapshotsRaceZaps)
{
	auto f = make({{kBar2 + kPageSize, 64 * kPageSize}});
	std::vector<uintptr_t> addrs;
	for (int i = 0; i < 4; i++)
		addrs.push_back(*map(f, 16 * kPageSize, 0));
	std::atomic<bool> stop{false};
	std::atomic<int> touches{0};
	std::thread toucher([&] {
		for (uint32_t n = 0; !stop.load(); n++) {
			mm.touch(addrs[n % 4] + (n % 16) * kPageSize);
			touches++;
		}
	});
	std::thread snapper([&] {
		while (!stop.load()) {
			probe_write(addrs[1] + 3 * kPageSize, 1);
			(void)mm.snapshot(true);
		}
	});
	for (int i = 0; i < 200 || touches.load() < 100; i++) {
		f->accessible_flag = (i % 2) != 0;
		if (i % 2)
			f->address_space().restore();
		else
			f->address_space().zap();
		if (i == 100) {
			ASSERT_TRUE(mm.unmap(addrs[3] + 8 * kPageSize, kPageSize));   /* split under load */
		}
	}
	f->accessible_flag = false;
	f->address_space().zap();
	stop = true;
	toucher.join();
	snapper.join();
	for (const VmaSnapshot &s : mm.snapshot(false)) {
		EXPECT_FALSE(s.live);
		EXPECT_TRUE(s.entries.empty());
	}
	EXPECT_EQ(f->address_space().vma_count(), 5u);
}

} /* namespace */
} /* namespace softvfio::mm::test */
