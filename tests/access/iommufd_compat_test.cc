/* SPDX-License-Identifier: MIT */
/*
 * /dev/iommu used as a VFIO container, and VFIO_GROUP_SET_CONTAINER with
 * an iommufd: the compatibility IOAS behind the type1 ioctls.
 */
#include <numeric>

#include "access/access_fixture.h"

namespace softvfio::test {
namespace {

class Compat : public AccessTest
{
protected:
	void SetUp() override
	{
		add_guest_devices();
		fd_ = must_open("/dev/iommu");
	}
	/* edu's group set to the iommufd, type1v2, and its device fd. */
	int edu_device()
	{
		int g = must_open("/dev/vfio/2");
		EXPECT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &fd_), 0);
		EXPECT_EQ(ioctl(fd_, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), 0);
		return device_fd(g, kEdu);
	}
	int fd_ = -1;
};

TEST_F(Compat, ContainerIoctlsWithoutIoas)
{
	EXPECT_EQ(ioctl(fd_, VFIO_GET_API_VERSION, uintptr_t(0)), 0);
	EXPECT_EQ(ioctl(fd_, VFIO_CHECK_EXTENSION, uintptr_t(VFIO_TYPE1v2_IOMMU)), 1);
	EXPECT_EQ(ioctl(fd_, VFIO_CHECK_EXTENSION, uintptr_t(VFIO_UNMAP_ALL)), 1);
	EXPECT_EQ(ioctl(fd_, VFIO_CHECK_EXTENSION, uintptr_t(VFIO_UPDATE_VADDR)), 0);
	EXPECT_EQ(ioctl(fd_, VFIO_CHECK_EXTENSION, uintptr_t(VFIO_TYPE1_NESTING_IOMMU)), 0);
	EXPECT_EQ(ioctl(fd_, VFIO_CHECK_EXTENSION, uintptr_t(VFIO_DMA_CC_IOMMU)), -ENODEV);
	EXPECT_EQ(ioctl(fd_, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), -ENODEV);
	EXPECT_EQ(ioctl(fd_, VFIO_SET_IOMMU, uintptr_t(VFIO_NOIOMMU_IOMMU)), -EINVAL);
	EXPECT_EQ(map_dma(fd_, pages(1), 0x100000, 4096), -ENODEV);
	uint32_t d = 8;
	EXPECT_EQ(ioctl(fd_, VFIO_IOMMU_DIRTY_PAGES, &d), -ENOTTY);
}

/* A group set to an iommufd creates its compatibility IOAS. */
TEST_F(Compat, GroupSetToIommufd)
{
	int g = must_open("/dev/vfio/1");
	ASSERT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &fd_), 0);
	vfio_group_status st{};
	st.argsz = sizeof(st);
	ASSERT_EQ(ioctl(g, VFIO_GROUP_GET_STATUS, &st), 0);
	EXPECT_EQ(st.flags, uint32_t(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET));
	iommu_vfio_ioas v{};
	v.size = sizeof(v);
	v.op = IOMMU_VFIO_IOAS_GET;
	ASSERT_EQ(ioctl(fd_, IOMMU_VFIO_IOAS, &v), 0);
	EXPECT_EQ(v.ioas_id, 1u);
	EXPECT_EQ(ioctl(fd_, VFIO_CHECK_EXTENSION, uintptr_t(VFIO_DMA_CC_IOMMU)), 1);
}

/* No compatibility IOAS any more: opening the device fails. */
TEST_F(Compat, DeviceWithoutCompatIoasIsEnodev)
{
	int g = must_open("/dev/vfio/1");
	ASSERT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &fd_), 0);
	iommu_vfio_ioas v{};
	v.size = sizeof(v);
	v.op = IOMMU_VFIO_IOAS_CLEAR;
	ASSERT_EQ(ioctl(fd_, IOMMU_VFIO_IOAS, &v), 0);
	EXPECT_EQ(ioctl(g, VFIO_GROUP_GET_DEVICE_FD, kIvshmem), -ENODEV);
}

TEST_F(Compat, EduDmaThroughCompatIoas)
{
	int dev = edu_device();
	uint8_t *buf = pages(2);
	for (size_t i = 0; i < 4096; i++)
		buf[i] = static_cast<uint8_t>(i ^ 0x5a);
	ASSERT_EQ(map_dma(fd_, buf, 0x100000, 8192), 0);
	bus_master(dev);
	edu_dma(dev, 0x100000, 0x40000, 4000, 1);
	edu_dma(dev, 0x40000, 0x101000, 4000, 1 | 2);
	EXPECT_EQ(std::memcmp(buf, buf + 4096, 4000), 0);
	uint64_t n = 0;
	ASSERT_EQ(unmap_dma(fd_, 0x100000, 8192, 0, &n), 0);
	EXPECT_EQ(n, 8192u);
	std::memset(buf + 4096, 0, 4096);
	edu_dma(dev, 0x40000, 0x101000, 4000, 1 | 2);
	EXPECT_EQ(std::accumulate(buf + 4096, buf + 8192, 0), 0);
}

