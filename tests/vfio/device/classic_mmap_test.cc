/* SPDX-License-Identifier: MIT */
/* BAR mmap through the device fd in the classic profiles (linux-6.12):
 * the argument checks of §4.2/§5.5 and the observed memory-disable
 * behaviour of §8.3. */
#include <softvfio/introspection.h>

#include "support/proc_maps.h"
#include "support/sigbus_probe.h"
#include "vfio/device/fixture.h"

namespace softvfio::test {
namespace {

class ClassicMmapTest : public DeviceTest
{
protected:
	void SetUp() override { open("ivshmem-plain", ProfileId::Linux612); }
};

/* §8.3: the offset column is the VFIO region offset. */
TEST_F(ClassicMmapTest, MapsOffsetColumnIsTheRegionOffset)
{
	void *p = map(region_offset(2), 0x100000);
	ASSERT_NE(p, MAP_FAILED);
	auto line = maps_line(p);
	ASSERT_TRUE(line);
	EXPECT_EQ(line->offset, 0x20000000000u);
	EXPECT_EQ(line->perms, "rw-s");
	auto infos = kernel_.mappings(false);
	ASSERT_EQ(infos.size(), 1u);
	EXPECT_EQ(infos[0].path, "anon_inode:[vfio-device]");
	EXPECT_EQ(infos[0].attr, MemoryAttribute::Uncached);
}

TEST_F(ClassicMmapTest, SubRangeAtNonZeroOffset)
{
	void *p = map(region_offset(2) + 0x30000, 0x1000);
	ASSERT_NE(p, MAP_FAILED);
	EXPECT_EQ(maps_line(p)->offset, 0x20000030000u);
}

TEST_F(ClassicMmapTest, WritesAreVisibleThroughPread)
{
	auto *w = static_cast<volatile uint32_t *>(map(region_offset(2), 0x100000));
	ASSERT_NE(w, MAP_FAILED);
	w[16] = 0xa5000010;
	uint32_t v = 0;
	ASSERT_EQ(kernel_.pread(fd_, &v, 4, region_offset(2) + 64), 4);
	EXPECT_EQ(v, 0xa5000010u);
}

TEST_F(ClassicMmapTest, MemoryDisableRaisesSigbusWithFaultingAddress)
{
	auto *w = static_cast<volatile uint32_t *>(map(region_offset(2), 0x100000));
	ASSERT_NE(w, MAP_FAILED);
	w[0] = 0x4f494656;
	set_memory(false);
	SigbusProbe probe;
	auto r = probe.read32(w);
	EXPECT_TRUE(r.faulted);
	EXPECT_EQ(r.code, BUS_ADRERR);
	EXPECT_EQ(r.addr, const_cast<uint32_t *>(w));
	auto wr = probe.write32(w + 1, 0xdeadbeef);
	EXPECT_TRUE(wr.faulted);
	EXPECT_EQ(wr.addr, const_cast<uint32_t *>(w + 1));
}

TEST_F(ClassicMmapTest, MmapWhileDisabledSucceedsButFaults)
{
	set_memory(false);
	void *p = map(region_offset(2), 4096);
	ASSERT_NE(p, MAP_FAILED);
	SigbusProbe probe;
	EXPECT_TRUE(probe.read32(p).faulted);
	set_memory(true);
	EXPECT_FALSE(probe.read32(p).faulted);
}

TEST_F(ClassicMmapTest, ReenableRestoresDataIntact)
{
	auto *w = static_cast<volatile uint32_t *>(map(region_offset(2), 0x100000));
	ASSERT_NE(w, MAP_FAILED);
	for (unsigned i = 0; i < 0x100000 / 4; i += 1024)
		w[i] = 0xa5000000u ^ i;
	set_memory(false);
	set_memory(true);
	SigbusProbe probe;
	for (unsigned i = 0; i < 0x100000 / 4; i += 1024) {
		auto r = probe.read32(w + i);
		ASSERT_FALSE(r.faulted);
		EXPECT_EQ(r.value, 0xa5000000u ^ i);
	}
}

TEST_F(ClassicMmapTest, PrivateMappingIsEinval)
{
	EXPECT_EQ(map_errno(region_offset(2), 4096, MAP_PRIVATE), -EINVAL);
}

TEST_F(ClassicMmapTest, RomConfigVgaAndBadIndexAreEinval)
{
	for (unsigned index : {6u, 7u, 8u, 9u, 200u})
		EXPECT_EQ(map_errno(region_offset(index), 4096), -EINVAL) << index;
}

/* A sub-page BAR maps one page; more is beyond PAGE_ALIGN(bar_len). */
TEST_F(ClassicMmapTest, WindowBeyondPageAlignedBarIsEinval)
{
	EXPECT_EQ(map_errno(region_offset(0), 4096), 0);
	EXPECT_EQ(map_errno(region_offset(0), 8192), -EINVAL);
	EXPECT_EQ(map_errno(region_offset(2) + 0xff000, 8192), -EINVAL);
}

TEST_F(ClassicMmapTest, EmptyBarIsNotMappable)
{
	EXPECT_EQ(map_errno(region_offset(1), 4096), -EINVAL);
}

TEST_F(ClassicMmapTest, UnalignedOffsetIsEinval)
{
	EXPECT_EQ(map_errno(region_offset(2) + 0x10, 4096), -EINVAL);
}

/* A live mapping keeps the device open after its last fd is closed. */
TEST_F(ClassicMmapTest, LiveMappingKeepsTheDeviceOpen)
{
	auto *w = static_cast<volatile uint32_t *>(map(region_offset(2), 4096));
	ASSERT_NE(w, MAP_FAILED);
	kernel_.close(fd_);
	fd_ = -1;
	EXPECT_EQ(kernel_.device_state(bdf_)->open_count, 1u);
	w[0] = 7;
	EXPECT_EQ(w[0], 7u);
	kernel_.munmap(const_cast<uint32_t *>(w), 4096);
	maps_.clear();
	EXPECT_EQ(kernel_.device_state(bdf_)->open_count, 0u);
}

TEST_F(ClassicMmapTest, PartialUnmapKeepsTheRestMapped)
{
	auto *base = static_cast<uint8_t *>(map(region_offset(2), 3 * 4096));
	ASSERT_NE(base, MAP_FAILED);
	base[2 * 4096] = 0x5a;
	ASSERT_EQ(kernel_.munmap(base + 4096, 4096), 0);
	auto tail = maps_line(base + 2 * 4096);
	ASSERT_TRUE(tail);
	EXPECT_EQ(tail->offset, 0x20000002000u);
	EXPECT_EQ(base[2 * 4096], 0x5a);
	kernel_.munmap(base, 4096);
	kernel_.munmap(base + 2 * 4096, 4096);
	maps_.clear();
}

/* D3hot through PM_CTRL revokes; D0 restores (nic keeps RAM). */
class ClassicPowerTest : public DeviceTest
{
protected:
	void SetUp() override { open("nic", ProfileId::Linux612); }
};

TEST_F(ClassicPowerTest, D3hotRevokesAndD0Restores)
{
	auto *w = static_cast<volatile uint32_t *>(map(region_offset(2), 4096));
	ASSERT_NE(w, MAP_FAILED);
	w[0] = 0x1234;
	uint16_t pm = cfg_read<uint8_t>(0x34);
	/* walk to the PM capability */
	while (pm && cfg_read<uint8_t>(pm) != 0x01)
		pm = cfg_read<uint8_t>(pm + 1);
	ASSERT_NE(pm, 0);
	uint16_t ctrl = cfg_read<uint16_t>(pm + 4);
	ASSERT_EQ(cfg_write<uint16_t>(pm + 4, (ctrl & ~3) | 3), 2);
	EXPECT_EQ(kernel_.device_state(bdf_)->power_state, "D3hot");
	SigbusProbe probe;
	EXPECT_TRUE(probe.read32(w).faulted);
	uint32_t v;
	EXPECT_EQ(kernel_.pread(fd_, &v, 4, region_offset(2)), -EIO);
	ASSERT_EQ(cfg_write<uint16_t>(pm + 4, ctrl & ~3), 2);
	auto r = probe.read32(w);
	EXPECT_FALSE(r.faulted);
	EXPECT_EQ(r.value, 0x1234u);
}

} /* namespace */
} /* namespace softvfio::test */
