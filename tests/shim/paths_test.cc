/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>

#include "shim/paths.h"

namespace softvfio::shim {
namespace {

pid_t fake_self() { return 4242; }

PathClass classify(const char *path) { return classify_path(path, fake_self); }

TEST(Paths, OrdinaryPathsAreNotOurs)
{
	for (const char *p : {"/usr/lib/libc.so.6", "data.txt", "", "/dev/null", "/dev/vfiox", "/proc/cpuinfo",
			      "/proc/4243/maps", "/sys/devices/system/cpu/online", "/sys/fs/cgroup", "/proc/self/status"})
		EXPECT_EQ(classify(p).kind, PathKind::Other) << p;
	EXPECT_EQ(classify_path(nullptr, fake_self).kind, PathKind::Other);
}

TEST(Paths, DeviceNodes)
{
	for (const char *p : {"/dev/vfio", "/dev/vfio/vfio", "/dev/vfio/12", "/dev/vfio/devices/vfio0", "/dev/iommu",
			      "/dev/vfio/noiommu-3"})
		EXPECT_EQ(classify(p).kind, PathKind::DevNode) << p;
	PathClass c = classify("//dev/./vfio//devices/../vfio/");
	EXPECT_EQ(c.kind, PathKind::DevNode);
	EXPECT_EQ(c.norm, "/dev/vfio/vfio");
	/* "/dev/vfio/.." is /dev, which the C library must be told. */
	c = classify("/dev/vfio/..");
	EXPECT_EQ(c.kind, PathKind::Other);
	EXPECT_EQ(c.norm, "/dev");
}

TEST(Paths, SysfsTreesOfSoftwareDevices)
{
	PathClass c = classify("/sys/bus/pci/devices/5f00:00:01.0/vendor");
	EXPECT_EQ(c.kind, PathKind::Sys);
	EXPECT_EQ(c.rel, "/bus/pci/devices/5f00:00:01.0/vendor");
	for (const char *p : {"/sys", "/sys/bus", "/sys/kernel/iommu_groups/3/devices", "/sys/class/vfio-dev/vfio0",
			      "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "/sys/devices/pci5f00:00",
			      "/sys/dev/char/10:196", "/sys/bus/pci/drivers_probe", "/sys/class/misc/vfio"})
		EXPECT_EQ(classify(p).kind, PathKind::Sys) << p;
	EXPECT_EQ(classify("/sys").rel, "");
}

TEST(Paths, DotDotBelowSysIsKeptForTheWalk)
{
	/* ".." below /sys may cross a symlink: the walk resolves it. */
	PathClass c = classify("/sys/bus/pci/devices/x/../y");
	EXPECT_EQ(c.kind, PathKind::Sys);
	EXPECT_EQ(c.norm, "/sys/bus/pci/devices/x/../y");
	EXPECT_EQ(c.rel, "/bus/pci/devices/x/../y");
	/* Anywhere below /sys, candidate tree or not: it may lead into one. */
	EXPECT_EQ(classify("/sys/fs/../bus/pci").kind, PathKind::Sys);
	EXPECT_EQ(classify("/sys/..").norm, "/sys/..");
}

TEST(Paths, ARootDotDotBeforeSysIsTheRoot)
{
	PathClass c = classify("/../sys/./bus//pci");
	EXPECT_EQ(c.kind, PathKind::Sys);
	EXPECT_EQ(c.norm, "/sys/bus/pci");
}

TEST(Paths, DotDotBeforeSysIsTheCLibrarys)
{
	/* "/lib/.." need not be "/": /lib may be a link. */
	PathClass c = classify("/lib/../sys/bus/pci");
	EXPECT_EQ(c.kind, PathKind::Other);
	EXPECT_TRUE(c.norm.empty());
}

TEST(Paths, ATrailingSlashBelowSysIsKept)
{
	/* It makes the kernel follow a last link. */
	EXPECT_EQ(classify("/sys/bus/pci/devices/5f00:00:01.0/").norm, "/sys/bus/pci/devices/5f00:00:01.0/");
	EXPECT_EQ(classify("/sys/bus/pci/devices/5f00:00:01.0/.").norm, "/sys/bus/pci/devices/5f00:00:01.0/");
	EXPECT_EQ(classify("/sys/").kind, PathKind::Sys);
}

TEST(Paths, SysTreesNoDeviceAppearsInAreNotOurs)
{
	EXPECT_EQ(classify("/sys/devices/system/cpu/online").kind, PathKind::Other);
	EXPECT_EQ(classify("/sys/class/net/").kind, PathKind::Other);
	EXPECT_EQ(classify("/sysfoo/bus").kind, PathKind::Other);
}

TEST(Paths, OwnProcFiles)
{
	EXPECT_EQ(classify("/proc/self/maps").kind, PathKind::ProcMaps);
	EXPECT_EQ(classify("/proc/4242/maps").kind, PathKind::ProcMaps);
	EXPECT_EQ(classify("/proc/thread-self/maps").kind, PathKind::ProcMaps);
	EXPECT_EQ(classify("/proc/self/task/4250/maps").kind, PathKind::ProcMaps);
	PathClass c = classify("/proc/self/fd/17");
	EXPECT_EQ(c.kind, PathKind::ProcFd);
	EXPECT_EQ(c.fd, 17);
	c = classify("/proc/4242/fdinfo/5");
	EXPECT_EQ(c.kind, PathKind::ProcFdinfo);
	EXPECT_EQ(c.fd, 5);
	EXPECT_EQ(classify("/proc/self/fd/x").kind, PathKind::Other);
	EXPECT_EQ(classify("/proc/self/fd").kind, PathKind::Other);
}

TEST(Paths, ThroughTheCurrentDirectoryLink)
{
	PathClass c = classify("/proc/self/cwd");
	EXPECT_EQ(c.kind, PathKind::ProcDir);
	EXPECT_EQ(c.fd, -1);
	EXPECT_EQ(c.rel, "");
	/* ".." is the parent of the current directory, not /proc/self. */
	c = classify("/proc/4242/cwd/../config");
	EXPECT_EQ(c.kind, PathKind::ProcDir);
	EXPECT_EQ(c.rel, "/../config");
	EXPECT_EQ(classify("/proc/4243/cwd/x").kind, PathKind::Other);
}

TEST(Paths, ThroughADirectoryFdLink)
{
	PathClass c = classify("/proc/self/fd/7/../vendor");
	EXPECT_EQ(c.kind, PathKind::ProcDir);
	EXPECT_EQ(c.fd, 7);
	EXPECT_EQ(c.rel, "/../vendor");
	EXPECT_EQ(classify("/proc/self/fd/7").kind, PathKind::ProcFd);
	/* Other own /proc paths with ".." are the C library's. */
	EXPECT_EQ(classify("/proc/self/../self/maps").kind, PathKind::Other);
}

TEST(Paths, Tidying)
{
	bool dotdot = true;
	EXPECT_EQ(tidy_path("//sys/./bus//pci", dotdot), "/sys/bus/pci");
	EXPECT_FALSE(dotdot);
	EXPECT_EQ(tidy_path("/../sys/x/../y/", dotdot), "/sys/x/../y/");
	EXPECT_TRUE(dotdot);
	EXPECT_EQ(tidy_path("/", dotdot), "/");
	EXPECT_EQ(tidy_path("/..", dotdot), "/");
	EXPECT_FALSE(dotdot);
}

TEST(Paths, Normalisation)
{
	std::string out;
	EXPECT_TRUE(normalize_path("/a//b/./c/", false, out));
	EXPECT_EQ(out, "/a/b/c");
	EXPECT_FALSE(normalize_path("/a/../b", false, out));
	EXPECT_TRUE(normalize_path("/a/../../b", true, out));
	EXPECT_EQ(out, "/b");
	EXPECT_TRUE(normalize_path("/", true, out));
	EXPECT_EQ(out, "/");
	EXPECT_EQ(join_path("/sys/bus", "pci"), "/sys/bus/pci");
	EXPECT_EQ(join_path("/", "dev"), "/dev");
}

} /* namespace */
} /* namespace softvfio::shim */
