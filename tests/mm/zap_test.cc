/* SPDX-License-Identifier: MIT */
#include <csignal>
#include <sys/mman.h>

#include "mm/fixture.h"
#include "mm/proc_maps.h"

namespace softvfio::mm::test {
namespace {

using ZapTest = MmTest;

TEST_F(ZapTest, ReadRaisesSigbusAdrerrAtExactAddress)
{
	auto f = bar2(0, 4 * kPageSize);
	auto addr = map(f, 4 * kPageSize, bar2_pgoff(0));
	ASSERT_TRUE(addr);
	f->address_space().zap();
	Probe p = probe_read(*addr + 2 * kPageSize + 0x124);
	EXPECT_TRUE(p.faulted);
	EXPECT_EQ(p.signo, SIGBUS);
	EXPECT_EQ(p.code, BUS_ADRERR);
	EXPECT_EQ(p.addr, *addr + 2 * kPageSize + 0x124);
}

TEST_F(ZapTest, WriteRaisesSigbusAdrerr)
{
	auto f = bar2(0, kPageSize);
	auto addr = map(f, kPageSize, bar2_pgoff(0));
	ASSERT_TRUE(addr);
	f->address_space().zap();
	Probe p = probe_write(*addr + 0x40, 7);
	EXPECT_TRUE(p.faulted);
	EXPECT_EQ(p.signo, SIGBUS);
	EXPECT_EQ(p.code, BUS_ADRERR);
	EXPECT_EQ(p.addr, *addr + 0x40);
}

TEST_F(ZapTest, RestoreKeepsData)
{
	auto f = bar2(0x2000, 2 * kPageSize);
	auto addr = map(f, 2 * kPageSize, bar2_pgoff(0x2000));
	ASSERT_TRUE(addr);
	ASSERT_FALSE(probe_write(*addr + kPageSize, 0x5a5a).faulted);
	f->address_space().zap();
	set_file_word(kBar2 + 0x2000, 0x77);   /* the device writes meanwhile */
	f->address_space().restore();
	EXPECT_EQ(probe_read(*addr + kPageSize).value, 0x5a5au);
	EXPECT_EQ(probe_read(*addr).value, 0x77u);
	EXPECT_TRUE(mm.find(*addr)->live);
}

TEST_F(ZapTest, ZappedMappingKeepsOffsetColumn)
{
	auto f = bar2(0x30000, kPageSize);
	auto addr = map(f, kPageSize, bar2_pgoff(0x30000));
	ASSERT_TRUE(addr);
	f->address_space().zap();
	auto line = maps_line(*addr);
	ASSERT_TRUE(line);
	EXPECT_EQ(line->offset, 0x20000030000u);
	EXPECT_EQ(line->perms, "rw-s");
	EXPECT_FALSE(mm.find(*addr)->live);
}

TEST_F(ZapTest, ZapHitsEveryVma)
{
	auto f = bar2(0, 16 * kPageSize);
	std::vector<uintptr_t> addrs;
	for (int i = 0; i < 64; i++) {
		auto a = map(f, kPageSize, bar2_pgoff((i % 16) * kPageSize));
		ASSERT_TRUE(a);
		addrs.push_back(*a);
	}
	EXPECT_EQ(f->address_space().vma_count(), 64u);
	f->address_space().zap();
	for (uintptr_t a : addrs)
		ASSERT_TRUE(sigbus(a));
	f->address_space().restore();
	for (uintptr_t a : addrs)
		ASSERT_TRUE(readable(a));
}

TEST_F(ZapTest, MultiPieceVmaZapsEveryPiece)
{
	auto f = make({{0x1000000, kPageSize}, {0x3000000, 2 * kPageSize}});
	auto addr = map(f, 3 * kPageSize, 0);
	ASSERT_TRUE(addr);
	f->address_space().zap();
	for (int page = 0; page < 3; page++)
		EXPECT_TRUE(sigbus(*addr + page * kPageSize));
	EXPECT_EQ(maps_line(*addr + kPageSize)->offset, 0x3000000u);
	f->address_space().restore();
	for (int page = 0; page < 3; page++)
		EXPECT_TRUE(readable(*addr + page * kPageSize));
}

TEST_F(ZapTest, OtherAddressSpacesUntouched)
{
	auto a = bar2(0, kPageSize), b = bar2(0, kPageSize);
	auto va = map(a, kPageSize, bar2_pgoff(0));
	auto vb = map(b, kPageSize, bar2_pgoff(0));
	ASSERT_TRUE(va && vb);
	a->address_space().zap();
	EXPECT_TRUE(sigbus(*va));
	EXPECT_TRUE(readable(*vb));
}

TEST_F(ZapTest, MapWhileInaccessibleInstallsRevoked)
{
	auto f = bar2(0, kPageSize);
	f->accessible_flag = false;
	auto addr = map(f, kPageSize, bar2_pgoff(0));
	ASSERT_TRUE(addr);
	EXPECT_TRUE(sigbus(*addr));
	EXPECT_FALSE(mm.find(*addr)->live);
	f->address_space().restore();   /* still inaccessible: stays revoked */
	EXPECT_TRUE(sigbus(*addr));
	f->accessible_flag = true;
	f->address_space().restore();
	EXPECT_TRUE(readable(*addr));
}

TEST_F(ZapTest, RestoreUsesCurrentProt)
{
	auto f = bar2(0, kPageSize);
	auto addr = map(f, kPageSize, bar2_pgoff(0));
	ASSERT_TRUE(addr);
	ASSERT_TRUE(mm.protect(*addr, kPageSize, PROT_READ));
	f->address_space().zap();
	EXPECT_EQ(maps_line(*addr)->perms, "r--s");
	f->address_space().restore();
	EXPECT_TRUE(readable(*addr));
	Probe w = probe_write(*addr, 1);
	EXPECT_TRUE(w.faulted);
	EXPECT_EQ(w.signo, SIGSEGV);
	EXPECT_EQ(w.code, SEGV_ACCERR);
}

TEST_F(ZapTest, ZapIsIdempotent)
{
	auto f = bar2(0, kPageSize);
	auto addr = map(f, kPageSize, bar2_pgoff(0));
	ASSERT_TRUE(addr);
	f->address_space().zap();
	f->address_space().zap();
	EXPECT_TRUE(sigbus(*addr));
	f->address_space().restore();
	f->address_space().restore();
	EXPECT_TRUE(readable(*addr));
}

} /* namespace */
} /* namespace softvfio::mm::test */
