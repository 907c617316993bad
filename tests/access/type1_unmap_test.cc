/* SPDX-License-Identifier: MIT */
/*
 * VFIO_IOMMU_UNMAP_DMA on type1: the size written back, FLAG_ALL, the
 * v2 no-splitting rule, v1's coarse rules, wrap-around, VADDR.
 */
#include "access/access_fixture.h"

namespace softvfio::test {
namespace {

class UnmapDma : public AccessTest
{
protected:
	void SetUp() override
	{
		add_guest_devices();
		t_ = type1(kEdu, 2, type());
		buf_ = pages(4);
		ASSERT_EQ(map_dma(t_.container, buf_, 0x100000, 8192), 0);
		ASSERT_EQ(map_dma(t_.container, buf_ + 8192, 0x200000, 8192), 0);
	}
	virtual unsigned long type() const { return VFIO_TYPE1v2_IOMMU; }
	/* UNMAP_DMA with GET_DIRTY_BITMAP: the header, then a vfio_bitmap. */
	long unmap_bitmap(uint64_t iova, uint64_t size, __u64 *bits, uint64_t *unmapped = nullptr)
	{
		alignas(8) uint8_t arg[sizeof(vfio_iommu_type1_dma_unmap) + sizeof(vfio_bitmap)] = {};
		vfio_iommu_type1_dma_unmap unmap{};
		unmap.argsz = sizeof(arg);
		unmap.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
		unmap.iova = iova;
		unmap.size = size;
		vfio_bitmap bitmap{};
		bitmap.pgsize = 4096;
		bitmap.size = sizeof(*bits);
		bitmap.data = bits;
		std::memcpy(arg, &unmap, sizeof(unmap));
		std::memcpy(arg + sizeof(unmap), &bitmap, sizeof(bitmap));
		long r = ioctl(t_.container, VFIO_IOMMU_UNMAP_DMA, arg);
		std::memcpy(&unmap, arg, sizeof(unmap));
		if (unmapped)
			*unmapped = unmap.size;
		return r;
	}
	Type1 t_;
	uint8_t *buf_ = nullptr;
};

TEST_F(UnmapDma, SizeWrittenBack)
{
	uint64_t n = 0;
	EXPECT_EQ(unmap_dma(t_.container, 0x100000, 8192, 0, &n), 0);
	EXPECT_EQ(n, 8192u);
}

TEST_F(UnmapDma, RangeCoveringSeveralMappings)
{
	uint64_t n = 0;
	EXPECT_EQ(unmap_dma(t_.container, 0, 0x400000, 0, &n), 0);
	EXPECT_EQ(n, 16384u);
}

TEST_F(UnmapDma, NothingMappedIsZero)
{
	uint64_t n = 1;
	EXPECT_EQ(unmap_dma(t_.container, 0x800000, 4096, 0, &n), 0);
	EXPECT_EQ(n, 0u);
}

TEST_F(UnmapDma, AllUnmapsEverything)
{
	uint64_t n = 0;
	EXPECT_EQ(unmap_dma(t_.container, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &n), 0);
	EXPECT_EQ(n, 16384u);
	EXPECT_EQ(map_dma(t_.container, buf_, 0x100000, 8192), 0);
}

TEST_F(UnmapDma, AllWithRangeIsEinval)
{
	EXPECT_EQ(unmap_dma(t_.container, 0x100000, 0, VFIO_DMA_UNMAP_FLAG_ALL), -EINVAL);
	EXPECT_EQ(unmap_dma(t_.container, 0, 4096, VFIO_DMA_UNMAP_FLAG_ALL), -EINVAL);
}

TEST_F(UnmapDma, SplittingAMappingIsEinval)
{
	EXPECT_EQ(unmap_dma(t_.container, 0x101000, 4096), -EINVAL);
	EXPECT_EQ(unmap_dma(t_.container, 0x100000, 4096), -EINVAL);
	EXPECT_EQ(unmap_dma(t_.container, 0x0ff000, 8192), -EINVAL);
}

TEST_F(UnmapDma, UnalignedOrEmptyIsEinval)
{
	EXPECT_EQ(unmap_dma(t_.container, 0x100800, 4096), -EINVAL);
	EXPECT_EQ(unmap_dma(t_.container, 0x100000, 100), -EINVAL);
	EXPECT_EQ(unmap_dma(t_.container, 0x100000, 0), -EINVAL);
}

TEST_F(UnmapDma, WrapIsEoverflow)
{
	EXPECT_EQ(unmap_dma(t_.container, 0xfffffffffffff000ull, 8192), -EOVERFLOW);
}

TEST_F(UnmapDma, UnknownFlagIsEinval)
{
	EXPECT_EQ(unmap_dma(t_.container, 0x100000, 8192, 1u << 3), -EINVAL);
}

TEST_F(UnmapDma, DirtyBitmapWithAllIsEinval)
{
	EXPECT_EQ(unmap_dma(t_.container, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP),
		  -EINVAL);
}

/* Invalidating a vaddr twice undoes the whole call. */
TEST_F(UnmapDma, VaddrTwiceIsEinval)
{
	ASSERT_EQ(unmap_dma(t_.container, 0x200000, 8192, VFIO_DMA_UNMAP_FLAG_VADDR), 0);
	uint64_t n = 1;
	EXPECT_EQ(unmap_dma(t_.container, 0, 0x400000, VFIO_DMA_UNMAP_FLAG_VADDR, &n), -EINVAL);
	/* The first mapping's vaddr is still valid: updating it is refused. */
	EXPECT_EQ(map_dma(t_.container, buf_, 0x100000, 8192, VFIO_DMA_MAP_FLAG_VADDR), -EINVAL);
}

TEST_F(UnmapDma, BitmapWithoutTrackingIsEinval)
{
	__u64 bits = 0;
	EXPECT_EQ(unmap_bitmap(0x100000, 8192, &bits), -EINVAL);
}

/* With dirty tracking on, unmapping reports every page dirty. */
TEST_F(UnmapDma, BitmapReportsMappedPagesDirty)
{
	vfio_iommu_type1_dirty_bitmap start{};
	start.argsz = sizeof(start);
	start.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_START;
	ASSERT_EQ(ioctl(t_.container, VFIO_IOMMU_DIRTY_PAGES, &start), 0);
	__u64 bits = 0;
	uint64_t n = 0;
	ASSERT_EQ(unmap_bitmap(0x100000, 8192, &bits, &n), 0);
	EXPECT_EQ(n, 8192u);
	EXPECT_EQ(bits, 0x3u);
}

class UnmapDmaV1 : public UnmapDma
{
protected:
	unsigned long type() const override { return VFIO_TYPE1_IOMMU; }
};

/* v1: a range starting inside a mapping unmaps nothing; one covering a
 * mapping's first byte unmaps the whole mapping. */
TEST_F(UnmapDmaV1, InsideAMappingUnmapsNothing)
{
	uint64_t n = 1;
	EXPECT_EQ(unmap_dma(t_.container, 0x101000, 4096, 0, &n), 0);
	EXPECT_EQ(n, 0u);
}

TEST_F(UnmapDmaV1, FirstByteUnmapsWholeMapping)
{
	uint64_t n = 0;
	EXPECT_EQ(unmap_dma(t_.container, 0x100000, 4096, 0, &n), 0);
	EXPECT_EQ(n, 8192u);
}

TEST_F(UnmapDmaV1, DirtyPagesIsEacces)
{
	vfio_iommu_type1_dirty_bitmap d{};
	d.argsz = sizeof(d);
	d.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_START;
	EXPECT_EQ(ioctl(t_.container, VFIO_IOMMU_DIRTY_PAGES, &d), -EACCES);
}

} /* namespace */
} /* namespace softvfio::test */
