/* SPDX-License-Identifier: MIT */
/*
 * The function serialises config accesses, BAR accesses, interrupts and
 * resets from any thread; a sink that calls back into the function from
 * raise() must not deadlock. (Run under TSan to see races.)
 */
#include <atomic>
#include <thread>

#include "pci_test_util.h"

namespace softvfio::pci::test {
namespace {

using namespace regs;

TEST(Concurrency, MixedAccessesFromManyThreads)
{
	auto fn = make_preset("nic");
	RecordingSink sink;
	sink.hook = [&] { (void)fn->config_read(kStatus, 2); };
	fn->set_interrupt_sink(&sink);
	enable_master(*fn);
	const uint16_t msix = fn->find_capability(kCapIdMsix);
	fn->config_write(msix + kMsixFlags, 2, kMsixFlagsEnable);
	bar_write32(*fn, 4, kMsixEntryVectorCtrl, 0);

	constexpr int kRounds = 500;
	std::atomic<int> resets{0};
	std::vector<std::thread> threads;
	threads.emplace_back([&] {
		for (int i = 0; i < kRounds; ++i)
			fn->signal_interrupt(0);
	});
	threads.emplace_back([&] {
		for (int i = 0; i < kRounds; ++i)
			bar_write32(*fn, 2, uint64_t(i) * 4096, uint32_t(i));
	});
	threads.emplace_back([&] {
		for (int i = 0; i < kRounds; ++i)
			fn->config_write(kInterruptLine, 1, uint32_t(i & 0xff));
	});
	threads.emplace_back([&] {
		for (int i = 0; i < kRounds / 10; ++i)
			if (fn->reset_function().ok())
				++resets;
	});
	for (auto &t : threads)
		t.join();

	EXPECT_EQ(resets.load(), kRounds / 10);
	EXPECT_GT(sink.count(IrqKind::Msix), 0u);
	for (int i = 0; i < kRounds; i += 97)
		EXPECT_EQ(bar_read32(*fn, 2, uint64_t(i) * 4096), uint32_t(i));
}

TEST(Concurrency, ReplacingTheSinkWaitsForDeliveries)
{
	auto fn = make_preset("nic");
	RecordingSink first;
	std::atomic<bool> in_raise{false};
	std::atomic<bool> release{false};
	first.hook = [&] {
		in_raise = true;
		while (!release)
			std::this_thread::yield();
	};
	fn->set_interrupt_sink(&first);
	std::thread raiser([&] { fn->set_intx(true); });
	while (!in_raise)
		std::this_thread::yield();
	std::atomic<bool> replaced{false};
	std::thread replacer([&] {
		fn->set_interrupt_sink(nullptr);
		replaced = true;
	});
	for (int i = 0; i < 1000 && !replaced; ++i)
		std::this_thread::yield();
	EXPECT_FALSE(replaced.load());
	release = true;
	raiser.join();
	replacer.join();
	EXPECT_TRUE(replaced.load());
}

} /* namespace */
} /* namespace softvfio::pci::test */
