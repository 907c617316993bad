/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "shim/dir_listing.h"
#include "shim/sysfs_route.h"

namespace softvfio::shim {
namespace {

namespace fs = std::filesystem;

/* A view with one device, laid out like the model's, and a directory
 * standing in for the machine's /sys with one device of its own. */
class SysfsRouteTest : public ::testing::Test
{
protected:
	void SetUp() override
	{
		char templ[] = "/tmp/shim-route-XXXXXX";
		ASSERT_TRUE(mkdtemp(templ));
		top_ = templ;
		root_ = top_ + "/view";
		machine_ = top_ + "/machine";
		fs::create_directories(root_ + "/devices/pci5f00:00/5f00:00:01.0");
		fs::create_directories(root_ + "/bus/pci/devices");
		fs::create_directories(root_ + "/kernel/iommu_groups/1/devices");
		std::ofstream(root_ + "/devices/pci5f00:00/5f00:00:01.0/vendor") << "0x5356\n";
		fs::create_directory_symlink("../../../devices/pci5f00:00/5f00:00:01.0",
					     root_ + "/bus/pci/devices/5f00:00:01.0");
		fs::create_directory_symlink("../../../kernel/iommu_groups/1",
					     root_ + "/devices/pci5f00:00/5f00:00:01.0/iommu_group");
		fs::create_symlink("dangling", root_ + "/bus/pci/devices/broken");
		/* A link that would climb out of the view's real directory. */
		fs::create_symlink("../../../../..", root_ + "/bus/pci/devices/up");
		fs::create_directories(machine_ + "/devices/pci0000:00/0000:00:01.0");
		fs::create_directories(machine_ + "/bus/pci/devices");
		std::ofstream(machine_ + "/devices/pci0000:00/0000:00:01.0/vendor") << "0x8086\n";
		fs::create_directory_symlink("../../../devices/pci0000:00/0000:00:01.0",
					     machine_ + "/bus/pci/devices/0000:00:01.0");
		/* Next to the view, like the session's socket. */
		std::ofstream(top_ + "/sock") << "";
	}
	void TearDown() override { fs::remove_all(top_); }

	SysfsWalk walk(const std::string &path, bool follow = true)
	{
		SysfsDirs trees(root_, machine_);
		return walk_sysfs(path, follow, trees);
	}

	std::string top_, root_, machine_;
};

TEST_F(SysfsRouteTest, ProbeTellsDirectoriesLinksAndFiles)
{
	SysfsDirs trees(root_, machine_);
	int error = 0;
	EXPECT_EQ(trees.probe(SysSide::View, "", error), NodeType::Dir);
	EXPECT_EQ(trees.probe(SysSide::View, "/bus/pci/devices/5f00:00:01.0", error), NodeType::Link);
	EXPECT_EQ(trees.probe(SysSide::View, "/devices/pci5f00:00/5f00:00:01.0/vendor", error), NodeType::File);
	EXPECT_EQ(trees.probe(SysSide::Machine, "/bus/pci/devices/0000:00:01.0", error), NodeType::Link);
}

TEST_F(SysfsRouteTest, ProbeOfAMissingNameGivesItsErrno)
{
	SysfsDirs trees(root_, machine_);
	int error = 0;
	EXPECT_EQ(trees.probe(SysSide::View, "/nothing", error), NodeType::Missing);
	EXPECT_EQ(error, ENOENT);
	error = 0;
	EXPECT_EQ(trees.probe(SysSide::View, "/devices/pci5f00:00/5f00:00:01.0/vendor/x", error), NodeType::Missing);
	EXPECT_EQ(error, ENOTDIR);
}

TEST_F(SysfsRouteTest, LinkTextIsTheLinksOwn)
{
	SysfsDirs trees(root_, machine_);
	std::string target;
	ASSERT_TRUE(trees.link_text(SysSide::View, "/bus/pci/devices/5f00:00:01.0", target));
	EXPECT_EQ(target, "../../../devices/pci5f00:00/5f00:00:01.0");
	EXPECT_FALSE(trees.link_text(SysSide::View, "/devices/pci5f00:00/5f00:00:01.0/vendor", target));
}

TEST_F(SysfsRouteTest, ViewEntriesResolveInsideTheView)
{
	EXPECT_EQ(route_walk(walk("/sys/bus/pci/devices/5f00:00:01.0", false)), SysRoute::Overlay);
	EXPECT_EQ(route_walk(walk("/sys/bus/pci/devices/5f00:00:01.0")), SysRoute::Overlay);
	EXPECT_EQ(route_walk(walk("/sys/bus/pci/devices/5f00:00:01.0/vendor")), SysRoute::Overlay);
	EXPECT_EQ(route_walk(walk("/sys/bus/pci/devices/5f00:00:01.0/iommu_group", false)), SysRoute::Overlay);
	SysfsWalk w = walk("/sys/bus/pci/devices/5f00:00:01.0/iommu_group/devices");
	EXPECT_EQ(w.path, "/sys/kernel/iommu_groups/1/devices");
	EXPECT_EQ(route_walk(w), SysRoute::Overlay);
}

TEST_F(SysfsRouteTest, DotDotOfTheDeviceIsItsBusDirectory)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/5f00:00:01.0/..");
	EXPECT_EQ(w.end, SysfsWalk::End::Found);
	EXPECT_EQ(w.path, "/sys/devices/pci5f00:00");
	EXPECT_EQ(route_walk(w), SysRoute::Overlay);
}

TEST_F(SysfsRouteTest, DirectoriesInBothAreMerged)
{
	EXPECT_EQ(route_walk(walk("/sys")), SysRoute::Merged);
	EXPECT_EQ(route_walk(walk("/sys/bus/pci/devices")), SysRoute::Merged);
	EXPECT_EQ(route_walk(walk("/sys/devices")), SysRoute::Merged);
}

TEST_F(SysfsRouteTest, EverythingElseIsTheMachines)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/0000:00:01.0/vendor");
	EXPECT_EQ(w.path, "/sys/devices/pci0000:00/0000:00:01.0/vendor");
	EXPECT_EQ(route_walk(w), SysRoute::Real);
	w = walk("/sys/bus/pci/devices/5f00:00:01.0/nothing");
	EXPECT_EQ(w.end, SysfsWalk::End::Missing);
	EXPECT_EQ(route_walk(w), SysRoute::Real);
	/* A dangling link of the view leads nowhere. */
	EXPECT_EQ(walk("/sys/bus/pci/devices/broken").end, SysfsWalk::End::Missing);
}

TEST_F(SysfsRouteTest, NothingLeadsAroundTheView)
{
	/* The view's links resolve in /sys, not in its real directory. */
	SysfsWalk w = walk("/sys/bus/pci/devices/up/sock");
	EXPECT_EQ(w.end, SysfsWalk::End::Outside);
	EXPECT_EQ(w.path, "/sock");
	w = walk("/sys/devices/pci5f00:00/../../../sock");
	EXPECT_EQ(w.end, SysfsWalk::End::Outside);
	EXPECT_EQ(w.path, "/sock");
}

TEST_F(SysfsRouteTest, WithoutAViewEverythingIsTheMachines)
{
	SysfsDirs trees("", machine_);
	SysfsWalk w = walk_sysfs("/sys/bus/pci/devices/0000:00:01.0/..", true, trees);
	EXPECT_EQ(w.path, "/sys/devices/pci0000:00");
	EXPECT_EQ(route_walk(w), SysRoute::Real);
	EXPECT_EQ(walk_sysfs("/sys/bus/pci/devices/5f00:00:01.0", true, trees).end, SysfsWalk::End::Missing);
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
