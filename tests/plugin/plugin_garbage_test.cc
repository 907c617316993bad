/* SPDX-License-Identifier: MIT */
/*
 * Garbage from a model in its device host: answers with more bits than the
 * access has, requests out of range. Each request is refused with its
 * errno and none fails the device.
 *
 * In plugin_load_test, not plugin_test: the requests are thousands in one
 * call (steps beyond the queue), which under ThreadSanitizer comes close
 * to plugin_test's 300 ms call timeout; here the timeout is the default.
 */
#include "pci/pci_test_util.h"

namespace softvfio::pci::test {
namespace {

const std::string kDir = BAD_PLUGIN_DIR;

TEST(PluginGarbage, IsMaskedOrRefused)
{
	auto fn = make_from_file(kDir + "/garbage.so");
	ASSERT_TRUE(fn);
	enable_master(*fn);
	/* More bits than the access has: only the access's reach the bus. */
	EXPECT_EQ(bar_read32(*fn, 0, 0x20), 0xcafef00du);
	uint16_t narrow = 0;
	ASSERT_TRUE(fn->bar_read(0, 0x20, &narrow, 2).ok());
	EXPECT_EQ(narrow, 0xf00du);
	uint8_t byte = 0;
	ASSERT_TRUE(fn->bar_read(0, 0x21, &byte, 1).ok());
	EXPECT_EQ(byte, 0x0du);
	/* Requests out of range, each refused with its errno. */
	bar_write32(*fn, 0, 0x10, 1);
	EXPECT_EQ(static_cast<int64_t>(bar_read64(*fn, 0, 0x40)), -EINVAL) << "DMA of 2 MiB in one call";
	EXPECT_EQ(static_cast<int64_t>(bar_read64(*fn, 0, 0x48)), -EINVAL) << "MSI vector 999";
	EXPECT_EQ(static_cast<int64_t>(bar_read64(*fn, 0, 0x50)), -EINVAL) << "interrupt kind 77";
	EXPECT_EQ(static_cast<int64_t>(bar_read64(*fn, 0, 0x58)), -EINVAL) << "mirror past the BAR";
	EXPECT_EQ(static_cast<int64_t>(bar_read64(*fn, 0, 0x60)), -ENOMEM) << "steps beyond the queue";
	EXPECT_EQ(static_cast<int64_t>(bar_read64(*fn, 0, 0x68)), -EINVAL) << "irq_enabled of kind 1234";
	EXPECT_EQ(static_cast<int64_t>(bar_read64(*fn, 0, 0x70)), -EINVAL) << "DMA from NULL";
	/* None of that failed the device. */
	EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0x600du);
}

} /* namespace */
} /* namespace softvfio::pci::test */
