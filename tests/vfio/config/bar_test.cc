/* SPDX-License-Identifier: MIT */
/* Virtual BARs and ROM BAR: values, sizing, unimplemented BARs. */
#include "vfio/config/fixture.h"

namespace softvfio::vfio::test {
namespace {

namespace r = pci::regs;

/* The figure observed on 6.12 for ivshmem's BAR2 (64-bit prefetchable at
 * 0xfeb00000), read as one 8-byte pread as the reference program does. */
TEST_F(ConvConfig, Bar2ReadsAddressWithTypeFlags)
{
	uint64_t v = 0;
	ASSERT_EQ(vc->read(&v, 8, r::bar_offset(2)), 8);
	EXPECT_EQ(v, 0x00000000feb0000cull);
}

TEST_F(ConvConfig, Mem32BarSizing)
{
	EXPECT_EQ(rd(r::bar_offset(0), 4), 0xfea01000u);
	wr(r::bar_offset(0), 4, 0xffffffff);
	EXPECT_EQ(rd(r::bar_offset(0), 4), 0xffffff00u);
	wr(r::bar_offset(0), 4, 0xfea01000);
	EXPECT_EQ(rd(r::bar_offset(0), 4), 0xfea01000u);
	EXPECT_TRUE(hw->writes().empty());
}

TEST_F(ConvConfig, Mem64BarSizingBothHalves)
{
	wr(r::bar_offset(2), 4, 0xffffffff);
	wr(r::bar_offset(3), 4, 0xffffffff);
	EXPECT_EQ(rd(r::bar_offset(2), 4), 0xfff0000cu);
	EXPECT_EQ(rd(r::bar_offset(3), 4), 0xffffffffu);
	EXPECT_EQ(hw->get(r::bar_offset(2), 4), 0xfeb0000cu);
}

TEST_F(PcieConfig, Mem64BarAboveFourGig)
{
	EXPECT_EQ(rd(r::bar_offset(2), 4), 0x0000000cu);
	EXPECT_EQ(rd(r::bar_offset(3), 4), 0x00000080u);
	wr(r::bar_offset(2), 4, 0xffffffff);
	wr(r::bar_offset(3), 4, 0xffffffff);
	/* 4 GiB: no low address bits, all upper ones. */
	EXPECT_EQ(rd(r::bar_offset(2), 4), 0x0000000cu);
	EXPECT_EQ(rd(r::bar_offset(3), 4), 0xffffffffu);
	EXPECT_EQ(rd(r::bar_offset(4), 4), 0xfe040004u);
	EXPECT_EQ(rd(r::bar_offset(5), 4), 0u);
}

TEST_F(ConvConfig, IoBarSizing)
{
	EXPECT_EQ(rd(r::bar_offset(1), 4), 0x0000c041u);
	wr(r::bar_offset(1), 4, 0xffffffff);
	EXPECT_EQ(rd(r::bar_offset(1), 4), 0xffffffe1u);
}

TEST_F(ConvConfig, UnimplementedBarsReadZero)
{
	wr(r::bar_offset(4), 4, 0xffffffff);
	wr(r::bar_offset(5), 4, 0x12345678);
	EXPECT_EQ(rd(r::bar_offset(4), 4), 0u);
	EXPECT_EQ(rd(r::bar_offset(5), 4), 0u);
}

TEST_F(ConvConfig, PartialBarWriteIsMaskedOnRead)
{
	wr(r::bar_offset(0), 1, 0xff);
	EXPECT_EQ(rd(r::bar_offset(0), 4), 0xfea01000u);
	wr(r::bar_offset(0) + 3, 1, 0x12);
	EXPECT_EQ(rd(r::bar_offset(0), 4), 0x12a01000u);
	EXPECT_EQ(rd(r::bar_offset(0) + 2, 2), 0x12a0u);
}

TEST_F(PcieConfig, RomBarSizingAndEnable)
{
	EXPECT_EQ(rd(r::kRomAddress, 4), 0xfe080000u);
	wr(r::kRomAddress, 4, 0xffffffff);
	EXPECT_EQ(rd(r::kRomAddress, 4), 0xffff0001u);
	wr(r::kRomAddress, 4, 0xfffff800);
	EXPECT_EQ(rd(r::kRomAddress, 4), 0xffff0000u);
	wr(r::kRomAddress, 4, 0xfe080001);
	EXPECT_EQ(rd(r::kRomAddress, 4), 0xfe080001u);
	EXPECT_TRUE(hw->writes().empty());
}

TEST_F(ConvConfig, NoRomReadsZero)
{
	EXPECT_EQ(rd(r::kRomAddress, 4), 0u);
	wr(r::kRomAddress, 4, 0xffffffff);
	EXPECT_EQ(rd(r::kRomAddress, 4), 0u);
}

TEST_F(ConvConfig, CardbusCisIsReadOnlyHardware)
{
	hw->set(r::kCardbusCis, 4, 0x11);
	wr(r::kCardbusCis, 4, 0xffffffff);
	EXPECT_EQ(rd(r::kCardbusCis, 4), 0x11u);
}

} /* namespace */
} /* namespace softvfio::vfio::test */
