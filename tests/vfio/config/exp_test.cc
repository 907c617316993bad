/* SPDX-License-Identifier: MIT */
/* PCI Express, Advanced Features, vendor-specific, VPD and PCI-X. */
#include "vfio/config/fixture.h"

namespace softvfio::vfio::test {
namespace {

namespace r = pci::regs;

constexpr uint32_t kDevCtl = pcie::kExp + r::kExpDevCtl;

TEST_F(PcieConfig, ExpErrorReportingBitsReachHardware)
{
	wr(kDevCtl, 2, 0x283f);
	EXPECT_EQ(hw->get(kDevCtl, 2), 0x283fu);
	EXPECT_EQ(rd(kDevCtl, 2), 0x283fu);
	EXPECT_TRUE(dev.calls().empty());
}

TEST_F(PcieConfig, ExpPayloadSizeIsVirtual)
{
	wr(kDevCtl, 2, 0x28b0);
	EXPECT_EQ(rd(kDevCtl, 2), 0x28b0u);
	EXPECT_EQ(hw->get(kDevCtl, 2), 0x2830u);
}

TEST_F(PcieConfig, ExpPhantomFunctionsNotWritable)
{
	wr(kDevCtl, 2, 0x2a30);
	EXPECT_EQ(hw->get(kDevCtl, 2), 0x2830u);
	EXPECT_EQ(rd(kDevCtl, 2), 0x2830u);
}

TEST_F(PcieConfig, ExpReadRequestSizePassesThrough)
{
	wr(kDevCtl, 2, 0x3830); /* 1024 */
	EXPECT_EQ(hw->get(kDevCtl, 2), 0x3830u);
	EXPECT_EQ(rd(kDevCtl, 2), 0x3830u);
}

/* Below the payload size (256 here) the hardware gets the payload size;
 * the user keeps seeing what they wrote. */
TEST_F(PcieConfig, ExpReadRequestSizeFloorIsPayloadSize)
{
	wr(kDevCtl, 2, 0x0830); /* 128 */
	EXPECT_EQ(hw->get(kDevCtl, 2), 0x1830u);
	EXPECT_EQ(rd(kDevCtl, 2), 0x0830u);
}

TEST_F(PcieConfig, ExpReservedReadRequestSizeLeavesHardware)
{
	wr(kDevCtl, 2, 0x6830);
	EXPECT_EQ(hw->get(kDevCtl, 2), 0x2830u);
	EXPECT_EQ(rd(kDevCtl, 2), 0x6830u);
}

TEST_F(PcieConfig, ExpUnchangedReadRequestSizeIsNotRewritten)
{
	wr(kDevCtl, 2, 0x2830);
	EXPECT_EQ(hw_writes_to(kDevCtl, 2), 1u); /* the merge only */
}

TEST_F(PcieConfig, ExpFlrResetsAndReadsZero)
{
	wr(kDevCtl, 2, 0xa830);
	EXPECT_EQ(dev.calls(), (std::vector<HookCall>{{Hook::Reset}}));
	EXPECT_EQ(rd(kDevCtl, 2), 0x2830u);
	for (const Access &a : hw->writes())
		EXPECT_EQ(a.value & r::kExpDevCtlBcrFlr, 0u);
}

TEST_F(PcieConfig, ExpFlrIgnoredWithoutDevcapFlr)
{
	hw->set(pcie::kExp + r::kExpDevCap, 4, 0x00000001);
	wr(kDevCtl, 2, 0xa830);
	EXPECT_TRUE(dev.calls().empty());
	EXPECT_EQ(rd(kDevCtl, 2), 0x2830u);
}

/* DEVSTA is read-only, but a dword write at DEVCTL writes it back as read,
 * clearing its RW1C error bits, as on the real bus. */
TEST_F(PcieConfig, ExpDevstaErrorsClearedByDwordDevctlWrite)
{
	wr(pcie::kExp + r::kExpDevSta, 2, 0x000f);
	EXPECT_EQ(hw->get(pcie::kExp + r::kExpDevSta, 2), 0x0005u);
	wr(kDevCtl, 4, 0x00002830);
	EXPECT_EQ(hw->get(pcie::kExp + r::kExpDevSta, 2), 0x0000u);
}

TEST_F(PcieConfig, ExpDevctl2AriNotWritable)
{
	wr(pcie::kExp + r::kExpDevCtl2, 2, 0xffff);
	EXPECT_EQ(hw->get(pcie::kExp + r::kExpDevCtl2, 2), 0xffdfu);
}

TEST_F(PcieConfig, ExpOtherRegistersReadOnly)
{
	wr(pcie::kExp + r::kExpLnkCtl, 2, 0xffff);
	wr(pcie::kExp + r::kExpFlags, 2, 0xffff);
	wr(pcie::kExp + r::kExpDevCap, 4, 0);
	EXPECT_TRUE(hw->writes().empty());
	EXPECT_EQ(rd(pcie::kExp, 4), 0x0002c010u);
}

TEST_F(PcieConfig, ExpLinkStatus2IsOutsideAndRaw)
{
	EXPECT_EQ(rd(pcie::kExp + r::kExpLnkSta2, 2), 0x001eu);
	wr(pcie::kExp + r::kExpLnkSta2, 2, 0x1234);
	EXPECT_EQ(hw->get(pcie::kExp + r::kExpLnkSta2, 2), 0x1234u);
}

/* --- Advanced Features --- */

TEST_F(PcieConfig, AfFlrResetsAndReadsZero)
{
	wr(pcie::kAf + r::kAfCtrl, 1, r::kAfCtrlFlr);
	EXPECT_EQ(dev.calls(), (std::vector<HookCall>{{Hook::Reset}}));
	EXPECT_EQ(rd(pcie::kAf + r::kAfCtrl, 1), 0u);
	EXPECT_TRUE(hw->writes().empty());
}

TEST_F(PcieConfig, AfFlrNeedsBothFlrAndTpCapabilities)
{
	hw->set(pcie::kAf + r::kAfCap, 1, r::kAfCapFlr);
	wr(pcie::kAf + r::kAfCtrl, 1, r::kAfCtrlFlr);
	EXPECT_TRUE(dev.calls().empty());
}

TEST_F(PcieConfig, AfOtherBytesReadOnlyAndNextVirtual)
{
	wr(pcie::kAf, 4, 0xffffffff);
	EXPECT_TRUE(dev.calls().empty());
	EXPECT_EQ(rd(pcie::kAf, 4), 0x03060013u); /* next 0: the SHPC is hidden */
}

/* --- vendor-specific: hardware reads and raw writes --- */

TEST_F(PcieConfig, VendorCapBodyIsRaw)
{
	EXPECT_EQ(rd(pcie::kVndr + 4, 4), 0xaau);
	wr(pcie::kVndr + 4, 4, 0x11223344);
	EXPECT_EQ(hw->get(pcie::kVndr + 4, 4), 0x11223344u);
	EXPECT_EQ(rd(pcie::kVndr + 4, 4), 0x11223344u);
}

TEST_F(PcieConfig, VendorCapNextIsVirtualEvenThoughWritesAreRaw)
{
	EXPECT_EQ(hw->get(pcie::kVndr, 2), 0xc809u);
	EXPECT_EQ(rd(pcie::kVndr, 2), 0xd009u);
	EXPECT_EQ(rd(pcie::kVndr + 1, 1), 0xd0u);
	wr(pcie::kVndr + 1, 1, 0x00);
	EXPECT_EQ(hw->writes(), (std::vector<Access>{{pcie::kVndr + 1, 1, 0}}));
	EXPECT_EQ(rd(pcie::kVndr, 4), 0x0008d009u);
}

/* --- VPD: address and data virtual, transactions through the backend --- */

class VpdConfig : public ConfigTest
{
protected:
	void SetUp() override
	{
		auto h = make_conventional_function();
		h->add_cap(0x40, r::kCapIdVpd, 0);
		h->set(0x42, 2, 0);
		h->set(0x44, 4, 0);
		h->vpd = {0x82, 0x10, 0x00, 0x41, 0, 0, 0, 0};
		build(std::move(h));
	}
};

TEST_F(VpdConfig, ReadTransactionFillsDataAndSetsFlag)
{
	wr(0x42, 2, 0x0000);
	EXPECT_EQ(rd(0x42, 2), 0x8000u);
	EXPECT_EQ(rd(0x44, 4), 0x41001082u);
	EXPECT_TRUE(hw->writes().empty());
}

TEST_F(VpdConfig, WriteTransactionStoresAndClearsFlag)
{
	wr(0x44, 4, 0xcafef00d);
	wr(0x42, 2, 0x8004);
	EXPECT_EQ(rd(0x42, 2), 0x0004u);
	EXPECT_EQ(hw->vpd[4], 0x0du);
	EXPECT_EQ(hw->vpd[7], 0xcau);
}

TEST_F(VpdConfig, FailedTransactionNeverCompletes)
{
	wr(0x42, 2, 0x0100); /* beyond the VPD */
	EXPECT_EQ(rd(0x42, 2), 0x0100u);
}

TEST_F(VpdConfig, LowAddressByteAloneStartsNothing)
{
	wr(0x42, 1, 0x00);
	EXPECT_EQ(rd(0x42, 2), 0x0000u);
}

/* --- PCI-X: command and ECC pass through --- */

TEST_F(ConfigTest, PcixCommandPassesThrough)
{
	auto h = make_conventional_function();
	h->add_cap(0x40, 0x07, 0);
	h->set(0x42, 2, 0);
	h->set_wmask(0x42, 2, 0x007f);
	build(std::move(h));
	EXPECT_EQ(vc->map_at(0x47), 0x07u);
	EXPECT_EQ(vc->map_at(0x48), 0xffu); /* version 0: 8 bytes */
	wr(0x42, 2, 0x0003);
	EXPECT_EQ(hw->get(0x42, 2), 0x0003u);
}

} /* namespace */
} /* namespace softvfio::vfio::test */
