/* SPDX-License-Identifier: MIT */
/*
 * The device nodes: which exist per KernelOptions::access, what stat
 * reports, what readdir lists, and open(2)'s flags.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "access/access_fixture.h"

namespace softvfio::test {
namespace {

class Nodes : public AccessTest
{
protected:
	void with(AccessPaths paths)
	{
		configure(paths);
		add_guest_devices();
	}
	NodeInfo stat(const char *path)
	{
		auto info = kernel_->node_info(path);
		EXPECT_TRUE(info) << path;
		return info.value_or(NodeInfo{});
	}
};

/* The default: every way in. */
TEST_F(Nodes, DefaultHasEverything)
{
	with({});
	EXPECT_GE(open_node("/dev/vfio/vfio"), 0);
	EXPECT_GE(open_node("/dev/vfio/1"), 0);
	EXPECT_GE(open_node("/dev/vfio/devices/vfio0"), 0);
	EXPECT_GE(open_node("/dev/iommu"), 0);
}

/* Debian's 6.12: containers and groups only (§8.1). */
TEST_F(Nodes, GroupOnlyConfiguration)
{
	with({.group = true, .noiommu = false, .cdev = false, .iommufd = false});
	EXPECT_GE(open_node("/dev/vfio/vfio"), 0);
	EXPECT_EQ(open_node("/dev/vfio/devices/vfio0"), -ENOENT);
	EXPECT_EQ(open_node("/dev/iommu"), -ENOENT);
	EXPECT_FALSE(stat("/dev/iommu").exists);
	EXPECT_FALSE(stat("/dev/vfio/devices").exists);
	EXPECT_EQ(kernel_->list_nodes("/dev/vfio"), (std::vector<std::string>{"1", "2", "vfio"}));
}

TEST_F(Nodes, CdevOnlyConfiguration)
{
	with({.group = false, .noiommu = false, .cdev = true, .iommufd = true});
	EXPECT_EQ(open_node("/dev/vfio/vfio"), -ENOENT);
	EXPECT_EQ(open_node("/dev/vfio/1"), -ENOENT);
	EXPECT_GE(open_node("/dev/vfio/devices/vfio1"), 0);
	EXPECT_EQ(kernel_->list_nodes("/dev/vfio"), (std::vector<std::string>{"devices"}));
	EXPECT_EQ(kernel_->list_nodes("/dev/vfio/devices"), (std::vector<std::string>{"vfio0", "vfio1"}));
}

/* No-IOMMU mode: the nodes carry the prefix. */
TEST_F(Nodes, NoiommuNames)
{
	with({.group = true, .noiommu = true, .cdev = true, .iommufd = true});
	EXPECT_EQ(open_node("/dev/vfio/1"), -ENOENT);
	EXPECT_GE(open_node("/dev/vfio/noiommu-1"), 0);
	EXPECT_EQ(open_node("/dev/vfio/devices/vfio0"), -ENOENT);
	EXPECT_GE(open_node("/dev/vfio/devices/noiommu-vfio0"), 0);
	EXPECT_EQ(kernel_->list_nodes("/dev/vfio"),
		  (std::vector<std::string>{"devices", "noiommu-1", "noiommu-2", "vfio"}));
}

TEST_F(Nodes, NoiommuContainer)
{
	with({.group = true, .noiommu = true, .cdev = false, .iommufd = false});
	int c = must_open("/dev/vfio/vfio");
	EXPECT_EQ(ioctl(c, VFIO_CHECK_EXTENSION, uintptr_t(VFIO_NOIOMMU_IOMMU)), 1);
	int g = must_open("/dev/vfio/noiommu-1");
	ASSERT_EQ(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), 0);
	EXPECT_EQ(ioctl(c, VFIO_CHECK_EXTENSION, uintptr_t(VFIO_TYPE1v2_IOMMU)), 0);
	EXPECT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), -ENODEV);
	ASSERT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_NOIOMMU_IOMMU)), 0);
	EXPECT_EQ(map_dma(c, pages(1), 0x100000, 4096), -ENOTTY);
	EXPECT_GE(device_fd(g, kIvshmem), 0);
}

TEST_F(Nodes, AbsentNamesAreEnoent)
{
	with({});
	EXPECT_EQ(open_node("/dev/vfio/3"), -ENOENT);
	EXPECT_EQ(open_node("/dev/vfio/01"), -ENOENT);
	EXPECT_EQ(open_node("/dev/vfio/devices/vfio7"), -ENOENT);
	EXPECT_EQ(open_node("/dev/vfio/whatever"), -ENOENT);
	EXPECT_FALSE(stat("/dev/vfio/3").exists);
}

TEST_F(Nodes, OtherPathsAreNotOurs)
{
	with({});
	EXPECT_EQ(kernel_->open("/dev/null", O_RDWR), Kernel::kNotOurs);
	EXPECT_EQ(kernel_->open("/dev/vfio", O_RDONLY | O_DIRECTORY), Kernel::kNotOurs);
	EXPECT_EQ(kernel_->open("vfio/vfio", O_RDWR), Kernel::kNotOurs);
	EXPECT_FALSE(kernel_->node_info("/dev/null"));
}

TEST_F(Nodes, PathsAreNormalised)
{
	with({});
	EXPECT_GE(open_node("//dev/./vfio//vfio"), 0);
	EXPECT_GE(open_node("/dev/vfio/devices/../vfio"), 0);
}

/* The numbers of the real nodes (§8.1): 10:196 0666, groups 244:<index>
 * 0600, cdevs on their own major, /dev/iommu a misc minor 0660. */
