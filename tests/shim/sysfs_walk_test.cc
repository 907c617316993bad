/* SPDX-License-Identifier: MIT */
/*
 * walk_sysfs over a fake pair of trees laid out like the session's view and
 * a machine's sysfs: one rule of the kernel's path walk per test.
 */
#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <vector>

#include "shim/sysfs_route.h"
#include "shim/sysfs_walk.h"

namespace softvfio::shim {
namespace {

using End = SysfsWalk::End;

/* One tree: nodes by path below /sys; directories are made for every
 * parent of what is added. */
class FakeTree
{
public:
	struct Node {
		NodeType type;
		std::string target;   /* a link's */
		int error = 0;        /* lookups below it fail with this */
	};

	FakeTree &dir(const std::string &rel)
	{
		for (size_t at = 1; at <= rel.size(); at++)
			if (at == rel.size() || rel[at] == '/')
				nodes_.emplace(rel.substr(0, at), Node{NodeType::Dir, {}});
		nodes_.emplace("", Node{NodeType::Dir, {}});
		return *this;
	}
	FakeTree &file(const std::string &rel)
	{
		dir(parent(rel));
		nodes_[rel] = Node{NodeType::File, {}};
		return *this;
	}
	FakeTree &link(const std::string &rel, const std::string &target)
	{
		dir(parent(rel));
		nodes_[rel] = Node{NodeType::Link, target};
		return *this;
	}
	/* Looking up anything below `rel` fails with `error` (EACCES for a
	 * directory without search permission). */
	FakeTree &deny(const std::string &rel, int error)
	{
		dir(rel);
		nodes_[rel].error = error;
		return *this;
	}

	NodeType probe(const std::string &rel, int &error) const
	{
		asked.push_back(rel);
		if (!rel.empty()) {
			auto up = nodes_.find(parent(rel));
			if (up != nodes_.end() && up->second.error) {
				error = up->second.error;
				return NodeType::Missing;
			}
		}
		auto it = nodes_.find(rel);
		if (it == nodes_.end()) {
			error = ENOENT;
			return NodeType::Missing;
		}
		return it->second.type;
	}
	bool target(const std::string &rel, std::string &out) const
	{
		auto it = nodes_.find(rel);
		if (it == nodes_.end() || it->second.type != NodeType::Link)
			return false;
		out = it->second.target;
		return true;
	}

	/* Every path looked up, in order. */
	mutable std::vector<std::string> asked;

private:
	static std::string parent(const std::string &rel) { return rel.substr(0, rel.rfind('/')); }

	std::map<std::string, Node> nodes_;
};

class FakeTrees final : public SysfsTrees
{
public:
	NodeType probe(SysSide side, const std::string &rel, int &error) override
	{
		return tree(side).probe(rel, error);
	}
	bool link_text(SysSide side, const std::string &rel, std::string &target) override
	{
		return tree(side).target(rel, target);
	}
	FakeTree &tree(SysSide side) { return side == SysSide::View ? view : machine; }

	FakeTree view, machine;
};

/* The view of one software device bound to vfio-pci, and a machine with
 * one PCI device and a network interface on it. */
class SysfsWalkTest : public ::testing::Test
{
protected:
	void SetUp() override
	{
		const std::string dev = "/devices/pci5f00:00/5f00:00:01.0";
		t_.view.link("/bus/pci/devices/5f00:00:01.0", "../../../devices/pci5f00:00/5f00:00:01.0")
			.link("/bus/pci/drivers/vfio-pci/5f00:00:01.0", "../../../../devices/pci5f00:00/5f00:00:01.0")
			.link("/bus/pci/drivers/vfio-pci/module", "../../../../module/vfio_pci")
			.file("/bus/pci/drivers_probe")
			.file(dev + "/vendor")
			.file(dev + "/config")
			.link(dev + "/driver", "../../../bus/pci/drivers/vfio-pci")
			.link(dev + "/subsystem", "../../../bus/pci")
			.link(dev + "/iommu_group", "../../../kernel/iommu_groups/1")
			.link("/kernel/iommu_groups/1/devices/5f00:00:01.0", "../../../../devices/pci5f00:00/5f00:00:01.0")
			.dir("/module/vfio_pci/parameters");
		const std::string mdev = "/devices/pci0000:00/0000:00:01.0";
		t_.machine.link("/bus/pci/devices/0000:00:01.0", "../../../devices/pci0000:00/0000:00:01.0")
			.dir("/bus/pci/slots")
			.file("/bus/pci/drivers_probe")
			.file(mdev + "/vendor")
			.link(mdev + "/subsystem", "../../../bus/pci")
			.dir(mdev + "/net/eth0")
			.link("/class/net/eth0", "../../devices/pci0000:00/0000:00:01.0/net/eth0")
			.dir("/module/kvm")
			.deny("/kernel/debug", EACCES);
	}