/* DMA_AVAIL first (UINT32_MAX, packed), then the IOVA ranges. */
TEST_F(Compat, GetInfoLayout)
{
	edu_device();
	std::vector<uint8_t> buf(256, 0);
	vfio_iommu_type1_info ii{};
	ii.argsz = sizeof(ii);
	ASSERT_EQ(ioctl(fd_, VFIO_IOMMU_GET_INFO, &ii), 0);
	EXPECT_EQ(ii.flags, 0x3u);
	EXPECT_EQ(ii.iova_pgsizes, 0x40201000ull);
	EXPECT_EQ(ii.argsz, 24u + 12u + 16u + 32u);
	EXPECT_EQ(ii.cap_offset, 0u);
	ii.argsz = static_cast<uint32_t>(buf.size());
	std::memcpy(buf.data(), &ii, sizeof(ii));
	ASSERT_EQ(ioctl(fd_, VFIO_IOMMU_GET_INFO, buf.data()), 0);
	std::memcpy(&ii, buf.data(), sizeof(ii));
	EXPECT_EQ(ii.cap_offset, 24u);
	vfio_iommu_type1_info_dma_avail avail;
	std::memcpy(&avail, buf.data() + 24, sizeof(avail));
	EXPECT_EQ(avail.header.id, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	EXPECT_EQ(avail.header.next, 36u);
	EXPECT_EQ(avail.avail, UINT32_MAX);
	vfio_iommu_type1_info_cap_iova_range range;
	std::memcpy(&range, buf.data() + 36, sizeof(range));
	EXPECT_EQ(range.header.id, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	EXPECT_EQ(range.nr_iovas, 2u);
}

/* The compatibility path refuses to pin an mmapped BAR. */
TEST_F(Compat, MapOfBarIsEfault)
{
	int dev = edu_device();
	long bar = kernel_->mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, dev, 0);
	ASSERT_GT(bar, 0);
	EXPECT_EQ(map_dma(fd_, reinterpret_cast<void *>(bar), 0x100000, 4096), -EFAULT);
	kernel_->munmap(reinterpret_cast<void *>(bar), 4096);
}

TEST_F(Compat, UnmapRows)
{
	edu_device();
	uint64_t n = 1;
	EXPECT_EQ(unmap_dma(fd_, 0x100000, 4096, 0, &n), 0);
	EXPECT_EQ(n, 0u);
	EXPECT_EQ(unmap_dma(fd_, 0x100000, 4096, VFIO_DMA_UNMAP_FLAG_ALL), -EINVAL);
	EXPECT_EQ(unmap_dma(fd_, 0x100000, 4096, VFIO_DMA_UNMAP_FLAG_VADDR), -EINVAL);
	ASSERT_EQ(map_dma(fd_, pages(2), 0x100000, 8192), 0);
	EXPECT_EQ(unmap_dma(fd_, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &n), 0);
	EXPECT_EQ(n, 8192u);
}

/* SET_IOMMU(TYPE1) emulates v1 by turning large pages off. */
TEST_F(Compat, SetIommuType1DisablesLargePages)
{
	int g = must_open("/dev/vfio/2");
	ASSERT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &fd_), 0);
	ASSERT_EQ(ioctl(fd_, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1_IOMMU)), 0);
	iommu_option o{};
	o.size = sizeof(o);
	o.option_id = IOMMU_OPTION_HUGE_PAGES;
	o.op = IOMMU_OPTION_OP_GET;
	o.object_id = 1;
	ASSERT_EQ(ioctl(fd_, IOMMU_OPTION, &o), 0);
	EXPECT_EQ(o.val64, 0u);
}

/* UNSET_CONTAINER lets go of the iommufd even with the device open. */
TEST_F(Compat, UnsetWithDeviceOpen)
{
	int g = must_open("/dev/vfio/2");
	ASSERT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &fd_), 0);
	device_fd(g, kEdu);
	EXPECT_EQ(ioctl(g, VFIO_GROUP_UNSET_CONTAINER, uintptr_t(0)), 0);
}

} /* namespace */
} /* namespace softvfio::test */
