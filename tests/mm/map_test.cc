/* SPDX-License-Identifier: MIT */
#include <cerrno>
#include <csignal>
#include <fcntl.h>

#include "mm/fixture.h"
#include "mm/mmap_checks.h"
#include "mm/proc_maps.h"

namespace softvfio::mm::test {
namespace {

using MapTest = MmTest;

TEST_F(MapTest, RoundTrip)
{
	auto f = bar2(0, 4 * kPageSize);
	auto addr = map(f, 4 * kPageSize, bar2_pgoff(0));
	ASSERT_TRUE(addr) << addr.error();
	EXPECT_TRUE(mm.contains(*addr, 4 * kPageSize));
	EXPECT_EQ(f->address_space().vma_count(), 1u);
	ASSERT_FALSE(probe_write(*addr + 8, 0xfeed).faulted);
	EXPECT_EQ(file_word(kBar2 + 8), 0xfeedu);
	ASSERT_TRUE(mm.unmap(*addr, 4 * kPageSize));
	EXPECT_FALSE(mm.contains(*addr, 4 * kPageSize));
	EXPECT_EQ(mm.vma_count(), 0u);
	EXPECT_EQ(f->address_space().vma_count(), 0u);
	auto line = maps_line(*addr);
	EXPECT_TRUE(!line || line->path.find("softvfio") == std::string::npos);
}

TEST_F(MapTest, MapsOffsetColumnIsFileOffset)
{
	auto f = bar2(0x30000, 2 * kPageSize);
	auto addr = map(f, 2 * kPageSize, bar2_pgoff(0x30000));
	ASSERT_TRUE(addr);
	auto line = maps_line(*addr);
	ASSERT_TRUE(line);
	EXPECT_EQ(line->offset, 0x20000030000u);
	EXPECT_EQ(line->start, *addr);
	EXPECT_EQ(line->perms, "rw-s");
	auto snap = mm.find(*addr);
	ASSERT_TRUE(snap);
	EXPECT_EQ(snap->pgoff, 0x20000030000u >> kPageShift);
	EXPECT_EQ(snap->maps_name, "/dmabuf:fake");
	EXPECT_EQ(snap->file_kind, vfs::FileKind::DmaBuf);
}

TEST_F(MapTest, LengthRoundsUpToPages)
{
	auto f = bar2(0, kPageSize);
	auto addr = map(f, 100, bar2_pgoff(0));
	ASSERT_TRUE(addr);
	EXPECT_EQ(mm.find(*addr)->end - *addr, kPageSize);
}

TEST_F(MapTest, MultiPieceLayout)
{
	/* Three ranges, out of physical order: one contiguous VMA. */
	auto f = make({{0x7000000, kPageSize}, {0x1000000, 2 * kPageSize}, {0x5000000, kPageSize}});
	auto addr = map(f, 4 * kPageSize, 0);
	ASSERT_TRUE(addr);
	auto snap = mm.find(*addr);
	ASSERT_EQ(snap->pieces.size(), 3u);
	EXPECT_EQ(snap->pieces[1], (Backing{kPageSize, 2 * kPageSize, mem.fd(), 0x1000000}));
	for (uint32_t page = 0; page < 4; page++)
		ASSERT_FALSE(probe_write(*addr + page * kPageSize, 100 + page).faulted);
	EXPECT_EQ(file_word(0x7000000), 100u);
	EXPECT_EQ(file_word(0x1000000), 101u);
	EXPECT_EQ(file_word(0x1001000), 102u);
	EXPECT_EQ(file_word(0x5000000), 103u);
	EXPECT_EQ(maps_line(*addr + 3 * kPageSize)->offset, 0x5000000u);
}

TEST_F(MapTest, AliasingVmasSeeEachOther)
{
	auto a = bar2(0x10000, kPageSize);
	auto b = make({{0x9000000, kPageSize}, {kBar2 + 0x10000, kPageSize}});
	auto va = map(a, kPageSize, bar2_pgoff(0x10000));
	auto vb = map(b, 2 * kPageSize, 0);
	auto vc = map(a, kPageSize, bar2_pgoff(0x10000));   /* the same buffer twice */
	ASSERT_TRUE(va && vb && vc);
	ASSERT_FALSE(probe_write(*va + 4, 0xabcd).faulted);
	EXPECT_EQ(probe_read(*vb + kPageSize + 4).value, 0xabcdu);
	EXPECT_EQ(probe_read(*vc + 4).value, 0xabcdu);
	ASSERT_FALSE(probe_write(*vb + kPageSize + 4, 0x1234).faulted);
	EXPECT_EQ(probe_read(*va + 4).value, 0x1234u);
}

TEST_F(MapTest, HintIsHonouredWhenFree)
{
	auto f = bar2(0, kPageSize);
	uintptr_t hint = free_aligned(kPageSize, k2M);
	auto addr = map(f, kPageSize, bar2_pgoff(0), MAP_SHARED, hint);
	ASSERT_TRUE(addr);
	EXPECT_EQ(*addr, hint);
}

TEST_F(MapTest, FixedNoReplaceRefusesOccupiedRange)
{
	auto f = bar2(0, 2 * kPageSize);
	auto first = map(f, 2 * kPageSize, bar2_pgoff(0));
	ASSERT_TRUE(first);
	auto again = map(f, kPageSize, bar2_pgoff(0), MAP_SHARED | MAP_FIXED_NOREPLACE, *first + kPageSize);
	EXPECT_EQ(again.error(), EEXIST);
	EXPECT_EQ(mm.vma_count(), 1u);
	uintptr_t free = free_aligned(kPageSize, kPageSize);
	auto ok = map(f, kPageSize, bar2_pgoff(0), MAP_SHARED | MAP_FIXED_NOREPLACE, free);
	ASSERT_TRUE(ok);
	EXPECT_EQ(*ok, free);
}

TEST_F(MapTest, FixedReplacesEmulatedMiddle)
{
	auto old_buf = bar2(0, 3 * kPageSize);
	auto new_buf = make({{0x4000000, kPageSize}});
	auto addr = map(old_buf, 3 * kPageSize, bar2_pgoff(0));
	ASSERT_TRUE(addr);
	auto mid = map(new_buf, kPageSize, 0, MAP_SHARED | MAP_FIXED, *addr + kPageSize);
	ASSERT_TRUE(mid);
	EXPECT_EQ(*mid, *addr + kPageSize);
	EXPECT_EQ(mm.vma_count(), 3u);
	EXPECT_EQ(old_buf->address_space().vma_count(), 2u);
	EXPECT_EQ(mm.find(*addr + 2 * kPageSize)->pgoff, bar2_pgoff(0) + 2);
	EXPECT_EQ(maps_line(*mid)->offset, 0x4000000u);
	/* Zapping the old buffer leaves the new mapping alone. */
	old_buf->address_space().zap();
	EXPECT_TRUE(sigbus(*addr));
	EXPECT_TRUE(readable(*mid));
	EXPECT_TRUE(sigbus(*addr + 2 * kPageSize));
}

TEST_F(MapTest, FixedUnalignedIsEinval)
{
	auto f = bar2(0, kPageSize);
	EXPECT_EQ(map(f, kPageSize, bar2_pgoff(0), MAP_SHARED | MAP_FIXED, 0x10000123).error(), EINVAL);
}

TEST_F(MapTest, PrivateOrZeroLengthIsEinval)
{
	auto f = bar2(0, kPageSize);
	EXPECT_EQ(map(f, kPageSize, bar2_pgoff(0), MAP_PRIVATE).error(), EINVAL);
	EXPECT_EQ(map(f, 0, bar2_pgoff(0)).error(), EINVAL);
}

TEST_F(MapTest, BackingErrorPropagatesAndMapsNothing)
{
	auto f = bar2(0, kPageSize);
	f->fail_backing = ENOMEM;
	EXPECT_EQ(map(f, kPageSize, bar2_pgoff(0)).error(), ENOMEM);
	EXPECT_EQ(mm.vma_count(), 0u);
	f->fail_backing = 0;
	/* Runs that do not cover the VMA are refused. */
	EXPECT_EQ(map(f, 2 * kPageSize, bar2_pgoff(0)).error(), EINVAL);
	EXPECT_EQ(f->address_space().vma_count(), 0u);
}

TEST_F(MapTest, VmaHoldsFileUntilUnmapped)
{
	auto f = bar2(0, kPageSize);
	std::weak_ptr<FakeMappable> weak = f;
	auto addr = map(f, kPageSize, bar2_pgoff(0));
	ASSERT_TRUE(addr);
	f.reset();
	EXPECT_FALSE(weak.expired());
	ASSERT_TRUE(mm.unmap(*addr, kPageSize));
	EXPECT_TRUE(weak.expired());
}

TEST_F(MapTest, UnmapArgumentChecks)
{
	EXPECT_EQ(mm.unmap(0x10000001, kPageSize).error(), EINVAL);
	EXPECT_EQ(mm.unmap(0x10000000, 0).error(), EINVAL);
	EXPECT_TRUE(mm.unmap(0x10000000, kPageSize));   /* nothing emulated there */
}

TEST_F(MapTest, ContainsEdges)
{
	auto f = bar2(0, 2 * kPageSize);
	auto addr = map(f, 2 * kPageSize, bar2_pgoff(0));
	ASSERT_TRUE(addr);
	EXPECT_TRUE(mm.contains(*addr + 2 * kPageSize - 1));
	EXPECT_FALSE(mm.contains(*addr + 2 * kPageSize));
	EXPECT_TRUE(mm.contains(*addr - kPageSize, kPageSize + 1));
	EXPECT_FALSE(mm.contains(*addr - kPageSize, kPageSize));
	EXPECT_FALSE(mm.contains(*addr, 0));
}

TEST_F(MapTest, DestructorUnmapsAndUnlinks)
{
	auto f = bar2(0, kPageSize);
	uintptr_t addr;
	{
		Mm other;
		vfs::MmapArgs a{0, kPageSize, kRW, MAP_SHARED, kBar2};
		auto r = other.map(f, *f, a, bar2_pgoff(0), MemAttr::Uncached);
		ASSERT_TRUE(r);
		addr = *r;
		EXPECT_EQ(f->address_space().vma_count(), 1u);
	}
	EXPECT_EQ(f->address_space().vma_count(), 0u);
	auto line = maps_line(addr);
	EXPECT_TRUE(!line || line->path.find("softvfio") == std::string::npos);
}

TEST(GenericMmapChecks, KernelOrder)
{
	Memory mem;
	FakeMappable rw(mem, {}), ro(mem, {}, 0, O_RDONLY), wo(mem, {}, 0, O_WRONLY);
	auto args = [](uint64_t addr, uint64_t len, int prot, int flags, uint64_t off) {
		return vfs::MmapArgs{addr, len, prot, flags, off};
	};
	EXPECT_TRUE(generic_mmap_checks(rw, args(0, 4096, kRW, MAP_SHARED, 0)));
	EXPECT_EQ(generic_mmap_checks(rw, args(0, 4096, kRW, MAP_SHARED, 5)).error(), EINVAL);
	EXPECT_EQ(generic_mmap_checks(rw, args(0, 0, kRW, MAP_SHARED, 0)).error(), EINVAL);
	EXPECT_EQ(generic_mmap_checks(rw, args(0, ~0ull, kRW, MAP_SHARED, 0)).error(), ENOMEM);
	/* Page-aligned lengths beyond the address space: ENOMEM, not the
	 * file's own EINVAL for a range past its region. */
	EXPECT_EQ(generic_mmap_checks(rw, args(0, ~0ull - kPageSize + 1, kRW, MAP_SHARED, 0)).error(), ENOMEM);
	EXPECT_EQ(generic_mmap_checks(rw, args(0, kTaskSize + kPageSize, kRW, MAP_SHARED, 0)).error(), ENOMEM);
	EXPECT_EQ(generic_mmap_checks(rw, args(0x1001, 4096, kRW, MAP_SHARED | MAP_FIXED, 0)).error(), EINVAL);
	EXPECT_EQ(generic_mmap_checks(ro, args(0, 4096, kRW, MAP_SHARED, 0)).error(), EACCES);
	EXPECT_TRUE(generic_mmap_checks(ro, args(0, 4096, PROT_READ, MAP_SHARED, 0)));
	EXPECT_EQ(generic_mmap_checks(wo, args(0, 4096, PROT_WRITE, MAP_SHARED, 0)).error(), EACCES);
	EXPECT_EQ(generic_mmap_checks(rw, args(0, 4096, kRW, MAP_SHARED_VALIDATE | MAP_SYNC, 0)).error(),
		  EOPNOTSUPP);
	EXPECT_EQ(generic_mmap_checks(rw, args(0, 4096, kRW, 0, 0)).error(), EINVAL);
	/* Private mappings pass the generic checks; vfio's ->mmap refuses them. */
	EXPECT_TRUE(generic_mmap_checks(rw, args(0, 4096, kRW, MAP_PRIVATE, 0)));
}

} /* namespace */
} /* namespace softvfio::mm::test */