	SysfsWalk walk(const std::string &path, bool follow = true) { return walk_sysfs(path, follow, t_); }

	FakeTrees t_;
};

TEST_F(SysfsWalkTest, DotDotOfADeviceLinkIsTheDirectoryItLedTo)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/5f00:00:01.0/..");
	EXPECT_EQ(w.end, End::Found);
	EXPECT_EQ(w.path, "/sys/devices/pci5f00:00");
	EXPECT_EQ(w.type, NodeType::Dir);
	EXPECT_TRUE(w.view);
	EXPECT_FALSE(w.machine);
}

TEST_F(SysfsWalkTest, AttributesAreReachedThroughTheDeviceLink)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/5f00:00:01.0/vendor");
	EXPECT_EQ(w.end, End::Found);
	EXPECT_EQ(w.path, "/sys/devices/pci5f00:00/5f00:00:01.0/vendor");
	EXPECT_EQ(w.type, NodeType::File);
	EXPECT_TRUE(w.view);
}

TEST_F(SysfsWalkTest, ALastLinkIsNotFollowedWhenAskedNotTo)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/5f00:00:01.0", false);
	EXPECT_EQ(w.end, End::Found);
	EXPECT_EQ(w.path, "/sys/bus/pci/devices/5f00:00:01.0");
	EXPECT_EQ(w.type, NodeType::Link);
	EXPECT_TRUE(w.view);
}

TEST_F(SysfsWalkTest, ALastLinkIsFollowedWhenAsked)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/5f00:00:01.0", true);
	EXPECT_EQ(w.end, End::Found);
	EXPECT_EQ(w.path, "/sys/devices/pci5f00:00/5f00:00:01.0");
	EXPECT_EQ(w.type, NodeType::Dir);
}

TEST_F(SysfsWalkTest, ATrailingSlashFollowsTheLastLink)
{
	for (const char *p : {"/sys/bus/pci/devices/5f00:00:01.0/", "/sys/bus/pci/devices/5f00:00:01.0/."}) {
		SysfsWalk w = walk(p, false);
		EXPECT_EQ(w.end, End::Found) << p;
		EXPECT_EQ(w.path, "/sys/devices/pci5f00:00/5f00:00:01.0") << p;
		EXPECT_EQ(w.type, NodeType::Dir) << p;
	}
}

TEST_F(SysfsWalkTest, ATrailingSlashAfterAFileIsNotADirectory)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/5f00:00:01.0/vendor/");
	EXPECT_EQ(w.end, End::Error);
	EXPECT_EQ(w.error, ENOTDIR);
}

TEST_F(SysfsWalkTest, AFileBeforeTheLastNameIsNotADirectory)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/5f00:00:01.0/vendor/x");
	EXPECT_EQ(w.end, End::Error);
	EXPECT_EQ(w.error, ENOTDIR);
}

TEST_F(SysfsWalkTest, AMissingNameBeforeTheLastIsENOENT)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/5f00:00:09.0/vendor");
	EXPECT_EQ(w.end, End::Error);
	EXPECT_EQ(w.error, ENOENT);
}

TEST_F(SysfsWalkTest, AMissingLastNameInAViewDirectoryIsTheViews)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/5f00:00:01.0/nothing");
	EXPECT_EQ(w.end, End::Missing);
	EXPECT_EQ(w.path, "/sys/devices/pci5f00:00/5f00:00:01.0/nothing");
	EXPECT_TRUE(w.view);
	EXPECT_FALSE(w.machine);
}

TEST_F(SysfsWalkTest, AMissingLastNameInAMachineDirectoryIsTheMachines)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/0000:00:01.0/nothing");
	EXPECT_EQ(w.end, End::Missing);
	EXPECT_EQ(w.path, "/sys/devices/pci0000:00/0000:00:01.0/nothing");
	EXPECT_FALSE(w.view);
	EXPECT_TRUE(w.machine);
}

TEST_F(SysfsWalkTest, DirectoriesBothTreesHaveAreInBoth)
{
	for (const char *p : {"/sys", "/sys/bus/pci/devices", "/sys/module"}) {
		SysfsWalk w = walk(p);
		EXPECT_EQ(w.end, End::Found) << p;
		EXPECT_EQ(w.type, NodeType::Dir) << p;
		EXPECT_TRUE(w.view && w.machine) << p;
	}
}

TEST_F(SysfsWalkTest, TheViewWinsANameBothTreesHave)
{
	SysfsWalk w = walk("/sys/bus/pci/drivers_probe");
	EXPECT_EQ(w.end, End::Found);
	EXPECT_TRUE(w.view);
	EXPECT_FALSE(w.machine);
}

