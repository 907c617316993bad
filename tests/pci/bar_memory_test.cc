/* SPDX-License-Identifier: MIT */
/*
 * BAR memory: one sparse memfd per function, BAR i at i << 40, RAM
 * contents, the cost of a big BAR, range checks, and the ROM image.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pci_test_util.h"

namespace softvfio::pci::test {
namespace {

TEST(BarMemory, RegionOffsets)
{
	EXPECT_EQ(region_offset(0), 0u);
	EXPECT_EQ(region_offset(2), 0x20000000000u);
	EXPECT_EQ(region_offset(5), 0x50000000000u);
}

TEST(BarMemory, RamWritesLandAtTheRegionOffset)
{
	auto fn = make_preset("ivshmem-plain");
	bar_write32(*fn, 2, 0x40, 0xcafef00d);
	uint32_t v = 0;
	ASSERT_EQ(::pread(fn->memory_fd(), &v, 4, static_cast<off_t>(region_offset(2) + 0x40)), 4);
	EXPECT_EQ(v, 0xcafef00du);
}

TEST(BarMemory, MappingTheMemfdAliasesBarAccesses)
{
	auto fn = make_preset("ivshmem-plain");
	void *map = ::mmap(nullptr, 0x100000, PROT_READ | PROT_WRITE, MAP_SHARED, fn->memory_fd(),
			   static_cast<off_t>(region_offset(2)));
	ASSERT_NE(map, MAP_FAILED);
	auto *words = static_cast<volatile uint32_t *>(map);
	words[0x3ffff] = 0x600df00d;   /* last word of the 1 MiB BAR */
	EXPECT_EQ(bar_read32(*fn, 2, 0xffffc), 0x600df00du);
	bar_write32(*fn, 2, 0, 0x12345678);
	EXPECT_EQ(words[0], 0x12345678u);
	::munmap(map, 0x100000);
}

TEST(BarMemory, FileCoversEveryBarPageRounded)
{
	auto fn = make_preset("ivshmem-plain");
	struct stat st;
	ASSERT_EQ(::fstat(fn->memory_fd(), &st), 0);
	EXPECT_EQ(uint64_t(st.st_size), region_offset(2) + 0x100000);
	auto edu = make_preset("edu");
	ASSERT_EQ(::fstat(edu->memory_fd(), &st), 0);
	EXPECT_EQ(uint64_t(st.st_size), 0x100000u);
}

TEST(BarMemory, BigBarCostsNothingUntilTouched)
{
	auto fn = make_preset("nic");
	ASSERT_GE(fn->bar(2).size, uint64_t(1) << 30);
	struct stat before;
	ASSERT_EQ(::fstat(fn->memory_fd(), &before), 0);
	EXPECT_LT(before.st_blocks * 512, 1 << 20);   /* only the small BARs' touched pages */
	bar_write32(*fn, 2, (uint64_t(3) << 30) + 8, 1);
	struct stat after;
	ASSERT_EQ(::fstat(fn->memory_fd(), &after), 0);
	EXPECT_GT(after.st_blocks, before.st_blocks);
	EXPECT_LE((after.st_blocks - before.st_blocks) * 512, 2 << 20);   /* a page, maybe huge */
}

TEST(BarMemory, OutOfRangeAccessesAreEinval)
{
	auto fn = make_preset("ivshmem-plain");
	uint32_t v = 0;
	EXPECT_EQ(fn->bar_read(2, 0x100000, &v, 4).error(), EINVAL);
	EXPECT_EQ(fn->bar_read(2, 0xffffe, &v, 4).error(), EINVAL);
	EXPECT_EQ(fn->bar_write(0, 0x100, &v, 1).error(), EINVAL);
	EXPECT_EQ(fn->bar_read(1, 0, &v, 4).error(), EINVAL);   /* unused */
	EXPECT_EQ(fn->bar_read(3, 0, &v, 4).error(), EINVAL);   /* upper half */
	EXPECT_EQ(fn->bar_read(6, 0, &v, 4).error(), EINVAL);
	EXPECT_TRUE(fn->bar_read(2, 0xffffc, &v, 4).ok());
}

TEST(BarMemory, LargeAccessesWork)
{
	auto fn = make_preset("ivshmem-plain");
	std::vector<uint8_t> out(0x100000, 0xa5), in(0x100000, 0);
	ASSERT_TRUE(fn->bar_write(2, 0, out.data(), out.size()).ok());
	ASSERT_TRUE(fn->bar_read(2, 0, in.data(), in.size()).ok());
	EXPECT_EQ(in, out);
}

TEST(BarMemory, RegisterBarSplitsOddLengths)
{
	auto fn = make_preset("edu");
	uint8_t bytes[12] = {};
	ASSERT_TRUE(fn->bar_read(0, 0, bytes, sizeof(bytes)).ok());   /* 3 x 4 bytes */
	uint32_t id;
	std::memcpy(&id, bytes, 4);
	EXPECT_EQ(id, 0x010000edu);
}

TEST(BarMemory, RamSurvivesResetByDefault)
{
	auto fn = make_preset("nic");
	bar_write32(*fn, 2, 0x1000, 0x77777777);
	ASSERT_TRUE(fn->reset_function().ok());
	EXPECT_EQ(bar_read32(*fn, 2, 0x1000), 0x77777777u);
}

TEST(BarMemory, ClearOnResetZeroes)
{
	auto fn = make_preset("nic");
	bar_write32(*fn, 0, 0x1000, 0x77777777);
	ASSERT_TRUE(fn->reset_function().ok());
	EXPECT_EQ(bar_read32(*fn, 0, 0x1000), 0u);
}

TEST(BarMemory, MmapFlagFollowsDescription)
{
	auto fn = make_from_toml(small_device("", "mmap = false"));
	EXPECT_FALSE(fn->bar(0).mmap_capable);
	auto io = make_from_toml(R"(
vendor_id = 0x1234
[[bar]]
index = 0
kind = "io"
size = 16
)");
	EXPECT_FALSE(io->bar(0).mmap_capable);
}

TEST(Rom, ImageHasSignatureDataStructureAndChecksum)
{
	auto fn = make_preset("nic");
	auto rom = fn->rom();
	ASSERT_EQ(rom.size(), 0x10000u);
	EXPECT_EQ(rom[0], 0x55u);
	EXPECT_EQ(rom[1], 0xaau);
	const size_t pcir = rom[0x18] | (rom[0x19] << 8);
	EXPECT_EQ(std::string(reinterpret_cast<const char *>(&rom[pcir]), 4), "PCIR");
	EXPECT_EQ(rom[pcir + 4] | (rom[pcir + 5] << 8), 0x5356);
	EXPECT_EQ(rom[pcir + 6] | (rom[pcir + 7] << 8), 0x0001);
	EXPECT_EQ(rom[pcir + 0x15] & 0x80, 0x80);   /* last image */
	uint8_t sum = 0;
	for (uint8_t b : rom)
		sum = static_cast<uint8_t>(sum + b);
	EXPECT_EQ(sum, 0u);
	EXPECT_EQ(fn->rom_bar().kind, BarKind::Mem32);
	EXPECT_EQ(fn->rom_bar().size, rom.size());
}

} /* namespace */
} /* namespace softvfio::pci::test */
