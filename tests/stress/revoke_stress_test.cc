/* SPDX-License-Identifier: MIT */
/*
 * Threads hammer BAR and DMABUF mappings while another toggles
 * PCI_COMMAND.MEMORY. Once a revoke has returned, every thread's next
 * access SIGBUSes; once the un-revoke has returned, every thread's next
 * access reads the right data; in between, an access either SIGBUSes or
 * reads the right data, never stale or zero bytes.
 */
#include <vector>

#include "stress/stress_fixture.h"

namespace softvfio::stress {
namespace {

constexpr int kWorkers = 3;
constexpr int kMinRounds = 10;
constexpr int kMaxRounds = 150;
constexpr auto kBudget = std::chrono::milliseconds(1000);

struct Shared {
	/* Even: live (memory enabled); odd: revoked. Bumped by the
	 * controller only after the config write returned. */
	std::atomic<uint64_t> epoch{0};
	std::atomic<int> acks{0};
	std::atomic<bool> stop{false};
	std::atomic<int> wrong_data{0};
	std::atomic<int> missed_sigbus{0};
	std::atomic<int> missed_access{0};
};

struct Target {
	uintptr_t addr;
	uint32_t expect;
};

void worker(Shared &s, const std::vector<Target> &targets)
{
	uint64_t seen = 0;
	size_t next = 0;
	while (!s.stop.load()) {
		const uint64_t e = s.epoch.load();
		if (e != seen) {
			/* The first accesses after observing the new epoch. */
			for (const Target &t : targets) {
				Access a = guarded_read(reinterpret_cast<void *>(t.addr));
				if (e & 1) {
					if (!a.faulted || a.signo != SIGBUS || a.code != BUS_ADRERR || a.addr != t.addr)
						s.missed_sigbus++;
				} else if (a.faulted) {
					s.missed_access++;
				} else if (a.value != t.expect) {
					s.wrong_data++;
				}
			}
			seen = e;
			s.acks++;
			continue;
		}
		const Target &t = targets[next++ % targets.size()];
		Access a = guarded_read(reinterpret_cast<void *>(t.addr));
		if (!a.faulted && a.value != t.expect)
			s.wrong_data++;
	}
}

TEST(RevokeStress, NextAccessAfterEachRevokeSigbusesAndAfterUnrevokeReads)
{
	Stress st;
	const long buf = st.export_buf(st.fd, 0x20000, 8 * kPage);
	ASSERT_GE(buf, 0);
	const uintptr_t exported = st.map(static_cast<int>(buf), 0, 8 * kPage);
	const uintptr_t bar = st.map(st.fd, kBar2 + 0x40000, 16 * kPage);
	ASSERT_NE(exported, 0u);
	ASSERT_NE(bar, 0u);
	std::vector<Target> targets;
	for (uint64_t p = 0; p < 8; p++)
		targets.push_back({exported + p * kPage, pattern(0x20000 + p * kPage)});
	for (uint64_t p = 0; p < 16; p += 3)
		targets.push_back({bar + p * kPage, pattern(0x40000 + p * kPage)});

	Shared s;
	std::vector<std::thread> threads;
	for (int i = 0; i < kWorkers; i++)
		threads.emplace_back(worker, std::ref(s), std::cref(targets));
	Deadline d(kBudget);
	int round = 0;
	for (; round < 2 * kMaxRounds && (round < 2 * kMinRounds || !d.passed()); round++) {
		const bool revoke = round % 2 == 0;
		ASSERT_EQ(st.set_memory(st.fd, !revoke), 2);
		s.acks = 0;
		s.epoch++;
		spin_until([&] { return s.acks.load() >= kWorkers; });
	}
	s.stop = true;
	for (auto &t : threads)
		t.join();
	EXPECT_GE(round, 2 * kMinRounds);
	EXPECT_EQ(s.missed_sigbus.load(), 0);
	EXPECT_EQ(s.missed_access.load(), 0);
	EXPECT_EQ(s.wrong_data.load(), 0);
	st.kernel.munmap(reinterpret_cast<void *>(exported), 8 * kPage);
	st.kernel.munmap(reinterpret_cast<void *>(bar), 16 * kPage);
	st.kernel.close(static_cast<int>(buf));
}

TEST(RevokeStress, PermanentRevokeRacingTogglesNeverComesBack)
{
	Stress st;
	const long buf = st.export_buf(st.fd, 0, 4 * kPage);
	ASSERT_GE(buf, 0);
	const uintptr_t p = st.map(static_cast<int>(buf), 0, 4 * kPage);
	ASSERT_NE(p, 0u);
	std::atomic<bool> revoked{false}, stop{false};
	std::atomic<int> after_revoke_reads{0}, wrong{0};
	std::thread toggler([&] {
		while (!stop.load()) {
			EXPECT_EQ(st.set_memory(st.fd, false), 2);
			EXPECT_EQ(st.set_memory(st.fd, true), 2);
		}
	});
	std::thread reader([&] {
		while (!stop.load()) {
			const bool was_revoked = revoked.load();
			Access a = guarded_read(reinterpret_cast<void *>(p + kPage));
			if (was_revoked && !a.faulted)
				after_revoke_reads++;
			if (!a.faulted && a.value != pattern(kPage))
				wrong++;
		}
	});
	Deadline warmup(std::chrono::milliseconds(100));
	spin_until([&] { return warmup.passed(); });
	ASSERT_EQ(st.revoke(st.fd, static_cast<int>(buf)), 0);
	revoked = true;
	Deadline run(std::chrono::milliseconds(300));
	spin_until([&] { return run.passed(); });
	stop = true;
	toggler.join();
	reader.join();
	EXPECT_EQ(after_revoke_reads.load(), 0);
	EXPECT_EQ(wrong.load(), 0);
	long err = 0;
	EXPECT_EQ(st.map(static_cast<int>(buf), 0, kPage, &err), 0u);
	EXPECT_EQ(err, -ENODEV);
	st.kernel.munmap(reinterpret_cast<void *>(p), 4 * kPage);
	st.kernel.close(static_cast<int>(buf));
}

} /* namespace */
} /* namespace softvfio::stress */
