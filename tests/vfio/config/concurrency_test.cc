/* SPDX-License-Identifier: MIT */
/* Concurrent user accesses: no races (run under TSAN), the lock order
 * memory_lock -> state mutex, and consistent hook sequences. */
#include <atomic>
#include <thread>

#include "vfio/config/fixture.h"

namespace softvfio::vfio::test {
namespace {

namespace r = pci::regs;

TEST_F(PcieConfig, ConcurrentAccessesKeepHooksConsistent)
{
	constexpr int kRounds = 300;
	std::atomic<bool> go{false};
	auto toggler = [&](uint16_t on, uint16_t off) {
		while (!go.load())
			std::this_thread::yield();
		for (int i = 0; i < kRounds; i++) {
			uint16_t v = (i & 1) ? on : off;
			EXPECT_EQ(vc->write(&v, 2, r::kCommand), 2);
		}
	};
	auto intx = [&] {
		while (!go.load())
			std::this_thread::yield();
		for (int i = 0; i < kRounds; i++) {
			uint8_t v = (i & 1) ? 0x05 : 0x01;
			EXPECT_EQ(vc->write(&v, 1, r::kCommand + 1), 1);
		}
	};
	auto reader = [&] {
		std::vector<uint8_t> all(4096);
		while (!go.load())
			std::this_thread::yield();
		for (int i = 0; i < kRounds / 10; i++) {
			EXPECT_EQ(vc->read(all.data(), all.size(), 0), 4096);
			(void)vc->virtual_command();
			(void)vc->virq_disabled();
		}
	};
	auto devctl = [&] {
		while (!go.load())
			std::this_thread::yield();
		for (int i = 0; i < kRounds; i++) {
			uint16_t v = (i & 1) ? 0xa830 : 0x3830;
			EXPECT_EQ(vc->write(&v, 2, pcie::kExp + r::kExpDevCtl), 2);
		}
	};
	std::vector<std::thread> threads;
	threads.emplace_back(toggler, 0x0102, 0x0100);
	threads.emplace_back(toggler, 0x0106, 0x0104);
	threads.emplace_back(intx);
	threads.emplace_back(reader);
	threads.emplace_back(devctl);
	go.store(true);
	for (auto &t : threads)
		t.join();

	/* Each COMMAND write's predicate, taken under memory_lock right after
	 * apply, is the memory bit that write asked for. INTx changes alternate. */
	bool have_intx = false, last_intx = false;
	size_t commands = 0, resets = 0;
	for (const HookCall &c : dev.calls()) {
		if (c.hook == Hook::Command) {
			commands++;
			EXPECT_EQ(c.memory_enabled_after, c.flag);
		} else if (c.hook == Hook::Intx) {
			if (have_intx) {
				EXPECT_NE(c.flag, last_intx);
			}
			have_intx = true;
			last_intx = c.flag;
		} else if (c.hook == Hook::Reset) {
			resets++;
		}
	}
	EXPECT_EQ(commands, size_t(2 * kRounds));
	EXPECT_EQ(resets, size_t(kRounds / 2));
	EXPECT_EQ(vc->virq_disabled(), bool(vc->virtual_command() & r::kCommandIntxDisable));
}

} /* namespace */
} /* namespace softvfio::vfio::test */
