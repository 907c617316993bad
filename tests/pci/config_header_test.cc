/* SPDX-License-Identifier: MIT */
/*
 * The type-0 header's hardware behaviour: read-only fields stay, the command
 * register's implemented bits, RW1C status bits, scratch registers, reserved
 * bytes and accesses the bus would not complete.
 */
#include "pci/config_space.h"
#include "pci_test_util.h"

namespace softvfio::pci::test {
namespace {

using namespace regs;

TEST(ConfigHeader, ReadOnlyFieldsIgnoreWrites)
{
	auto fn = make_preset("edu");
	for (uint32_t reg : {0x00u, 0x08u, 0x2cu, 0x34u}) {
		const uint32_t before = fn->config_read(reg, 4);
		fn->config_write(reg, 4, ~before);
		EXPECT_EQ(fn->config_read(reg, 4), before) << std::hex << reg;
	}
	fn->config_write(kHeaderType, 1, 0x80);
	EXPECT_EQ(fn->config_read(kHeaderType, 1), 0u);
	fn->config_write(kInterruptPin, 1, 3);
	EXPECT_EQ(fn->config_read(kInterruptPin, 1), 1u);
}

TEST(ConfigHeader, CommandHasQemusWritableBits)
{
	auto fn = make_preset("edu");
	fn->config_write(kCommand, 2, 0xffff);
	EXPECT_EQ(fn->config_read(kCommand, 2), 0x0507u);
	fn->config_write(kCommand, 2, 0);
	EXPECT_EQ(fn->config_read(kCommand, 2), 0u);
}

TEST(ConfigHeader, StatusWritesDoNotSetBits)
{
	auto fn = make_preset("edu");
	fn->config_write(kStatus, 2, 0xffff);
	EXPECT_EQ(fn->config_read(kStatus, 2), kStatusCapList);
}

TEST(ConfigHeader, StatusErrorBitsAreWriteOneToClear)
{
	/* The function never signals bus errors itself, so set them in a
	 * space built the same way and clear them through hardware writes. */
	ConfigSpace cfg(256);
	cfg.set_w1cmask(kStatus, 2, kStatusRw1cMask);
	cfg.set_word(kStatus, kStatusCapList | kStatusRecMasterAbort | kStatusSigTargetAbort);
	cfg.write(kStatus, 2, kStatusRecMasterAbort);
	EXPECT_EQ(cfg.read(kStatus, 2), kStatusCapList | kStatusSigTargetAbort);
	cfg.write(kStatus, 2, 0);
	EXPECT_EQ(cfg.read(kStatus, 2), kStatusCapList | kStatusSigTargetAbort);
	cfg.write(kStatus, 2, 0xffff);
	EXPECT_EQ(cfg.read(kStatus, 2), kStatusCapList);
}

TEST(ConfigHeader, CacheLineAndInterruptLineAreScratch)
{
	auto fn = make_preset("edu");
	fn->config_write(kCacheLineSize, 1, 0x10);
	EXPECT_EQ(fn->config_read(kCacheLineSize, 1), 0x10u);
	fn->config_write(kInterruptLine, 1, 0x0a);
	EXPECT_EQ(fn->config_read(kInterruptLine, 1), 0x0au);
	fn->config_write(kLatencyTimer, 1, 0x40);
	EXPECT_EQ(fn->config_read(kLatencyTimer, 1), 0u);
	fn->config_write(kBist, 1, 0x40);
	EXPECT_EQ(fn->config_read(kBist, 1), 0u);
}

TEST(ConfigHeader, InterruptLineAsFirmwareLeftIt)
{
	EXPECT_EQ(make_preset("edu")->config_read(kInterruptLine, 1), 11u);
	EXPECT_EQ(make_preset("ivshmem-plain")->config_read(kInterruptLine, 1), 0u);
}

TEST(ConfigHeader, UnusedBytesReadZeroAndStayZero)
{
	auto fn = make_preset("ivshmem-plain");
	for (uint32_t off = 0x40; off < 0x100; off += 4) {
		fn->config_write(off, 4, 0xffffffff);
		EXPECT_EQ(fn->config_read(off, 4), 0u) << std::hex << off;
	}
	EXPECT_EQ(fn->config_read(kCardbusCis, 4), 0u);
	EXPECT_EQ(fn->config_read(kMinGnt, 2), 0u);
}

TEST(ConfigHeader, ExpressExtendedSpaceReadsZero)
{
	auto fn = make_preset("nic");
	EXPECT_EQ(fn->config_read(kExtCapStart, 4), 0u);
	EXPECT_EQ(fn->config_read(0xffc, 4), 0u);
	EXPECT_EQ(fn->find_ext_capability(kExtCapIdErr), 0u);
}

TEST(ConfigHeader, AccessesOutsideTheSpaceReadAllOnes)
{
	auto fn = make_preset("edu");
	EXPECT_EQ(fn->config_read(0x100, 4), 0xffffffffu);   /* conventional: 256 bytes */
	EXPECT_EQ(fn->config_read(0x02, 4), 0xffffffffu);    /* misaligned */
	EXPECT_EQ(fn->config_read(0x01, 2), 0xffffu);
	EXPECT_EQ(fn->config_read(0x00, 3), 0xffffffu);      /* no such width */
	EXPECT_EQ(fn->config_read(0x00, 8), 0xffffffffu);
}

TEST(ConfigHeader, AccessesOutsideTheSpaceWriteNothing)
{
	auto fn = make_preset("edu");
	fn->config_write(0x03, 2, 0xffff);   /* would touch command's high byte */
	fn->config_write(0x04, 3, 0);
	EXPECT_EQ(fn->config_read(kCommand, 2), 0x0103u);
}

TEST(ConfigHeader, SubWordAccessesSeeTheRightBytes)
{
	auto fn = make_preset("edu");
	EXPECT_EQ(fn->config_read(0x00, 1), 0x34u);
	EXPECT_EQ(fn->config_read(0x01, 1), 0x12u);
	EXPECT_EQ(fn->config_read(0x00, 4), 0x11e81234u);
	fn->config_write(kCommand + 1, 1, 0x04);   /* INTX_DISABLE alone */
	EXPECT_EQ(fn->config_read(kCommand, 2), 0x0403u);
}

} /* namespace */
} /* namespace softvfio::pci::test */
