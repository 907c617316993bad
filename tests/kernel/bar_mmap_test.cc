/* SPDX-License-Identifier: MIT */
/*
 * Series BAR mmap through the device fd (docs/semantics.md §4.2, §5.5):
 * the argument checks, the hidden buffer behind every mapping, offsets and
 * names, SIGBUS while memory is disabled, data surviving, and the mapping
 * keeping the device open.
 */
#include <unistd.h>

#include "kernel/dmabuf_fixture.h"
#include "support/proc_maps.h"

namespace softvfio::test {
namespace {

class BarMmapTest : public DmabufTest
{
protected:
	void SetUp() override { open("nic"); }

	/* Fill a BAR word through the region (pwrite), read it back the same way. */
	void poke(unsigned bar, uint64_t off, uint32_t v)
	{
		ASSERT_EQ(kernel_.pwrite(fd_, &v, 4, static_cast<off_t>(region_offset(bar) + off)), 4);
	}
	uint32_t peek(unsigned bar, uint64_t off)
	{
		uint32_t v = 0;
		EXPECT_EQ(kernel_.pread(fd_, &v, 4, static_cast<off_t>(region_offset(bar) + off)), 4);
		return v;
	}
	static uint8_t *at(void *p, uint64_t off) { return static_cast<uint8_t *>(p) + off; }
};

/* --- §5.5 rows: each EINVAL --- */

TEST_F(BarMmapTest, IndexBeyondRegionsIsEinval)
{
	EXPECT_EQ(map_errno(fd_, region_offset(9), kPage), -EINVAL);
	EXPECT_EQ(map_errno(fd_, region_offset(200), kPage), -EINVAL);
}

TEST_F(BarMmapTest, PrivateMappingIsEinval)
{
	EXPECT_EQ(map_errno(fd_, region_offset(2), kPage, kRW, MAP_PRIVATE), -EINVAL);
}

TEST_F(BarMmapTest, RomConfigAndVgaAreEinval)
{
	for (unsigned index : {6u, 7u, 8u})
		EXPECT_EQ(map_errno(fd_, region_offset(index), kPage), -EINVAL) << index;
}

TEST_F(BarMmapTest, BarWithoutMmapSupportIsEinval)
{
	EXPECT_EQ(map_errno(fd_, region_offset(1), kPage), -EINVAL);
	EXPECT_EQ(map_errno(fd_, region_offset(3), kPage), -EINVAL);
}

TEST_F(BarMmapTest, WindowBeyondPageAlignedBarIsEinval)
{
	EXPECT_EQ(map_errno(fd_, region_offset(0) + 0x1f000, 2 * kPage), -EINVAL);
	EXPECT_EQ(map_errno(fd_, region_offset(0) + 0x1f000, kPage), 0);
}

TEST_F(BarMmapTest, OrderPrivateBeforeRomIndex)
{
	/* Both EINVAL; no mapping and no buffer either way. */
	EXPECT_EQ(map_errno(fd_, region_offset(6), kPage, kRW, MAP_PRIVATE), -EINVAL);
	EXPECT_TRUE(kernel_.buffers().empty());
}

TEST_F(BarMmapTest, FailedChecksCreateNoBuffer)
{
	(void)map_errno(fd_, region_offset(1), kPage);
	(void)map_errno(fd_, region_offset(0) + 0x1f000, 2 * kPage);
	EXPECT_TRUE(kernel_.buffers().empty());
	EXPECT_EQ(state().buffers, 0u);
}

/* --- the hidden buffer --- */

TEST_F(BarMmapTest, MapsOffsetColumnKeepsTheIndexBits)
{
	void *p = map_bar(region_offset(2) + 0x30000, 0x10000);
	ASSERT_NE(p, MAP_FAILED);
	auto line = maps_line(p);
	ASSERT_TRUE(line);
	EXPECT_EQ(line->offset, 0x20000030000u);
	EXPECT_EQ(mapping(p)->offset, 0x20000030000u);
}

TEST_F(BarMmapTest, BackedByAHiddenBufferOverExactlyTheWindow)
{
	void *p = map_bar(region_offset(2) + 0x30000, 0x10000);
	ASSERT_NE(p, MAP_FAILED);
	auto hidden = hidden_buffers();
	ASSERT_EQ(hidden.size(), 1u);
	const BufferInfo &b = hidden[0];
	EXPECT_EQ(b.bar, 2u);
	EXPECT_EQ(b.size, 0x10000u);
	ASSERT_EQ(b.ranges.size(), 1u);
	EXPECT_EQ(b.ranges[0].bar_offset, 0x30000u);
	EXPECT_EQ(b.ranges[0].paddr, kNicBar2 + 0x30000);
	EXPECT_EQ(b.status, BufferStatus::Ok);
	EXPECT_EQ(b.mappings, 1u);
	EXPECT_EQ(state().buffers, 1u);
	auto m = mapping(p);
	ASSERT_TRUE(m);
	EXPECT_EQ(m->kind, "dma-buf");
	EXPECT_EQ(m->buffer_id, b.id);
}

TEST_F(BarMmapTest, NamedAfterDeviceAndBarInHex)
{
	void *p = map_bar(region_offset(4), kPage);
	ASSERT_NE(p, MAP_FAILED);
	std::string name = state().vfio_name + ":" + bdf_ + "/4";
	EXPECT_EQ(hidden_buffers().at(0).name, name);
	EXPECT_EQ(mapping(p)->path, "/dmabuf:" + name);
}

TEST_F(BarMmapTest, EveryMmapGetsItsOwnBuffer)
{
	void *a = map_bar(region_offset(2), kPage);
	void *b = map_bar(region_offset(2), kPage);
	ASSERT_NE(a, MAP_FAILED);
	ASSERT_NE(b, MAP_FAILED);
	EXPECT_EQ(hidden_buffers().size(), 2u);
	EXPECT_NE(mapping(a)->buffer_id, mapping(b)->buffer_id);
}

TEST_F(BarMmapTest, AlwaysUncached)
{
	void *p = map_bar(region_offset(2), kPage);
	ASSERT_NE(p, MAP_FAILED);
	EXPECT_EQ(mapping(p)->attr, MemoryAttribute::Uncached);
	EXPECT_EQ(hidden_buffers().at(0).memattr, MemoryAttribute::Uncached);
}

TEST_F(BarMmapTest, DataIsTheBarMemory)
{
	poke(2, 0x30010, 0x11223344);
	void *p = map_bar(region_offset(2) + 0x30000, 0x10000);
	ASSERT_NE(p, MAP_FAILED);
	EXPECT_EQ(read32(at(p, 0x10)), 0x11223344u);
	write32(at(p, 0x20), 0x55667788);
	EXPECT_EQ(peek(2, 0x30020), 0x55667788u);
}

TEST_F(BarMmapTest, SubPageBarMapsItsWholePage)
{
	DmabufTest::TearDown();
	fds_.clear();
	maps_.clear();
	open("ivshmem-plain");
	void *p = map_bar(region_offset(0), kPage);
	ASSERT_NE(p, MAP_FAILED);
	EXPECT_EQ(hidden_buffers().at(0).size, kPage);
}

/* --- memory disable and revocation never refuse the mmap --- */

TEST_F(BarMmapTest, MmapSucceedsWhileMemoryIsDisabledAndAccessSigbuses)
{
	poke(2, 0x40, 0xcafef00d);
	set_memory(false);
	void *p = map_bar(region_offset(2), kPage);
	ASSERT_NE(p, MAP_FAILED);
	EXPECT_EQ(hidden_buffers().at(0).status, BufferStatus::TempRevoked);
	Access r = guarded_read(at(p, 0x40));
	EXPECT_TRUE(r.faulted);
	EXPECT_EQ(r.signo, SIGBUS);
	EXPECT_EQ(r.code, BUS_ADRERR);
	EXPECT_EQ(r.addr, reinterpret_cast<uintptr_t>(at(p, 0x40)));
	set_memory(true);
	EXPECT_EQ(read32(at(p, 0x40)), 0xcafef00du);
}

TEST_F(BarMmapTest, MemoryDisableSigbusesReadsAndWritesThenDataIsIntact)
{
	void *p = map_bar(region_offset(2), 0x10000);
	ASSERT_NE(p, MAP_FAILED);
	write32(at(p, 0x100), 0x4f494656);
	set_memory(false);
	EXPECT_TRUE(sigbus(at(p, 0x100)));
	Access w = guarded_write(at(p, 0x104), 1);
	EXPECT_TRUE(w.faulted);
	EXPECT_EQ(w.signo, SIGBUS);
	EXPECT_EQ(w.addr, reinterpret_cast<uintptr_t>(at(p, 0x104)));
	EXPECT_FALSE(mapping(p)->accessible);
	uint32_t v;
	EXPECT_EQ(kernel_.pread(fd_, &v, 4, static_cast<off_t>(region_offset(2) + 0x100)), -EIO);
	set_memory(true);
	EXPECT_TRUE(mapping(p)->accessible);
	EXPECT_EQ(read32(at(p, 0x100)), 0x4f494656u);
	EXPECT_EQ(read32(at(p, 0x104)), 0u);
}

TEST_F(BarMmapTest, NeverStaleOrZeroWhileRevoked)
{
	void *p = map_bar(region_offset(2), kPage);
	ASSERT_NE(p, MAP_FAILED);
	write32(p, 0x12345678);
	set_memory(false);
	for (int i = 0; i < 4; i++)
		EXPECT_TRUE(sigbus(p));
	set_memory(true);
	EXPECT_EQ(read32(p), 0x12345678u);
}

/* --- lifetime: a live BAR mapping keeps the device open (§4.9) --- */

TEST_F(BarMmapTest, CloseDeviceWithLiveMappingThenMunmap)
{
	void *p = map_bar(region_offset(2), 0x10000);
	ASSERT_NE(p, MAP_FAILED);
	write32(p, 0xabcdef01);
	ASSERT_EQ(kernel_.close(fd_), 0);
	fds_.clear();
	EXPECT_EQ(state().open_count, 1u);
	EXPECT_EQ(read32(p), 0xabcdef01u);
	EXPECT_EQ(hidden_buffers().size(), 1u);
	ASSERT_EQ(unmap(p, 0x10000), 0);
	EXPECT_EQ(state().open_count, 0u);
	EXPECT_TRUE(kernel_.buffers().empty());
}

TEST_F(BarMmapTest, PartialMunmapKeepsAddressingAndTheDeviceOpen)
{
	for (uint64_t page = 0; page < 16; page++)
		poke(2, 0x10000 + page * kPage, 0x1000 + static_cast<uint32_t>(page));
	void *p = map_bar(region_offset(2) + 0x10000, 16 * kPage);
	ASSERT_NE(p, MAP_FAILED);
	maps_.clear();
	/* Cut pages 4..7 out: a head [0, 4) and a tail [8, 16). */
	ASSERT_EQ(kernel_.munmap(at(p, 4 * kPage), 4 * kPage), 0);
	EXPECT_EQ(read32(at(p, 3 * kPage)), 0x1003u);
	EXPECT_EQ(read32(at(p, 8 * kPage)), 0x1008u);
	EXPECT_EQ(read32(at(p, 15 * kPage)), 0x100fu);
	EXPECT_EQ(maps_line(at(p, 8 * kPage))->offset, 0x20000018000u);
	EXPECT_EQ(hidden_buffers().at(0).mappings, 2u);
	/* Both pieces revoke together. */
	set_memory(false);
	EXPECT_TRUE(sigbus(p));
	EXPECT_TRUE(sigbus(at(p, 8 * kPage)));
	set_memory(true);
	EXPECT_EQ(read32(at(p, 8 * kPage)), 0x1008u);

	ASSERT_EQ(kernel_.close(fd_), 0);
	fds_.clear();
	EXPECT_EQ(state().open_count, 1u);
	ASSERT_EQ(kernel_.munmap(p, 4 * kPage), 0);
	EXPECT_EQ(state().open_count, 1u);
	EXPECT_EQ(read32(at(p, 12 * kPage)), 0x100cu);
	ASSERT_EQ(kernel_.munmap(at(p, 8 * kPage), 8 * kPage), 0);
	EXPECT_EQ(state().open_count, 0u);
	EXPECT_TRUE(kernel_.buffers().empty());
}

TEST_F(BarMmapTest, MunmapReleasesTheHiddenBuffer)
{
	void *p = map_bar(region_offset(2), kPage);
	ASSERT_NE(p, MAP_FAILED);
	ASSERT_EQ(unmap(p, kPage), 0);
	EXPECT_TRUE(kernel_.buffers().empty());
	EXPECT_EQ(state().buffers, 0u);
	EXPECT_EQ(state().open_count, 1u);
}

} /* namespace */
} /* namespace softvfio::test */