TEST_F(SysfsWalkTest, MachineLinksReachTheViewThroughMergedDirectories)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/0000:00:01.0/subsystem/devices/5f00:00:01.0/vendor");
	EXPECT_EQ(w.end, End::Found);
	EXPECT_EQ(w.path, "/sys/devices/pci5f00:00/5f00:00:01.0/vendor");
	EXPECT_TRUE(w.view);
}

TEST_F(SysfsWalkTest, ViewLinksReachTheMachine)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/5f00:00:01.0/subsystem/slots");
	EXPECT_EQ(w.end, End::Found);
	EXPECT_EQ(w.path, "/sys/bus/pci/slots");
	EXPECT_FALSE(w.view);
	EXPECT_TRUE(w.machine);
}

TEST_F(SysfsWalkTest, MachinePathsResolveOnTheMachine)
{
	SysfsWalk w = walk("/sys/class/net/eth0/../../vendor");
	EXPECT_EQ(w.end, End::Found);
	EXPECT_EQ(w.path, "/sys/devices/pci0000:00/0000:00:01.0/vendor");
	EXPECT_FALSE(w.view);
	EXPECT_TRUE(w.machine);
}

TEST_F(SysfsWalkTest, DotDotAboveSysIsTheRoot)
{
	SysfsWalk w = walk("/sys/..");
	EXPECT_EQ(w.end, End::Outside);
	EXPECT_EQ(w.path, "/");
	w = walk("/sys/bus/pci/devices/5f00:00:01.0/../../../../../../..");
	EXPECT_EQ(w.end, End::Outside);
	EXPECT_EQ(w.path, "/");
}

TEST_F(SysfsWalkTest, WhatIsLeftAfterLeavingSysGoesOutside)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/5f00:00:01.0/../../../../dev/vfio/vfio");
	EXPECT_EQ(w.end, End::Outside);
	EXPECT_EQ(w.path, "/dev/vfio/vfio");
	w = walk("/dev/vfio/vfio");
	EXPECT_EQ(w.end, End::Outside);
	EXPECT_EQ(w.path, "/dev/vfio/vfio");
}

TEST_F(SysfsWalkTest, ALinkClimbingAboveSysIsClampedAtTheRoot)
{
	t_.view.link("/bus/pci/devices/evil", "../../../../../../../../etc");
	SysfsWalk w = walk("/sys/bus/pci/devices/evil/passwd");
	EXPECT_EQ(w.end, End::Outside);
	EXPECT_EQ(w.path, "/etc/passwd");
}

TEST_F(SysfsWalkTest, DotDotAtTheRootStaysThere)
{
	SysfsWalk w = walk("/../../sys/bus/pci");
	EXPECT_EQ(w.end, End::Found);
	EXPECT_EQ(w.path, "/sys/bus/pci");
	EXPECT_EQ(walk("/sys/../sys/../sys/bus/pci/devices/5f00:00:01.0/..").path, "/sys/devices/pci5f00:00");
}

TEST_F(SysfsWalkTest, AnAbsoluteLinkStartsFromTheRoot)
{
	t_.view.link("/kernel/abs", "/sys/module/vfio_pci");
	SysfsWalk w = walk("/sys/kernel/abs/parameters");
	EXPECT_EQ(w.end, End::Found);
	EXPECT_EQ(w.path, "/sys/module/vfio_pci/parameters");
}

TEST_F(SysfsWalkTest, LinksInTheTargetOfAFollowedLastLinkAreFollowed)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/5f00:00:01.0/driver/module");
	EXPECT_EQ(w.end, End::Found);
	EXPECT_EQ(w.path, "/sys/module/vfio_pci");
	EXPECT_EQ(w.type, NodeType::Dir);
	w = walk("/sys/bus/pci/devices/5f00:00:01.0/driver/module", false);
	EXPECT_EQ(w.path, "/sys/bus/pci/drivers/vfio-pci/module");
	EXPECT_EQ(w.type, NodeType::Link);
}

TEST_F(SysfsWalkTest, ALinkLoopIsELOOP)
{
	t_.view.link("/kernel/a", "b").link("/kernel/b", "a");
	SysfsWalk w = walk("/sys/kernel/a");
	EXPECT_EQ(w.end, End::Error);
	EXPECT_EQ(w.error, ELOOP);
	/* Not followed, the first link is just a link. */
	EXPECT_EQ(walk("/sys/kernel/a", false).end, End::Found);
}

TEST_F(SysfsWalkTest, FortyLinksAreFollowedNotFortyOne)
{
	for (int i = 0; i < kMaxSymlinks + 1; i++)
		t_.view.link("/kernel/l" + std::to_string(i), "l" + std::to_string(i + 1));
	t_.view.dir("/kernel/l" + std::to_string(kMaxSymlinks + 1));
	SysfsWalk w = walk("/sys/kernel/l1");
	EXPECT_EQ(w.end, End::Found);
	EXPECT_EQ(w.path, "/sys/kernel/l41");
	w = walk("/sys/kernel/l0");
	EXPECT_EQ(w.end, End::Error);
	EXPECT_EQ(w.error, ELOOP);
}

