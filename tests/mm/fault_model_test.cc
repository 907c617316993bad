/* SPDX-License-Identifier: MIT */
#include <cerrno>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "base/log.h"
#include "mm/fault_model.h"

namespace softvfio::mm {
namespace {

constexpr uint64_t k2M = 2ull << 20;
constexpr uint64_t k1G = 1ull << 30;
constexpr uint64_t kBar2 = 2ull << 40;           /* file offset of BAR2 */
constexpr uint64_t kBar2Pgoff = kBar2 >> kPageShift;

/* A VMA at a 1 GiB-aligned address. */
constexpr uintptr_t kVa = 0x7f0000000000;

VmaGeometry vma(uintptr_t start, uint64_t len, uint64_t pgoff) { return {start, start + len, pgoff}; }

/* ---- base_pfn (pre-series) ---- */

TEST(BasePfn, OrderZeroIsBarStartPlusPgoffPlusPage)
{
	auto r = base_pfn(0xe0000000, 3, vma(kVa, 16 * kPageSize, kBar2Pgoff + 3), kVa + 5 * kPageSize + 7, 0);
	EXPECT_EQ(r, (PfnLookup{0, (0xe0000000 >> kPageShift) + 3 + 5}));
}

TEST(BasePfn, InBarPgoffStripsRegionIndex)
{
	EXPECT_EQ(vfio_in_bar_pgoff(kBar2Pgoff + 0x30), 0x30u);
	EXPECT_EQ(vfio_in_bar_pgoff(5ull << 28), 0u);
}

TEST(BasePfn, PmdInsideVmaAndAligned)
{
	auto g = vma(kVa, 2 * k2M, kBar2Pgoff);
	auto r = base_pfn(0x100000000, 0, g, kVa + k2M + 0x1234, 9);
	EXPECT_EQ(r, (PfnLookup{0, (0x100000000 + k2M) >> kPageShift}));
}

TEST(BasePfn, PmdLeavingVmaFallsBack)
{
	/* VMA starts 4 KiB into a 2 MiB block: the block base is below it. */
	auto g = vma(kVa + kPageSize, 4 * k2M, kBar2Pgoff);
	EXPECT_EQ(base_pfn(0x100000000, 0, g, kVa + 0x5000, 9).error, -EAGAIN);
	/* Block past the end. */
	auto h = vma(kVa, k2M + kPageSize, kBar2Pgoff);
	EXPECT_EQ(base_pfn(0x100000000, 0, h, kVa + k2M, 9).error, -EAGAIN);
	EXPECT_EQ(base_pfn(0x100000000, 0, h, kVa + k2M, 0).error, 0);
}

TEST(BasePfn, MisalignedPfnFallsBack)
{
	auto g = vma(kVa, 4 * k2M, kBar2Pgoff + 1);
	EXPECT_EQ(base_pfn(0x100000000, 1, g, kVa, 9).error, -EAGAIN);
	EXPECT_EQ(base_pfn(0x100000000, 1, g, kVa, 0), (PfnLookup{0, (0x100000000 >> kPageShift) + 1}));
}

TEST(BasePfn, PudNeedsGigabyteAlignment)
{
	auto g = vma(kVa, 2 * k1G, kBar2Pgoff);
	EXPECT_EQ(base_pfn(4 * k1G, 0, g, kVa + k1G + 5, 18), (PfnLookup{0, (5 * k1G) >> kPageShift}));
	EXPECT_EQ(base_pfn(4 * k1G + k2M, 0, g, kVa + 5, 18).error, -EAGAIN);
}

/* ---- find_pfn (series v4) ---- */

struct FindPfn : ::testing::Test {
	uint64_t warnings_before = log::warning_count();
	uint64_t new_warnings() const { return log::warning_count() - warnings_before; }
};

TEST_F(FindPfn, SingleRangeOrderZero)
{
	std::vector<PhysRange> r{{0x200000000, 16 * kPageSize}};
	auto g = vma(kVa, 16 * kPageSize, 0);
	EXPECT_EQ(find_pfn(r, 0, g, kVa + 3 * kPageSize + 9, 0), (PfnLookup{0, (0x200000000 >> kPageShift) + 3}));
	EXPECT_EQ(new_warnings(), 0u);
}

TEST_F(FindPfn, BarMmapMaskStripsIndex)
{
	/* BAR2 mmap at in-BAR offset 0x30000: buffer = [bar+0x30000, +len),
	 * adjust = in-BAR pgoff, vm_pgoff keeps the index bits. */
	const uint64_t bar = 0x380000000;
	std::vector<PhysRange> r{{bar + 0x30000, 8 * kPageSize}};
	auto g = vma(kVa, 8 * kPageSize, kBar2Pgoff + 0x30);
	EXPECT_EQ(find_pfn(r, 0x30, g, kVa + kPageSize, 0), (PfnLookup{0, (bar + 0x31000) >> kPageShift}));
}

TEST_F(FindPfn, MultiRangeSecondRange)
{
	std::vector<PhysRange> r{{0x100000000, 2 * kPageSize}, {0x500000000, 4 * kPageSize}};
	auto g = vma(kVa, 6 * kPageSize, 0);
	EXPECT_EQ(find_pfn(r, 0, g, kVa + 3 * kPageSize, 0), (PfnLookup{0, (0x500000000 >> kPageShift) + 1}));
}

TEST_F(FindPfn, OutOfOrderRangesFollowConcatenation)
{
	std::vector<PhysRange> r{{0x900000000, kPageSize}, {0x100000000, kPageSize}};
	auto g = vma(kVa, 2 * kPageSize, 0);
	EXPECT_EQ(find_pfn(r, 0, g, kVa, 0).pfn, 0x900000000 >> kPageShift);
	EXPECT_EQ(find_pfn(r, 0, g, kVa + kPageSize, 0).pfn, 0x100000000 >> kPageShift);
}

TEST_F(FindPfn, AliasingRangesGiveSamePfn)
{
	std::vector<PhysRange> r{{0x100000000, kPageSize}, {0x100000000, kPageSize}};
	auto g = vma(kVa, 2 * kPageSize, 0);
	EXPECT_EQ(find_pfn(r, 0, g, kVa, 0).pfn, find_pfn(r, 0, g, kVa + kPageSize, 0).pfn);
}

TEST_F(FindPfn, PmdCannotStraddleContiguousRanges)
{
	/* Physically contiguous, split into two ranges at 1 MiB. */
	std::vector<PhysRange> r{{0x200000000, k2M / 2}, {0x200000000 + k2M / 2, k2M * 3 / 2}};
	auto g = vma(kVa, 2 * k2M, 0);
	EXPECT_EQ(find_pfn(r, 0, g, kVa, 9).error, -EAGAIN);
	EXPECT_EQ(find_pfn(r, 0, g, kVa + k2M / 2 + kPageSize, 0).error, 0);
	EXPECT_EQ(new_warnings(), 0u);
}

TEST_F(FindPfn, PmdInsideOneRange)
{
	std::vector<PhysRange> r{{0x300000000, kPageSize}, {0x400000000, 4 * k2M}};
	auto g = vma(kVa, kPageSize + 4 * k2M, 0);
	/* Block [kVa+2M, +2M) is buffer offset [2M, 4M) = range 1 offset
	 * [2M-4K, 4M-4K): misaligned pfn, covering range found → EAGAIN. */
	EXPECT_EQ(find_pfn(r, 0, g, kVa + k2M, 9).error, -EAGAIN);
	/* Shift the VMA window by one page: aligned. */
	auto h = vma(kVa, 4 * k2M, 1);
	EXPECT_EQ(find_pfn(r, 0, h, kVa + k2M, 9), (PfnLookup{0, (0x400000000 + k2M) >> kPageShift}));
}

TEST_F(FindPfn, MisalignedPfnStopsAtCoveringRange)
{
	/* Range 0 covers the block with a misaligned pfn: the walk stops
	 * there (no later range is looked at) and leaves -EAGAIN. */
	std::vector<PhysRange> r{{0x200001000, 2 * k2M}, {0x200000000, 2 * k2M}};
	auto g = vma(kVa, 2 * k2M, 0);
	EXPECT_EQ(find_pfn(r, 0, g, kVa, 9).error, -EAGAIN);
	EXPECT_EQ(find_pfn(r, 0, g, kVa, 0), (PfnLookup{0, 0x200001000 >> kPageShift}));
}

TEST_F(FindPfn, VmaEdges)
{
	std::vector<PhysRange> r{{0x200000000, 4 * k2M}};
	auto g = vma(kVa + kPageSize, 2 * k2M, 1);
	EXPECT_EQ(find_pfn(r, 0, g, kVa + kPageSize, 9).error, -EAGAIN);        /* below start */
	EXPECT_EQ(find_pfn(r, 0, g, kVa + 2 * k2M, 9).error, -EAGAIN);          /* past end */
	EXPECT_EQ(new_warnings(), 0u);
	EXPECT_EQ(find_pfn(r, 0, g, kVa, 0).error, -EFAULT);                    /* order 0 outside */
	EXPECT_EQ(new_warnings(), 1u);
}

TEST_F(FindPfn, NoRangeOrderZeroWarns)
{
	std::vector<PhysRange> r{{0x200000000, kPageSize}};
	auto g = vma(kVa, 4 * kPageSize, 0);   /* VMA larger than the buffer */
	EXPECT_EQ(find_pfn(r, 0, g, kVa + 2 * kPageSize, 0).error, -EFAULT);
	EXPECT_EQ(new_warnings(), 1u);
}

TEST_F(FindPfn, NoRangeHugeFallsBackSilently)
{
	std::vector<PhysRange> r{{0x200000000, kPageSize}};
	auto g = vma(kVa, 2 * k2M, 0);
	EXPECT_EQ(find_pfn(r, 0, g, kVa, 9).error, -EAGAIN);
	EXPECT_EQ(new_warnings(), 0u);
}

TEST_F(FindPfn, EmptyRangesOrderZeroIsEfault)
{
	auto g = vma(kVa, kPageSize, 0);
	EXPECT_EQ(find_pfn({}, 0, g, kVa, 0).error, -EFAULT);
	EXPECT_EQ(new_warnings(), 1u);
}

TEST_F(FindPfn, SplitTailKeepsMaths)
{
	/* BAR-mmap buffer; after munmap of the first 3 pages the tail VMA
	 * starts 3 pages later with vm_pgoff + 3: same pfn per address. */
	const uint64_t bar = 0x380000000;
	std::vector<PhysRange> r{{bar + 0x30000, 8 * kPageSize}};
	auto whole = vma(kVa, 8 * kPageSize, kBar2Pgoff + 0x30);
	auto tail = vma(kVa + 3 * kPageSize, 5 * kPageSize, kBar2Pgoff + 0x33);
	for (int page = 3; page < 8; page++) {
		uintptr_t a = kVa + page * kPageSize;
		EXPECT_EQ(find_pfn(r, 0x30, whole, a, 0), find_pfn(r, 0x30, tail, a, 0));
	}
}

TEST_F(FindPfn, SplitTailHugeAlignmentFollowsOffset)
{
	std::vector<PhysRange> r{{0x400000000, 4 * k2M}};
	auto tail = vma(kVa + k2M, 3 * k2M, k2M >> kPageShift);
	EXPECT_EQ(find_pfn(r, 0, tail, kVa + k2M, 9), (PfnLookup{0, (0x400000000 + k2M) >> kPageShift}));
}

TEST_F(FindPfn, OneTebibyteOffsetWraps)
{
	/* Exported buffer (adjust 0) mapped at 1 TiB + 1 page: the 40-bit mask
	 * makes it look like offset 1 page. */
	std::vector<PhysRange> r{{0x100000000, 4 * kPageSize}, {0x900000000, (1ull << 40)}};
	auto g = vma(kVa, kPageSize, ((1ull << 40) >> kPageShift) + 1);
	EXPECT_EQ(find_pfn(r, 0, g, kVa, 0), (PfnLookup{0, (0x100000000 >> kPageShift) + 1}));
}

TEST_F(FindPfn, FaultOffsetOverflowIsEfault)
{
	/* Synthetic geometry reaching the top of the 64-bit space. */
	std::vector<PhysRange> r{{0, ~0ull}};
	VmaGeometry g{0, ~0ull & ~(kPageSize - 1), 0xfffffffull};   /* vma_off ≈ 2^40 */
	uintptr_t addr = (~0ull & ~(kPageSize - 1)) - kPageSize;
	EXPECT_EQ(find_pfn(r, 0, g, addr, 0).error, -EFAULT);
}

TEST_F(FindPfn, FaultEndOverflowIsEfault)
{
	std::vector<PhysRange> r{{0, ~0ull}};
	const uint64_t vma_off = (1ull << 40) - kPageSize;
	/* block - start + vma_off lands exactly on 2^64 - PAGE_SIZE. */
	const uint64_t start = 0;
	const uint64_t block = ~0ull - vma_off - kPageSize + 1;
	VmaGeometry g{start, ~0ull, vma_off >> kPageShift};
	EXPECT_EQ(find_pfn(r, 0, g, block, 0).error, -EFAULT);
}

TEST_F(FindPfn, PudOrder)
{
	std::vector<PhysRange> r{{4 * k1G, 2 * k1G}};
	auto g = vma(kVa, 2 * k1G, 0);
	EXPECT_EQ(find_pfn(r, 0, g, kVa + k1G + 77, 18), (PfnLookup{0, (5 * k1G) >> kPageShift}));
	std::vector<PhysRange> s{{4 * k1G + k2M, 2 * k1G}};
	EXPECT_EQ(find_pfn(s, 0, g, kVa, 18).error, -EAGAIN);
	EXPECT_EQ(find_pfn(s, 0, g, kVa, 9), (PfnLookup{0, (4 * k1G + k2M) >> kPageShift}));
}

TEST(FaultModel, ResultMapping)
{
	EXPECT_EQ(to_fault_result(0), FaultResult::Inserted);
	EXPECT_EQ(to_fault_result(-EAGAIN), FaultResult::Fallback);
	EXPECT_EQ(to_fault_result(-EFAULT), FaultResult::SigBus);
}

TEST(FaultModel, InsertableOrders)
{
	HugeOrders x86;
	EXPECT_TRUE(insertable_order(0, x86));
	EXPECT_TRUE(insertable_order(9, x86));
	EXPECT_TRUE(insertable_order(18, x86));
	EXPECT_FALSE(insertable_order(4, x86));
	EXPECT_FALSE(insertable_order(18, HugeOrders{9, 0}));
}

} /* namespace */
} /* namespace softvfio::mm */
