/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "shim/dir_listing.h"
#include "shim/sysfs_route.h"

namespace softvfio::shim {
namespace {

namespace fs = std::filesystem;

/* A view with one device, laid out like the model's. */
class SysfsRouteTest : public ::testing::Test
{
protected:
	void SetUp() override
	{
		char templ[] = "/tmp/shim-route-XXXXXX";
		ASSERT_TRUE(mkdtemp(templ));
		root_ = templ;
		fs::create_directories(root_ + "/devices/pci5f00:00/5f00:00:01.0");
		fs::create_directories(root_ + "/bus/pci/devices");
		fs::create_directories(root_ + "/kernel/iommu_groups/1/devices");
		std::ofstream(root_ + "/devices/pci5f00:00/5f00:00:01.0/vendor") << "0x5356\n";
		fs::create_directory_symlink("../../../devices/pci5f00:00/5f00:00:01.0",
					     root_ + "/bus/pci/devices/5f00:00:01.0");
		fs::create_directory_symlink("../../../kernel/iommu_groups/1",
					     root_ + "/devices/pci5f00:00/5f00:00:01.0/iommu_group");
		fs::create_symlink("dangling", root_ + "/bus/pci/devices/broken");
	}
	void TearDown() override { fs::remove_all(root_); }

	std::string root_;
};

TEST_F(SysfsRouteTest, ViewEntriesResolveInsideTheView)
{
	EXPECT_EQ(route_sys(root_, "/bus/pci/devices/5f00:00:01.0", false), SysRoute::Overlay);
	EXPECT_EQ(route_sys(root_, "/bus/pci/devices/5f00:00:01.0", true), SysRoute::Overlay);
	EXPECT_EQ(route_sys(root_, "/bus/pci/devices/5f00:00:01.0/vendor", true), SysRoute::Overlay);
	EXPECT_EQ(route_sys(root_, "/bus/pci/devices/5f00:00:01.0/iommu_group", false), SysRoute::Overlay);
	EXPECT_EQ(route_sys(root_, "/bus/pci/devices/broken", true), SysRoute::Overlay);
}

TEST_F(SysfsRouteTest, DirectoriesInBothAreMerged)
{
	/* /sys/bus/pci/devices exists on any Linux machine with PCI; /sys
	 * itself always. */
	EXPECT_EQ(route_sys(root_, "", true), SysRoute::Merged);
	if (fs::is_directory("/sys/bus/pci/devices")) {
		EXPECT_EQ(route_sys(root_, "/bus/pci/devices", true), SysRoute::Merged);
	}
}

TEST_F(SysfsRouteTest, EverythingElseIsTheMachines)
{
	EXPECT_EQ(route_sys(root_, "/bus/pci/devices/0000:00:00.0", true), SysRoute::Real);
	EXPECT_EQ(route_sys(root_, "/bus/pci/devices/5f00:00:01.0/nothing", true), SysRoute::Real);
	EXPECT_EQ(route_sys("", "/bus/pci/devices/5f00:00:01.0", true), SysRoute::Real);
}

TEST(DirMerge, UnionInMachineOrderViewWins)
{
	std::vector<DirEntryInfo> machine{{".", 4, 1}, {"..", 4, 2}, {"0000:00:00.0", 10, 3}, {"same", 8, 4}};
	std::vector<DirEntryInfo> view{{".", 4, 9}, {"..", 4, 9}, {"5f00:00:01.0", 10, 5}, {"same", 10, 6}};
	auto merged = merge_listings(machine, view);
	ASSERT_EQ(merged.size(), 5u);
	EXPECT_EQ(merged[0], machine[0]);
	EXPECT_EQ(merged[1], machine[1]);
	EXPECT_EQ(merged[2], machine[2]);
	EXPECT_EQ(merged[3], view[3]);
	EXPECT_EQ(merged[4], view[2]);
}

} /* namespace */
} /* namespace softvfio::shim */
