/* SPDX-License-Identifier: MIT */
#include "mm/fixture.h"
#include "mm/proc_maps.h"

namespace softvfio::mm::test {
namespace {

using SplitTest = MmTest;

TEST_F(SplitTest, UnmapHeadShiftsPgoff)
{
	auto f = bar2(0x30000, 4 * kPageSize);
	auto addr = map(f, 4 * kPageSize, bar2_pgoff(0x30000));
	ASSERT_TRUE(addr);
	ASSERT_TRUE(mm.unmap(*addr, kPageSize));
	auto tail = mm.find(*addr + kPageSize);
	ASSERT_TRUE(tail);
	EXPECT_EQ(tail->start, *addr + kPageSize);
	EXPECT_EQ(tail->pgoff, bar2_pgoff(0x30000) + 1);
	EXPECT_EQ(maps_line(*addr + kPageSize)->offset, 0x20000031000u);
	EXPECT_FALSE(mm.contains(*addr, kPageSize));
	set_file_word(kBar2 + 0x31000, 41);
	EXPECT_EQ(probe_read(*addr + kPageSize).value, 41u);
}

TEST_F(SplitTest, UnmapTailKeepsPgoff)
{
	auto f = bar2(0, 4 * kPageSize);
	auto addr = map(f, 4 * kPageSize, bar2_pgoff(0));
	ASSERT_TRUE(addr);
	ASSERT_TRUE(mm.unmap(*addr + 3 * kPageSize, kPageSize));
	auto head = mm.find(*addr);
	EXPECT_EQ(head->end, *addr + 3 * kPageSize);
	EXPECT_EQ(head->pgoff, bar2_pgoff(0));
	EXPECT_EQ(f->address_space().vma_count(), 1u);
}

TEST_F(SplitTest, UnmapMiddleLeavesTwoLinkedVmas)
{
	auto f = bar2(0, 6 * kPageSize);
	std::weak_ptr<FakeMappable> weak = f;
	auto addr = map(f, 6 * kPageSize, bar2_pgoff(0));
	ASSERT_TRUE(addr);
	ASSERT_TRUE(mm.unmap(*addr + 2 * kPageSize, 2 * kPageSize));
	EXPECT_EQ(f->address_space().vma_count(), 2u);
	auto head = mm.find(*addr), tail = mm.find(*addr + 4 * kPageSize);
	EXPECT_EQ(head->pgoff, bar2_pgoff(0));
	EXPECT_EQ(tail->pgoff, bar2_pgoff(0) + 4);
	EXPECT_EQ(tail->pieces[0].file_offset, kBar2 + 4 * kPageSize);
	set_file_word(kBar2 + 4 * kPageSize, 4);
	set_file_word(kBar2 + kPageSize, 1);
	EXPECT_EQ(probe_read(*addr + 4 * kPageSize).value, 4u);
	EXPECT_EQ(probe_read(*addr + kPageSize).value, 1u);
	f->address_space().zap();
	EXPECT_TRUE(sigbus(*addr + kPageSize));
	EXPECT_TRUE(sigbus(*addr + 5 * kPageSize));
	/* Every piece holds the file. */
	f.reset();
	ASSERT_TRUE(mm.unmap(*addr, 2 * kPageSize));
	EXPECT_FALSE(weak.expired());
	ASSERT_TRUE(mm.unmap(*addr, 6 * kPageSize));
	EXPECT_TRUE(weak.expired());
}

TEST_F(SplitTest, UnmapAcrossTwoVmasAndAGap)
{
	auto f = bar2(0, 8 * kPageSize);
	uintptr_t base = free_aligned(8 * kPageSize, kPageSize);
	ASSERT_TRUE(map(f, 3 * kPageSize, bar2_pgoff(0), MAP_SHARED | MAP_FIXED, base));
	ASSERT_TRUE(map(f, 3 * kPageSize, bar2_pgoff(0x5000), MAP_SHARED | MAP_FIXED, base + 5 * kPageSize));
	ASSERT_TRUE(mm.unmap(base + 2 * kPageSize, 4 * kPageSize));
	EXPECT_EQ(mm.find(base)->end, base + 2 * kPageSize);
	auto tail = mm.find(base + 6 * kPageSize);
	EXPECT_EQ(tail->start, base + 6 * kPageSize);
	EXPECT_EQ(tail->pgoff, bar2_pgoff(0x6000));
	EXPECT_EQ(mm.vma_count(), 2u);
}

TEST_F(SplitTest, MultiPieceSplitInsideAPiece)
{
	auto f = make({{0x1000000, 2 * kPageSize}, {0x3000000, 2 * kPageSize}});
	auto addr = map(f, 4 * kPageSize, 0);
	ASSERT_TRUE(addr);
	ASSERT_TRUE(mm.unmap(*addr, 3 * kPageSize));
	auto tail = mm.find(*addr + 3 * kPageSize);
	ASSERT_EQ(tail->pieces.size(), 1u);
	EXPECT_EQ(tail->pieces[0], (Backing{0, kPageSize, mem.fd(), 0x3001000}));
	EXPECT_EQ(tail->pgoff, 3u);
	f->address_space().zap();
	f->address_space().restore();
	set_file_word(0x3001000, 9);
	EXPECT_EQ(probe_read(*addr + 3 * kPageSize).value, 9u);
}

TEST_F(SplitTest, TailFaultsWithSamePfn)
{
	auto f = bar2(0x30000, 8 * kPageSize);
	auto addr = map(f, 8 * kPageSize, bar2_pgoff(0x30000));
	ASSERT_TRUE(addr);
	FaultOutcome before = mm.touch(*addr + 5 * kPageSize);
	ASSERT_TRUE(mm.unmap(*addr, 3 * kPageSize));
	f->address_space().zap();
	f->address_space().restore();
	FaultOutcome after = mm.touch(*addr + 5 * kPageSize);
	EXPECT_EQ(after.result, FaultResult::Inserted);
	EXPECT_EQ(after.pfn, before.pfn);
	EXPECT_EQ(after.pfn, (kBar2 + 0x35000) >> kPageShift);
}

} /* namespace */
} /* namespace softvfio::mm::test */
