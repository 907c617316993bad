/* SPDX-License-Identifier: MIT */
/*
 * One plugin instance per PCI function (ABI 1.2): a plugin with read_bar
 * and write_bar that serves two register BARs of a function gets one
 * instance for both, which sees the accesses of both (a doorbell in BAR0
 * changes what BAR2 reads), one create, one reset per function reset, one
 * power change per change, and fails as a whole. The same device built as
 * an ABI 1.1 table keeps today's rule: an instance per BAR, sharing
 * nothing. multibar_plugin.c is the device; it appends every create,
 * reset and power change to an event log, so the counts are taken across
 * the device hosts (one process per instance), and tells a FIFO when it
 * is in its hung call.
 */
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pci/pci_test_util.h"
#include "pci/register_mirror.h"

namespace softvfio::pci::test {
namespace {

/* The bytes of BAR `bar`'s memory at `offset`: what a mapping that does not
 * trap, or a mirrored read in a session process, sees. */
uint32_t memory32(PciFunction &fn, unsigned bar, uint64_t offset)
{
	uint32_t value = 0;
	EXPECT_EQ(::pread(fn.memory_fd(), &value, 4, static_cast<off_t>(region_offset(bar) + offset)), 4);
	return value;
}

class PluginMultiBar : public ::testing::Test
{
protected:
	void SetUp() override
	{
		char tmpl[] = "/tmp/softvfio-multibar-XXXXXX";
		ASSERT_NE(::mkdtemp(tmpl), nullptr);
		dir_ = tmpl;
		log_ = dir_ + "/events";
		hang_fifo_ = dir_ + "/hang";
		::setenv("SOFTVFIO_TEST_EVENT_LOG", log_.c_str(), 1);
		/* Made only by the test of a hung call: the plugin's open of
		 * a path that does not exist fails, and it goes on. */
		::setenv("SOFTVFIO_TEST_HANG_FIFO", hang_fifo_.c_str(), 1);
	}
	void TearDown() override
	{
		::unsetenv("SOFTVFIO_TEST_EVENT_LOG");
		::unsetenv("SOFTVFIO_TEST_HANG_FIFO");
		::unlink(log_.c_str());
		::unlink(hang_fifo_.c_str());
		::rmdir(dir_.c_str());
	}
	/* The events of every instance so far, one line each. */
	std::vector<std::string> events()
	{
		std::vector<std::string> lines;
		std::ifstream in(log_);
		for (std::string line; std::getline(in, line);)
			lines.push_back(line);
		return lines;
	}
	size_t count(const std::string &prefix)
	{
		size_t n = 0;
		for (const std::string &line : events())
			n += line.starts_with(prefix);
		return n;
	}