TEST_F(SysfsWalkTest, AnEmptyLinkIsENOENT)
{
	t_.view.link("/kernel/empty", "");
	EXPECT_EQ(walk("/sys/kernel/empty").error, ENOENT);
}

TEST_F(SysfsWalkTest, ADanglingLastLinkIsMissingWhereItPoints)
{
	t_.view.link("/bus/pci/devices/broken", "../../../devices/pci5f00:00/gone");
	SysfsWalk w = walk("/sys/bus/pci/devices/broken");
	EXPECT_EQ(w.end, End::Missing);
	EXPECT_EQ(w.path, "/sys/devices/pci5f00:00/gone");
	EXPECT_EQ(walk("/sys/bus/pci/devices/broken", false).type, NodeType::Link);
	EXPECT_EQ(walk("/sys/bus/pci/devices/broken/").error, ENOENT);
}

TEST_F(SysfsWalkTest, LookupErrorsOtherThanENOENTAreTheWalks)
{
	SysfsWalk w = walk("/sys/kernel/debug/iommu/intel");
	EXPECT_EQ(w.end, End::Error);
	EXPECT_EQ(w.error, EACCES);
	w = walk("/sys/kernel/debug/iommu");
	EXPECT_EQ(w.end, End::Error);
	EXPECT_EQ(w.error, EACCES);
}

TEST_F(SysfsWalkTest, EmptyAndDotComponentsAreSkipped)
{
	SysfsWalk w = walk("//sys//bus/./pci/devices//5f00:00:01.0/./vendor");
	EXPECT_EQ(w.end, End::Found);
	EXPECT_EQ(w.path, "/sys/devices/pci5f00:00/5f00:00:01.0/vendor");
}

TEST_F(SysfsWalkTest, AWalkThroughTheViewAsksTheViewOnly)
{
	/* One lookup a name, the device link's text, and nothing of the
	 * machine's: what the view has is the view's. */
	SysfsWalk w = walk("/sys/bus/pci/devices/5f00:00:01.0/config");
	EXPECT_EQ(w.end, End::Found);
	EXPECT_TRUE(t_.machine.asked.empty());
	EXPECT_EQ(t_.view.asked.size(), 8u);
}

TEST_F(SysfsWalkTest, NamesBelowAViewOnlyDirectoryAreNotLookedUpOnTheMachine)
{
	/* Missing from the view: the machine is asked whether it has the
	 * directories on the way (it lacks pci5f00:00), not for the name. */
	SysfsWalk w = walk("/sys/devices/pci5f00:00/5f00:00:01.0/nothing");
	EXPECT_EQ(w.end, End::Missing);
	EXPECT_FALSE(w.machine);
	EXPECT_EQ(t_.machine.asked, (std::vector<std::string>{"", "/devices", "/devices/pci5f00:00"}));
}

TEST_F(SysfsWalkTest, ADirectoryOfTheViewAtTheEndAsksTheMachineWhetherItIsMerged)
{
	SysfsWalk w = walk("/sys/bus/pci/devices/5f00:00:01.0/subsystem");
	EXPECT_EQ(w.end, End::Found);
	EXPECT_EQ(w.path, "/sys/bus/pci");
	EXPECT_TRUE(w.view && w.machine);
}

TEST_F(SysfsWalkTest, WithoutAnySysfsNothingIsFound)
{
	FakeTrees none;
	SysfsWalk w = walk_sysfs("/sys/bus/pci", true, none);
	EXPECT_EQ(w.end, End::Error);
	EXPECT_EQ(w.error, ENOENT);
}

TEST_F(SysfsWalkTest, RoutesFollowWhereTheWalkEnded)
{
	EXPECT_EQ(route_walk(walk("/sys/bus/pci/devices/5f00:00:01.0/config")), SysRoute::Overlay);
	EXPECT_EQ(route_walk(walk("/sys/bus/pci/devices/5f00:00:01.0", false)), SysRoute::Overlay);
	EXPECT_EQ(route_walk(walk("/sys/bus/pci/devices/5f00:00:01.0/..")), SysRoute::Overlay);
	EXPECT_EQ(route_walk(walk("/sys/bus/pci/devices")), SysRoute::Merged);
	EXPECT_EQ(route_walk(walk("/sys/bus/pci/devices/0000:00:01.0/vendor")), SysRoute::Real);
	EXPECT_EQ(route_walk(walk("/sys/bus/pci/devices/5f00:00:01.0/nothing")), SysRoute::Real);
}

} /* namespace */
} /* namespace softvfio::shim */
