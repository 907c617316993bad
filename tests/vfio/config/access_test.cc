/* SPDX-License-Identifier: MIT */
/* How user accesses are split, bounded and copied; init, release, reset. */
#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

#include "vfio/config/fixture.h"

namespace softvfio::vfio::test {
namespace {

namespace r = pci::regs;

std::vector<std::pair<uint32_t, unsigned>> shapes(const std::vector<Access> &log)
{
	std::vector<std::pair<uint32_t, unsigned>> out;
	for (const Access &a : log)
		out.emplace_back(a.offset, a.width);
	return out;
}

using Shapes = std::vector<std::pair<uint32_t, unsigned>>;

/* Two pages, the second inaccessible: a buffer running off the first
 * faults. (PROT_NONE rather than unmapped, so nothing else can be mapped
 * into the hole meanwhile.) */
class EdgeBuffer
{
public:
	EdgeBuffer()
	{
		page_ = size_t(sysconf(_SC_PAGESIZE));
		base_ = static_cast<uint8_t *>(mmap(nullptr, 2 * page_, PROT_READ | PROT_WRITE,
						    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
		mprotect(base_ + page_, page_, PROT_NONE);
	}
	~EdgeBuffer() { munmap(base_, 2 * page_); }
	EdgeBuffer(const EdgeBuffer &) = delete;
	EdgeBuffer &operator=(const EdgeBuffer &) = delete;
	/* `n` valid bytes before the hole. */
	uint8_t *last(size_t n) { return base_ + page_ - n; }

private:
	size_t page_;
	uint8_t *base_;
};

TEST_F(ConvConfig, UnalignedDwordSplitsIntoNaturalPieces)
{
	const uint32_t expect = (rd(r::kCommand, 4) >> 8) | (rd(r::kRevisionId, 1) << 24);
	hw->clear_log();
	EXPECT_EQ(rd(r::kCommand + 1, 4), expect);
	EXPECT_EQ(shapes(hw->reads()), (Shapes{{0x05, 1}, {0x06, 2}, {0x08, 1}}));
}

TEST_F(ConvConfig, OddCountsSplitToo)
{
	uint8_t buf[3] = {};
	ASSERT_EQ(vc->read(buf, 3, r::kCacheLineSize), 3);
	EXPECT_EQ(shapes(hw->reads()), (Shapes{{0x0c, 2}, {0x0e, 1}}));
}

TEST_F(ConvConfig, UnalignedWriteSplitsIntoNaturalPieces)
{
	const uint8_t bytes[3] = {0x11, 0x22, 0x33};
	ASSERT_EQ(vc->write(bytes, 3, 0xe1), 3);
	EXPECT_EQ(hw->writes(), (std::vector<Access>{{0xe1, 1, 0x11}, {0xe2, 2, 0x3322}}));
}

/* A piece never spans two owners: the end of a capability cuts it. */
TEST_F(ConvConfig, PiecesStopAtCapabilityBoundaries)
{
	rd(conv::kMsi + r::kMsiData32, 4);
	EXPECT_EQ(shapes(hw->reads()), (Shapes{{conv::kMsi + 10, 2}}));
}

TEST_F(ConvConfig, WholeSpaceReadMatchesDwordReads)
{
	uint8_t all[256];
	ASSERT_EQ(vc->read(all, sizeof(all), 0), 256);
	for (uint32_t off = 0; off < 256; off += 4) {
		uint32_t v;
		std::memcpy(&v, all + off, 4);
		EXPECT_EQ(v, rd(off, 4)) << "at " << off;
	}
}

TEST_F(PcieConfig, WholeExtendedSpaceReads)
{
	std::vector<uint8_t> all(4096);
	EXPECT_EQ(vc->read(all.data(), all.size(), 0), 4096);
}

TEST_F(ConvConfig, RegionSizeIs256)
{
	EXPECT_EQ(vc->size(), 256u);
}

TEST_F(ConvConfig, AccessAtOrBeyondSizeIsEfault)
{
	uint32_t v = 0x5a5a5a5a;
	EXPECT_EQ(vc->read(&v, 4, 256), -EFAULT);
	EXPECT_EQ(vc->write(&v, 1, 256), -EFAULT);
	EXPECT_EQ(vc->read(&v, 4, ~0ull - 1), -EFAULT);
	EXPECT_EQ(v, 0x5a5a5a5au);
}

/* The bound is checked against the whole remaining access before each
 * piece: an access running past the end does nothing at all. */
TEST_F(ConvConfig, AccessStraddlingTheEndDoesNothing)
{
	uint64_t v = 0;
	EXPECT_EQ(vc->read(&v, 8, 0xfc), -EFAULT);
	EXPECT_TRUE(hw->reads().empty());
	EXPECT_EQ(vc->write(&v, 8, 0xfc), -EFAULT);
	EXPECT_TRUE(hw->writes().empty());
}

TEST_F(ConvConfig, CountZeroDoesNothingAnywhere)
{
	uint32_t v = 0;
	EXPECT_EQ(vc->read(&v, 0, 0), 0);
	EXPECT_EQ(vc->read(&v, 0, 0x12345678), 0);
	EXPECT_EQ(vc->write(&v, 0, 0x12345678), 0);
}

/* One fault per test: base's fault guard survives only one fault per
 * process under TSAN (base_test's UserCopy cases show the same). */
TEST_F(ConvConfig, BadBufferReadIsEfault)
{
	EXPECT_EQ(vc->read(reinterpret_cast<void *>(0x10), 4, 0), -EFAULT);
}

TEST_F(ConvConfig, BadBufferWriteIsEfault)
{
	EXPECT_EQ(vc->write(reinterpret_cast<void *>(0x10), 1, r::kInterruptLine), -EFAULT);
	EXPECT_EQ(rd(r::kInterruptLine, 1), 10u);
}

/* Pieces without a write path (read-only capabilities such as MSI-X) are
 * skipped before the buffer is read; the header always has one. */
TEST_F(PcieConfig, BadBufferForReadOnlyCapabilityIsNotRead)
{
	auto *bad = reinterpret_cast<void *>(0x10);
	EXPECT_EQ(vc->write(bad, 4, pcie::kMsix), 4);
	EXPECT_EQ(vc->write(bad, 4, pcie::kDsn + 4), 4);
	EXPECT_EQ(vc->write(bad, 2, r::kVendorId), -EFAULT);
}

/* A piece that faults fails the whole call; the pieces before it stay
 * done. */
TEST_F(PcieConfig, WriteFaultingMidwayKeepsEarlierPieces)
{
	EdgeBuffer edge;
	uint8_t *buf = edge.last(1);
	buf[0] = 0x77;
	EXPECT_EQ(vc->write(buf, 4, 0xe3), -EFAULT);
	EXPECT_EQ(hw->writes(), (std::vector<Access>{{0xe3, 1, 0x77}}));
}

TEST_F(PcieConfig, ReadFaultingMidwayFillsEarlierPieces)
{
	hw->set(0xe3, 1, 0x99);
	EdgeBuffer edge;
	uint8_t *buf = edge.last(1);
	buf[0] = 0;
	EXPECT_EQ(vc->read(buf, 4, 0xe3), -EFAULT);
	EXPECT_EQ(buf[0], 0x99u);
}

/* --- init, release, reset --- */

TEST(VirtualConfigLifecycle, AccessBeforeInitIsEnodev)
{
	auto hw = make_conventional_function();
	FakeConfigDevice dev;
	VirtualConfig vc(dev, *hw);
	uint32_t v = 0;
	EXPECT_EQ(vc.read(&v, 4, 0), -ENODEV);
	ASSERT_TRUE(vc.init());
	EXPECT_EQ(vc.read(&v, 4, 0), 4);
	vc.release();
	EXPECT_EQ(vc.write(&v, 4, 0), -ENODEV);
}

TEST_F(ConvConfig, ResetRebuildsFromHardware)
{
	wr(r::kInterruptLine, 1, 0x42);
	wr(r::bar_offset(0), 4, 0xffffffff);
	wr(r::kCommand + 1, 1, 0x05);
	ASSERT_TRUE(vc->virq_disabled());
	ASSERT_TRUE(vc->reset());
	EXPECT_EQ(rd(r::kInterruptLine, 1), 10u);
	EXPECT_EQ(rd(r::bar_offset(0), 4), 0xfea01000u);
	EXPECT_FALSE(vc->virq_disabled());
	EXPECT_EQ(rd(r::kCommand, 2), 0x0103u);
}

TEST_F(PcieConfig, MsiQmaxSurvivesReset)
{
	vc->msi_enabled(8);
	ASSERT_TRUE(vc->reset());
	wr(pcie::kMsi + r::kMsiFlags, 1, 0xb6);
	EXPECT_EQ(rd(pcie::kMsi + r::kMsiFlags, 1), 0xb6u);
}

/* vfio reads the MSI flags with a word access while sizing the capability;
 * at an odd offset the PCI core refuses it and the open fails. */
TEST(VirtualConfigLifecycle, MisalignedMsiFailsInit)
{
	auto hw = make_conventional_function();
	hw->set(r::kCapabilityList, 1, 0x41);
	hw->add_cap(0x41, r::kCapIdMsi, 0);
	FakeConfigDevice dev;
	VirtualConfig vc(dev, *hw);
	EXPECT_EQ(vc.init().error(), EFAULT);
}

} /* namespace */
} /* namespace softvfio::vfio::test */