TEST_F(Nodes, StatNumbersAndModes)
{
	with({});
	NodeInfo c = stat("/dev/vfio/vfio");
	EXPECT_EQ(c.mode, mode_t(S_IFCHR | 0666));
	EXPECT_EQ(c.major, 10u);
	EXPECT_EQ(c.minor, 196u);
	NodeInfo g1 = stat("/dev/vfio/1"), g2 = stat("/dev/vfio/2");
	EXPECT_EQ(g1.mode, mode_t(S_IFCHR | 0600));
	EXPECT_EQ(g1.major, 244u);
	EXPECT_EQ(g1.minor, 0u);
	EXPECT_EQ(g2.minor, 1u);
	NodeInfo d = stat("/dev/vfio/devices/vfio1");
	EXPECT_EQ(d.mode, mode_t(S_IFCHR | 0600));
	EXPECT_EQ(d.major, 243u);
	EXPECT_EQ(d.minor, 1u);
	NodeInfo i = stat("/dev/iommu");
	EXPECT_EQ(i.mode, mode_t(S_IFCHR | 0660));
	EXPECT_EQ(i.major, 10u);
	NodeInfo dir = stat("/dev/vfio");
	EXPECT_TRUE(dir.directory);
	EXPECT_EQ(dir.mode, mode_t(S_IFDIR | 0755));
	EXPECT_TRUE(stat("/dev/vfio/devices").directory);
}

/* The nodes an administrator hands to the user of VFIO (chown in a udev
 * rule) are the user's who runs the model; the rest stay root's. */
TEST_F(Nodes, TheGroupCdevAndIommuNodesBelongToTheUserWhoRunsTheModel)
{
	with({});
	for (const char *path : {"/dev/vfio/1", "/dev/vfio/devices/vfio0", "/dev/iommu"}) {
		NodeInfo n = stat(path);
		EXPECT_EQ(n.uid, ::geteuid()) << path;
		EXPECT_EQ(n.gid, ::getegid()) << path;
	}
	for (const char *path : {"/dev/vfio/vfio", "/dev/vfio", "/dev/vfio/devices"}) {
		NodeInfo n = stat(path);
		EXPECT_EQ(n.uid, 0u) << path;
		EXPECT_EQ(n.gid, 0u) << path;
	}
}

/* softvfio needs no root: a user who is not root opens every node,
 * through its owner's bits. */
TEST_F(Nodes, AUserWhoIsNotRootOpensTheNodes)
{
	with({});
	pid_t pid = ::fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (::geteuid() == 0 && (::setresgid(65534, 65534, 65534) || ::setresuid(65534, 65534, 65534)))
			::_exit(2);
		int bad = 0;
		for (const char *path : {"/dev/vfio/vfio", "/dev/vfio/1", "/dev/vfio/devices/vfio0", "/dev/iommu"})
			bad += open_node(path) < 0;
		::_exit(bad ? 1 : 0);
	}
	int status = 0;
	ASSERT_EQ(::waitpid(pid, &status, 0), pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(Nodes, ListsDirectories)
{
	with({});
	EXPECT_EQ(kernel_->list_nodes("/dev/vfio"), (std::vector<std::string>{"1", "2", "devices", "vfio"}));
	EXPECT_EQ(kernel_->list_nodes("/dev/vfio/devices"), (std::vector<std::string>{"vfio0", "vfio1"}));
	EXPECT_TRUE(kernel_->list_nodes("/dev").empty());
}

TEST_F(Nodes, OpenFlagsAreHonoured)
{
	with({});
	int a = must_open("/dev/vfio/vfio", O_RDWR);
	int b = must_open("/dev/vfio/vfio", O_RDONLY | O_CLOEXEC);
	int d = must_open("/dev/vfio/devices/vfio0", O_RDWR | O_NONBLOCK);
	EXPECT_EQ(::fcntl(a, F_GETFD), 0);
	EXPECT_EQ(::fcntl(b, F_GETFD), FD_CLOEXEC);
	EXPECT_EQ(::fcntl(b, F_GETFL) & O_ACCMODE, O_RDONLY);
	EXPECT_TRUE(::fcntl(d, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(kernel_->owns_fd(a));
}

TEST_F(Nodes, OpenFlagRows)
{
	with({});
	EXPECT_EQ(open_node("/dev/vfio/vfio", O_RDWR | O_DIRECTORY), -ENOTDIR);
	EXPECT_EQ(open_node("/dev/vfio/vfio", O_RDWR | O_CREAT | O_EXCL), -EEXIST);
}

/* Every open of the container and of /dev/iommu is a new context. */
TEST_F(Nodes, IommufdOpensAreSeparate)
{
	with({});
	int a = must_open("/dev/iommu");
	int b = must_open("/dev/iommu");
	iommu_ioas_alloc x{};
	x.size = sizeof(x);
	ASSERT_EQ(ioctl(a, IOMMU_IOAS_ALLOC, &x), 0);
	ASSERT_EQ(ioctl(b, IOMMU_IOAS_ALLOC, &x), 0);
	EXPECT_EQ(x.out_ioas_id, 1u);
}

/* Stand-ins are told apart by identity: a dup made behind the model's
 * back still finds its own object. */
TEST_F(Nodes, StandinsHaveTheirOwnIdentity)
{
	with({});
	int g1 = must_open("/dev/vfio/1");
	must_open("/dev/vfio/2");
	int copy = ::dup(g1);
	vfio_group_status st{};
	st.argsz = sizeof(st);
	EXPECT_EQ(ioctl(copy, VFIO_GROUP_GET_STATUS, &st), 0);
	int c = must_open("/dev/vfio/vfio");
	ASSERT_EQ(ioctl(copy, VFIO_GROUP_SET_CONTAINER, &c), 0);
	EXPECT_EQ(ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), 0);
	kernel_->close(copy);
}

} /* namespace */
} /* namespace softvfio::test */
