/* SPDX-License-Identifier: MIT */
/* The standard capability chain, power management, MSI and MSI-X. */
#include <utility>

#include "vfio/config/fixture.h"

namespace softvfio::vfio::test {
namespace {

namespace r = pci::regs;

/* (id, offset) pairs reached by following the chain through vfio. */
std::vector<std::pair<uint32_t, uint32_t>> walk_chain(VirtualConfig &vc)
{
	std::vector<std::pair<uint32_t, uint32_t>> caps;
	uint8_t pos = 0;
	EXPECT_EQ(vc.read(&pos, 1, r::kCapabilityList), 1);
	for (int n = 0; pos && n < 48; n++) {
		uint16_t hdr = 0;
		EXPECT_EQ(vc.read(&hdr, 2, pos), 2);
		caps.emplace_back(hdr & 0xff, pos);
		pos = uint8_t(hdr >> 8);
	}
	return caps;
}

TEST_F(PcieConfig, ChainSkipsHiddenCapabilities)
{
	using P = std::pair<uint32_t, uint32_t>;
	EXPECT_EQ(walk_chain(*vc), (std::vector<P>{{0x01, pcie::kPm}, {0x05, pcie::kMsi},
						  {0x11, pcie::kMsix}, {0x10, pcie::kExp},
						  {0x09, pcie::kVndr}, {0x13, pcie::kAf}}));
	EXPECT_EQ(rd(r::kStatus, 2) & r::kStatusCapList, r::kStatusCapList);
}

/* A hidden capability is unlinked, not erased: its bytes are unassigned
 * and read and write the hardware directly. */
TEST_F(PcieConfig, HiddenCapabilityBytesAreRaw)
{
	EXPECT_EQ(vc->map_at(pcie::kHidden1), 0xffu);
	EXPECT_EQ(rd(pcie::kHidden1, 4), 0x5555d004u);
	wr(pcie::kHidden1 + 2, 2, 0x1234);
	EXPECT_EQ(hw->writes(), (std::vector<Access>{{pcie::kHidden1 + 2, 2, 0x1234}}));
}

TEST_F(PcieConfig, MapCoversExactlyTheExposedLengths)
{
	EXPECT_EQ(vc->map_at(pcie::kPm + 7), r::kCapIdPm);
	EXPECT_EQ(vc->map_at(pcie::kPm + 8), 0xffu);
	EXPECT_EQ(vc->map_at(pcie::kMsi + 23), r::kCapIdMsi);    /* 64-bit, maskable: 24 */
	EXPECT_EQ(vc->map_at(pcie::kMsix + 11), r::kCapIdMsix);
	EXPECT_EQ(vc->map_at(pcie::kExp + 0x31), r::kCapIdExpress);
	EXPECT_EQ(vc->map_at(pcie::kExp + 0x32), 0xffu);         /* LNKSTA2: raw */
	EXPECT_EQ(vc->map_at(pcie::kVndr + 7), r::kCapIdVendor); /* its own length byte */
	EXPECT_EQ(vc->map_at(pcie::kAf + 5), r::kCapIdAf);
	EXPECT_EQ(vc->map_at(pcie::kAf + 6), 0xffu);
}

TEST_F(ConfigTest, NullUnknownAndZeroLengthVendorCapsAreHidden)
{
	auto h = make_conventional_function();
	h->add_cap(0x40, 0x00, 0x50);          /* null capability */
	h->add_cap(0x50, 0x15, 0x60);          /* beyond Linux's table */
	h->add_cap(0x60, r::kCapIdVendor, 0x70);
	h->set(0x62, 1, 0);                    /* vendor, length 0 */
	h->add_cap(0x70, r::kCapIdMsix, 0);
	build(std::move(h));
	using P = std::pair<uint32_t, uint32_t>;
	EXPECT_EQ(walk_chain(*vc), (std::vector<P>{{0x11, 0x70}}));
}

/* --- power management --- */

TEST_F(PcieConfig, PmPmeBitsReadZero)
{
	EXPECT_EQ(rd(pcie::kPm + r::kPmPmc, 2), 0x0003u);
	EXPECT_EQ(rd(pcie::kPm + r::kPmCtrl, 2), 0x0000u);
	EXPECT_EQ(hw->get(pcie::kPm + r::kPmCtrl, 2), 0x8100u);
}

TEST_F(PcieConfig, PmStateWriteGoesThroughTheDevice)
{
	wr(pcie::kPm + r::kPmCtrl, 2, 0x0003);
	EXPECT_EQ(dev.calls(), (std::vector<HookCall>{{Hook::Power, false, pci::PowerState::D3hot}}));
	/* The state field is never written by the user; the read-modify-write
	 * of the register clears PME status (RW1C) as on the real bus. */
	EXPECT_EQ(hw->get(pcie::kPm + r::kPmCtrl, 2), 0x0100u);
}

TEST_F(PcieConfig, PmEveryWriteAtCtrlSetsAState)
{
	wr(pcie::kPm + r::kPmCtrl, 4, 0x00000000);
	wr(pcie::kPm + r::kPmCtrl, 1, 0x01);
	const auto calls = dev.calls();
	ASSERT_EQ(calls.size(), 2u);
	EXPECT_EQ(calls[0].state, pci::PowerState::D0);
	EXPECT_EQ(calls[1].state, pci::PowerState::D1);
}

/* PME enable and status are virtual but not writable: they read 0 for
 * good, whatever the user writes and the hardware holds. */
TEST_F(PcieConfig, PmeEnableAndStatusAlwaysReadZero)
{
	hw->set(pcie::kPm + r::kPmCtrl, 2, 0x8100);
	wr(pcie::kPm + r::kPmCtrl, 2, 0x8100);
	EXPECT_EQ(rd(pcie::kPm + r::kPmCtrl, 2), 0x0000u);
	EXPECT_EQ(vc->vconfig_at(pcie::kPm + r::kPmCtrl, 2), 0x0000u);
}

TEST_F(PcieConfig, PmDataSelectPassesThroughWithoutStateChange)
{
	wr(pcie::kPm + r::kPmCtrl + 1, 1, 0x02);
	EXPECT_TRUE(dev.calls().empty());
	EXPECT_EQ(hw->get(pcie::kPm + r::kPmCtrl, 2) & 0x1e00u, 0x0200u);
	EXPECT_EQ(rd(pcie::kPm + r::kPmCtrl, 2), 0x0200u);
}

TEST_F(PcieConfig, PmCapabilitiesAndNextAreReadOnly)
{
	wr(pcie::kPm, 4, 0);
	EXPECT_EQ(rd(pcie::kPm, 4), 0x00035001u);
	EXPECT_TRUE(hw->writes().empty());
}

/* --- MSI --- */

TEST_F(PcieConfig, MsiFlagsStartFromHardware)
{
	EXPECT_EQ(rd(pcie::kMsi + r::kMsiFlags, 2), 0x0186u);
}

TEST_F(PcieConfig, MsiEnableDroppedUnlessMsiIsTheIrqType)
{
	wr(pcie::kMsi + r::kMsiFlags, 2, 0x0187);
	EXPECT_EQ(rd(pcie::kMsi + r::kMsiFlags, 2), 0x0186u);
	/* The fixed-up flags are written to the hardware too. */
	EXPECT_EQ(hw->writes(), (std::vector<Access>{{pcie::kMsi + r::kMsiFlags, 2, 0x0186}}));
	vc->set_msi_active(true);
	wr(pcie::kMsi + r::kMsiFlags, 2, 0x0187);
	EXPECT_EQ(rd(pcie::kMsi + r::kMsiFlags, 2), 0x0187u);
	EXPECT_EQ(hw->get(pcie::kMsi + r::kMsiFlags, 2), 0x0187u);
}

TEST_F(PcieConfig, MsiQueueSizeCappedAtEnabledVectors)
{
	wr(pcie::kMsi + r::kMsiFlags, 1, 0xb6); /* 8 vectors asked, none enabled */
	EXPECT_EQ(rd(pcie::kMsi + r::kMsiFlags, 1), 0x86u);
	vc->msi_enabled(3); /* rounds up to 4: qmax 2 */
	wr(pcie::kMsi + r::kMsiFlags, 1, 0xb6);
	EXPECT_EQ(rd(pcie::kMsi + r::kMsiFlags, 1), 0xa6u);
	wr(pcie::kMsi + r::kMsiFlags, 1, 0x96);
	EXPECT_EQ(rd(pcie::kMsi + r::kMsiFlags, 1), 0x96u);
	EXPECT_EQ(hw->get(pcie::kMsi + r::kMsiFlags, 2), 0x0196u);
}

/* The low flags byte is fully virtual and writable, so even the capable
 * field takes the user's value; vfio's read-side refresh from msi_qmax
 * lands on the capability ID, where it cannot be seen. */
TEST_F(PcieConfig, MsiCapableFieldIsTheVirtualByte)
{
	vc->msi_enabled(1);
	EXPECT_EQ(rd(pcie::kMsi + r::kMsiFlags, 2), 0x0186u);
	wr(pcie::kMsi + r::kMsiFlags, 1, 0x80);
	EXPECT_EQ(rd(pcie::kMsi + r::kMsiFlags, 2), 0x0180u);
	EXPECT_EQ(rd(pcie::kMsi, 1), r::kCapIdMsi);
}

TEST_F(PcieConfig, MsiAddressAndDataAreVirtual)
{
	wr(pcie::kMsi + r::kMsiAddressLo, 4, 0xfee01004);
	wr(pcie::kMsi + r::kMsiAddressHi, 4, 0x1);
	wr(pcie::kMsi + r::kMsiData64, 2, 0x4041);
	EXPECT_EQ(rd(pcie::kMsi + r::kMsiAddressLo, 4), 0xfee01004u);
	EXPECT_EQ(rd(pcie::kMsi + r::kMsiAddressHi, 4), 0x1u);
	EXPECT_EQ(rd(pcie::kMsi + r::kMsiData64, 2), 0x4041u);
	EXPECT_TRUE(hw->writes().empty());
	EXPECT_EQ(hw->get(pcie::kMsi + r::kMsiAddressLo, 4), 0u);
}

TEST_F(PcieConfig, MsiMaskAndPendingGoToHardware)
{
	wr(pcie::kMsi + r::kMsiMask64, 4, 0x5);
	EXPECT_EQ(hw->get(pcie::kMsi + r::kMsiMask64, 4), 0x5u);
	EXPECT_EQ(rd(pcie::kMsi + r::kMsiMask64, 4), 0x5u);
	EXPECT_EQ(rd(pcie::kMsi + r::kMsiPending64, 4), 0x2u);
	wr(pcie::kMsi + r::kMsiPending64, 4, 0);
	EXPECT_EQ(hw_writes_to(pcie::kMsi + r::kMsiPending64, 4), 1u);
}

TEST_F(PcieConfig, MsiReservedDataBytesAreReadOnly)
{
	wr(pcie::kMsi + r::kMsiData64 + 2, 2, 0xffff);
	EXPECT_TRUE(hw->writes().empty());
	EXPECT_EQ(rd(pcie::kMsi + r::kMsiData64 + 2, 2), 0u);
}

/* A 32-bit MSI without masking is 10 bytes; the 2 bytes after it belong
 * to no capability and are raw. */
TEST_F(ConvConfig, Msi32BitLayoutAndTheRawBytesAfterIt)
{
	EXPECT_EQ(vc->map_at(conv::kMsi + 9), r::kCapIdMsi);
	EXPECT_EQ(vc->map_at(conv::kMsi + 10), 0xffu);
	wr(conv::kMsi + r::kMsiData32, 2, 0x0021);
	EXPECT_EQ(rd(conv::kMsi + r::kMsiData32, 4), 0xbeef0021u);
	wr(conv::kMsi + 10, 2, 0x1234);
	EXPECT_EQ(hw->get(conv::kMsi + 10, 2), 0x1234u);
}

/* --- MSI-X: read-only, straight from the hardware --- */

TEST_F(PcieConfig, MsixIsReadOnly)
{
	wr(pcie::kMsix + r::kMsixFlags, 2, r::kMsixFlagsEnable | r::kMsixFlagsMaskAll);
	EXPECT_TRUE(hw->writes().empty());
	EXPECT_EQ(rd(pcie::kMsix, 4), 0x003f8011u);
	EXPECT_EQ(rd(pcie::kMsix + r::kMsixTable, 4), 0x4u);
	EXPECT_EQ(rd(pcie::kMsix + r::kMsixPba, 4), 0x2004u);
}

TEST_F(PcieConfig, MsixFlagsFollowTheHardware)
{
	hw->set(pcie::kMsix + r::kMsixFlags, 2, 0xc03f);
	EXPECT_EQ(rd(pcie::kMsix + r::kMsixFlags, 2), 0xc03fu);
}

} /* namespace */
} /* namespace softvfio::vfio::test */
