/* SPDX-License-Identifier: MIT */
/*
 * VFIO_IOMMU_GET_INFO's capability chain and VFIO_IOMMU_DIRTY_PAGES.
 */
#include <vector>

#include "access/access_fixture.h"

namespace softvfio::test {
namespace {

class Type1Info : public AccessTest
{
protected:
	void SetUp() override
	{
		add_guest_devices();
		t_ = type1(kEdu, 2);
	}
	/* A full-size GET_INFO; the buffer, laid out as the kernel wrote it. */
	std::vector<uint8_t> info()
	{
		std::vector<uint8_t> buf(120, 0);
		auto *ii = reinterpret_cast<vfio_iommu_type1_info *>(buf.data());
		ii->argsz = static_cast<uint32_t>(buf.size());
		EXPECT_EQ(ioctl(t_.container, VFIO_IOMMU_GET_INFO, buf.data()), 0);
		return buf;
	}
	template<typename T>
	T at(const std::vector<uint8_t> &buf, size_t off)
	{
		T v;
		std::memcpy(&v, buf.data() + off, sizeof(v));
		return v;
	}
	Type1 t_;
};

TEST_F(Type1Info, ShortArgszIsEinval)
{
	vfio_iommu_type1_info ii{};
	ii.argsz = 15;
	EXPECT_EQ(ioctl(t_.container, VFIO_IOMMU_GET_INFO, &ii), -EINVAL);
}

/* A 16-byte caller gets argsz, flags and page sizes; cap_offset is left. */
TEST_F(Type1Info, SixteenByteCaller)
{
	vfio_iommu_type1_info ii{};
	ii.argsz = 16;
	ii.cap_offset = 0xabcd;
	ASSERT_EQ(ioctl(t_.container, VFIO_IOMMU_GET_INFO, &ii), 0);
	EXPECT_EQ(ii.argsz, 120u);
	EXPECT_EQ(ii.flags, 0x3u);
	EXPECT_EQ(ii.cap_offset, 0xabcdu);
}

TEST_F(Type1Info, ChainMigrationAvailRanges)
{
	auto buf = info();
	EXPECT_EQ(at<uint32_t>(buf, 0), 120u);
	EXPECT_EQ(at<uint32_t>(buf, 4), 0x3u);
	ASSERT_EQ(at<uint32_t>(buf, 16), 24u);
	/* migration at 24: id 2, next 56, flags 0, pgsize 4096, max bitmap */
	EXPECT_EQ(at<uint16_t>(buf, 24), VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
	EXPECT_EQ(at<uint16_t>(buf, 26), 1);
	EXPECT_EQ(at<uint32_t>(buf, 28), 56u);
	EXPECT_EQ(at<uint64_t>(buf, 40), 4096u);
	EXPECT_EQ(at<uint64_t>(buf, 48), 0x10000000u);
	/* DMA entries left at 56: id 3, next 72, 65535 */
	EXPECT_EQ(at<uint16_t>(buf, 56), VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	EXPECT_EQ(at<uint32_t>(buf, 60), 72u);
	EXPECT_EQ(at<uint32_t>(buf, 64), 65535u);
	/* IOVA ranges at 72: two, around the MSI window, to the 39-bit top */
	EXPECT_EQ(at<uint16_t>(buf, 72), VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	EXPECT_EQ(at<uint32_t>(buf, 76), 0u);
	EXPECT_EQ(at<uint32_t>(buf, 80), 2u);
	EXPECT_EQ(at<uint64_t>(buf, 88), 0u);
	EXPECT_EQ(at<uint64_t>(buf, 96), 0xfedfffffull);
	EXPECT_EQ(at<uint64_t>(buf, 104), 0xfef00000ull);
	EXPECT_EQ(at<uint64_t>(buf, 112), 0x7fffffffffull);
}

TEST_F(Type1Info, DmaAvailCountsMappings)
{
	ASSERT_EQ(map_dma(t_.container, pages(1), 0x100000, 4096), 0);
	EXPECT_EQ(at<uint32_t>(info(), 64), 65534u);
}

class DirtyPages : public Type1Info
{
protected:
	long dirty(uint32_t flags)
	{
		vfio_iommu_type1_dirty_bitmap d{};
		d.argsz = sizeof(d);
		d.flags = flags;
		return ioctl(t_.container, VFIO_IOMMU_DIRTY_PAGES, &d);
	}
	long get(uint64_t iova, uint64_t size, __u64 *bits, uint64_t bitmap_size, uint64_t pgsize = 4096)
	{
		alignas(8) uint8_t arg[sizeof(vfio_iommu_type1_dirty_bitmap) +
				       sizeof(vfio_iommu_type1_dirty_bitmap_get)] = {};
		vfio_iommu_type1_dirty_bitmap hdr{};
		hdr.argsz = sizeof(arg);
		hdr.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
		vfio_iommu_type1_dirty_bitmap_get range{};
		range.iova = iova;
		range.size = size;
		range.bitmap.pgsize = pgsize;
		range.bitmap.size = bitmap_size;
		range.bitmap.data = bits;
		std::memcpy(arg, &hdr, sizeof(hdr));
		std::memcpy(arg + sizeof(hdr), &range, sizeof(range));
		return ioctl(t_.container, VFIO_IOMMU_DIRTY_PAGES, arg);
	}
};

TEST_F(DirtyPages, NoFlagOrTwoFlagsIsEinval)
{
	EXPECT_EQ(dirty(0), -EINVAL);
	EXPECT_EQ(dirty(VFIO_IOMMU_DIRTY_PAGES_FLAG_START | VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP), -EINVAL);
	EXPECT_EQ(dirty(1u << 3), -EINVAL);
}

TEST_F(DirtyPages, StartStop)
{
	EXPECT_EQ(dirty(VFIO_IOMMU_DIRTY_PAGES_FLAG_START), 0);
	EXPECT_EQ(dirty(VFIO_IOMMU_DIRTY_PAGES_FLAG_START), 0);
	EXPECT_EQ(dirty(VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP), 0);
}

TEST_F(DirtyPages, BitmapWithoutTrackingIsEinval)
{
	__u64 bits = 0;
	ASSERT_EQ(map_dma(t_.container, pages(2), 0x100000, 8192), 0);
	EXPECT_EQ(get(0x100000, 8192, &bits, 8), -EINVAL);
}

TEST_F(DirtyPages, EveryMappedPageIsDirty)
{
	__u64 bits = 0;
	ASSERT_EQ(map_dma(t_.container, pages(2), 0x102000, 8192), 0);
	ASSERT_EQ(dirty(VFIO_IOMMU_DIRTY_PAGES_FLAG_START), 0);
	ASSERT_EQ(get(0x100000, 0x10000, &bits, 8), 0);
	EXPECT_EQ(bits, 0xcu);
}

TEST_F(DirtyPages, WrongPageSizeOrSmallBitmapIsEinval)
{
	__u64 bits = 0;
	ASSERT_EQ(dirty(VFIO_IOMMU_DIRTY_PAGES_FLAG_START), 0);
	EXPECT_EQ(get(0x100000, 0x10000, &bits, 8, 8192), -EINVAL);
	EXPECT_EQ(get(0x100000, 0x1000000, &bits, 8), -EINVAL);
	EXPECT_EQ(get(0x100000, 0, &bits, 8), -EINVAL);
}

} /* namespace */
} /* namespace softvfio::test */
