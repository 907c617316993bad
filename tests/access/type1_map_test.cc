/* SPDX-License-Identifier: MIT */
/*
 * VFIO_IOMMU_MAP_DMA on type1: one test per errno row, in
 * vfio_dma_do_map()'s order, for current kernels and for 6.12.
 */
#include "access/access_fixture.h"

namespace softvfio::test {
namespace {

constexpr uint32_t kRW = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;

class MapDma : public AccessTest
{
protected:
	void SetUp() override
	{
		add_guest_devices(profile());
		t_ = type1(kEdu, 2);
		buf_ = pages(4);
	}
	virtual ProfileId profile() const { return ProfileId::SeriesV4; }
	long map(uint64_t iova, uint64_t size, const void *vaddr = nullptr, uint32_t flags = kRW)
	{
		return map_dma(t_.container, vaddr ? vaddr : buf_, iova, size, flags);
	}
	Type1 t_;
	uint8_t *buf_ = nullptr;
};

TEST_F(MapDma, Maps)
{
	EXPECT_EQ(map(0x100000, 8192), 0);
}

TEST_F(MapDma, ShortArgszIsEinval)
{
	vfio_iommu_type1_dma_map m{};
	m.argsz = sizeof(m) - 1;
	m.flags = kRW;
	m.vaddr = reinterpret_cast<uintptr_t>(buf_);
	m.iova = 0x100000;
	m.size = 4096;
	EXPECT_EQ(ioctl(t_.container, VFIO_IOMMU_MAP_DMA, &m), -EINVAL);
}

TEST_F(MapDma, BadPointerIsEfault)
{
	EXPECT_EQ(ioctl(t_.container, VFIO_IOMMU_MAP_DMA, uintptr_t(8)), -EFAULT);
}

TEST_F(MapDma, UnknownFlagIsEinval)
{
	EXPECT_EQ(map(0x100000, 4096, nullptr, kRW | (1u << 3)), -EINVAL);
}

TEST_F(MapDma, NoPermissionIsEinval)
{
	EXPECT_EQ(map(0x100000, 4096, nullptr, 0), -EINVAL);
}

TEST_F(MapDma, SizeZeroIsEinval)
{
	EXPECT_EQ(map(0x100000, 0), -EINVAL);
}

TEST_F(MapDma, UnalignedIovaSizeOrVaddrIsEinval)
{
	EXPECT_EQ(map(0x100800, 4096), -EINVAL);
	EXPECT_EQ(map(0x100000, 4095), -EINVAL);
	EXPECT_EQ(map(0x100000, 4096, buf_ + 1), -EINVAL);
}

TEST_F(MapDma, WrapIsEoverflow)
{
	EXPECT_EQ(map(0xfffffffffffff000ull, 8192), -EOVERFLOW);
}

TEST_F(MapDma, OverlapIsEexist)
{
	ASSERT_EQ(map(0x100000, 8192), 0);
	EXPECT_EQ(map(0x101000, 8192, buf_ + 8192), -EEXIST);
	EXPECT_EQ(map(0x0ff000, 8192, buf_ + 8192), -EEXIST);
}

/* The MSI window and what lies beyond the aperture are not IOVA space. */
TEST_F(MapDma, OutsideIovaRangesIsEinval)
{
	EXPECT_EQ(map(0xfee00000, 4096), -EINVAL);
	EXPECT_EQ(map(uint64_t(1) << 39, 4096), -EINVAL);
	EXPECT_EQ(map(0xfef00000, 4096), 0);
}

/* Pinning an unmapped address fails. */
TEST_F(MapDma, UnmappedVaddrIsEfault)
{
	uint8_t *gone = pages(1);
	::munmap(gone, 4096);
	maps_.pop_back();
	EXPECT_EQ(map(0x100000, 4096, gone), -EFAULT);
}

/* A device-writable mapping of read-only memory cannot be pinned. */
TEST_F(MapDma, WriteToReadOnlyMemoryIsEfault)
{
	uint8_t *ro = pages(1, PROT_READ);
	EXPECT_EQ(map(0x100000, 4096, ro), -EFAULT);
	EXPECT_EQ(map(0x100000, 4096, ro, VFIO_DMA_MAP_FLAG_READ), 0);
}

/* dma_entry_limit (a module parameter) caps the mappings per container. */
TEST_F(MapDma, EntryLimitIsEnospc)
{
	const char limit[] = "2\n";
	ASSERT_EQ(kernel_->sysfs_write("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit", limit, 2), 2);
	auto t = type1(kIvshmem, 1);
	EXPECT_EQ(map_dma(t.container, buf_, 0x100000, 4096), 0);
	EXPECT_EQ(map_dma(t.container, buf_ + 4096, 0x200000, 4096), 0);
	EXPECT_EQ(map_dma(t.container, buf_ + 8192, 0x300000, 4096), -ENOSPC);
	ASSERT_EQ(unmap_dma(t.container, 0x100000, 4096), 0);
	EXPECT_EQ(map_dma(t.container, buf_ + 8192, 0x300000, 4096), 0);
}

/* type1 follows an mmapped BAR to its memory (peer-to-peer). */
TEST_F(MapDma, BarMappingCanBeMapped)
{
	vfio_region_info ri{};
	ri.argsz = sizeof(ri);
	ri.index = 0;
	ASSERT_EQ(ioctl(t_.device, VFIO_DEVICE_GET_REGION_INFO, &ri), 0);
	long bar = kernel_->mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, t_.device,
				 static_cast<off_t>(ri.offset));
	ASSERT_GT(bar, 0);
	EXPECT_EQ(map(0x100000, 4096, reinterpret_cast<void *>(bar)), 0);
	kernel_->munmap(reinterpret_cast<void *>(bar), 4096);
}

/* VFIO_DMA_MAP_FLAG_VADDR: only for a range whose vaddr was invalidated,
 * exactly as mapped. */
TEST_F(MapDma, VaddrWithoutMappingIsEnoent)
{
	EXPECT_EQ(map(0x100000, 4096, nullptr, VFIO_DMA_MAP_FLAG_VADDR), -ENOENT);
}

TEST_F(MapDma, VaddrOnValidMappingIsEinval)
{
	ASSERT_EQ(map(0x100000, 8192), 0);
	EXPECT_EQ(map(0x100000, 8192, nullptr, VFIO_DMA_MAP_FLAG_VADDR), -EINVAL);
}

TEST_F(MapDma, VaddrWithPermissionIsEinval)
{
	EXPECT_EQ(map(0x100000, 4096, nullptr, VFIO_DMA_MAP_FLAG_VADDR | VFIO_DMA_MAP_FLAG_READ), -EINVAL);
}

TEST_F(MapDma, VaddrUpdateAfterInvalidate)
{
	ASSERT_EQ(map(0x100000, 8192), 0);
	uint64_t n = 0;
	ASSERT_EQ(unmap_dma(t_.container, 0x100000, 8192, VFIO_DMA_UNMAP_FLAG_VADDR, &n), 0);
	EXPECT_EQ(n, 8192u);
	EXPECT_EQ(map(0x100000, 4096, buf_ + 8192, VFIO_DMA_MAP_FLAG_VADDR), -EINVAL);
	EXPECT_EQ(map(0x100000, 8192, buf_ + 8192, VFIO_DMA_MAP_FLAG_VADDR), 0);
}

/* DMA goes to the new address after the update. */
TEST_F(MapDma, DmaFollowsUpdatedVaddr)
{
	bus_master(t_.device);
	std::memset(buf_ + 8192, 0x5a, 64);
	ASSERT_EQ(map(0x100000, 8192), 0);
	ASSERT_EQ(unmap_dma(t_.container, 0x100000, 8192, VFIO_DMA_UNMAP_FLAG_VADDR), 0);
	ASSERT_EQ(map(0x100000, 8192, buf_ + 8192, VFIO_DMA_MAP_FLAG_VADDR), 0);
	edu_dma(t_.device, 0x100000, 0x40000, 64, 1);
	edu_dma(t_.device, 0x40000, 0x101000, 64, 1 | 2);
	EXPECT_EQ(buf_[4096 * 3], 0x5a);
}

class MapDma612 : public MapDma
{
protected:
	ProfileId profile() const override { return ProfileId::Linux612; }
};

/* 6.12 answered a wrapping range with EINVAL. */
TEST_F(MapDma612, WrapIsEinval)
{
	EXPECT_EQ(map(0xfffffffffffff000ull, 8192), -EINVAL);
}

TEST_F(MapDma612, SizeZeroIsEinval)
{
	EXPECT_EQ(map(0x100000, 0), -EINVAL);
}

} /* namespace */
} /* namespace softvfio::test */
