/* SPDX-License-Identifier: MIT */
/* The standard header: IDs, COMMAND, STATUS, the pass-through bytes, the
 * virtual pointer, line and pin registers. */
#include "vfio/config/fixture.h"

namespace softvfio::vfio::test {
namespace {

namespace r = pci::regs;

TEST_F(ConvConfig, VendorDeviceAreVirtualAndReadOnly)
{
	EXPECT_EQ(rd(r::kVendorId, 4), 0x11101af4u);
	wr(r::kVendorId, 4, 0xdeadbeef);
	EXPECT_TRUE(hw->writes().empty());
	/* Virtual: a later hardware change is not seen. */
	hw->set(r::kVendorId, 2, 0xffff);
	EXPECT_EQ(rd(r::kVendorId, 2), 0x1af4u);
	EXPECT_EQ(rd(r::kDeviceId, 2), 0x1110u);
}

TEST_F(ConvConfig, CommandReadsAsFirmwareLeftIt)
{
	EXPECT_EQ(rd(r::kCommand, 2), 0x0103u);
	EXPECT_EQ(vc->virtual_command() & 0x0003u, 0x0003u);
}

TEST_F(ConvConfig, MemoryClearRevokesEvenWhenAlreadyClear)
{
	wr(r::kCommand, 2, 0x0101);
	wr(r::kCommand, 2, 0x0101);
	const HookCall off{Hook::Command, false, pci::PowerState::D0, false};
	EXPECT_EQ(dev.calls(), (std::vector<HookCall>{off, off}));
	EXPECT_EQ(hw->get(r::kCommand, 2), 0x0101u);
	EXPECT_EQ(rd(r::kCommand, 2), 0x0101u);
	EXPECT_FALSE(vc->virtual_command() & r::kCommandMemory);
}

TEST_F(ConvConfig, MemorySetReachesHardwareAndVirtualBit)
{
	wr(r::kCommand, 2, 0x0101);
	dev.clear();
	wr(r::kCommand, 2, 0x0107);
	const HookCall on{Hook::Command, true, pci::PowerState::D0, true};
	EXPECT_EQ(dev.calls(), std::vector<HookCall>{on});
	EXPECT_EQ(hw->get(r::kCommand, 2), 0x0107u);
	EXPECT_EQ(rd(r::kCommand, 2), 0x0107u);
}

/* Only an access starting at COMMAND takes the memory_lock path, and the
 * memory bit is taken from its first byte. */
TEST_F(ConvConfig, ByteWriteAtCommandTakesTheLockedPath)
{
	wr(r::kCommand, 1, 0x01);
	ASSERT_EQ(dev.calls().size(), 1u);
	EXPECT_FALSE(dev.calls()[0].flag);
	EXPECT_EQ(hw->get(r::kCommand, 2), 0x0101u);
}

TEST_F(ConvConfig, IntxDisableIsVirtualAndEmulated)
{
	wr(r::kCommand, 2, 0x0503);
	EXPECT_EQ(hw->get(r::kCommand, 2) & r::kCommandIntxDisable, 0u);
	EXPECT_EQ(rd(r::kCommand, 2), 0x0503u);
	EXPECT_TRUE(vc->virq_disabled());
	wr(r::kCommand, 2, 0x0503); /* no change: no second call */
	wr(r::kCommand, 2, 0x0103);
	const auto calls = dev.calls();
	ASSERT_EQ(calls.size(), 5u);
	EXPECT_EQ(calls[1], (HookCall{Hook::Intx, true}));
	EXPECT_EQ(calls[4], (HookCall{Hook::Intx, false}));
	EXPECT_FALSE(vc->virq_disabled());
}

TEST_F(ConvConfig, IntxDisableByteWriteAtUpperCommandByte)
{
	wr(r::kCommand + 1, 1, 0x05);
	EXPECT_EQ(dev.calls(), (std::vector<HookCall>{{Hook::Intx, true}}));
	EXPECT_EQ(hw->get(r::kCommand, 2), 0x0103u); /* SERR kept, INTx bit virtual */
	EXPECT_EQ(rd(r::kCommand, 2), 0x0503u);
}

/* STATUS is read-only to the user, but a dword write at COMMAND writes the
 * hardware's STATUS back as it reads: set error bits (RW1C) get cleared. */
TEST_F(ConvConfig, StatusErrorBitsClearedByCommandDwordWrite)
{
	hw->set(r::kStatus, 2, r::kStatusCapList | r::kStatusRecMasterAbort);
	wr(r::kStatus, 2, 0xffff);
	EXPECT_EQ(hw_writes_to(r::kStatus, 2), 0u);
	EXPECT_EQ(rd(r::kStatus, 2), r::kStatusCapList | r::kStatusRecMasterAbort);
	wr(r::kCommand, 4, 0x00000103);
	EXPECT_EQ(hw->get(r::kStatus, 2), r::kStatusCapList);
	EXPECT_EQ(rd(r::kCommand, 4), 0x00100103u);
}

TEST_F(ConvConfig, StatusNonVirtualBitsComeFromHardware)
{
	hw->set(r::kStatus, 2, r::kStatusCapList | r::kStatusInterrupt);
	EXPECT_EQ(rd(r::kStatus, 2), r::kStatusCapList | r::kStatusInterrupt);
}

TEST_F(ConvConfig, CacheLineLatencyBistPassThrough)
{
	wr(r::kCacheLineSize, 4, 0xffffffff);
	/* Header type is read-only; BIST's start bit is the hardware's only
	 * writable one. */
	EXPECT_EQ(hw->get(r::kCacheLineSize, 4), 0x4000ffffu);
	EXPECT_EQ(rd(r::kCacheLineSize, 4), 0x4000ffffu);
	wr(r::kLatencyTimer, 1, 0x20);
	EXPECT_EQ(hw->get(r::kLatencyTimer, 1), 0x20u);
}

TEST_F(ConvConfig, ClassAndSubsystemAreReadOnlyHardware)
{
	wr(r::kRevisionId, 4, 0);
	wr(r::kSubsystemVendorId, 4, 0);
	EXPECT_TRUE(hw->writes().empty());
	EXPECT_EQ(rd(r::kRevisionId, 4), 0x05000001u);
}

TEST_F(ConvConfig, CapabilityPointerIsVirtualReadOnly)
{
	EXPECT_EQ(rd(r::kCapabilityList, 1), 0x40u);
	wr(r::kCapabilityList, 1, 0x80);
	EXPECT_EQ(rd(r::kCapabilityList, 1), 0x40u);
	EXPECT_TRUE(hw->writes().empty());
}

TEST_F(ConvConfig, InterruptLineIsVirtualAndWritable)
{
	EXPECT_EQ(rd(r::kInterruptLine, 1), 10u);
	wr(r::kInterruptLine, 1, 0x42);
	EXPECT_EQ(rd(r::kInterruptLine, 1), 0x42u);
	EXPECT_EQ(hw->get(r::kInterruptLine, 1), 10u);
	EXPECT_TRUE(hw->writes().empty());
}

TEST_F(ConvConfig, InterruptPinIsVirtualReadOnly)
{
	wr(r::kInterruptPin, 1, 4);
	EXPECT_EQ(rd(r::kInterruptPin, 1), 1u);
	hw->set(r::kInterruptPin, 1, 2);
	EXPECT_EQ(rd(r::kInterruptPin, 1), 1u);
}

TEST_F(ConvConfig, MinGntMaxLatAndReservedAreReadOnlyHardware)
{
	hw->set(r::kMinGnt, 2, 0x1234);
	wr(r::kMinGnt, 2, 0);
	EXPECT_EQ(rd(r::kMinGnt, 2), 0x1234u);
	EXPECT_TRUE(hw->writes().empty());
}

/* When every capability is hidden, CAP_LIST reads clear and the pointer 0. */
TEST_F(ConfigTest, StatusCapListClearedWhenNoCapabilityExposed)
{
	auto h = make_conventional_function();
	h->add_cap(0x40, 0x04, 0x48); /* slot ID */
	h->add_cap(0x48, 0x0a, 0);    /* debug port */
	build(std::move(h));
	EXPECT_EQ(rd(r::kStatus, 2) & r::kStatusCapList, 0u);
	EXPECT_EQ(rd(r::kCapabilityList, 1), 0u);
	EXPECT_EQ(hw->get(r::kStatus, 2) & r::kStatusCapList, r::kStatusCapList);
}

/* A function reset behind vfio's back (BARs and decode lost): enabling
 * decode again restores the BARs found at open before the write. */
TEST_F(ConvConfig, BarsRestoredWhenDecodeWasLostBehindOurBack)
{
	hw->set(r::bar_offset(0), 4, 0);
	hw->set(r::kCommand, 2, 0);
	wr(r::kCommand, 2, 0x0103);
	EXPECT_EQ(hw->get(r::bar_offset(0), 4), 0xfea01000u);
	EXPECT_EQ(hw->get(r::bar_offset(2), 4), 0xfeb0000cu);
	EXPECT_EQ(hw->get(r::kCommand, 2), 0x0103u);
}

TEST_F(ConvConfig, DecodeLostAloneRewritesAllBarsAndRom)
{
	hw->set(r::kCommand, 2, 0x0100);
	wr(r::kCommand, 2, 0x0103);
	EXPECT_EQ(hw_writes_to(r::kBar0, 24), 6u);
	EXPECT_EQ(hw_writes_to(r::kRomAddress, 4), 1u);
}

TEST_F(ConvConfig, DecodeLostButUserDisablingDoesNotRestore)
{
	hw->set(r::kCommand, 2, 0x0100);
	wr(r::kCommand, 2, 0x0100);
	EXPECT_EQ(hw_writes_to(r::kBar0, 24), 0u);
}

TEST_F(ConvConfig, BarsRestoredWhenAnyBarChanged)
{
	hw->set(r::bar_offset(1), 4, 0xd001);
	wr(r::kCommand, 2, 0x0101);
	EXPECT_EQ(hw->get(r::bar_offset(1), 4), 0xc041u);
}

TEST_F(ConvConfig, NoRestoreWhenHardwareMatches)
{
	wr(r::kCommand, 2, 0x0103);
	EXPECT_EQ(hw_writes_to(r::kBar0, 24), 0u);
	EXPECT_EQ(hw_writes_to(r::kRomAddress, 4), 0u);
}

} /* namespace */
} /* namespace softvfio::vfio::test */
