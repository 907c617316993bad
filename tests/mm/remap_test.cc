/* SPDX-License-Identifier: MIT */
#include <cerrno>
#include <csignal>
#include <sys/mman.h>

#include "mm/fixture.h"
#include "mm/proc_maps.h"

namespace softvfio::mm::test {
namespace {

struct RemapTest : MmTest {
	std::shared_ptr<FakeMappable> f = bar2(0, 64 * kPageSize);
	uintptr_t addr = 0;
	void SetUp() override
	{
		auto r = map(f, 4 * kPageSize, bar2_pgoff(0));
		ASSERT_TRUE(r);
		addr = *r;
	}
};

TEST_F(RemapTest, GrowIsEfault)
{
	EXPECT_EQ(mm.remap(addr, 4 * kPageSize, 8 * kPageSize, 0, 0).error(), EFAULT);
	EXPECT_EQ(mm.remap(addr, 4 * kPageSize, 8 * kPageSize, MREMAP_MAYMOVE, 0).error(), EFAULT);
	EXPECT_EQ(mm.find(addr)->end, addr + 4 * kPageSize);
}

TEST_F(RemapTest, DuplicateWithZeroOldLenIsEfault)
{
	EXPECT_EQ(mm.remap(addr, 0, 4 * kPageSize, MREMAP_MAYMOVE, 0).error(), EFAULT);
	EXPECT_EQ(mm.vma_count(), 1u);
}

TEST_F(RemapTest, ShrinkUnmapsTail)
{
	auto r = mm.remap(addr, 4 * kPageSize, kPageSize, 0, 0);
	ASSERT_TRUE(r);
	EXPECT_EQ(*r, addr);
	EXPECT_EQ(mm.find(addr)->end, addr + kPageSize);
	EXPECT_FALSE(mm.contains(addr + kPageSize, 3 * kPageSize));
	EXPECT_TRUE(mm.remap(addr, kPageSize, kPageSize, 0, 0));   /* same size: no-op */
}

TEST_F(RemapTest, FlagChecks)
{
	EXPECT_EQ(mm.remap(addr, kPageSize, kPageSize, 0x80, 0).error(), EINVAL);
	EXPECT_EQ(mm.remap(addr, kPageSize, kPageSize, MREMAP_FIXED, addr + k2M).error(), EINVAL);
	EXPECT_EQ(mm.remap(addr + 1, kPageSize, kPageSize, 0, 0).error(), EINVAL);
	EXPECT_EQ(mm.remap(addr, kPageSize, 0, 0, 0).error(), EINVAL);
	EXPECT_EQ(mm.remap(addr, kPageSize, kPageSize, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0).error(), EINVAL);
	/* Overlapping move. */
	EXPECT_EQ(mm.remap(addr, 4 * kPageSize, 4 * kPageSize, MREMAP_MAYMOVE | MREMAP_FIXED, addr + kPageSize).error(),
		  EINVAL);
	/* Not an emulated address. */
	EXPECT_EQ(mm.remap(addr + 8 * kPageSize, kPageSize, kPageSize, 0, 0).error(), EFAULT);
}

TEST_F(RemapTest, MoveAcrossVmaEndIsEfault)
{
	uintptr_t to = free_aligned(8 * kPageSize, kPageSize);
	EXPECT_EQ(mm.remap(addr, 8 * kPageSize, 8 * kPageSize, MREMAP_MAYMOVE | MREMAP_FIXED, to).error(), EFAULT);
}

TEST_F(RemapTest, MoveKeepsGeometryDataAndFile)
{
	ASSERT_FALSE(probe_write(addr + kPageSize, 0xc0de).faulted);
	uintptr_t to = free_aligned(4 * kPageSize, kPageSize);
	auto r = mm.remap(addr, 4 * kPageSize, 4 * kPageSize, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	ASSERT_TRUE(r);
	EXPECT_EQ(*r, to);
	EXPECT_FALSE(mm.contains(addr, 4 * kPageSize));
	auto snap = mm.find(to);
	EXPECT_EQ(snap->pgoff, bar2_pgoff(0));
	EXPECT_TRUE(snap->live);
	EXPECT_EQ(probe_read(to + kPageSize).value, 0xc0deu);
	EXPECT_EQ(maps_line(to)->offset, kBar2);
	EXPECT_EQ(f->address_space().vma_count(), 1u);
	f->address_space().zap();
	EXPECT_TRUE(sigbus(to + kPageSize));
}

TEST_F(RemapTest, MoveOfRevokedStaysRevoked)
{
	f->address_space().zap();
	uintptr_t to = free_aligned(4 * kPageSize, kPageSize);
	ASSERT_TRUE(mm.remap(addr, 4 * kPageSize, 4 * kPageSize, MREMAP_MAYMOVE | MREMAP_FIXED, to));
	EXPECT_TRUE(sigbus(to));
	EXPECT_FALSE(mm.find(to)->live);
	f->address_space().restore();
	EXPECT_TRUE(readable(to));
}

TEST_F(RemapTest, MovePartSplitsAndShrinks)
{
	uintptr_t to = free_aligned(kPageSize, kPageSize);
	/* Move pages [1, 3) but ask for one page: page 2 is unmapped first. */
	auto r = mm.remap(addr + kPageSize, 2 * kPageSize, kPageSize, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	ASSERT_TRUE(r);
	EXPECT_EQ(mm.find(to)->pgoff, bar2_pgoff(0) + 1);
	EXPECT_EQ(mm.find(addr)->end, addr + kPageSize);
	EXPECT_FALSE(mm.contains(addr + kPageSize, 2 * kPageSize));
	EXPECT_EQ(mm.find(addr + 3 * kPageSize)->pgoff, bar2_pgoff(0) + 3);
	EXPECT_EQ(f->address_space().vma_count(), 3u);
}

TEST_F(RemapTest, MoveReplacesEmulatedTarget)
{
	auto g = bar2(0x100000, kPageSize);
	auto other = map(g, kPageSize, bar2_pgoff(0x100000));
	ASSERT_TRUE(other);
	ASSERT_TRUE(mm.remap(addr, kPageSize, kPageSize, MREMAP_MAYMOVE | MREMAP_FIXED, *other));
	EXPECT_EQ(g->address_space().vma_count(), 0u);
	EXPECT_EQ(mm.find(*other)->pgoff, bar2_pgoff(0));
}

TEST_F(RemapTest, MoveCarriesPageTableEntries)
{
	mm.touch(addr + kPageSize);
	ASSERT_EQ(mm.find(addr)->entries.size(), 1u);
	uintptr_t to = free_aligned(4 * kPageSize, kPageSize);
	ASSERT_TRUE(mm.remap(addr, 4 * kPageSize, 4 * kPageSize, MREMAP_MAYMOVE | MREMAP_FIXED, to));
	auto entries = mm.find(to)->entries;
	ASSERT_EQ(entries.size(), 1u);
	EXPECT_EQ(entries[0].addr, to + kPageSize);
	EXPECT_EQ(entries[0].pfn, (kBar2 >> kPageShift) + 1);
	EXPECT_TRUE(mm.has_pte_table(to + kPageSize));
}

using ProtectTest = RemapTest;

TEST_F(ProtectTest, ReadOnlyFaultsOnWrite)
{
	ASSERT_TRUE(mm.protect(addr, 4 * kPageSize, PROT_READ));
	EXPECT_TRUE(readable(addr));
	Probe w = probe_write(addr, 1);
	EXPECT_EQ(w.signo, SIGSEGV);
	EXPECT_EQ(mm.find(addr)->prot, PROT_READ);
	EXPECT_EQ(maps_line(addr)->perms, "r--s");
}

TEST_F(ProtectTest, PartialProtectSplits)
{
	ASSERT_TRUE(mm.protect(addr + kPageSize, kPageSize, PROT_READ));
	EXPECT_EQ(mm.vma_count(), 3u);
	EXPECT_EQ(mm.find(addr)->prot, kRW);
	EXPECT_EQ(mm.find(addr + kPageSize)->prot, PROT_READ);
	EXPECT_EQ(mm.find(addr + kPageSize)->pgoff, bar2_pgoff(0) + 1);
	EXPECT_EQ(mm.find(addr + 2 * kPageSize)->prot, kRW);
	f->address_space().zap();
	f->address_space().restore();
	EXPECT_EQ(maps_line(addr + kPageSize)->perms, "r--s");
	EXPECT_FALSE(probe_write(addr, 1).faulted);
}

TEST_F(ProtectTest, WriteOnReadOnlyFileIsEacces)
{
	auto ro = make({{kBar2, kPageSize}}, 0, O_RDONLY);
	auto r = map(ro, kPageSize, bar2_pgoff(0), MAP_SHARED, 0, PROT_READ);
	ASSERT_TRUE(r);
	EXPECT_EQ(mm.protect(*r, kPageSize, kRW).error(), EACCES);
	EXPECT_EQ(mm.find(*r)->prot, PROT_READ);
}

TEST_F(ProtectTest, ArgumentChecks)
{
	EXPECT_EQ(mm.protect(addr + 1, kPageSize, PROT_READ).error(), EINVAL);
	EXPECT_TRUE(mm.protect(addr, 0, PROT_READ));
	EXPECT_EQ(mm.protect(addr, kPageSize, 0x100).error(), EINVAL);
}

} /* namespace */
} /* namespace softvfio::mm::test */
