/* SPDX-License-Identifier: MIT */
/*
 * iommufd.h after an older system <linux/iommufd.h> (the 6.6-shaped fixture):
 * the system's groups and layouts stay, softvfio adds only the ioctl groups
 * the system header lacks, and nothing is defined twice.
 */
#include "fake_iommufd_6_6.h"

#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/iommufd.h> /* again: a no-op */

#include <cstddef>
#include <cstdint>

#include <gtest/gtest.h>

static_assert(SOFTVFIO_UAPI_IOMMUFD_SYSTEM == 1, "the fixture came first");

TEST(UapiIommufdSystemFirst, SystemGroupsAndLayoutsAreKept)
{
	EXPECT_EQ(sizeof(struct iommu_hwpt_alloc), 24u);
	EXPECT_EQ(sizeof(struct iommu_hw_info), 32u);
	EXPECT_EQ(static_cast<uint32_t>(IOMMU_DESTROY), 0x3B80u);
	EXPECT_EQ(static_cast<uint32_t>(IOMMU_GET_HW_INFO), 0x3B8Au);
}

TEST(UapiIommufdSystemFirst, MissingGroupsAreAdded)
{
	EXPECT_EQ(static_cast<uint32_t>(IOMMU_HWPT_SET_DIRTY_TRACKING), 0x3B8Bu);
	EXPECT_EQ(static_cast<uint32_t>(IOMMU_HWPT_GET_DIRTY_BITMAP), 0x3B8Cu);
	EXPECT_EQ(static_cast<uint32_t>(IOMMU_HWPT_INVALIDATE), 0x3B8Du);
	EXPECT_EQ(static_cast<uint32_t>(IOMMU_FAULT_QUEUE_ALLOC), 0x3B8Eu);
	EXPECT_EQ(static_cast<uint32_t>(IOMMU_IOAS_MAP_FILE), 0x3B8Fu);
	EXPECT_EQ(static_cast<uint32_t>(IOMMU_HW_QUEUE_ALLOC), 0x3B94u);
	EXPECT_EQ(sizeof(struct iommu_ioas_map_file), 40u);
	EXPECT_EQ(offsetof(struct iommu_ioas_map_file, fd), 12u);
}
