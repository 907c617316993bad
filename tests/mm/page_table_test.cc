/* SPDX-License-Identifier: MIT */
#include "mm/fixture.h"

namespace softvfio::mm::test {
namespace {

struct PageTableTest : MmTest {
	/* Map `f` at a fresh `align`-aligned address plus `skew`. */
	uintptr_t map_at(const std::shared_ptr<FakeMappable> &f, uint64_t len, uint64_t align, uint64_t skew = 0,
			 MemAttr attr = MemAttr::Uncached)
	{
		uintptr_t at = free_aligned(len + skew, align) + skew;
		auto r = map(f, len, 0, MAP_SHARED | MAP_FIXED, at, kRW, attr);
		EXPECT_TRUE(r);
		return at;
	}
	std::vector<PageTableEntry> entries(uintptr_t addr) { return mm.find(addr)->entries; }
};

TEST_F(PageTableTest, PudWhenVaAndPfnAligned)
{
	auto f = make({{4 * k1G, k1G}});
	uintptr_t a = map_at(f, k1G, k1G);
	FaultOutcome o = mm.touch(a + 12345);
	EXPECT_EQ(o.result, FaultResult::Inserted);
	EXPECT_EQ(o.order, 18u);
	EXPECT_EQ(o.pfn, (4 * k1G) >> kPageShift);
	EXPECT_EQ(entries(a), (std::vector<PageTableEntry>{{a, 18, (4 * k1G) >> kPageShift, MemAttr::Uncached}}));
}

TEST_F(PageTableTest, PmdWhenOnlyTwoMegAligned)
{
	auto f = make({{kBar2, 4 * k2M}});
	uintptr_t a = map_at(f, 4 * k2M, k2M);
	FaultOutcome o = mm.touch(a + k2M + 5);
	EXPECT_EQ(o.order, 9u);
	EXPECT_EQ(o.pfn, (kBar2 + k2M) >> kPageShift);
	EXPECT_TRUE(mm.has_pmd_table(a + k2M));
	EXPECT_FALSE(mm.has_pte_table(a + k2M));
}

TEST_F(PageTableTest, PteWhenPfnMisaligned)
{
	auto f = make({{kBar2 + kPageSize, 4 * k2M}});
	uintptr_t a = map_at(f, 4 * k2M, k2M);
	FaultOutcome o = mm.touch(a + k2M);
	EXPECT_EQ(o.order, 0u);
	EXPECT_EQ(o.pfn, (kBar2 + kPageSize + k2M) >> kPageShift);
	EXPECT_TRUE(mm.has_pte_table(a + k2M));
}

TEST_F(PageTableTest, PteWhenVaMisaligned)
{
	auto f = make({{kBar2, 4 * k2M}});
	uintptr_t a = map_at(f, 4 * k2M, k2M, kPageSize);
	EXPECT_EQ(mm.touch(a + k2M).order, 0u);
}

TEST_F(PageTableTest, FallbackAtVmaEdge)
{
	auto f = make({{kBar2, k2M + kPageSize}});
	uintptr_t a = map_at(f, k2M + kPageSize, k2M);
	EXPECT_EQ(mm.touch(a).order, 9u);
	EXPECT_EQ(mm.touch(a + k2M).order, 0u);
	EXPECT_EQ(entries(a).size(), 2u);
}

TEST_F(PageTableTest, ExistingEntryNeedsNoFault)
{
	auto f = make({{kBar2, 4 * k2M}});
	uintptr_t a = map_at(f, 4 * k2M, k2M);
	FaultOutcome first = mm.touch(a);
	int faults = f->faults;
	FaultOutcome again = mm.touch(a + 0x1000);
	EXPECT_EQ(f->faults, faults);
	EXPECT_EQ(again.pfn, first.pfn);
	EXPECT_EQ(again.order, first.order);
}

TEST_F(PageTableTest, PteTableBlocksPmdUntilUnmapped)
{
	auto f = make({{kBar2, 4 * k2M}});
	uintptr_t a = map_at(f, 4 * k2M, k2M);
	f->max_order = 0;
	EXPECT_EQ(mm.touch(a).order, 0u);
	f->max_order = 64;
	int faults = f->faults;
	EXPECT_EQ(mm.touch(a + 2 * kPageSize).order, 0u);
	/* The PMD fault is not even tried: pmd is not none. */
	EXPECT_EQ(f->faults - faults, 1);
	/* The zap clears leaves but leaves the table. */
	f->address_space().zap();
	f->address_space().restore();
	EXPECT_TRUE(entries(a).empty());
	EXPECT_TRUE(mm.has_pte_table(a));
	EXPECT_EQ(mm.touch(a + 4 * kPageSize).order, 0u);
	/* Other 2 MiB blocks of the VMA are unaffected. */
	EXPECT_EQ(mm.touch(a + k2M).order, 9u);
	/* munmap frees the tables: a new mapping there gets a PMD. */
	ASSERT_TRUE(mm.unmap(a, 4 * k2M));
	EXPECT_FALSE(mm.has_pte_table(a));
	ASSERT_TRUE(map(f, 4 * k2M, 0, MAP_SHARED | MAP_FIXED, a));
	EXPECT_EQ(mm.touch(a).order, 9u);
}

TEST_F(PageTableTest, PudFallbackLeavesPmdTable)
{
	auto f = make({{4 * k1G, k1G}});
	uintptr_t a = map_at(f, k1G, k1G);
	f->max_order = 9;
	EXPECT_EQ(mm.touch(a).order, 9u);
	EXPECT_TRUE(mm.has_pmd_table(a));
	f->max_order = 64;
	EXPECT_EQ(mm.touch(a + k1G / 2).order, 9u);
}

TEST_F(PageTableTest, ZapClearsEntries)
{
	auto f = make({{kBar2, 4 * kPageSize}});
	auto a = map(f, 4 * kPageSize, 0);
	ASSERT_TRUE(a);
	mm.touch(*a);
	mm.touch(*a + kPageSize);
	EXPECT_EQ(entries(*a).size(), 2u);
	f->address_space().zap();
	EXPECT_TRUE(entries(*a).empty());
	EXPECT_EQ(mm.touch(*a).result, FaultResult::SigBus);
	f->address_space().restore();
	EXPECT_TRUE(entries(*a).empty());
}

TEST_F(PageTableTest, EntriesCarryMemAttr)
{
	auto f = make({{kBar2, 4 * k2M}});
	uintptr_t a = map_at(f, 4 * k2M, k2M, 0, MemAttr::WriteCombine);
	mm.touch(a);
	EXPECT_EQ(entries(a)[0].attr, MemAttr::WriteCombine);
	EXPECT_EQ(mm.find(a)->attr, MemAttr::WriteCombine);
}

TEST_F(PageTableTest, TouchOutsideOrRevokedIsSigbus)
{
	auto f = make({{kBar2, kPageSize}});
	auto a = map(f, kPageSize, 0);
	ASSERT_TRUE(a);
	EXPECT_EQ(mm.touch(*a + kPageSize).result, FaultResult::SigBus);
	f->address_space().zap();
	int faults = f->faults;
	EXPECT_EQ(mm.touch(*a).result, FaultResult::SigBus);
	EXPECT_EQ(f->faults, faults);
}

TEST_F(PageTableTest, FaultRunsWithoutAddressSpaceLock)
{
	auto f = make({{kBar2, 4 * k2M}});
	uintptr_t a = map_at(f, 4 * k2M, k2M);
	mm.touch(a);
	mm.touch(a + 3 * k2M + kPageSize);
	EXPECT_GT(f->faults, 0);
	EXPECT_FALSE(f->lock_held_in_fault);
}

TEST_F(PageTableTest, ZapDuringFaultIsNotRecorded)
{
	auto f = make({{kBar2, 4 * kPageSize}});
	auto a = map(f, 4 * kPageSize, 0);
	ASSERT_TRUE(a);
	f->on_fault = [&](unsigned order) {
		if (order == 0)
			f->address_space().zap();
	};
	EXPECT_EQ(mm.touch(*a).result, FaultResult::SigBus);
	f->on_fault = nullptr;
	EXPECT_TRUE(entries(*a).empty());
}

TEST_F(PageTableTest, ZapAndRestoreDuringFaultRetries)
{
	auto f = make({{kBar2, 4 * kPageSize}});
	auto a = map(f, 4 * kPageSize, 0);
	ASSERT_TRUE(a);
	bool once = true;
	f->on_fault = [&](unsigned order) {
		if (order == 0 && once) {
			once = false;
			f->address_space().zap();
			f->address_space().restore();
		}
	};
	FaultOutcome o = mm.touch(*a);
	f->on_fault = nullptr;
	EXPECT_EQ(o.result, FaultResult::Inserted);
	EXPECT_EQ(entries(*a).size(), 1u);
}

TEST_F(PageTableTest, PagemapSyncRecordsRealAccesses)
{
	auto f = make({{kBar2 + kPageSize, 16 * kPageSize}});
	auto a = map(f, 16 * kPageSize, 0);
	ASSERT_TRUE(a);
	for (int page : {1, 5, 9})
		ASSERT_FALSE(probe_write(*a + page * kPageSize, page).faulted);
	EXPECT_TRUE(mm.snapshot(false)[0].entries.empty());
	auto snap = mm.snapshot(true);
	ASSERT_EQ(snap.size(), 1u);
	ASSERT_EQ(snap[0].entries.size(), 3u);
	EXPECT_EQ(snap[0].entries[1].addr, *a + 5 * kPageSize);
	EXPECT_EQ(snap[0].entries[1].pfn, (kBar2 + 6 * kPageSize) >> kPageShift);
}

TEST_F(PageTableTest, PagemapSyncHugeBlockOnce)
{
	auto f = make({{kBar2, 4 * k2M}});
	uintptr_t a = map_at(f, 4 * k2M, k2M);
	ASSERT_FALSE(probe_write(a + k2M + 100, 1).faulted);
	ASSERT_FALSE(probe_write(a + k2M + 5 * kPageSize, 1).faulted);
	auto snap = mm.snapshot(true);
	ASSERT_EQ(snap[0].entries.size(), 1u);
	EXPECT_EQ(snap[0].entries[0].addr, a + k2M);
	EXPECT_EQ(snap[0].entries[0].order, 9u);
}

TEST_F(PageTableTest, PagemapSyncSkipsRevoked)
{
	auto f = make({{kBar2 + kPageSize, 4 * kPageSize}});
	auto a = map(f, 4 * kPageSize, 0);
	ASSERT_TRUE(a);
	ASSERT_FALSE(probe_write(*a, 1).faulted);
	f->address_space().zap();
	EXPECT_TRUE(mm.snapshot(true)[0].entries.empty());
}

TEST(PageTableCustomOrders, PudDisabled)
{
	Memory mem;
	Mm mm(HugeOrders{9, 0});
	auto f = std::make_shared<FakeMappable>(mem, std::vector<PhysRange>{{4 * k1G, k1G}});
	uintptr_t at = MmTest::free_aligned(k1G, k1G);
	vfs::MmapArgs args{at, k1G, kRW, MAP_SHARED | MAP_FIXED, 0};
	ASSERT_TRUE(mm.map(f, *f, args, 0, MemAttr::Uncached));
	EXPECT_EQ(mm.touch(at).order, 9u);
}

} /* namespace */
} /* namespace softvfio::mm::test */