	std::string dir_, log_, hang_fifo_;
};

TEST_F(PluginMultiBar, ADoorbellInBar0ChangesWhatBar2Reads)
{
	auto fn = make_from_file(MULTIBAR_PLUGIN);
	ASSERT_TRUE(fn);
	EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0x6d62u);
	EXPECT_EQ(bar_read32(*fn, 2, 0x00), 0u);
	bar_write32(*fn, 0, 0x08, 0x1234);
	EXPECT_EQ(bar_read32(*fn, 2, 0x00), 0x1234u) << "BAR2 reads what BAR0 was written";
	EXPECT_EQ(memory32(*fn, 2, 0x00), 0x1234u) << "its mirror, in BAR2's memory";
	EXPECT_EQ(memory32(*fn, 0, 0x00), 0x6d62u) << "BAR0's mirror, in BAR0's memory";
	/* One instance, told both BARs, each access with its own. */
	EXPECT_EQ(bar_read32(*fn, 0, 0x10), 0x5u);
	EXPECT_EQ(bar_read32(*fn, 2, 0x10), 0x5u);
	EXPECT_EQ(bar_read32(*fn, 0, 0x14), 0u);
	EXPECT_EQ(bar_read32(*fn, 2, 0x14), 2u);
	EXPECT_EQ(bar_read32(*fn, 0, 0x18), 0x1000u) << "bar_sizes[0]";
	EXPECT_EQ(bar_read32(*fn, 2, 0x18), 0x2000u) << "bar_sizes[2]";
	EXPECT_TRUE(fn->bar_has_registers(0));
	EXPECT_TRUE(fn->bar_has_registers(2));
	EXPECT_FALSE(fn->bar_has_registers(4)) << "BAR4 is RAM";
	EXPECT_EQ(count("create"), 1u);
	/* Every declared read, in both BARs, equals its BAR's memory. */
	for (unsigned bar : {0u, 2u}) {
		auto reads = mirrored_reads(plugin_mirror_model(fn->description().bars[bar].plugin, bar));
		ASSERT_EQ(reads.size(), 1u) << "bar " << bar;
		EXPECT_EQ(memory32(*fn, bar, reads[0].offset), bar_read32(*fn, bar, reads[0].offset)) << "bar " << bar;
	}
}

/* A step scheduled from a BAR2 access runs on the one instance, where
 * BAR0 sees what it did. */
TEST_F(PluginMultiBar, AStepScheduledFromBar2ChangesBar0)
{
	auto fn = make_from_file(MULTIBAR_PLUGIN);
	ASSERT_TRUE(fn);
	bar_write32(*fn, 2, 0x0c, 0x99);
	/* The step ran (30 s: a failure bound, not a wait). */
	ASSERT_TRUE(fn->wait_device_idle(std::chrono::seconds(30)));
	EXPECT_EQ(bar_read32(*fn, 0, 0x08), 0x99u);
	EXPECT_EQ(bar_read32(*fn, 2, 0x00), 0x99u);
	EXPECT_EQ(memory32(*fn, 2, 0x00), 0x99u);
}

TEST_F(PluginMultiBar, OneCreateAndOneResetPerFunctionEvent)
{
	auto fn = make_from_file(MULTIBAR_PLUGIN);
	ASSERT_TRUE(fn);
	EXPECT_EQ(events(), (std::vector<std::string>{"create 0x5", "reset 1"}));
	EXPECT_EQ(bar_read32(*fn, 0, 0x04), 1u);
	EXPECT_EQ(bar_read32(*fn, 2, 0x04), 1u) << "the same instance";

	bar_write32(*fn, 0, 0x08, 7);
	ASSERT_TRUE(fn->reset_bus());
	EXPECT_EQ(bar_read32(*fn, 0, 0x04), 2u);
	EXPECT_EQ(bar_read32(*fn, 2, 0x00), 0u) << "the doorbell is back to its power-on value";
	EXPECT_EQ(memory32(*fn, 2, 0x00), 0u);

	/* A PM reset (D3hot and back, NoSoftRst-): one power change each
	 * way and one reset. */
	ASSERT_TRUE(fn->reset_function());
	EXPECT_EQ(events(), (std::vector<std::string>{"create 0x5", "reset 1", "reset 2", "power 3", "reset 3",
						      "power 0"}));
	ASSERT_TRUE(fn->set_power_state(PowerState::D3hot));
	EXPECT_EQ(count("power 3"), 2u);
	ASSERT_TRUE(fn->set_power_state(PowerState::D0));
	EXPECT_EQ(count("create"), 1u);
	EXPECT_EQ(count("reset"), 4u);
	EXPECT_EQ(count("power"), 4u);
	EXPECT_EQ(bar_read32(*fn, 2, 0x04), 4u);
}

TEST_F(PluginMultiBar, AnAbi11PluginNamedByTwoBarsGetsAnInstancePerBar)
{
	auto fn = make_from_file(MULTIBAR_V11_PLUGIN);
	ASSERT_TRUE(fn);
	EXPECT_EQ(events(), (std::vector<std::string>{"create 0x1", "create 0x4", "reset 1", "reset 1"}));
	EXPECT_EQ(bar_read32(*fn, 0, 0x10), 0x1u);
	EXPECT_EQ(bar_read32(*fn, 2, 0x10), 0x4u);
	EXPECT_EQ(bar_read32(*fn, 0, 0x14), 0u);
	EXPECT_EQ(bar_read32(*fn, 2, 0x14), 2u);
	EXPECT_EQ(bar_read32(*fn, 2, 0x18), 0x2000u) << "bar_size of its one BAR";
	bar_write32(*fn, 0, 0x08, 0x1234);
	EXPECT_EQ(bar_read32(*fn, 0, 0x08), 0x1234u);
	EXPECT_EQ(bar_read32(*fn, 2, 0x00), 0u) << "BAR2's instance shares nothing with BAR0's";
	EXPECT_EQ(memory32(*fn, 2, 0x00), 0u) << "BAR0's instance may not store into BAR2";
	ASSERT_TRUE(fn->reset_bus());
	EXPECT_EQ(count("reset"), 4u) << "each instance reset once";
	EXPECT_EQ(bar_read32(*fn, 0, 0x04), 2u);
	EXPECT_EQ(bar_read32(*fn, 2, 0x04), 2u);
}

TEST_F(PluginMultiBar, ACrashOfTheSharedHostFailsBothBars)
{
	auto fn = make_from_file(MULTIBAR_PLUGIN);
	ASSERT_TRUE(fn);
	bar_write32(*fn, 0, 0x08, 0x77);
	EXPECT_EQ(bar_read32(*fn, 2, 0x00), 0x77u);
	bar_write32(*fn, 0, 0x30, 1);   /* the host dies of SIGSEGV */
	for (unsigned bar : {0u, 2u}) {
		EXPECT_EQ(bar_read32(*fn, bar, 0x00), 0xffffffffu) << "bar " << bar;
		EXPECT_EQ(bar_read32(*fn, bar, 0x04), 0xffffffffu) << "bar " << bar;
		EXPECT_EQ(memory32(*fn, bar, 0x00), 0xffffffffu) << "bar " << bar << "'s declared read's mirror";
	}
	bar_write32(*fn, 2, 0x08, 5);   /* dropped */
	ASSERT_TRUE(fn->reset_bus());
	for (unsigned bar : {0u, 2u}) {
		EXPECT_EQ(bar_read32(*fn, bar, 0x00), 0xffffffffu) << "bar " << bar << ": failed for good";
		EXPECT_EQ(memory32(*fn, bar, 0x00), 0xffffffffu) << "bar " << bar;
	}
	EXPECT_EQ(fn->config_read(0x02, 2), 0x6d62u) << "config space goes on";
}

/* A write that never returns holds up the function's registers (both
 * BARs: one instance) until the call timeout (300 ms in this program,
 * plugin_isolation_test.cc), never its config space; then both BARs are
 * failed. */
TEST_F(PluginMultiBar, AHungCallFailsBothBarsAndHoldsNoLock)
{
	/* The plugin writes a byte to this FIFO once it is in the call. It is
	 * open for reading before the call (non-blocking: no writer yet), so
	 * the plugin's open finds a reader. */
	ASSERT_EQ(::mkfifo(hang_fifo_.c_str(), 0600), 0);
	UniqueFD in_call(::open(hang_fifo_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
	ASSERT_TRUE(in_call);
	auto fn = make_from_file(MULTIBAR_PLUGIN);
	ASSERT_TRUE(fn);
	const auto start = std::chrono::steady_clock::now();
	std::thread hung([&] { bar_write32(*fn, 0, 0x34, 1); });
	/* 30 s bounds a failure; the byte comes well within the call's
	 * 300 ms timeout. */
	struct pollfd p{in_call.get(), POLLIN, 0};
	char byte = 0;
	EXPECT_TRUE(::poll(&p, 1, 30000) == 1 && ::read(in_call.get(), &byte, 1) == 1)
		<< "the plugin never got into its write";
	EXPECT_EQ(count("hang"), 1u);
	for (int i = 0; i < 20; ++i)
		EXPECT_EQ(fn->config_read(0x02, 2), 0x6d62u);
	EXPECT_EQ(bar_read32(*fn, 2, 0x10), 0xffffffffu) << "waited for the hung call, then failed with it";
	hung.join();
	EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
	EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0xffffffffu);
	EXPECT_EQ(memory32(*fn, 0, 0x00), 0xffffffffu);
	EXPECT_EQ(memory32(*fn, 2, 0x00), 0xffffffffu);
}

TEST_F(PluginMultiBar, AnAbi11CrashFailsOnlyItsOwnBar)
{
	auto fn = make_from_file(MULTIBAR_V11_PLUGIN);
	ASSERT_TRUE(fn);
	bar_write32(*fn, 0, 0x30, 1);
	EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0xffffffffu);
	EXPECT_EQ(bar_read32(*fn, 2, 0x10), 0x4u) << "BAR2's host is another process";
}

TEST_F(PluginMultiBar, MirrorStoreLandsInTheBarItNames)
{
	auto fn = make_from_file(MULTIBAR_PLUGIN);
	ASSERT_TRUE(fn);
	bar_write32(*fn, 2, 0x08, 0xabcd1234);
	EXPECT_EQ(static_cast<int64_t>(bar_read64(*fn, 2, 0x40)), 0) << "mirror_store to BAR0";
	EXPECT_EQ(static_cast<int64_t>(bar_read64(*fn, 2, 0x48)), 0) << "mirror_store to BAR2";
	EXPECT_EQ(static_cast<int64_t>(bar_read64(*fn, 2, 0x50)), -EINVAL) << "mirror_store to BAR4 (RAM)";
	EXPECT_EQ(static_cast<int64_t>(bar_read64(*fn, 2, 0x58)), -EINVAL) << "mirror_store to BAR1 (none)";
	EXPECT_EQ(static_cast<int64_t>(bar_read64(*fn, 2, 0x60)), 0) << "mirror_bar to BAR2";
	EXPECT_EQ(static_cast<int64_t>(bar_read64(*fn, 2, 0x68)), -EINVAL) << "mirror_bar to BAR4";
	EXPECT_EQ(memory32(*fn, 0, 0x100), 0xabcd1234u);
	EXPECT_EQ(memory32(*fn, 2, 0x100), 0xabcd1234u);
	EXPECT_EQ(memory32(*fn, 2, 0x200), 0xabcd1234u);
	uint32_t ram = 1;
	ASSERT_TRUE(fn->bar_read(4, 0x100, &ram, 4).ok());
	EXPECT_EQ(ram, 0u) << "BAR4 untouched";
	ASSERT_TRUE(fn->bar_read(4, 0x200, &ram, 4).ok());
	EXPECT_EQ(ram, 0u);
}

TEST_F(PluginMultiBar, AnAbi11InstanceStoresIntoItsOwnBarOnly)
{
	auto fn = make_from_file(MULTIBAR_V11_PLUGIN);
	ASSERT_TRUE(fn);
	bar_write32(*fn, 2, 0x08, 0x5555);
	EXPECT_EQ(static_cast<int64_t>(bar_read64(*fn, 2, 0x40)), -EINVAL) << "BAR0 is another instance's";
	EXPECT_EQ(static_cast<int64_t>(bar_read64(*fn, 2, 0x48)), 0);
	EXPECT_EQ(memory32(*fn, 0, 0x100), 0u);
	EXPECT_EQ(memory32(*fn, 2, 0x100), 0x5555u);
}

/* A 1.2 plugin that sets read and read_bar: read_bar is called. */
TEST_F(PluginMultiBar, ReadBarWinsOverRead)
{
	auto fn = make_from_file(std::string(BAD_PLUGIN_DIR) + "/read_bar_wins.so");
	ASSERT_TRUE(fn);
	EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0xba5u);
	bar_write32(*fn, 0, 0x08, 3);
	EXPECT_EQ(bar_read32(*fn, 0, 0x08), 3u);
}

} /* namespace */
} /* namespace softvfio::pci::test */
