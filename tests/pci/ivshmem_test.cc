/* SPDX-License-Identifier: MIT */
/*
 * ivshmem-plain's BAR0 register block.
 */
#include <unistd.h>

#include "pci_test_util.h"

namespace softvfio::pci::test {
namespace {

TEST(IvshmemRegs, IntrMaskIsPlainStorage)
{
	auto fn = make_preset("ivshmem-plain");
	EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0u);
	bar_write32(*fn, 0, 0x00, 0xdeadbeef);
	EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0xdeadbeefu);
	EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0xdeadbeefu);
}

TEST(IvshmemRegs, IntrStatusClearsOnRead)
{
	auto fn = make_preset("ivshmem-plain");
	bar_write32(*fn, 0, 0x04, 0x5);
	EXPECT_EQ(bar_read32(*fn, 0, 0x04), 0x5u);
	EXPECT_EQ(bar_read32(*fn, 0, 0x04), 0u);
}

TEST(IvshmemRegs, IvPositionIsZeroAndReadOnly)
{
	auto fn = make_preset("ivshmem-plain");
	bar_write32(*fn, 0, 0x08, 7);
	EXPECT_EQ(bar_read32(*fn, 0, 0x08), 0u);
}

TEST(IvshmemRegs, DoorbellWithoutPeersDoesNothing)
{
	RecordingSink sink;
	auto fn = make_preset("ivshmem-plain");
	fn->set_interrupt_sink(&sink);
	bar_write32(*fn, 0, 0x0c, 0x00010000);
	EXPECT_EQ(bar_read32(*fn, 0, 0x0c), 0u);
	EXPECT_TRUE(sink.events().empty());
}

TEST(IvshmemRegs, OtherOffsetsReadZero)
{
	auto fn = make_preset("ivshmem-plain");
	bar_write32(*fn, 0, 0x10, 0xffffffff);
	EXPECT_EQ(bar_read32(*fn, 0, 0x10), 0u);
	EXPECT_EQ(bar_read32(*fn, 0, 0xfc), 0u);
}

TEST(IvshmemRegs, EightByteAccessIsTwoRegisters)
{
	auto fn = make_preset("ivshmem-plain");
	bar_write64(*fn, 0, 0x00, 0x0000000900000011ull);
	EXPECT_EQ(bar_read32(*fn, 0, 0x00), 0x11u);
	EXPECT_EQ(bar_read64(*fn, 0, 0x00), 0x0000000900000011ull);
	EXPECT_EQ(bar_read32(*fn, 0, 0x04), 0u);   /* the 8-byte read cleared it */
}

TEST(IvshmemRegs, NarrowReadsSeeTheLowBytes)
{
	auto fn = make_preset("ivshmem-plain");
	bar_write32(*fn, 0, 0x00, 0x11223344);
	uint16_t low = 0;
	ASSERT_TRUE(fn->bar_read(0, 0x00, &low, 2).ok());
	EXPECT_EQ(low, 0x3344u);
	uint8_t unaligned = 0xff;
	ASSERT_TRUE(fn->bar_read(0, 0x01, &unaligned, 1).ok());
	EXPECT_EQ(unaligned, 0u);   /* no register at 0x01 */
}

TEST(IvshmemRegs, MaskMirroredIntoTheMemfd)
{
	auto fn = make_preset("ivshmem-plain");
	bar_write32(*fn, 0, 0x00, 0xa5a5);
	uint32_t v = 0;
	ASSERT_EQ(::pread(fn->memory_fd(), &v, 4, 0), 4);
	EXPECT_EQ(v, 0xa5a5u);
}

TEST(IvshmemRegs, NoInterruptsAtAll)
{
	auto fn = make_preset("ivshmem-plain");
	EXPECT_EQ(fn->config_read(regs::kInterruptPin, 1), 0u);
	EXPECT_TRUE(fn->capabilities().empty());
}

} /* namespace */
} /* namespace softvfio::pci::test */
