/* SPDX-License-Identifier: MIT */
#include "mm/fixture.h"
#include "mm/placement.h"
#include "mm/proc_maps.h"

namespace softvfio::mm::test {
namespace {

TEST(HugeAlignment, PicksLargestSizeThatFits)
{
	HugeOrders x86;
	EXPECT_EQ(huge_alignment(k2M - kPageSize, 0, x86), 0u);
	EXPECT_EQ(huge_alignment(k2M, 0, x86), k2M);
	EXPECT_EQ(huge_alignment(k1G - kPageSize, 0, x86), k2M);
	EXPECT_EQ(huge_alignment(k1G, kBar2, x86), k1G);
	EXPECT_EQ(huge_alignment(k1G, 0, HugeOrders{9, 0}), k2M);
}

TEST(HugeAlignment, NeedsOneWholeAlignedBlockInTheFileRange)
{
	HugeOrders x86;
	/* [4K, 2M+4K) holds no aligned 2 MiB block. */
	EXPECT_EQ(huge_alignment(k2M, kPageSize, x86), 0u);
	EXPECT_EQ(huge_alignment(k2M + kPageSize, kPageSize, x86), 0u);
	EXPECT_EQ(huge_alignment(2 * k2M, kPageSize, x86), k2M);
}

TEST(HugeAlignment, AlignedStartInsidePadding)
{
	/* Already congruent: the top-down layout takes the upper block. */
	EXPECT_EQ(aligned_start(0x40000000, 0, k2M), 0x40000000 + k2M);
	EXPECT_EQ(aligned_start(0x40001000, 0, k2M), 0x40000000 + k2M);
	EXPECT_EQ(aligned_start(0x40001000, kPageSize, k2M), 0x40000000 + k2M + kPageSize);
}

using PlacementTest = MmTest;

/* A leftover PROT_NONE reservation of the empty memfd at `addr`. */
bool maps_line_is_revoked_reservation(uintptr_t addr)
{
	auto line = maps_line(addr);
	return line && line->path.find("softvfio-revoked") != std::string::npos;
}

TEST_F(PlacementTest, AlignsToPmdByFileOffset)
{
	auto f = bar2(0, 8 * k2M);
	MapOptions opts{true, std::nullopt};
	for (int i = 0; i < 4; i++) {
		auto a = map(f, 4 * k2M, bar2_pgoff(0), MAP_SHARED, 0, kRW, MemAttr::Uncached, opts);
		ASSERT_TRUE(a);
		EXPECT_EQ((*a - kBar2) % k2M, 0u);
		EXPECT_EQ(mm.touch(*a).order, 9u);
	}
}

TEST_F(PlacementTest, AlignsToExplicitOffset)
{
	auto f = make({{kBar2 + 0x3000, 4 * k2M}});
	MapOptions opts{true, kBar2 + 0x3000};
	auto a = map(f, 4 * k2M, 0, MAP_SHARED, 0, kRW, MemAttr::Uncached, opts);
	ASSERT_TRUE(a);
	EXPECT_EQ((*a - 0x3000) % k2M, 0u);
	/* VA and pfn now agree modulo 2 MiB: the first whole block is huge. */
	EXPECT_EQ(mm.touch(*a + k2M - 0x3000).order, 9u);
}

TEST_F(PlacementTest, AlignsToPudForGigabyteMappings)
{
	auto f = make({{4 * k1G, k1G}});
	MapOptions opts{true, 4 * k1G};
	auto a = map(f, k1G, 0, MAP_SHARED, 0, kRW, MemAttr::Uncached, opts);
	ASSERT_TRUE(a);
	EXPECT_EQ(*a % k1G, 0u);
	EXPECT_EQ(mm.touch(*a).order, 18u);
}

TEST_F(PlacementTest, HintDisablesAlignment)
{
	auto f = bar2(0, 4 * k2M);
	uintptr_t hint = free_aligned(4 * k2M + kPageSize, k2M) + kPageSize;
	MapOptions opts{true, std::nullopt};
	auto a = map(f, 4 * k2M, bar2_pgoff(0), MAP_SHARED, hint, kRW, MemAttr::Uncached, opts);
	ASSERT_TRUE(a);
	EXPECT_EQ(*a, hint);
}

TEST_F(PlacementTest, PaddingIsGivenBack)
{
	auto f = bar2(0, 4 * k2M);
	MapOptions opts{true, std::nullopt};
	auto a = map(f, 4 * k2M, bar2_pgoff(0), MAP_SHARED, 0, kRW, MemAttr::Uncached, opts);
	ASSERT_TRUE(a);
	/* The padding around the aligned window was given back. */
	EXPECT_FALSE(maps_line_is_revoked_reservation(*a - kPageSize));
	EXPECT_FALSE(maps_line_is_revoked_reservation(*a + 4 * k2M));
}

} /* namespace */
} /* namespace softvfio::mm::test */
