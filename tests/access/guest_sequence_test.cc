/* SPDX-License-Identifier: MIT */
/*
 * The container/group/type1 sequence run in a real 6.12 guest, with the
 * figures that guest reported (docs/semantics-realkernel.md §8.2, §8.5),
 * on ivshmem-plain and edu.
 */
#include <numeric>

#include "access/access_fixture.h"

namespace softvfio::test {
namespace {

class GuestSequence : public AccessTest
{
protected:
	void SetUp() override { add_guest_devices(ProfileId::Linux612); }
};

TEST_F(GuestSequence, ContainerFigures)
{
	int c = must_open("/dev/vfio/vfio");
	EXPECT_EQ(ioctl(c, VFIO_GET_API_VERSION, uintptr_t(0)), VFIO_API_VERSION);
	EXPECT_EQ(ioctl(c, VFIO_CHECK_EXTENSION, uintptr_t(VFIO_TYPE1_IOMMU)), 1);
	EXPECT_EQ(ioctl(c, VFIO_CHECK_EXTENSION, uintptr_t(VFIO_TYPE1v2_IOMMU)), 1);
	EXPECT_EQ(ioctl(c, VFIO_CHECK_EXTENSION, uintptr_t(VFIO_NOIOMMU_IOMMU)), 0);
}

TEST_F(GuestSequence, GroupViableThenSetIommu)
{
	int c = must_open("/dev/vfio/vfio");
	int g = must_open("/dev/vfio/1");
	vfio_group_status st{};
	st.argsz = sizeof(st);
	ASSERT_EQ(ioctl(g, VFIO_GROUP_GET_STATUS, &st), 0);
	EXPECT_EQ(st.flags, uint32_t(VFIO_GROUP_FLAGS_VIABLE));
	EXPECT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), 0);
	EXPECT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), 0);
}

/* A 24-byte GET_INFO: flags 0x3, iova_pgsizes 0x40201000, argsz 120. */
TEST_F(GuestSequence, IommuGetInfoFigures)
{
	auto t = type1(kIvshmem, 1);
	vfio_iommu_type1_info ii{};
	ii.argsz = sizeof(ii);
	ASSERT_EQ(ioctl(t.container, VFIO_IOMMU_GET_INFO, &ii), 0);
	EXPECT_EQ(ii.flags, 0x3u);
	EXPECT_EQ(ii.iova_pgsizes, 0x40201000ull);
	EXPECT_EQ(ii.argsz, 120u);
	EXPECT_EQ(ii.cap_offset, 0u);
}

TEST_F(GuestSequence, DeviceFdAndInfo)
{
	auto t = type1(kIvshmem, 1);
	ASSERT_GE(t.device, 0);
	vfio_device_info di{};
	di.argsz = sizeof(di);
	ASSERT_EQ(ioctl(t.device, VFIO_DEVICE_GET_INFO, &di), 0);
	EXPECT_EQ(di.flags, uint32_t(VFIO_DEVICE_FLAGS_PCI));
	EXPECT_EQ(di.num_regions, 9u);
	EXPECT_EQ(di.num_irqs, 5u);
}

/* The second group joins the container after SET_IOMMU, as edu does. */
TEST_F(GuestSequence, SecondGroupJoinsSetContainer)
{
	auto t = type1(kIvshmem, 1);
	int g2 = must_open("/dev/vfio/2");
	vfio_group_status st{};
	st.argsz = sizeof(st);
	ASSERT_EQ(ioctl(g2, VFIO_GROUP_GET_STATUS, &st), 0);
	EXPECT_EQ(st.flags, uint32_t(VFIO_GROUP_FLAGS_VIABLE));
	EXPECT_EQ(ioctl(g2, VFIO_GROUP_SET_CONTAINER, &t.container), 0);
	EXPECT_GE(device_fd(g2, kEdu), 0);
}

