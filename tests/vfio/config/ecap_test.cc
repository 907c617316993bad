/* SPDX-License-Identifier: MIT */
/* The extended capability chain (config offsets 0x100 and up). */
#include <utility>

#include "vfio/config/fixture.h"

namespace softvfio::vfio::test {
namespace {

namespace r = pci::regs;

std::vector<std::pair<uint32_t, uint32_t>> walk_ext_chain(VirtualConfig &vc)
{
	std::vector<std::pair<uint32_t, uint32_t>> caps;
	uint32_t pos = 0x100;
	for (int n = 0; pos && n < 64; n++) {
		uint32_t hdr = 0;
		EXPECT_EQ(vc.read(&hdr, 4, pos), 4);
		if (!hdr)
			break;
		caps.emplace_back(r::ext_cap_id(hdr), pos);
		pos = r::ext_cap_next(hdr);
	}
	return caps;
}

TEST_F(PcieConfig, RegionIs4KiBForExpress)
{
	EXPECT_EQ(vc->size(), 4096u);
	EXPECT_EQ(rd(0xffc, 4), 0u);
}

TEST_F(PcieConfig, ExtChainSkipsHiddenCapabilities)
{
	using P = std::pair<uint32_t, uint32_t>;
	EXPECT_EQ(walk_ext_chain(*vc),
		  (std::vector<P>{{0x01, pcie::kAer}, {0x03, pcie::kDsn}, {0x0b, pcie::kEvndr}}));
	EXPECT_EQ(rd(pcie::kAer, 4), r::ext_cap_header(0x01, 2, pcie::kDsn));
}

TEST_F(PcieConfig, HiddenExtCapabilityBytesAreRaw)
{
	EXPECT_EQ(vc->map_at(pcie::kL1ss), 0xffu);
	EXPECT_EQ(rd(pcie::kL1ss, 4), r::ext_cap_header(0x1e, 1, pcie::kDsn));
	EXPECT_EQ(rd(pcie::kL1ss + 4, 4), 0x12345678u);
}

TEST_F(PcieConfig, AerHeaderIsVirtualReadOnly)
{
	wr(pcie::kAer, 4, 0);
	EXPECT_TRUE(hw->writes().empty());
	EXPECT_EQ(rd(pcie::kAer, 2), 0x0001u);
}

/* Only the listed error bits are writable: writing 1s to the status
 * clears those (RW1C), and other bits are written back as read. */
TEST_F(PcieConfig, AerUncorrectableStatusWritableBits)
{
	wr(pcie::kAer + 0x04, 4, 0x00001000);
	EXPECT_EQ(hw->get(pcie::kAer + 0x04, 4), 0x00000010u);
	EXPECT_EQ(rd(pcie::kAer + 0x04, 4), 0x00000010u);
}

TEST_F(PcieConfig, AerMaskSeverityAndCapabilityMasks)
{
	wr(pcie::kAer + 0x08, 4, 0xffffffff);
	wr(pcie::kAer + 0x0c, 4, 0xffffffff);
	wr(pcie::kAer + 0x14, 4, 0xffffffff);
	wr(pcie::kAer + 0x18, 4, 0xffffffff);
	EXPECT_EQ(hw->get(pcie::kAer + 0x08, 4), 0x03fff031u);
	EXPECT_EQ(hw->get(pcie::kAer + 0x0c, 4), 0x03fff031u);
	EXPECT_EQ(hw->get(pcie::kAer + 0x14, 4), 0x0000f1c1u);
	EXPECT_EQ(hw->get(pcie::kAer + 0x18, 4), 0x000001e0u);
}

TEST_F(PcieConfig, AerHeaderLogReadOnlyAndRootCommandOutside)
{
	wr(pcie::kAer + 0x1c, 4, 0xffffffff);
	EXPECT_TRUE(hw->writes().empty());
	EXPECT_EQ(vc->map_at(pcie::kAer + 0x2b), 0x01u);
	EXPECT_EQ(vc->map_at(pcie::kAer + 0x2c), 0xffu);
	wr(pcie::kAer + 0x2c, 4, 0);
	EXPECT_EQ(hw->get(pcie::kAer + 0x2c, 4), 0u);
}

TEST_F(PcieConfig, DsnIsReadOnlyWithVirtualHeader)
{
	wr(pcie::kDsn + 4, 4, 0);
	EXPECT_TRUE(hw->writes().empty());
	EXPECT_EQ(rd(pcie::kDsn + 4, 4), 0x11223344u);
	EXPECT_EQ(rd(pcie::kDsn + 8, 4), 0x55667788u);
	EXPECT_EQ(vc->map_at(pcie::kDsn + 12), 0xffu);
}

TEST_F(PcieConfig, ExtVendorCapLengthAndRawWrites)
{
	EXPECT_EQ(vc->map_at(pcie::kEvndr + 0x0f), 0x0bu);
	EXPECT_EQ(vc->map_at(pcie::kEvndr + 0x10), 0xffu);
	wr(pcie::kEvndr + 8, 4, 0xabcdef01);
	EXPECT_EQ(hw->get(pcie::kEvndr + 8, 4), 0xabcdef01u);
	/* A header write is raw too, but reads of it stay virtual. */
	wr(pcie::kEvndr, 4, 0);
	EXPECT_EQ(hw_writes_to(pcie::kEvndr, 4), 1u);
	EXPECT_EQ(rd(pcie::kEvndr, 4), r::ext_cap_header(0x0b, 1, 0));
}

/* Power budgeting: vfio lets the user write the first byte of the Data
 * register, nothing else. */
TEST_F(ConfigTest, PowerBudgetingWritableByte)
{
	auto h = make_pcie_function();
	h->add_ecap(0x100, 0x0004, 1, 0);
	h->set_wmask(0x104, 4, 0xff);
	h->set_wmask(0x108, 4, 0xffffffff);
	build(std::move(h));
	wr(0x104, 4, 0xffffffff);
	EXPECT_TRUE(hw->writes().empty());
	wr(0x108, 4, 0xffffffff);
	EXPECT_EQ(hw->get(0x108, 4), 0x000000ffu);
	EXPECT_EQ(vc->map_at(0x10f), 0x04u);
	EXPECT_EQ(vc->map_at(0x110), 0xffu);
}

/* A hidden first capability cannot be unlinked: its header stays as an
 * anchor with ID and version zero and the real next pointer. */
TEST_F(ConfigTest, HiddenFirstExtCapabilityBecomesAnchor)
{
	auto h = make_pcie_function();
	h->add_ecap(0x100, 0x001e, 1, 0x140);
	h->add_ecap(0x140, 0x0003, 1, 0);
	build(std::move(h));
	EXPECT_EQ(rd(0x100, 4), 0x14000000u);
	EXPECT_EQ(rd(0x100, 2), 0u);
	EXPECT_EQ(vc->map_at(0x100), 0x1eu);
	EXPECT_EQ(vc->map_at(0x104), 0xffu);
	EXPECT_EQ(rd(0x140, 4), r::ext_cap_header(0x03, 1, 0));
}

TEST_F(ConfigTest, UnknownFirstExtCapabilityBecomesAnchor)
{
	auto h = make_pcie_function();
	h->add_ecap(0x100, 0x0030, 1, 0x150);
	build(std::move(h));
	EXPECT_EQ(rd(0x100, 4), 0x15000000u);
	wr(0x100, 4, 0xffffffff);
	EXPECT_TRUE(hw->writes().empty());
	EXPECT_EQ(rd(0x150, 2), 0x0003u);
}

TEST_F(ConfigTest, NoExposedExtCapabilityReadsZeroHeader)
{
	auto h = make_pcie_function();
	h->add_ecap(0x100, 0x001e, 1, 0);
	build(std::move(h));
	EXPECT_EQ(rd(0x100, 4), 0u);
}

TEST_F(ConfigTest, NoExtendedChainLeavesExtendedSpaceRaw)
{
	auto h = make_pcie_function();
	h->set(0x100, 4, 0);
	h->set_wmask(0x100, 4, 0xffffffff);
	build(std::move(h));
	EXPECT_EQ(vc->map_at(0x100), 0xffu);
	wr(0x100, 4, 0x12345678);
	EXPECT_EQ(hw->get(0x100, 4), 0x12345678u);
}

} /* namespace */
} /* namespace softvfio::vfio::test */
