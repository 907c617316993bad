/* SPDX-License-Identifier: MIT */
/*
 * Models that misbehave at run time, each in its device host: a crash in a
 * callback, a callback that never returns, garbage in answers and in
 * requests. Each may fail its own device (its registers then read all
 * ones, writes are dropped) and nothing else: the function around it and
 * other functions go on, and no call waits longer than the timeout.
 * Garbage in requests is plugin_garbage_test.cc.
 */
#include <chrono>
#include <cstdlib>
#include <future>
#include <sys/wait.h>
#include <thread>

#include "pci/pci_test_util.h"
#include "plugin/blocking_gate.h"

namespace softvfio::pci::test {
namespace {

using namespace std::chrono_literals;

/* Before anything reads it (device_host.cc caches it on first use). */
const bool kShortTimeout = [] { return ::setenv("SOFTVFIO_PLUGIN_TIMEOUT_MS", "300", 1) == 0; }();

const std::string kDir = BAD_PLUGIN_DIR;

class PluginIsolation : public ::testing::Test
{
protected:
	void SetUp() override
	{
		ASSERT_TRUE(kShortTimeout);
		edu = make_preset("edu");
		ASSERT_TRUE(edu);
	}
	/* The other device works as before. */
	void edu_still_works()
	{
		EXPECT_EQ(bar_read32(*edu, 0, 0x00), 0x010000edu);
		bar_write32(*edu, 0, 0x04, 0x1234);
		EXPECT_EQ(bar_read32(*edu, 0, 0x04), ~0x1234u);
	}
	std::unique_ptr<PciFunction> edu;
};

TEST_F(PluginIsolation, ACrashInACallbackFailsOnlyItsDevice)
{
	auto fn = make_from_file(kDir + "/crash.so");
	ASSERT_TRUE(fn);
	EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0x600du);
	bar_write32(*fn, 0, 0x08, 42);
	EXPECT_EQ(bar_read32(*fn, 0, 0x08), 42u);
	EXPECT_EQ(bar_read32(*fn, 0, 0x10), 0xffffffffu) << "the read that crashed the host";
	EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0xffffffffu) << "failed for good, as a removed device";
	uint16_t narrow = 0;
	ASSERT_TRUE(fn->bar_read(0, 0, &narrow, 2).ok());
	EXPECT_EQ(narrow, 0xffffu);
	bar_write32(*fn, 0, 0x08, 7);   /* dropped */
	EXPECT_EQ(bar_read32(*fn, 0, 0x08), 0xffffffffu);
	/* The function itself (config space) is fine. */
	EXPECT_EQ(fn->config_read(0, 2), 0x1234u);
	edu_still_works();
}

TEST_F(PluginIsolation, ACallbackThatNeverReturnsTimesOut)
{
	auto fn = make_from_file(kDir + "/hang.so");
	ASSERT_TRUE(fn);
	EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0x600du);
	const auto start = std::chrono::steady_clock::now();
	auto hung = std::async(std::launch::async, [&] { bar_write32(*fn, 0, 0x10, 1); });
	/* Meanwhile another device answers at once. */
	for (int i = 0; i < 50; ++i)
		edu_still_works();
	EXPECT_EQ(hung.wait_for(0s), std::future_status::timeout) << "the hang outlasted the other device's accesses";
	hung.get();
	const auto took = std::chrono::steady_clock::now() - start;
	EXPECT_GE(took, 250ms);
	EXPECT_LT(took, 3s) << "the call is cut at the 300 ms timeout";
	EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0xffffffffu);
	edu_still_works();
}

/* A reset is ordered after the call in flight: it returns once the call
 * ended, here by the timeout, which fails the device as before; config
 * space never waited for the call. */
TEST_F(PluginIsolation, AResetWaitsForAHungReadThatTimesOut)
{
	softvfio::test::BlockingGate gate;
	ASSERT_TRUE(gate.ok());
	auto fn = make_from_file(BLOCKING_PLUGIN);
	ASSERT_TRUE(fn);
	EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0x600du);
	const auto start = std::chrono::steady_clock::now();
	auto hung = std::async(std::launch::async, [&] { return bar_read32(*fn, 0, 0x10); });
	ASSERT_TRUE(gate.wait_entered()) << "the plugin never got into its read";
	EXPECT_EQ(fn->config_read(0x02, 2), 0xb10cu);
	ASSERT_TRUE(fn->reset_bus());
	/* The call began after `start` and ended at its 300 ms deadline. */
	EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms) << "the reset returned before the call ended";
	EXPECT_EQ(hung.get(), 0xffffffffu) << "the call was cut by the timeout";
	EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0xffffffffu) << "failed for good, as a removed device";
	EXPECT_EQ(fn->config_read(0x02, 2), 0xb10cu);
	edu_still_works();
}

TEST_F(PluginIsolation, ManyDevicesOfOnePluginAreApart)
{
	auto a = make_from_file(kDir + "/crash.so");
	auto b = make_from_file(kDir + "/crash.so");
	ASSERT_TRUE(a && b);
	bar_write32(*b, 0, 0x08, 9);
	(void)bar_read32(*a, 0, 0x10);   /* a's host dies */
	EXPECT_EQ(bar_read32(*a, 0, 0x08), 0xffffffffu);
	EXPECT_EQ(bar_read32(*b, 0, 0x08), 9u) << "b has a host of its own";
}

TEST_F(PluginIsolation, DestroyingTheFunctionEndsItsHost)
{
	for (int i = 0; i < 20; ++i) {
		auto fn = make_from_file(kDir + "/garbage.so");
		ASSERT_TRUE(fn);
		EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0x600du);
	}
	/* Every host was reaped: no child is left to wait for. */
	EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
	EXPECT_EQ(errno, ECHILD);
}

} /* namespace */
} /* namespace softvfio::pci::test */