class EduDma : public GuestSequence
{
protected:
	void SetUp() override
	{
		GuestSequence::SetUp();
		t_ = type1(kEdu, 2);
		bus_master(t_.device);
		buf_ = pages(2);
		for (size_t i = 0; i < 4096; i++)
			buf_[i] = static_cast<uint8_t>(i * 7 + 3);
	}
	Type1 t_;
	uint8_t *buf_ = nullptr;
	static constexpr uint64_t kIova = 0x100000;
	static constexpr unsigned kLen = 4000;
};

/* RAM(iova) -> edu buffer -> RAM(iova + 4096) through the mapping. */
TEST_F(EduDma, RoundTripThroughMapping)
{
	ASSERT_EQ(map_dma(t_.container, buf_, kIova, 8192), 0);
	edu_dma(t_.device, kIova, 0x40000, kLen, 1);
	edu_dma(t_.device, 0x40000, kIova + 4096, kLen, 1 | 2);
	EXPECT_EQ(std::memcmp(buf_, buf_ + 4096, kLen), 0);
	EXPECT_EQ(buf_[4096 + kLen], 0);
	EXPECT_EQ(faults(kEdu), 0u);
}

TEST_F(EduDma, UnmapReports8192)
{
	ASSERT_EQ(map_dma(t_.container, buf_, kIova, 8192), 0);
	uint64_t unmapped = 0;
	EXPECT_EQ(unmap_dma(t_.container, kIova, 8192, 0, &unmapped), 0);
	EXPECT_EQ(unmapped, 8192u);
}

/* The IOMMU blocks a DMA to the unmapped IOVA: memory stays untouched. */
TEST_F(EduDma, DmaToUnmappedIovaChangesNothing)
{
	ASSERT_EQ(map_dma(t_.container, buf_, kIova, 8192), 0);
	edu_dma(t_.device, kIova, 0x40000, kLen, 1);
	ASSERT_EQ(unmap_dma(t_.container, kIova, 8192), 0);
	std::memset(buf_ + 4096, 0, 4096);
	edu_dma(t_.device, 0x40000, kIova + 4096, kLen, 1 | 2);
	EXPECT_EQ(std::accumulate(buf_ + 4096, buf_ + 8192, 0), 0);
	EXPECT_EQ(faults(kEdu), 1u);
}

/* Without bus mastering the function does not DMA at all. */
TEST_F(EduDma, NoBusMasterNoDma)
{
	cfg_write16(t_.device, 0x04, cfg_read16(t_.device, 0x04) & ~0x4);
	ASSERT_EQ(map_dma(t_.container, buf_, kIova, 8192), 0);
	edu_dma(t_.device, kIova, 0x40000, kLen, 1);
	edu_dma(t_.device, 0x40000, kIova + 4096, kLen, 1 | 2);
	EXPECT_EQ(std::accumulate(buf_ + 4096, buf_ + 8192, 0), 0);
}

/* A read-only mapping blocks device writes into it. */
TEST_F(EduDma, ReadOnlyMappingBlocksDeviceWrite)
{
	ASSERT_EQ(map_dma(t_.container, buf_, kIova, 8192, VFIO_DMA_MAP_FLAG_READ), 0);
	edu_dma(t_.device, kIova, 0x40000, kLen, 1);
	edu_dma(t_.device, 0x40000, kIova + 4096, kLen, 1 | 2);
	EXPECT_EQ(std::accumulate(buf_ + 4096, buf_ + 8192, 0), 0);
	EXPECT_EQ(faults(kEdu), 1u);
}

/* Leaving the container (last group) takes the domain and its mappings. */
TEST_F(EduDma, UnsetContainerDeprivilegesContainer)
{
	ASSERT_EQ(map_dma(t_.container, buf_, kIova, 8192), 0);
	edu_dma(t_.device, kIova, 0x40000, kLen, 1);
	close_fd(t_.device);
	ASSERT_EQ(ioctl(t_.group, VFIO_GROUP_UNSET_CONTAINER, uintptr_t(0)), 0);
	vfio_iommu_type1_info ii{};
	ii.argsz = sizeof(ii);
	EXPECT_EQ(ioctl(t_.container, VFIO_IOMMU_GET_INFO, &ii), -EINVAL);
}

} /* namespace */
} /* namespace softvfio::test */
