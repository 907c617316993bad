/* SPDX-License-Identifier: MIT */
/*
 * /dev/vfio/vfio: GET_API_VERSION, CHECK_EXTENSION before and after
 * SET_IOMMU, SET_IOMMU's errno rows, ioctls without a driver.
 */
#include "access/access_fixture.h"

namespace softvfio::test {
namespace {

class Container : public AccessTest
{
protected:
	void SetUp() override { add_guest_devices(); }
	long check(int c, unsigned long ext) { return ioctl(c, VFIO_CHECK_EXTENSION, uintptr_t(ext)); }
	int with_group(int &group)
	{
		int c = must_open("/dev/vfio/vfio");
		group = must_open("/dev/vfio/1");
		EXPECT_EQ(ioctl(group, VFIO_GROUP_SET_CONTAINER, &c), 0);
		return c;
	}
};

TEST_F(Container, EachOpenIsANewContainer)
{
	int a = must_open("/dev/vfio/vfio");
	int b = must_open("/dev/vfio/vfio");
	int g;
	int c = with_group(g);
	ASSERT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), 0);
	EXPECT_EQ(ioctl(a, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), -EINVAL);
	EXPECT_EQ(ioctl(b, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), -EINVAL);
}

TEST_F(Container, ExtensionsWithoutDriver)
{
	int c = must_open("/dev/vfio/vfio");
	EXPECT_EQ(check(c, VFIO_TYPE1_IOMMU), 1);
	EXPECT_EQ(check(c, VFIO_TYPE1v2_IOMMU), 1);
	EXPECT_EQ(check(c, VFIO_UNMAP_ALL), 1);
	EXPECT_EQ(check(c, VFIO_UPDATE_VADDR), 0);
	EXPECT_EQ(check(c, VFIO_DMA_CC_IOMMU), 0);
	EXPECT_EQ(check(c, VFIO_SPAPR_TCE_IOMMU), 0);
	EXPECT_EQ(check(c, VFIO_EEH), 0);
	EXPECT_EQ(check(c, VFIO_NOIOMMU_IOMMU), 0);
	EXPECT_EQ(check(c, VFIO_TYPE1_NESTING_IOMMU), 0);
	EXPECT_EQ(check(c, 1000), 0);
}

TEST_F(Container, DmaCoherencyOnceSet)
{
	int g;
	int c = with_group(g);
	ASSERT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), 0);
	EXPECT_EQ(check(c, VFIO_DMA_CC_IOMMU), 1);
	EXPECT_EQ(check(c, VFIO_TYPE1_IOMMU), 1);
	EXPECT_EQ(check(c, VFIO_UPDATE_VADDR), 1);
}

TEST_F(Container, SetIommuWithoutGroupIsEinval)
{
	int c = must_open("/dev/vfio/vfio");
	EXPECT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), -EINVAL);
}

TEST_F(Container, SetIommuTwiceIsEinval)
{
	int g;
	int c = with_group(g);
	ASSERT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), 0);
	EXPECT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), -EINVAL);
}

TEST_F(Container, SetIommuUnknownTypeIsEnodev)
{
	int g;
	int c = with_group(g);
	EXPECT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_SPAPR_TCE_IOMMU)), -ENODEV);
	EXPECT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_NOIOMMU_IOMMU)), -ENODEV);
	EXPECT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(77)), -ENODEV);
	EXPECT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1_IOMMU)), 0);
}

TEST_F(Container, NestingIsGoneOnCurrentKernels)
{
	int g;
	int c = with_group(g);
	EXPECT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1_NESTING_IOMMU)), -ENODEV);
}

TEST_F(Container, UnknownIoctlWithoutDriverIsEinval)
{
	int c = must_open("/dev/vfio/vfio");
	vfio_iommu_type1_info ii{};
	ii.argsz = sizeof(ii);
	EXPECT_EQ(ioctl(c, VFIO_IOMMU_GET_INFO, &ii), -EINVAL);
	EXPECT_EQ(map_dma(c, pages(1), 0x100000, 4096), -EINVAL);
	EXPECT_EQ(ioctl(c, VFIO_GROUP_GET_STATUS, &ii), -EINVAL);
}

TEST_F(Container, UnknownIoctlWithType1IsEnotty)
{
	auto t = type1(kIvshmem, 1);
	vfio_group_status st{};
	st.argsz = sizeof(st);
	EXPECT_EQ(ioctl(t.container, VFIO_GROUP_GET_STATUS, &st), -ENOTTY);
	EXPECT_EQ(ioctl(t.container, VFIO_DEVICE_GET_INFO, &st), -ENOTTY);
}

TEST_F(Container, ApiVersionIgnoresArgument)
{
	int c = must_open("/dev/vfio/vfio");
	EXPECT_EQ(ioctl(c, VFIO_GET_API_VERSION, uintptr_t(0xdead)), 0);
}

/* Detaching the last group releases the driver: SET_IOMMU works again. */
TEST_F(Container, LastGroupGoneDeprivileges)
{
	int g;
	int c = with_group(g);
	ASSERT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), 0);
	ASSERT_EQ(ioctl(g, VFIO_GROUP_UNSET_CONTAINER, uintptr_t(0)), 0);
	EXPECT_EQ(check(c, VFIO_DMA_CC_IOMMU), 0);
	ASSERT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), 0);
	EXPECT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), 0);
}

/* A container outlives its fd while a group uses it. */
TEST_F(Container, GroupKeepsClosedContainer)
{
	auto t = type1(kEdu, 2);
	close_fd(t.container);
	vfio_device_info di{};
	di.argsz = sizeof(di);
	EXPECT_EQ(ioctl(t.device, VFIO_DEVICE_GET_INFO, &di), 0);
}

class Container612 : public AccessTest
{
protected:
	void SetUp() override { add_guest_devices(ProfileId::Linux612); }
};

/* 6.12 still answered the nesting extension, but cannot attach it. */
TEST_F(Container612, NestingAnsweredButNotSet)
{
	int c = must_open("/dev/vfio/vfio");
	EXPECT_EQ(ioctl(c, VFIO_CHECK_EXTENSION, uintptr_t(VFIO_TYPE1_NESTING_IOMMU)), 1);
	int g = must_open("/dev/vfio/1");
	ASSERT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), 0);
	EXPECT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1_NESTING_IOMMU)), -EINVAL);
}

} /* namespace */
} /* namespace softvfio::test */
