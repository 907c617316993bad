/* SPDX-License-Identifier: MIT */
/*
 * The series fault model (docs/semantics.md §4.4, §5.7) seen through
 * Kernel::touch() and the page-table introspection: PUD, PMD and PTE
 * insertion over nic's 1 GiB-aligned BAR2, fallback at VMA edges,
 * misaligned PFNs and range boundaries, SIGBUS when revoked.
 */
#include "kernel/dmabuf_fixture.h"

namespace softvfio::test {
namespace {

constexpr unsigned kPmd = 9;
constexpr unsigned kPud = 18;

class FaultTest : public DmabufTest
{
protected:
	void SetUp() override { open("nic"); }

	/* A free address aligned to `align` with `len` bytes after it. */
	static void *free_aligned(uint64_t len, uint64_t align)
	{
		void *p = ::mmap(nullptr, len + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		EXPECT_NE(p, MAP_FAILED);
		::munmap(p, len + align);
		return reinterpret_cast<void *>((reinterpret_cast<uintptr_t>(p) + align - 1) & ~(align - 1));
	}
	void *map_bar_at(uint64_t bar_off, uint64_t len, uint64_t align)
	{
		return map_bar(region_offset(2) + bar_off, len, kRW, MAP_SHARED | MAP_FIXED, free_aligned(len, align));
	}
	void *map_buf_at(int fd, uint64_t off, uint64_t len, uint64_t align)
	{
		void *where = free_aligned(len, align);
		long r = kernel_.mmap(where, len, kRW, MAP_SHARED | MAP_FIXED, fd, static_cast<off_t>(off));
		if (r < 0)
			return MAP_FAILED;
		maps_.emplace_back(where, len);
		return where;
	}
	static uint64_t pfn(uint64_t paddr) { return paddr >> 12; }
	static void *at(void *p, uint64_t off) { return static_cast<uint8_t *>(p) + off; }
};

TEST_F(FaultTest, WholeGigabyteWindowGetsAPud)
{
	void *p = map_bar_at(0, k1G, k1G);
	ASSERT_NE(p, MAP_FAILED);
	auto e = kernel_.touch(at(p, 0x12345678));
	ASSERT_TRUE(e);
	EXPECT_EQ(e->order, kPud);
	EXPECT_EQ(e->address, reinterpret_cast<uintptr_t>(p));
	EXPECT_EQ(e->pfn, pfn(kNicBar2));
	auto m = mapping(p);
	ASSERT_EQ(m->page_table.size(), 1u);
	EXPECT_EQ(m->page_table[0].order, kPud);
}

TEST_F(FaultTest, SecondGigabyteOfTheBarGetsItsOwnPud)
{
	void *p = map_bar_at(k1G, k1G, k1G);
	ASSERT_NE(p, MAP_FAILED);
	auto e = kernel_.touch(p);
	ASSERT_TRUE(e);
	EXPECT_EQ(e->order, kPud);
	EXPECT_EQ(e->pfn, pfn(kNicBar2 + k1G));
}

TEST_F(FaultTest, TwoMegabyteWindowGetsAPmd)
{
	void *p = map_bar_at(k2M, k2M, k2M);
	ASSERT_NE(p, MAP_FAILED);
	auto e = kernel_.touch(at(p, 0x1000));
	ASSERT_TRUE(e);
	EXPECT_EQ(e->order, kPmd);
	EXPECT_EQ(e->pfn, pfn(kNicBar2 + k2M));
}

TEST_F(FaultTest, MisalignedPfnFallsBackToPtes)
{
	void *p = map_bar_at(kPage, k2M, k2M);
	ASSERT_NE(p, MAP_FAILED);
	auto e = kernel_.touch(at(p, 3 * kPage));
	ASSERT_TRUE(e);
	EXPECT_EQ(e->order, 0u);
	EXPECT_EQ(e->pfn, pfn(kNicBar2 + 4 * kPage));
}

TEST_F(FaultTest, BlockLeavingTheVmaFallsBack)
{
	void *p = map_bar_at(0, k2M - kPage, k2M);
	ASSERT_NE(p, MAP_FAILED);
	auto e = kernel_.touch(p);
	ASSERT_TRUE(e);
	EXPECT_EQ(e->order, 0u);
}

TEST_F(FaultTest, ExportedBufferOffsetIsIntoTheBuffer)
{
	int fd = static_cast<int>(export_buf(2, 0x400000, 4 * k2M));
	void *p = map_buf_at(fd, k2M, k2M, k2M);
	ASSERT_NE(p, MAP_FAILED);
	auto e = kernel_.touch(p);
	ASSERT_TRUE(e);
	EXPECT_EQ(e->order, kPmd);
	EXPECT_EQ(e->pfn, pfn(kNicBar2 + 0x400000 + k2M));
}

TEST_F(FaultTest, HugeBlocksInEachAlignedRange)
{
	int fd = static_cast<int>(export_buf(2, RangeList{{0, k2M}, {4 * k2M, k2M}}));
	void *p = map_buf_at(fd, 0, 2 * k2M, k2M);
	ASSERT_NE(p, MAP_FAILED);
	auto first = kernel_.touch(p);
	auto second = kernel_.touch(at(p, k2M + kPage));
	ASSERT_TRUE(first);
	ASSERT_TRUE(second);
	EXPECT_EQ(first->order, kPmd);
	EXPECT_EQ(first->pfn, pfn(kNicBar2));
	EXPECT_EQ(second->order, kPmd);
	EXPECT_EQ(second->pfn, pfn(kNicBar2 + 4 * k2M));
}

TEST_F(FaultTest, BlockStraddlingTwoRangesFallsBackEvenIfContiguous)
{
	/* [0, 1M) then [1M, 3M): physically one run, but two ranges. */
	int fd = static_cast<int>(export_buf(2, RangeList{{0, k2M / 2}, {k2M / 2, k2M}}));
	void *p = map_buf_at(fd, 0, k2M, k2M);
	ASSERT_NE(p, MAP_FAILED);
	auto e = kernel_.touch(p);
	ASSERT_TRUE(e);
	EXPECT_EQ(e->order, 0u);
	auto f = kernel_.touch(at(p, k2M / 2 + kPage));
	ASSERT_TRUE(f);
	EXPECT_EQ(f->order, 0u);
	EXPECT_EQ(f->pfn, pfn(kNicBar2 + k2M / 2 + kPage));
}

TEST_F(FaultTest, SameAreaAsOneRangeGetsThePmd)
{
	int fd = static_cast<int>(export_buf(2, 0, k2M));
	void *p = map_buf_at(fd, 0, k2M, k2M);
	auto e = kernel_.touch(p);
	ASSERT_TRUE(e);
	EXPECT_EQ(e->order, kPmd);
}

TEST_F(FaultTest, OutOfOrderRangesMapWhereTheyPoint)
{
	int fd = static_cast<int>(export_buf(2, RangeList{{0x9000, kPage}, {0x2000, kPage}}));
	void *p = map_buf(fd, 2 * kPage);
	EXPECT_EQ(kernel_.touch(p)->pfn, pfn(kNicBar2 + 0x9000));
	EXPECT_EQ(kernel_.touch(at(p, kPage))->pfn, pfn(kNicBar2 + 0x2000));
}

TEST_F(FaultTest, RevokedIsSigbus)
{
	void *p = map_bar_at(0, k2M, k2M);
	int fd = static_cast<int>(export_buf(2, 0, kPage));
	void *q = map_buf(fd, kPage);
	set_memory(false);
	EXPECT_EQ(kernel_.touch(p).error(), EFAULT);
	EXPECT_EQ(kernel_.touch(q).error(), EFAULT);
	set_memory(true);
	EXPECT_TRUE(kernel_.touch(p));
	ASSERT_EQ(revoke(fd), 0);
	EXPECT_EQ(kernel_.touch(q).error(), EFAULT);
}

TEST_F(FaultTest, ZapClearsThePageTables)
{
	void *p = map_bar_at(0, k2M, k2M);
	ASSERT_TRUE(kernel_.touch(p));
	EXPECT_EQ(mapping(p)->page_table.size(), 1u);
	set_memory(false);
	EXPECT_TRUE(mapping(p)->page_table.empty());
	set_memory(true);
	EXPECT_TRUE(mapping(p)->page_table.empty());
	EXPECT_EQ(kernel_.touch(p)->order, kPmd);
}

TEST_F(FaultTest, LowPowerIsSigbusEvenWithStatusOk)
{
	void *p = map_bar_at(0, k2M, k2M);
	ASSERT_EQ(feature(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY | kSet), 0);
	EXPECT_EQ(kernel_.touch(p).error(), EFAULT);
	ASSERT_EQ(feature(VFIO_DEVICE_FEATURE_LOW_POWER_EXIT | kSet), 0);
	EXPECT_TRUE(kernel_.touch(p));
}

TEST_F(FaultTest, TailOfASplitStillAddressesRight)
{
	void *p = map_bar_at(0, 2 * k2M, k2M);
	ASSERT_NE(p, MAP_FAILED);
	maps_.clear();
	ASSERT_EQ(kernel_.munmap(p, k2M), 0);
	maps_.emplace_back(at(p, k2M), k2M);
	auto e = kernel_.touch(at(p, k2M));
	ASSERT_TRUE(e);
	EXPECT_EQ(e->order, kPmd);
	EXPECT_EQ(e->pfn, pfn(kNicBar2 + k2M));
	EXPECT_EQ(mapping(at(p, k2M))->offset, region_offset(2) + k2M);
}

TEST_F(FaultTest, PageTablesFollowRealAccesses)
{
	void *p = map_bar_at(0, k2M, k2M);
	(void)read32(at(p, 0x5000));
	auto maps = kernel_.mappings(true);
	ASSERT_EQ(maps.size(), 1u);
	ASSERT_EQ(maps[0].page_table.size(), 1u);
	EXPECT_EQ(maps[0].page_table[0].order, kPmd);
	EXPECT_EQ(maps[0].page_table[0].attr, MemoryAttribute::Uncached);
}

} /* namespace */
} /* namespace softvfio::test */
